"""The schedule in the admin ("le calendrier de conservation"), and each run's report, for administrators."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from guichet.audit.models import AuditEvent
from guichet.retention.models import RetentionOverride, RetentionRule, RetentionRun
from tests.demarches.factories import DemarcheFactory
from tests.factories import make_admin, make_agent
from tests.helpers import login
from tests.retention.factories import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return make_admin(first_name="Ada", last_name="Admin")


@pytest.fixture
def admin_client(client, admin_user):
    return login(client, admin_user)


def change_url(code: str) -> str:
    return reverse("admin:retention_retentionrule_change", args=[RetentionRule.objects.get(code=code).pk])


def test_the_calendar_lists_every_kind_in_order_with_what_it_covers_and_why(admin_client):
    response = admin_client.get(reverse("admin:retention_retentionrule_changelist"))

    assertContains(response, "Calendrier de conservation")
    html = response.content.decode()
    assert (
        html.index("Brouillons de démarches")
        < html.index("Demandes terminées")
        < html.index("Journal d&#x27;audit")
    )
    assertContains(response, "Suppression au bout de 100 jours sans modification.")
    assertContains(response, "Pseudonymisation 5 ans après la décision.")
    assertContains(response, "Code du patrimoine")
    # One rule per kind, made from the code: nothing to add nor delete.
    assertNotContains(response, reverse("admin:retention_retentionrule_add"))


def test_an_administrator_changes_a_duration_and_it_is_audited(admin_client, admin_user):
    response = admin_client.post(change_url("demarches.drafts"), {"days": "150", "action": "delete"})

    assert response.status_code == 302
    rule = RetentionRule.objects.get(code="demarches.drafts")
    assert (rule.days, rule.updated_by) == (150, admin_user)
    event = AuditEvent.objects.get(action="retention.rule.update")
    assert (event.actor_id, event.details) == (
        admin_user.pk,
        {"kind": "demarches.drafts", "days_before": 100, "days": 150, "outcome": "delete"},
    )


def test_a_duration_below_the_minimum_is_refused_with_what_was_typed(admin_client):
    response = admin_client.post(change_url("audit.events"), {"days": "30", "action": "delete"})

    assert response.status_code == 200
    assertContains(response, "Cette durée ne peut pas être inférieure à 180 jours.")
    assertContains(response, 'value="30"')
    assert RetentionRule.objects.get(code="audit.events").days == 365


def test_only_the_closed_requests_rules_offer_deletion_or_pseudonymisation_and_own_durations(admin_client):
    drafts = admin_client.get(change_url("demarches.drafts"))
    closed = admin_client.get(change_url("demarches.closed_requests"))

    assertNotContains(drafts, 'value="pseudonymise"')
    assertNotContains(drafts, "Durées propres à des démarches")
    assertContains(closed, 'value="pseudonymise"')
    assertContains(closed, "Durées propres à des démarches")


def test_an_administrator_gives_a_procedure_its_own_duration(admin_client, admin_user):
    demarche = DemarcheFactory(title="Mariage")
    data = {
        "days": "1825",
        "action": "pseudonymise",
        "overrides-TOTAL_FORMS": "1",
        "overrides-INITIAL_FORMS": "0",
        "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000",
        "overrides-0-demarche": str(demarche.pk),
        "overrides-0-days": "3650",
        "overrides-0-action": "delete",
    }

    response = admin_client.post(change_url("demarches.civil_status_requests"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    override = RetentionOverride.objects.get(demarche=demarche)
    assert (override.rule.code, override.days, override.action) == (
        "demarches.civil_status_requests",
        3650,
        "delete",
    )
    assert AuditEvent.objects.filter(action="retention.override.create", actor_id=admin_user.pk).exists()


def test_the_runs_are_shown_read_only_with_their_counts_by_kind(admin_client):
    report = run()

    listing = admin_client.get(reverse("admin:retention_retentionrun_changelist"))
    detail = admin_client.get(reverse("admin:retention_retentionrun_change", args=[report.pk]))

    assertContains(listing, "Passages de la conservation")
    assertContains(detail, "<p>Brouillons de démarches : 0</p>", html=True)
    assertNotContains(detail, 'name="_save"')
    assert (
        admin_client.post(reverse("admin:retention_retentionrun_delete", args=[report.pk])).status_code == 403
    )
    assert RetentionRun.objects.filter(pk=report.pk).exists()


def test_an_agent_who_is_not_an_administrator_cannot_open_the_calendar(client):
    login(client, make_agent())
    response = client.get(reverse("admin:retention_retentionrule_changelist"))
    assert response.status_code == 403
