"""Mon coffre-fort: choosing a space, the list of documents by type, the space used, the card."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from coffre.models import DocumentType
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import PartyMembership
from tests.coffre.factories import DocumentTypeFactory, make_association, make_household, pdf_bytes, store
from tests.factories import UserFactory, person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town", "document_types")]

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def today(time_machine) -> date:
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), tick=False)
    return date(2026, 3, 2)


def vault_url(party) -> str:
    return reverse("coffre:vault", args=[party.pk])


def test_the_list_groups_documents_by_type_with_their_expiry_badges(client, citizen, today):
    insurance = DocumentType.objects.get(code="attestation-assurance")
    address = DocumentType.objects.get(code="justificatif-domicile")
    family_book = DocumentType.objects.get(code="livret-famille")
    store(user=citizen, title="Assurance habitation", document_type=insurance, expiry_date=date(2026, 3, 20))
    store(user=citizen, title="Assurance scolaire", document_type=insurance, expiry_date=date(2026, 9, 1))
    store(user=citizen, title="Facture EDF", document_type=address, issue_date=date(2025, 11, 1))
    store(user=citizen, title="Livret", document_type=family_book)
    login(client, citizen)

    response = client.get(vault_url(person_party(citizen)))

    assert response.status_code == 200
    html = response.text
    # Types in the catalogue's order, then titles.
    positions = [
        html.index(f"<h3>{escape(label)}</h3>")
        for label in (address.label, insurance.label, family_book.label)
    ]
    assert positions == sorted(positions)
    assert html.index("Assurance habitation") < html.index("Assurance scolaire")
    # Proof of address: 90 days after its issue date, so expired on 30 January.
    assertContains(response, '<span class="badge badge--danger">Expiré</span>', html=True)
    assertContains(response, '<span class="badge badge--warning">Expire bientôt</span>', html=True)
    assertContains(response, '<span class="badge badge--success">Valide</span>', html=True)
    assertContains(response, '<span class="badge badge--neutral">Sans échéance</span>', html=True)
    assertContains(response, "Valable jusqu'au 20 mars 2026")
    assertContains(response, "Valable jusqu'au 30 janvier 2026")
    assertContains(response, "Sans date de fin de validité")
    assertContains(response, "Document PDF, 4,0\xa0Kio")


def test_the_list_shows_the_space_used_and_links_to_upload_export_and_the_explanations(client, citizen):
    store(user=citizen, content=pdf_bytes(50_000))
    login(client, citizen)
    owner = person_party(citizen)

    response = client.get(vault_url(owner))

    assertContains(
        response, '<p id="quota-text">Espace utilisé : 48,8\xa0Kio sur 200,0\xa0Mio (0 %)</p>', html=True
    )
    assertContains(response, 'max="209715200" value="50000"')
    assertContains(response, f'href="{reverse("coffre:upload", args=[owner.pk])}"')
    assertContains(response, f'href="{reverse("coffre:export", args=[owner.pk])}"')
    assertContains(
        response, f'<a href="{reverse("coffre:about")}">Comment vos documents sont protégés</a>', html=True
    )


def test_an_empty_vault_invites_to_upload(client, citizen):
    login(client, citizen)

    response = client.get(vault_url(person_party(citizen)))

    assertContains(response, "Votre coffre-fort est vide")
    assertContains(
        response,
        f'<a class="button" href="{reverse("coffre:upload", args=[person_party(citizen).pk])}">Déposer un document</a>',
        html=True,
        count=2,
    )


def test_the_vault_home_goes_straight_to_the_only_space(client, citizen):
    login(client, citizen)

    response = client.get(reverse("coffre:home"))

    assertRedirects(response, vault_url(person_party(citizen)))


def test_a_guardian_chooses_between_their_own_and_their_households_space(client, citizen):
    household = make_household(citizen, name="Foyer Martin")
    store(user=citizen, owner=household)
    login(client, citizen)

    home = client.get(reverse("coffre:home"))
    page = client.get(vault_url(household))

    assertContains(
        home, f'<a href="{vault_url(person_party(citizen))}">Mes documents personnels</a>', html=True
    )
    assertContains(home, f'<a href="{vault_url(household)}">Foyer : Foyer Martin</a>', html=True)
    assertContains(home, "<p>1 document</p>", html=True)
    switcher = (
        f'<a href="{vault_url(household)}" aria-current="page">Foyer : Foyer Martin '
        '<span class="vault-switcher__count">(1 document)</span></a>'
    )
    assertContains(page, switcher, html=True)
    assertContains(page, "Mon document")


def test_only_an_associations_officers_open_its_vault(client, citizen, stranger):
    association = make_association(president=citizen, members=(stranger,))
    store(user=citizen, owner=association, title="Statuts 2026")

    login(client, citizen)
    assertContains(client.get(vault_url(association)), "Statuts 2026")
    login(client, stranger)
    assert client.get(vault_url(association)).status_code == 404
    assertNotContains(client.get(reverse("coffre:home"), follow=True), "Association Test")


def test_someone_elses_space_answers_404(client, citizen, stranger):
    store(user=stranger, title="Pas à vous")
    login(client, citizen)

    assert client.get(vault_url(person_party(stranger))).status_code == 404


def test_the_list_refuses_other_methods(client, citizen):
    login(client, citizen)

    assert client.post(vault_url(person_party(citizen))).status_code == 405
    assert client.post(reverse("coffre:home")).status_code == 405


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, citizen):
    response = client.get(vault_url(person_party(citizen)))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_list_of_thirty_documents_keeps_a_fixed_number_of_queries(
    client, citizen, service, django_assert_max_num_queries
):
    from coffre import services
    from tests.coffre.factories import DocumentTypeFactory

    household = make_household(citizen)
    types = [DocumentTypeFactory() for _ in range(5)]
    for number in range(30):
        version = store(user=citizen, title=f"Document {number:02}", document_type=types[number % 5])
        if number % 3 == 0:
            services.share_document(
                actor=citizen,
                document=version.document,
                service=service,
                note="Cantine",
                until=timezone.localdate(),
            )
    store(user=citizen, owner=household)
    login(client, citizen)
    url = vault_url(person_party(citizen))
    client.get(url)  # warms the town cache

    # session, user, unread notifications, spaces, documents with their grant counts, quota
    with django_assert_max_num_queries(6):
        response = client.get(url)

    assert response.text.count('class="document-item"') == 30
    assert response.text.count("partagé avec 1 service") == 10


def test_the_public_page_explains_the_protection_before_use(client):
    response = client.get(reverse("coffre:about"))

    assert response.status_code == 200
    assertContains(response, "<h1>Comment le coffre-fort protège vos documents</h1>", html=True)
    for text in (
        "article L.103 du Code des postes et des communications électroniques",
        "Ce que la mairie ne peut pas voir : le contenu de vos documents",
        "Ce que la mairie voit",
        "ce n'est pas un chiffrement « de bout en bout »",
        "Qui a consulté mes données",
        "empreinte SHA-256",
        "manifest.json",
        "effacement cryptographique",
        "Combien de temps vos documents sont gardés",
        "30 jours puis 7 jours avant la fin de validité",
    ):
        assertContains(response, text)
    assertContains(response, f'href="{reverse("account_signup")}"')


def test_the_public_page_offers_a_signed_in_user_their_vault(client, citizen):
    login(client, citizen)

    response = client.get(reverse("coffre:about"))

    assertContains(
        response, f'<a class="button" href="{reverse("coffre:home")}">Ouvrir mon coffre-fort</a>', html=True
    )


def test_my_space_shows_the_vault_card_with_what_expires(client, citizen, today):
    household = make_household(citizen)
    address = DocumentType.objects.get(code="justificatif-domicile")
    store(user=citizen, document_type=address, issue_date=date(2025, 12, 15))  # until 15 March: soon
    store(user=citizen, owner=household, document_type=address, issue_date=date(2025, 11, 1))  # expired
    store(user=citizen, document_type=DocumentTypeFactory())
    store(user=UserFactory(), document_type=address, issue_date=date(2025, 12, 15))
    login(client, citizen)

    response = client.get(reverse("portal:dashboard"))

    assertContains(response, '<h2 class="card__title">Mon coffre-fort</h2>', html=True)
    assertContains(response, "3 documents dans votre coffre-fort.")
    assertContains(response, "1 document arrive à échéance.")
    assertContains(response, "1 document n'est plus valable.")
    assertContains(response, f'<a href="{reverse("coffre:home")}">Ouvrir mon coffre-fort</a>', html=True)


def test_a_member_who_left_the_household_no_longer_opens_its_vault(client, citizen):
    household = make_household(citizen)
    PartyMembership.objects.filter(user=citizen, party=household).update(role=PartyRole.MEMBER)
    login(client, citizen)

    assert client.get(vault_url(household)).status_code == 404
