"""Mon espace › Ma famille: the parents' pages of the family file (part F1)."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from famille import services
from famille.enums import ReviewStatus
from famille.models import (
    AuthorisedPickup,
    Child,
    ChildHousehold,
    FamilyDocument,
    Household,
    QuotientFamilial,
)
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import PartyMembership
from tests.factories import UserFactory, make_town
from tests.famille.factories import (
    ChildFactory,
    SiteFactory,
    complete_file,
    give,
    make_household,
    requirement,
    seed_requirements,
    vault_document,
)
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _world(db):
    make_town()
    seed_requirements()


@pytest.fixture
def parent(db):
    return UserFactory(email="camille@exemple.fr", first_name="Camille", last_name="Martin", city="Nantes")


@pytest.fixture
def household(parent):
    return services.create_household(
        actor=parent, name="Famille Martin", address="1 rue des Lilas", postal_code="44000", city="Nantes"
    )


@pytest.fixture
def child(parent, household):
    return services.add_child(
        actor=parent, household=household, first_name="Léa", last_name="Martin", birth_date=date(2018, 3, 14)
    )


@pytest.fixture
def client_parent(client, parent):
    return login(client, parent)


@pytest.fixture
def theirs(db):
    """Another family: a household with a child and a document, none of the parent's business."""
    other = UserFactory()
    household = make_household(other, name="Famille Autre")
    kid = ChildFactory(household=household, first_name="Zoé")
    given = give(other, household, "justificatif-domicile")
    return {"user": other, "household": household, "child": kid, "given": given}


# Opening the file -----------------------------------------------------------------------------------


def test_ma_famille_offers_to_open_a_file_then_leads_to_it(client_parent, parent):
    response = client_parent.get(reverse("famille:family_home"))
    assertContains(response, "Ouvrir mon dossier famille")

    form = client_parent.get(reverse("famille:household_create"))
    assertContains(form, 'value="Famille Martin"')  # proposed from the profile
    response = client_parent.post(
        reverse("famille:household_create"),
        {
            "name": "Famille Martin",
            "address": "1 rue des Lilas",
            "postal_code": "44000",
            "city": "Nantes",
            "phone": "06 12 34 56 78",
            "email": "",
        },
    )
    household = Household.objects.get()
    assertRedirects(response, reverse("famille:household", args=[household.pk]))
    assert PartyMembership.objects.get(party=household.party).user == parent
    assertRedirects(
        client_parent.get(reverse("famille:family_home")), reverse("famille:household", args=[household.pk])
    )
    # A second file cannot be opened: back to the first.
    assertRedirects(
        client_parent.get(reverse("famille:household_create")),
        reverse("famille:family_home"),
        target_status_code=302,
    )


def test_opening_a_file_with_a_wrong_postal_code_keeps_what_was_typed(client_parent):
    response = client_parent.post(
        reverse("famille:household_create"),
        {
            "name": "Famille Martin",
            "address": "1 rue des Lilas",
            "postal_code": "44",
            "city": "Nantes",
            "phone": "0612",
        },
    )
    assert response.status_code == 200
    assertContains(response, "Indiquez un code postal à 5 chiffres.")
    assertContains(response, "Indiquez un numéro de téléphone")
    assertContains(response, 'value="1 rue des Lilas"')
    assert not Household.objects.exists()


def test_the_household_page_shows_children_adults_and_what_is_missing(client_parent, household, child):
    response = client_parent.get(reverse("famille:household", args=[household.pk]))
    assertContains(
        response, '<h1>Ma famille <span class="regie-reference">Famille Martin</span></h1>', html=True
    )
    assertContains(response, f"Dossier n° {household.reference}")
    assertContains(response, "Léa Martin")
    assertContains(response, "4 documents manquent, ont expiré ou ont été refusés")
    assertContains(response, "Inviter l'autre responsable légal")


def test_someone_elses_household_pages_answer_404(client_parent, household, theirs):
    pk = theirs["household"].pk
    for name in ("household", "household_edit", "adult_invite", "child_add", "documents", "quotient"):
        assert client_parent.get(reverse(f"famille:{name}", args=[pk])).status_code == 404, name
    proof = requirement("justificatif-domicile")
    assert client_parent.get(reverse("famille:document_give", args=[pk, proof.pk])).status_code == 404


