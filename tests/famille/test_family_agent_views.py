"""The family services' back office for family files (part F1): search, the family file, health notes
behind their permission, the audit of every reading, the queues of documents and quotients."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from famille import services
from famille.enums import EnrolmentStatus, ReviewStatus
from famille.models import FamilyDocument, Household, QuotientFamilial
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.factories import ServiceFactory, UserFactory, make_agent, make_town
from tests.famille.factories import (
    ActivityFactory,
    ChildFactory,
    EnrolmentFactory,
    SiteFactory,
    complete_file,
    famille_agent,
    give,
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
    return UserFactory(email="camille@exemple.fr", first_name="Camille", last_name="Martin")


@pytest.fixture
def household(parent):
    household = services.create_household(actor=parent, name="Famille Martin", city="Nantes")
    for first_name in ("Léa",):
        child = services.add_child(
            actor=parent,
            household=household,
            first_name=first_name,
            last_name="Martin",
            birth_date=date(2018, 3, 14),
        )
        services.update_child_health(
            actor=parent,
            child=child,
            allergies="Arachide",
            medical_notes="Asthme",
            has_pai=True,
            pai_details="Ventoline",
        )
    return household


@pytest.fixture
def agent(db):
    return famille_agent(first_name="Alix", last_name="Agent")


@pytest.fixture
def agent_client(client, agent):
    return login(client, agent)


QUERIES = []


def file_url(household: Household) -> str:
    return reverse("famille:agent_household", args=[household.pk])


AGENT_PAGES = ["agent_households", "agent_documents", "agent_quotients"]


def test_citizens_and_agents_of_other_services_get_403(client, household, parent):
    given = give(parent, household, "justificatif-domicile")
    quotient = services.declare_quotient(
        actor=parent,
        household=household,
        value=800,
        caf_document=vault_document(parent, household, "attestation-caf"),
    )
    urls = [reverse(f"famille:{name}") for name in AGENT_PAGES] + [
        file_url(household),
        reverse("famille:agent_document_refuse", args=[given.pk]),
        reverse("famille:agent_quotient_validate", args=[quotient.pk]),
        reverse("famille:agent_quotient_refuse", args=[quotient.pk]),
    ]
    for user in (parent, make_agent(ServiceFactory(slug="urbanisme"))):
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert client.post(reverse("famille:agent_document_validate", args=[given.pk])).status_code == 403
    assert FamilyDocument.objects.get().status == ReviewStatus.PENDING


def test_searching_family_files_by_child_adult_or_reference(agent_client, household):
    other = services.create_household(actor=UserFactory(last_name="Durand"), name="Famille Durand")
    url = reverse("famille:agent_households")

    by_child = agent_client.get(url, {"q": "léa"})
    assertContains(by_child, "1 dossier trouvé.")
    assertContains(by_child, "Famille Martin")
    assertContains(by_child, "Camille Martin")
    assertNotContains(by_child, "Famille Durand")
    assertContains(agent_client.get(url, {"q": "durand"}), "Famille Durand")
    by_reference = agent_client.get(url, {"q": other.reference.lower()})
    assertContains(by_reference, "1 dossier trouvé.")
    assertContains(by_reference, "Famille Durand")
    assertContains(agent_client.get(url, {"q": "camille@exemple"}), "Famille Martin")
    assertContains(agent_client.get(url, {"q": "personne"}), "Aucun dossier ne correspond")


def test_the_search_costs_a_fixed_number_of_queries(agent_client, django_assert_max_num_queries):
    for index in range(12):
        household = services.create_household(actor=UserFactory(), name=f"Famille {index}")
        ChildFactory(household=household)
        ChildFactory(household=household)
    with django_assert_max_num_queries(15):
        response = agent_client.get(reverse("famille:agent_households"))
    assertContains(response, "12 dossiers trouvés.")


def test_health_notes_are_reserved_to_agents_holding_the_permission(client, agent_client, agent, household):
    response = agent_client.get(file_url(household))
    assertContains(response, "Léa Martin")
    assertContains(response, "Informations médicales : accès réservé")
    assertNotContains(response, "Arachide")
    assertNotContains(response, "Ventoline")

    nurse = famille_agent(ServiceFactory(slug="education", name="Éducation"))
    nurse.user_permissions.add(Permission.objects.get(codename="view_childhealth_notes"))
    login(client, nurse)
    response = client.get(file_url(household))
    assertContains(response, "Arachide")
    assertContains(response, "Asthme")
    assertContains(response, "Ventoline")
    assertNotContains(response, "accès réservé")


def test_every_reading_of_a_family_file_is_audited_and_shown_to_the_family(
    client, agent_client, agent, household, parent
):
    agent_client.get(file_url(household))

    event = AuditEvent.objects.get(action="famille.household.view")
    assert (event.actor_id, event.owner_party_id, event.target_id) == (
        agent.pk,
        household.party_id,
        str(household.pk),
    )
    assert event.details == {"health": False}
    login(client, parent)
    page = client.get(reverse("audit:data_access"))
    assertContains(page, "Alix Agent")
    assertContains(page, "Éducation")


def test_the_family_file_page_costs_the_same_with_three_children(agent_client, parent, household):
    complete_file(parent, household, list(household.children.all()))
    activity = ActivityFactory(service=ServiceFactory(slug="education"))
    site = SiteFactory()
    for child in household.children.all():
        EnrolmentFactory(child=child, household=household, activity=activity, site=site)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert agent_client.get(file_url(household)).status_code == 200
        QUERIES[:] = [q["sql"][:150] for q in captured]
        return len(captured)

    count()  # warms the caches (the town's record)
    one = count()
    for first_name in ("Hugo", "Inès"):
        child = services.add_child(
            actor=parent,
            household=household,
            first_name=first_name,
            last_name="Martin",
            birth_date=date(2020, 1, 1),
        )
        for code in ("carnet-vaccination", "fiche-sanitaire"):
            give(parent, household, code, child=child)
        EnrolmentFactory(
            child=child, household=household, activity=activity, site=site, status=EnrolmentStatus.REQUESTED
        )
        services.add_pickup(actor=parent, child=child, name="Mamie", relationship="", phone="0600000000")
    three = count()
    assert three == one, "\n".join(QUERIES)
    assert one <= 20  # session, user, 2FA, roles (6); the file (11); the audit row
    assertContains(agent_client.get(file_url(household)), "Inès Martin")


def test_someone_elses_or_an_unknown_file_is_a_404(agent_client):
    assert agent_client.get(reverse("famille:agent_household", args=[999999])).status_code == 404
    assert agent_client.post(reverse("famille:agent_document_validate", args=[999999])).status_code == 404
    assert agent_client.get(reverse("famille:agent_quotient_validate", args=[999999])).status_code == 404


def test_the_family_file_page_refuses_post(agent_client, household):
    assert agent_client.post(file_url(household)).status_code == 405


def test_recording_the_residence(agent_client, household):
    url = reverse("famille:agent_household_residence", args=[household.pk])
    assert agent_client.get(url).status_code == 405
    assertRedirects(agent_client.post(url, {"is_resident": "0"}), file_url(household))
    household.refresh_from_db()
    assert household.is_resident is False
    agent_client.post(url, {"is_resident": "peut-être"})
    household.refresh_from_db()
    assert household.is_resident is False


# Documents to check ----------------------------------------------------------------------------------


def test_the_document_queue_validates_from_the_list(agent_client, parent, household):
    given = give(parent, household, "justificatif-domicile")
    url = reverse("famille:agent_documents")
    response = agent_client.get(url)
    assertContains(response, "1 document attend sa vérification.")
    assertContains(response, "Famille Martin")
    # The document is shared with the agent's service: the vault opens it (and audits it).
    assertContains(response, reverse("coffre:agent_preview", args=[given.document.current_version_id]))

    validate = reverse("famille:agent_document_validate", args=[given.pk])
    assert agent_client.get(validate).status_code == 405
    assertRedirects(agent_client.post(validate, {"retour": url}), url)
    given.refresh_from_db()
    assert given.status == ReviewStatus.VALIDATED
    assertContains(agent_client.get(url), "Aucun document n'attend de vérification.")


def test_refusing_a_document_needs_a_reason_and_tells_the_family(agent_client, parent, household):
    given = give(parent, household, "justificatif-domicile")
    url = reverse("famille:agent_document_refuse", args=[given.pk])
    assertContains(agent_client.get(url), "Justificatif de domicile")

    response = agent_client.post(url, {"reason": ""})
    assertContains(response, "Indiquez le motif du refus : la famille le lira.")
    given.refresh_from_db()
    assert given.status == ReviewStatus.PENDING

    back = file_url(household)
    assertRedirects(agent_client.post(url, {"reason": "Facture de plus de trois mois", "retour": back}), back)
    given.refresh_from_db()
    assert (given.status, given.refusal_reason) == (ReviewStatus.REFUSED, "Facture de plus de trois mois")
    assert Notification.objects.filter(
        user=parent, subject="Document refusé : Justificatif de domicile"
    ).exists()
    # Back to a page outside the back office: never.
    other = give(parent, household, "attestation-assurance", expiry_date=date(2030, 1, 1))
    response = agent_client.post(
        reverse("famille:agent_document_refuse", args=[other.pk]),
        {"reason": "Non", "retour": "https://ailleurs.example/"},
    )
    assertRedirects(response, reverse("famille:agent_documents"))


# Quotients to check ----------------------------------------------------------------------------------


@pytest.fixture
def quotient(parent, household):
    certificate = vault_document(parent, household, "attestation-caf", issue_date=date(2026, 10, 2))
    return services.declare_quotient(
        actor=parent, household=household, value=850, monthly_income_cents=245000, caf_document=certificate
    )


def test_validating_a_quotient_for_a_period(agent_client, quotient, parent):
    response = agent_client.get(reverse("famille:agent_quotients"))
    assertContains(response, "1 quotient familial attend sa vérification.")
    assertContains(response, "2\u202f450,00\u00a0€")

    url = reverse("famille:agent_quotient_validate", args=[quotient.pk])
    page = agent_client.get(url)
    assertContains(page, 'value="2026-10-02"')
    assertContains(page, "Voir l'attestation")
    assert AuditEvent.objects.filter(
        action="famille.quotient.view", owner_party_id=quotient.household.party_id
    ).exists()

    response = agent_client.post(url, {"valid_from": "2026-12-01", "valid_until": "2026-11-01"})
    assertContains(response, "La fin de validité ne peut pas précéder son début.")
    assertContains(response, 'value="2026-12-01"')
    assert QuotientFamilial.objects.get().status == ReviewStatus.PENDING

    assertRedirects(
        agent_client.post(url, {"valid_from": "2026-09-01", "valid_until": "2027-08-31"}),
        reverse("famille:agent_quotients"),
    )
    quotient.refresh_from_db()
    assert (quotient.status, quotient.valid_from, quotient.valid_until) == (
        ReviewStatus.VALIDATED,
        date(2026, 9, 1),
        date(2027, 8, 31),
    )
    assertContains(agent_client.get(url), "Ce quotient familial a déjà été vérifié.")


def test_refusing_a_quotient(agent_client, quotient):
    url = reverse("famille:agent_quotient_refuse", args=[quotient.pk])
    assertContains(agent_client.post(url, {"reason": ""}), "Indiquez le motif du refus")
    assertRedirects(
        agent_client.post(url, {"reason": "Attestation illisible"}), reverse("famille:agent_quotients")
    )
    quotient.refresh_from_db()
    assert (quotient.status, quotient.refusal_reason) == (ReviewStatus.REFUSED, "Attestation illisible")
