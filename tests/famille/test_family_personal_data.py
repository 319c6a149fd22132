"""The family file in the personal-data registry: what an export holds, what an erasure forgets; and the
administrators' configuration screens of part F1."""

import json
from datetime import date

import pytest
from django.urls import reverse

from famille import services
from famille.models import ChildShareInvitation, HouseholdInvitation
from guichet.accounts import registry
from tests.factories import UserFactory, make_admin, make_town
from tests.famille.factories import give, seed_requirements, vault_document
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _world(db):
    make_town()
    seed_requirements()


def test_the_export_holds_the_family_file_and_is_json_ready():
    parent = UserFactory()
    household = services.create_household(actor=parent, name="Famille Martin", city="Nantes")
    child = services.add_child(
        actor=parent, household=household, first_name="Léa", last_name="Martin", birth_date=date(2018, 3, 14)
    )
    services.update_child_health(
        actor=parent, child=child, allergies="Arachide", medical_notes="", has_pai=False, pai_details=""
    )
    give(parent, household, "carnet-vaccination", child=child)
    services.declare_quotient(
        actor=parent,
        household=household,
        value=850,
        caf_document=vault_document(parent, household, "attestation-caf"),
    )

    export = registry.export_user_data(parent)["famille"]

    json.dumps(export)  # nothing that JSON cannot hold (dates are ISO strings)
    (foyer,) = export["foyers"]
    assert (foyer["nom"], foyer["commune"]) == ("Famille Martin", "Nantes")
    assert foyer["enfants"][0]["prénom"] == "Léa"
    assert foyer["enfants"][0]["allergies"] == "Arachide"
    assert foyer["documents"][0]["pièce"] == "carnet-vaccination"
    assert foyer["quotients"][0]["valeur"] == 850
    assert registry.export_user_data(UserFactory())["famille"] == {"foyers": []}


def test_erasure_forgets_the_invitations_addressed_to_the_user_whatever_the_order_of_the_erasers():
    parent = UserFactory()
    household = services.create_household(actor=parent, name="Famille Martin")
    child = services.add_child(
        actor=parent, household=household, first_name="Léa", last_name="Martin", birth_date=date(2018, 3, 14)
    )
    invited = UserFactory(email="invite@exemple.fr")
    services.invite_adult(actor=parent, household=household, email="invite@exemple.fr")
    services.share_child(actor=parent, child=child, household=household, email="invite@exemple.fr")

    registry.erase_user_data(invited)  # accounts' eraser replaces the address first or last

    assert not HouseholdInvitation.objects.exists()
    assert not ChildShareInvitation.objects.exists()


def test_an_accepted_invitation_keeps_no_address_once_its_guest_is_erased():
    parent = UserFactory()
    household = services.create_household(actor=parent, name="Famille Martin")
    second = UserFactory(email="second@exemple.fr")
    _invitation, token = services.invite_adult(actor=parent, household=household, email=second.email)
    services.accept_invitation(actor=second, token=token)

    registry.erase_user_data(second)

    assert HouseholdInvitation.objects.get().email == ""


@pytest.mark.parametrize("model", ["requireddocument", "site", "schoolyear"])
def test_the_configuration_screens_open_for_administrators(client, model):
    login(client, make_admin())
    assert client.get(reverse(f"admin:famille_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:famille_{model}_add")).status_code == 200


def test_a_required_document_is_withdrawn_not_deleted(client):
    login(client, make_admin())
    from famille.models import RequiredDocument

    required = RequiredDocument.objects.first()
    page = client.get(reverse("admin:famille_requireddocument_change", args=[required.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:famille_requireddocument_delete", args=[required.pk])).status_code == 403