def test_the_household_page_refuses_post(client_parent, household):
    assert client_parent.post(reverse("famille:household", args=[household.pk])).status_code == 405


def test_editing_the_contact_details(client_parent, household):
    url = reverse("famille:household_edit", args=[household.pk])
    assertContains(client_parent.get(url), 'value="1 rue des Lilas"')
    data = {
        "name": "Famille Martin-Durand",
        "address": "2 rue des Roses",
        "postal_code": "44100",
        "city": "Nantes",
        "phone": "0240000000",
        "email": "FOYER@exemple.fr",
    }
    assertRedirects(client_parent.post(url, data), reverse("famille:household", args=[household.pk]))
    household.refresh_from_db()
    assert (household.party.name, household.address, household.email) == (
        "Famille Martin-Durand",
        "2 rue des Roses",
        "foyer@exemple.fr",
    )

    response = client_parent.post(url, {**data, "email": "pas-une-adresse"})
    assertContains(response, "Saisissez une adresse de courriel valide.")
    assertContains(response, 'value="pas-une-adresse"')


# The second adult ------------------------------------------------------------------------------------


def test_inviting_then_accepting_the_second_adult(
    client, client_parent, household, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_parent.post(
            reverse("famille:adult_invite", args=[household.pk]), {"email": "dominique@exemple.fr"}
        )
    assertRedirects(response, reverse("famille:household", args=[household.pk]))
    page = client_parent.get(reverse("famille:household", args=[household.pk]))
    assertContains(page, "Invitation envoyée à dominique@exemple.fr")
    assertNotContains(page, "Inviter l'autre responsable légal")
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[0].body).group(0)
    path = link[link.index("/mon-espace/") :]

    second = UserFactory(email="dominique@exemple.fr", first_name="Dominique")
    login(client, second)
    response = client.get(path)
    assertContains(
        response, "Camille Martin vous invite à devenir responsable légal du foyer « Famille Martin »."
    )
    assertRedirects(client.post(path), reverse("famille:household", args=[household.pk]))
    assert PartyMembership.objects.filter(
        user=second, party=household.party, role=PartyRole.GUARDIAN
    ).exists()


def test_the_invitation_page_tells_the_wrong_account_what_to_do(client, parent, household):
    _invitation, token = services.invite_adult(
        actor=parent, household=household, email="dominique@exemple.fr"
    )
    login(client, UserFactory(email="autre@exemple.fr"))
    path = reverse("famille:invitation_accept", args=[token])

    response = client.get(path)
    assertContains(response, "Cette invitation a été envoyée à une autre adresse électronique")
    assertNotContains(response, "Famille Martin")
    response = client.post(path)
    assert response.status_code == 200
    assertContains(response, "Connectez-vous avec le compte de l&#x27;adresse invitée")
    assert PartyMembership.objects.filter(party=household.party).count() == 1


def test_an_unknown_invitation_link_is_a_404(client_parent):
    assert client_parent.get(reverse("famille:invitation_accept", args=["nimporte-quoi"])).status_code == 404


def test_an_invalid_invitation_address_is_kept_with_the_error(client_parent, household):
    response = client_parent.post(
        reverse("famille:adult_invite", args=[household.pk]), {"email": "dominique@"}
    )
    assertContains(response, "Saisissez une adresse de courriel valide.")
    assertContains(response, 'value="dominique@"')
    response = client_parent.post(
        reverse("famille:adult_invite", args=[household.pk]), {"email": "camille@exemple.fr"}
    )
    assertContains(response, "Cette personne est déjà responsable de ce foyer.")


