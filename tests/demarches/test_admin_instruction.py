"""Administrators set how a procedure is instructed (silence rule, delays, letters) and the labels."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from demarches.enums import LabelTone, SilenceRule
from demarches.models import Demarche, Label, LetterTemplate
from tests.demarches.factories import simple_demarche
from tests.factories import make_agent, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    from tests.factories import make_admin

    make_town()
    return login(client, make_admin())


def change_url(demarche: Demarche) -> str:
    return reverse("admin:demarches_demarche_change", args=[demarche.pk])


def _as_post(value) -> object:
    if value is None or value is False:
        return None
    if value is True:
        return "on"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return str(value)


def form_data(response) -> dict:
    """What the browser would send back from the change page, untouched (inlines included)."""
    data = {}

    def add(form) -> None:
        for name in form.fields:
            value = _as_post(form[name].value())
            if value is not None:
                data[form.add_prefix(name)] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def test_the_instruction_fieldset_shows_every_setting(admin_client):
    demarche = simple_demarche()

    page = admin_client.get(change_url(demarche))

    assert page.status_code == 200
    assertContains(page, 'class="fieldset-heading">Instruction</h2>')
    for name in (
        "is_declarative",
        "silence_rule",
        "silence_days",
        "information_days",
        "information_reminder_days",
        "escalation_days",
    ):
        assertContains(page, f'name="{name}"')
    assertContains(page, "Modèles de courrier des décisions (un par décision)")


def test_a_silence_rule_without_its_delay_is_refused_with_the_models_message(admin_client):
    demarche = simple_demarche()
    data = form_data(admin_client.get(change_url(demarche)))

    response = admin_client.post(
        change_url(demarche), data | {"silence_rule": SilenceRule.ACCEPT, "silence_days": ""}
    )

    assert response.status_code == 200
    assertContains(response, "Indiquez le délai après lequel le silence vaut décision.")
    assertContains(
        response, '<option value="accept" selected>Le silence vaut acceptation</option>', html=True
    )
    demarche.refresh_from_db()
    assert demarche.silence_rule == SilenceRule.NONE


def test_the_instruction_settings_are_saved(admin_client):
    demarche = simple_demarche()
    data = form_data(admin_client.get(change_url(demarche)))

    response = admin_client.post(
        change_url(demarche),
        data
        | {
            "is_declarative": "",
            "silence_rule": SilenceRule.REJECT,
            "silence_days": "60",
            "information_days": "15",
            "information_reminder_days": "5",
            "escalation_days": "3",
        },
    )

    assert response.status_code == 302
    demarche.refresh_from_db()
    assert (demarche.silence_rule, demarche.silence_days) == (SilenceRule.REJECT, 60)
    assert (demarche.information_days, demarche.information_reminder_days, demarche.escalation_days) == (
        15,
        5,
        3,
    )


def test_letter_templates_are_written_inline_one_per_outcome(admin_client):
    demarche = simple_demarche()
    data = form_data(admin_client.get(change_url(demarche)))
    prefix = "letter_templates"
    letter = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-demarche": str(demarche.pk),
        f"{prefix}-0-outcome": "accepted",
        f"{prefix}-0-subject": "Votre demande est acceptée",
        f"{prefix}-0-body": "Madame, Monsieur, votre demande {{ reference }} est acceptée.",
    }

    response = admin_client.post(change_url(demarche), data | letter)

    assert response.status_code == 302
    template = LetterTemplate.objects.get(demarche=demarche)
    assert (template.outcome, template.subject) == ("accepted", "Votre demande est acceptée")
    page = admin_client.get(change_url(demarche))
    assertContains(page, "Variables : {{ reference }}")
    assertContains(page, "Votre demande est acceptée")


def test_a_letter_with_a_broken_tag_is_refused_on_its_field(admin_client):
    demarche = simple_demarche()
    data = form_data(admin_client.get(change_url(demarche)))
    prefix = "letter_templates"

    response = admin_client.post(
        change_url(demarche),
        data
        | {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-demarche": str(demarche.pk),
            f"{prefix}-0-outcome": "refused",
            f"{prefix}-0-subject": "Refus",
            f"{prefix}-0-body": "Votre demande {% if %} est refusée.",
        },
    )

    assert response.status_code == 200
    assertContains(response, "Le modèle contient une erreur")
    assertContains(response, "Votre demande {% if %} est refusée.")
    assert not LetterTemplate.objects.exists()


def test_labels_are_listed_in_order_and_their_position_is_edited_in_the_list(admin_client):
    url = reverse("admin:demarches_label_changelist")
    page = admin_client.get(url)

    assert page.status_code == 200
    names = [label.name for label in page.context["cl"].result_list]
    assert names[:2] == ["À examiner", "Complet"]
    urgent = Label.objects.get(name="Urgent")
    labels = list(page.context["cl"].result_list)
    data = {
        "form-TOTAL_FORMS": str(len(labels)),
        "form-INITIAL_FORMS": str(len(labels)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Enregistrer",
    }
    for index, label in enumerate(labels):
        data[f"form-{index}-id"] = str(label.pk)
        data[f"form-{index}-position"] = "1" if label == urgent else str(label.position + 10)

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert Label.objects.order_by("position", "name").first() == urgent


def test_a_label_is_added_with_its_tone(admin_client):
    response = admin_client.post(
        reverse("admin:demarches_label_add"),
        {"name": "Pièce manquante", "tone": LabelTone.WARNING, "position": "35"},
    )

    assert response.status_code == 302
    assert Label.objects.get(name="Pièce manquante").tone == LabelTone.WARNING


def test_an_agent_cannot_reach_these_admin_pages(client):
    make_town()
    login(client, make_agent())

    assert client.get(reverse("admin:demarches_label_changelist")).status_code == 403
    assert client.get(reverse("admin:demarches_demarche_changelist")).status_code == 403
