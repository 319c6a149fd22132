"""The certified identity prefills the démarches: its own sources, and the profile's names prefer it."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from demarches import prefill
from demarches import services as demarches_services
from tests.demarches.factories import DemarcheFactory, add_page, publish
from tests.factories import UserFactory, person_party
from tests.franceconnect.factories import FranceConnectIdentityFactory
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def birth_certificate():
    """A procedure asking who the person is, each field fed by a prefill source."""
    demarche = DemarcheFactory(title="Demander un acte de naissance", slug="acte-test")
    add_page(
        demarche,
        "La personne",
        {"key": "prenoms", "kind": "short_text", "label": "Prénoms", "prefill": "franceconnect.given_name"},
        {
            "key": "nom",
            "kind": "short_text",
            "label": "Nom de naissance",
            "prefill": "franceconnect.family_name",
        },
        {
            "key": "naissance",
            "kind": "date",
            "label": "Date de naissance",
            "prefill": "franceconnect.birthdate",
        },
        {"key": "commune", "kind": "short_text", "label": "Commune", "prefill": "franceconnect.birthplace"},
        {"key": "pays", "kind": "short_text", "label": "Pays", "prefill": "franceconnect.birthcountry"},
        {"key": "prenom", "kind": "short_text", "label": "Prénom", "prefill": "profile.first_name"},
        {"key": "nom_profil", "kind": "short_text", "label": "Nom", "prefill": "profile.last_name"},
        {"key": "complet", "kind": "short_text", "label": "Prénom et nom", "prefill": "profile.full_name"},
    )
    publish(demarche)
    return demarche


def test_a_demarche_is_prefilled_from_the_certified_identity(client, birth_certificate):
    user = UserFactory(first_name="Angie", last_name="Martin")
    FranceConnectIdentityFactory(user=user)

    draft = demarches_services.start_request(
        actor=user, demarche=birth_certificate, applicant=person_party(user)
    )

    assert draft.answers == {
        "prenoms": "Angela Claire Louise",
        "nom": "Dubois",
        "naissance": "1962-08-24",
        "commune": "75107",
        "pays": "99100",
        # The profile's name sources prefer what FranceConnect certified.
        "prenom": "Angela Claire Louise",
        "nom_profil": "Dubois",
        "complet": "Angela Claire Louise Dubois",
    }
    login(client, user)
    page = client.get(reverse("demarches:page", args=[draft.pk, 1]))
    assertContains(page, 'value="Angela Claire Louise"')
    assertContains(page, 'value="1962-08-24"')


def test_without_a_certified_identity_the_profile_prefills_as_before(birth_certificate):
    user = UserFactory(first_name="Camille", last_name="Martin")

    draft = demarches_services.start_request(
        actor=user, demarche=birth_certificate, applicant=person_party(user)
    )

    assert draft.answers == {"prenom": "Camille", "nom_profil": "Martin", "complet": "Camille Martin"}


def test_the_sources_keep_their_labels_and_autocomplete_tokens():
    assert prefill.get("franceconnect.birthdate").autocomplete == "bday"
    assert prefill.get("franceconnect.given_name").autocomplete == "given-name"
    first_name = prefill.get("profile.first_name")
    assert (str(first_name.label), first_name.autocomplete) == ("Prénom", "given-name")
    # The admin's list of sources offers them.
    assert {"franceconnect.birthplace", "franceconnect.birthcountry"} <= set(dict(prefill.choices()))