def test_revoking_an_invitation(client_parent, parent, household, theirs):
    invitation, _token = services.invite_adult(actor=parent, household=household, email="d@exemple.fr")
    url = reverse("famille:invitation_revoke", args=[invitation.pk])
    assert client_parent.get(url).status_code == 405
    assertRedirects(client_parent.post(url), reverse("famille:household", args=[household.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None

    their_invitation, _token = services.invite_adult(
        actor=theirs["user"], household=theirs["household"], email="e@exemple.fr"
    )
    assert (
        client_parent.post(reverse("famille:invitation_revoke", args=[their_invitation.pk])).status_code
        == 404
    )


# Children ------------------------------------------------------------------------------------------


def test_adding_a_child(client_parent, household):
    school = SiteFactory(name="École Jules-Verne")
    url = reverse("famille:child_add", args=[household.pk])
    assertContains(client_parent.get(url), "École Jules-Verne")
    response = client_parent.post(
        url,
        {
            "first_name": "Léa",
            "last_name": "Martin",
            "birth_date": "2018-03-14",
            "school": school.pk,
            "school_level": "ce2",
            "image_rights": "on",
        },
    )
    child = Child.objects.get()
    assertRedirects(response, reverse("famille:child", args=[child.pk]))
    assert (child.school, child.school_level, child.image_rights) == (school, "ce2", True)
    assert ChildHousehold.objects.get(child=child).household == household


def test_a_child_born_tomorrow_is_refused_with_the_values_kept(client_parent, household):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client_parent.post(
        reverse("famille:child_add", args=[household.pk]),
        {"first_name": "Léa", "last_name": "Martin", "birth_date": tomorrow},
    )
    assertContains(response, "La date de naissance ne peut pas être dans le futur.")
    assertContains(response, 'value="Léa"')
    assertContains(response, f'value="{tomorrow}"')
    assert not Child.objects.exists()


def test_the_child_page_says_what_keeps_the_child_from_being_booked(client_parent, parent, household, child):
    give(parent, household, "carnet-vaccination", child=child)
    response = client_parent.get(reverse("famille:child", args=[child.pk]))
    assertContains(response, "Les réservations ne sont pas possibles tant que ces documents manquent")
    assertContains(response, "<li>Justificatif de domicile : manquant</li>", html=True)
    assertContains(response, "<li>Fiche sanitaire de liaison : manquant</li>", html=True)
    assertNotContains(response, "<li>Carnet de vaccination : manquant</li>", html=True)


def test_someone_elses_child_pages_answer_404(client_parent, household, theirs):
    pk = theirs["child"].pk
    for name in ("child", "child_edit", "child_health", "child_pickups", "child_share"):
        assert client_parent.get(reverse(f"famille:{name}", args=[pk])).status_code == 404, name
    assert (
        client_parent.post(reverse("famille:child_edit", args=[pk]), {"first_name": "X"}).status_code == 404
    )
    # Nor through the parent's own household.
    proof = requirement("carnet-vaccination")
    url = reverse("famille:child_document_give", args=[household.pk, proof.pk, pk])
    assert client_parent.get(url).status_code == 404


def test_editing_a_child_and_its_health_notes(client_parent, child):
    url = reverse("famille:child_edit", args=[child.pk])
    assertContains(client_parent.get(url), 'value="2018-03-14"')
    response = client_parent.post(
        url, {"first_name": "Léa", "last_name": "Martin", "birth_date": "2018-03-15", "school_level": "cm1"}
    )
    assertRedirects(response, reverse("famille:child", args=[child.pk]))
    child.refresh_from_db()
    assert (child.birth_date, child.school_level, child.image_rights) == (date(2018, 3, 15), "cm1", False)

    health = reverse("famille:child_health", args=[child.pk])
    response = client_parent.post(health, {"allergies": "Arachide", "has_pai": "on", "pai_details": ""})
    assertContains(response, "Décrivez le PAI en quelques mots.")
    assertContains(response, "Arachide")
    response = client_parent.post(
        health, {"allergies": "Arachide", "has_pai": "on", "pai_details": "Stylo d'adrénaline"}
    )
    assertRedirects(response, reverse("famille:child", args=[child.pk]))
    page = client_parent.get(reverse("famille:child", args=[child.pk]))
    assertContains(page, "Stylo d&#x27;adrénaline")
    assert child.health.allergies == "Arachide"


def test_authorised_pickups_are_added_and_removed(client_parent, child, theirs):
    url = reverse("famille:child_pickups", args=[child.pk])
    response = client_parent.post(url, {"name": "Mamie Jeanne", "relationship": "grand-mère", "phone": "abc"})
    assertContains(response, "Indiquez un numéro de téléphone")
    assertContains(response, 'value="Mamie Jeanne"')
    assertRedirects(
        client_parent.post(
            url, {"name": "Mamie Jeanne", "relationship": "grand-mère", "phone": "06 11 22 33 44"}
        ),
        url,
    )
    pickup = AuthorisedPickup.objects.get(child=child)
    assertContains(client_parent.get(url), "Mamie Jeanne")

    remove = reverse("famille:pickup_remove", args=[pickup.pk])
    assert client_parent.get(remove).status_code == 405
    assertRedirects(client_parent.post(remove), url)
    assert not AuthorisedPickup.objects.exists()

    their_pickup = AuthorisedPickup.objects.create(child=theirs["child"], name="X", phone="0600000000")
    assert client_parent.post(reverse("famille:pickup_remove", args=[their_pickup.pk])).status_code == 404


def test_sharing_a_child_with_the_other_parents_household(
    client, client_parent, parent, child, django_capture_on_commit_callbacks
):
    url = reverse("famille:child_share", args=[child.pk])
    response = client_parent.post(url, {"email": "camille@exemple.fr"})
    assertContains(response, "Cette adresse est celle d&#x27;un responsable de votre foyer")
    with django_capture_on_commit_callbacks(execute=True):
        assertRedirects(
            client_parent.post(url, {"email": "papa@exemple.fr"}), reverse("famille:child", args=[child.pk])
        )
    assertContains(
        client_parent.get(reverse("famille:child", args=[child.pk])), "Partage envoyé à papa@exemple.fr"
    )
    path = re.search(r"/mon-espace/famille/partage/\S+/", mail.outbox[0].body).group(0)

    father = UserFactory(email="papa@exemple.fr", first_name="Paul", last_name="Durand")
    login(client, father)
    response = client.get(path)
    assertContains(response, "Créez d&#x27;abord votre dossier famille")
    his = services.create_household(actor=father, name="Famille Durand")
    response = client.get(path)
    assertContains(response, "Camille Martin partage avec vous la fiche de Léa, en garde alternée.")
    assertRedirects(client.post(path), reverse("famille:household", args=[his.pk]))
    assertContains(client.get(reverse("famille:household", args=[his.pk])), "Léa Martin")
    assertContains(
        client.get(reverse("famille:child", args=[child.pk])),
        "La fiche est partagée avec le foyer de",
    )


# Documents ----------------------------------------------------------------------------------------


def test_the_documents_page_lists_each_requirement_and_its_state(client_parent, parent, household, child):
    give(parent, household, "justificatif-domicile")
    response = client_parent.get(reverse("famille:documents", args=[household.pk]))
    assertContains(response, "Documents de Léa")
    assertContains(response, "En attente de vérification")
    assertContains(response, reverse("coffre:upload", args=[household.party_id]))
    assertContains(
        response,
        reverse(
            "famille:child_document_give", args=[household.pk, requirement("fiche-sanitaire").pk, child.pk]
        ),
    )


def test_giving_a_document_from_the_household_vault(client_parent, parent, household, theirs):
    proof = requirement("justificatif-domicile")
    url = reverse("famille:document_give", args=[household.pk, proof.pk])
    empty = client_parent.get(url)
    assertContains(empty, "Le coffre-fort du foyer ne contient pas encore ce document.")

    document = vault_document(parent, household, "justificatif-domicile", title="Facture EDF")
    vault_document(
        parent, household, "attestation-assurance", title="Assurance", expiry_date=date(2030, 1, 1)
    )
    page = client_parent.get(url)
    assertContains(page, "Facture EDF")
    assertNotContains(page, "Assurance")  # another type

    # Someone else's document is not a choice.
    response = client_parent.post(url, {"document": theirs["given"].document_id})
    assertContains(response, "Choisissez un document de la liste.")
    assert not FamilyDocument.objects.filter(household=household).exists()

    assertRedirects(
        client_parent.post(url, {"document": document.pk}), reverse("famille:documents", args=[household.pk])
    )
    given = FamilyDocument.objects.get(household=household)
    assert (given.document, given.status, given.child) == (document, ReviewStatus.PENDING, None)


def test_giving_a_child_document(client_parent, parent, household, child):
    record = requirement("carnet-vaccination")
    document = vault_document(parent, household, "carnet-vaccination", title="Carnet de Léa")
    url = reverse("famille:child_document_give", args=[household.pk, record.pk, child.pk])
    assertContains(client_parent.get(url), "Carnet de vaccination – Léa")
    assertRedirects(
        client_parent.post(url, {"document": document.pk}), reverse("famille:documents", args=[household.pk])
    )
    assert FamilyDocument.objects.get().child == child
    # A household requirement is not given per child, and the reverse.
    assert (
        client_parent.get(reverse("famille:document_give", args=[household.pk, record.pk])).status_code == 404
    )


def test_a_complete_file_shows_no_warning(client_parent, parent, household, child):
    complete_file(parent, household, [child])
    response = client_parent.get(reverse("famille:household", args=[household.pk]))
    assertNotContains(response, "documents manquent")
    assertContains(response, "Documents complets")


# Quotient familial ---------------------------------------------------------------------------------


def test_declaring_the_quotient_with_the_caf_certificate(client_parent, parent, household):
    url = reverse("famille:quotient", args=[household.pk])
    assertContains(client_parent.get(url), "Le coffre-fort du foyer ne contient pas d'attestation de la CAF.")
    certificate = vault_document(parent, household, "attestation-caf", title="Attestation CAF octobre")

    response = client_parent.post(
        url, {"value": "-3", "monthly_income": "2 450,50", "document": certificate.pk}
    )
    assertContains(response, "Assurez-vous que cette valeur est supérieure ou égale à 0.")
    assertContains(response, 'value="2 450,50"')
    assert not QuotientFamilial.objects.exists()

    response = client_parent.post(
        url, {"value": "850", "monthly_income": "2 450,50", "dependants": "2", "document": certificate.pk}
    )
    assertRedirects(response, url)
    quotient = QuotientFamilial.objects.get()
    assert (quotient.value, quotient.monthly_income_cents, quotient.dependants, quotient.status) == (
        850,
        245050,
        2,
        ReviewStatus.PENDING,
    )
    page = client_parent.get(url)
    assertContains(page, "Modifier ma déclaration en attente")
    assertContains(page, 'value="2450,50"')


# Mon espace and the démarches' prefill -------------------------------------------------------------


def test_the_ma_famille_card_sums_up_the_household(client_parent, parent, household, child):
    response = client_parent.get(reverse("portal:dashboard"))
    assertContains(response, "Ma famille")
    assertContains(response, "1 enfant : Léa.")
    assertContains(response, "4 documents manquent ou ne sont plus valables.")
    assertContains(response, "Quotient familial non déclaré")


def test_the_card_invites_to_open_a_file(client):
    login(client, UserFactory())
    response = client.get(reverse("portal:dashboard"))
    assertContains(response, "ouvrez votre dossier famille une fois pour toutes")


def test_the_card_costs_a_fixed_number_of_queries(
    client_parent, parent, household, django_assert_max_num_queries
):
    for index in range(3):
        ChildFactory(household=household, first_name=f"Enfant{index}")
    complete_file(parent, household, list(household.children.all()))
    from famille import selectors

    with django_assert_max_num_queries(6):
        summary = selectors.family_card(user=parent)
    assert len(summary.children) == 3


def test_household_children_prefill_the_demarches(parent, household, child):
    from demarches import prefill

    other_parent = UserFactory()
    ChildFactory(household=make_household(other_parent), first_name="Zoé")
    blocks = prefill.resolve("household.children", user=parent, party=household.party)
    assert blocks == [
        {
            "child.first_name": "Léa",
            "child.last_name": "Martin",
            "child.birth_date": "2018-03-14",
            "child.school": "",
            "child.school_level": "",
        }
    ]
    assert (
        prefill.resolve("household.children", user=other_parent, party=None)[0]["child.first_name"] == "Zoé"
    )
    assert prefill.resolve("household.children", user=UserFactory(), party=None) is None
