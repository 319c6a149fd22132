"""The schedule: defaults seeded by migration, durations in plain French, the limits the law sets."""

import pytest
from django.core.exceptions import ValidationError

from guichet.retention import durations, registry, selectors
from guichet.retention.enums import RetentionAction
from guichet.retention.models import RetentionOverride, RetentionRule
from tests.demarches.factories import DemarcheFactory


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (1, "1 jour"),
        (100, "100 jours"),
        (90, "3 mois"),
        (30, "1 mois"),
        (365, "1 an"),
        (1825, "5 ans"),
        (400, "400 jours"),
    ],
)
def test_durations_read_in_years_months_or_days(days, text):
    assert durations.format_days(days) == text


def test_a_sentence_says_what_happens_and_when():
    assert (
        durations.sentence(
            counted_from="%(duration)s après la décision", days=1825, action=RetentionAction.PSEUDONYMISE
        )
        == "Pseudonymisation 5 ans après la décision."
    )
    assert (
        durations.sentence(
            counted_from="au bout de %(duration)s sans modification", days=100, action="delete"
        )
        == "Suppression au bout de 100 jours sans modification."
    )


@pytest.mark.django_db
def test_every_kind_of_the_code_has_its_rule_seeded_with_its_defaults():
    rules = {rule.code: (rule.days, rule.action) for rule in RetentionRule.objects.all()}
    assert rules == {kind.code: (kind.default_days, kind.default_action) for kind in registry.kinds()}
    assert rules["demarches.drafts"] == (100, "delete")
    assert rules["demarches.civil_status_requests"][0] > rules["demarches.closed_requests"][0]


@pytest.mark.django_db
def test_the_schedule_words_each_rule_and_falls_back_on_the_default_without_a_row():
    RetentionRule.objects.filter(code="demarches.drafts").update(days=200)
    RetentionRule.objects.filter(code="audit.events").delete()

    schedule = selectors.load_schedule()

    assert schedule.sentence("demarches.drafts") == "Suppression au bout de 200 jours sans modification."
    assert schedule.line("audit.events").days == 365
    assert [line.code for line in schedule.lines] == [kind.code for kind in registry.kinds()]
    with pytest.raises(registry.UnknownKind):
        schedule.line("nope")


@pytest.mark.django_db
def test_a_procedure_s_own_duration_is_worded_for_it_only():
    demarche, other = DemarcheFactory(), DemarcheFactory()
    rule = RetentionRule.objects.get(code="demarches.closed_requests")
    RetentionOverride.objects.create(rule=rule, demarche=demarche, days=3650, action=RetentionAction.DELETE)

    schedule = selectors.load_schedule()

    assert schedule.sentence("demarches.closed_requests", demarche_id=demarche.pk) == (
        "Suppression 10 ans après la décision."
    )
    assert schedule.sentence("demarches.closed_requests", demarche_id=other.pk) == (
        "Pseudonymisation 5 ans après la décision."
    )
    policy = schedule.policy("demarches.civil_status_requests")
    assert (policy.overrides, policy.overridden) == ({}, frozenset({demarche.pk}))


@pytest.mark.django_db
def test_a_rule_refuses_a_duration_below_the_law_s_minimum_and_an_action_its_data_cannot_take():
    rule = RetentionRule.objects.get(code="audit.events")
    rule.days, rule.action = 30, RetentionAction.PSEUDONYMISE

    with pytest.raises(ValidationError) as error:
        rule.full_clean()

    assert error.value.message_dict == {
        "days": ["Cette durée ne peut pas être inférieure à 180 jours."],
        "action": ["Ces données ne peuvent pas être pseudonymisées : elles sont supprimées."],
    }


@pytest.mark.django_db
def test_an_own_duration_only_goes_under_a_rule_that_takes_them():
    rule = RetentionRule.objects.get(code="notify.deliveries")
    override = RetentionOverride(
        rule=rule, demarche=DemarcheFactory(), days=400, action=RetentionAction.DELETE
    )

    with pytest.raises(ValidationError) as error:
        override.full_clean()

    assert error.value.message_dict["rule"] == ["Cette règle ne prend pas de durée par démarche."]


def test_a_kind_whose_default_breaks_its_own_limits_is_refused():
    with pytest.raises(ValueError, match="minimum"):
        registry.register_kind(
            registry.Kind(
                code="tests.bad",
                label="",
                covers="",
                counted_from="",
                legal_basis="",
                default_days=5,
                min_days=10,
                purge=lambda **kwargs: iter(()),
            )
        )
