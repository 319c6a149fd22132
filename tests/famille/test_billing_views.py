"""The agents' billing pages and the families' tax certificate page (part F3)."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from coffre import services as coffre_services
from famille import services
from famille.enums import BillingRunStatus
from famille.models import BillingLine, BillingRun, TaxCertificate
from guichet.audit.models import AuditEvent
from regie.models import Invoice
from tests.coffre.factories import DocumentTypeFactory, pdf_bytes
from tests.factories import ServiceFactory, UserFactory, make_agent, make_town
from tests.famille.billing_world import EXPECTED_TOTAL_CENTS, book, build_november
from tests.famille.factories import ChildFactory, make_household
from tests.helpers import login

PARIS = ZoneInfo("Europe/Paris")
DECEMBER_FIRST = datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)
RUNS = reverse("famille:agent_billing_runs")
PREPARE = reverse("famille:agent_billing_prepare")
CERTIFICATES = reverse("famille:tax_certificates")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def december_first(time_machine):
    """The morning the November run is reviewed (the month is over)."""
    time_machine.move_to(DECEMBER_FIRST, tick=False)


def run_url(run, name="agent_billing_run"):
    return reverse(f"famille:{name}", args=[run.pk])


@pytest.fixture
def world(db):
    make_town()
    return build_november()


@pytest.fixture
def agent(world):
    return make_agent(world.canteen.service, first_name="Inès", last_name="Roux")


@pytest.fixture
def agent_client(agent):
    return login(Client(), agent)


@pytest.fixture
def draft(world, agent):
    return services.prepare_run(actor=agent)


# Who may see the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["citizen", "other_service_agent", "unverified_agent"])
def test_the_billing_pages_refuse_who_may_not_bill(world, draft, who):
    user = {
        "citizen": lambda: world.parent,
        "other_service_agent": lambda: make_agent(ServiceFactory(slug="urbanisme", name="Urbanisme")),
        "unverified_agent": lambda: make_agent(world.canteen.service),
    }[who]()
    client = login(Client(), user, verified=who != "unverified_agent")
    for method, url in (
        ("get", RUNS),
        ("post", PREPARE),
        ("get", run_url(draft)),
        ("post", run_url(draft, "agent_billing_recompute")),
        ("get", run_url(draft, "agent_billing_issue")),
        ("post", run_url(draft, "agent_billing_issue")),
    ):
        response = getattr(client, method)(url, {"month": "2026-11", "confirm": "on"})
        # The 2FA middleware sends an unverified agent to their second factor first.
        assert response.status_code in ((302,) if who == "unverified_agent" else (403,)), (url, response)
    assert not Invoice.objects.exists()
    assert BillingRun.objects.get().status == BillingRunStatus.DRAFT


def test_a_regie_agent_may_bill_too(world, draft):
    regie_agent = make_agent(ServiceFactory(slug="regie", name="Régie unique"))
    response = login(Client(), regie_agent).get(run_url(draft))
    assertContains(response, "Facturation de novembre 2026")


def test_a_run_that_does_not_exist_is_a_404(agent_client, draft):
    missing = draft.pk + 1000
    assert agent_client.get(reverse("famille:agent_billing_run", args=[missing])).status_code == 404
    assert agent_client.get(reverse("famille:agent_billing_issue", args=[missing])).status_code == 404
    assert agent_client.post(reverse("famille:agent_billing_recompute", args=[missing])).status_code == 404


def test_wrong_methods_are_refused(agent_client, draft):
    assert agent_client.get(PREPARE).status_code == 405
    assert agent_client.get(run_url(draft, "agent_billing_recompute")).status_code == 405
    assert agent_client.post(RUNS).status_code == 405
    assert agent_client.post(run_url(draft)).status_code == 405
    assert agent_client.delete(run_url(draft, "agent_billing_issue")).status_code == 405


# The list and preparing a month ------------------------------------------------------------------


def test_the_list_offers_the_previous_month_and_shows_each_run(agent_client, draft):
    response = agent_client.get(RUNS)
    assertContains(response, "<h1>Facturation des familles</h1>", html=True)
    assertContains(response, 'value="2026-11"')
    assertContains(response, f'<a href="{run_url(draft)}">Novembre 2026</a>', html=True)
    assertContains(response, "Brouillon à vérifier")
    assertContains(response, "95,60\u00a0€")


def test_preparing_a_month_opens_its_draft(world, agent_client):
    response = agent_client.post(PREPARE, {"month": "2026-11"}, follow=True)
    run = BillingRun.objects.get()
    assertRedirects(response, run_url(run))
    assert run.summary["total_cents"] == EXPECTED_TOTAL_CENTS + 960
    assertContains(response, "Brouillon préparé : vérifiez-le avant d&#x27;émettre les factures.")


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("2026-13", "Indiquez un mois au format AAAA-MM, par exemple 2026-11."),
        ("novembre", "Indiquez un mois au format AAAA-MM, par exemple 2026-11."),
        ("2026-12", "Seul un mois terminé peut être facturé."),
        ("", "Indiquez le mois à facturer."),
    ],
)
def test_an_invalid_month_is_shown_again_with_the_error(world, agent_client, typed, error):
    response = agent_client.post(PREPARE, {"month": typed})
    assert response.status_code == 200
    assertContains(response, error)
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(response, f'value="{typed}"' if typed else 'name="month"')
    assert not BillingRun.objects.exists()


# Reviewing ---------------------------------------------------------------------------------------


def test_the_review_page_shows_totals_anomalies_and_households(agent_client, draft, world, agent):
    response = agent_client.get(run_url(draft))

    assertContains(response, "<h1>Facturation de novembre 2026</h1>", html=True)
    assertContains(
        response,
        '<th scope="row" data-label="Activité">Restauration scolaire</th>',
        html=True,
    )
    assertContains(response, "1 groupe de séances sans prix : non facturé")
    assertContains(response, "Aucun tarif n&#x27;est en vigueur pour cette activité ce jour-là. (04/11)")
    assertContains(response, "1 enfant réservé sans inscription validée")
    assertContains(response, "Tom Martin")
    assertContains(response, "1 foyer facturé au tarif le plus élevé, faute de quotient familial validé")
    assertContains(response, "Foyer Durand")
    assertContains(
        response, "Restauration scolaire, annulations hors délai — Léa (1 × 3,40\u00a0€) : 3,40\u00a0€"
    )
    assertContains(response, "86,00\u00a0€")
    assertContains(response, "Émettre les factures")
    assert AuditEvent.objects.filter(action="famille.billing_run.view", actor_id=agent.pk).exists()


def test_the_review_page_keeps_its_queries_whatever_the_households(
    agent_client, draft, world, agent, django_assert_max_num_queries
):
    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert agent_client.get(run_url(draft)).status_code == 200
        return len(queries.captured_queries)

    page_queries()  # the town's record is cached from the first page on
    few = page_queries()
    for index in range(30):
        household = make_household(name=f"Foyer {index:02d}")
        child = ChildFactory(household=household)
        for day in (2, 3, 5):
            book(world.sessions, world.canteen, day, child, household)
    services.prepare_run(actor=agent)
    assert BillingLine.objects.filter(run=draft).values("household").distinct().count() == 32
    assert page_queries() == few
    with django_assert_max_num_queries(25):
        second = agent_client.get(run_url(draft), {"page": 2})
    assertContains(second, "Page 2 sur 2")


def test_recompute_takes_the_bookings_as_they_are_now(agent_client, draft, world):
    world.durands.quotients.update(status="validated")
    response = agent_client.post(run_url(draft, "agent_billing_recompute"), follow=True)
    assertRedirects(response, run_url(draft))
    assertContains(response, "Brouillon recalculé à partir des réservations d&#x27;aujourd&#x27;hui.")
    draft.refresh_from_db()
    # Jules at the bracket of his quotient 400: 2 × 1.20 €.
    assert draft.summary["total_cents"] == EXPECTED_TOTAL_CENTS + 240
    assert draft.summary["anomalies"]["without_quotient"] == []


# Issuing -----------------------------------------------------------------------------------------


def test_issuing_asks_for_a_confirmation(agent_client, draft):
    page = agent_client.get(run_url(draft, "agent_billing_issue"))
    assertContains(page, "Une facture sera émise pour chacun des 2 foyers, pour un total de 95,60\u00a0€.")
    assertContains(page, "3 anomalies restent à vérifier.")

    refused = agent_client.post(run_url(draft, "agent_billing_issue"), {})
    assert refused.status_code == 200
    assertContains(refused, "Cochez la case pour confirmer l&#x27;émission des factures.")
    assert not Invoice.objects.exists()


def test_issuing_twice_issues_once(agent_client, draft, world, agent):
    url = run_url(draft, "agent_billing_issue")
    first = agent_client.post(url, {"confirm": "on"}, follow=True)
    assertRedirects(first, run_url(draft))
    assertContains(first, "2 factures émises : les familles les trouvent dans leur espace.")
    # The same form sent again (a double click, the back button): nothing more.
    second = agent_client.post(url, {"confirm": "on"}, follow=True)
    assertContains(second, "Les factures de ce mois sont déjà émises : rien n&#x27;est facturé deux fois.")
    assert Invoice.objects.count() == 2
    draft.refresh_from_db()
    assert (draft.status, draft.issued_by) == (BillingRunStatus.ISSUED, agent)
    page = agent_client.get(run_url(draft))
    assertNotContains(page, "Recalculer")
    assertContains(page, Invoice.objects.get(payer=world.martins.party).number)

    recompute = agent_client.post(run_url(draft, "agent_billing_recompute"), follow=True)
    assertContains(recompute, "déjà émises")
    assert Invoice.objects.count() == 2


# The families' certificates ----------------------------------------------------------------------


@pytest.fixture
def vault_document(settings, tmp_path):
    """A PDF stored (encrypted) in a household's vault, in a folder of the test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {"BACKEND": "coffre.storage.VaultFileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }

    def store(household):
        return coffre_services.store_document_from_file(
            actor=None,
            owner=household.party,
            source=io.BytesIO(pdf_bytes()),
            filename="attestation.pdf",
            document_type=DocumentTypeFactory(),
            title="Attestation fiscale",
        ).document

    return store


def test_a_family_sees_its_own_certificates_only(world, vault_document):
    certificate = TaxCertificate.objects.create(
        household=world.martins, year=2026, amount_cents=1234, document=vault_document(world.martins)
    )
    mine = login(Client(), world.parent).get(CERTIFICATES)
    assertContains(mine, "<h1>Attestations fiscales de frais de garde</h1>", html=True)
    assertContains(mine, "12,34\u00a0€")
    assertContains(mine, reverse("coffre:document", args=[certificate.document_id]))

    other = login(Client(), UserFactory()).get(CERTIFICATES)
    assertContains(other, "Aucune attestation pour le moment")
    assertNotContains(other, "12,34")
    assert login(Client(), world.parent).post(CERTIFICATES).status_code == 405


def test_with_a_worker_preparing_and_issuing_run_in_the_background(agent_client, draft, queued_tasks):
    issued = agent_client.post(run_url(draft, "agent_billing_issue"), {"confirm": "on"}, follow=True)
    assertRedirects(issued, run_url(draft))
    assertContains(
        issued, "Émission des factures lancée : cette page l&#x27;indiquera terminée dans quelques minutes."
    )
    recomputed = agent_client.post(run_url(draft, "agent_billing_recompute"), follow=True)
    assertContains(recomputed, "Recalcul lancé : rechargez cette page dans quelques minutes.")
    prepared = agent_client.post(PREPARE, {"month": "2026-10"}, follow=True)
    assertRedirects(prepared, RUNS)
    assertContains(prepared, "Préparation du brouillon lancée : il apparaît ici dans quelques minutes.")

    assert queued_tasks() == 3
    assert not Invoice.objects.exists()
    assert BillingRun.objects.get().status == BillingRunStatus.DRAFT


def test_preparing_an_issued_month_again_is_refused_on_the_form(agent_client, draft, agent):
    services.issue_run(actor=agent, run=draft)
    response = agent_client.post(PREPARE, {"month": "2026-11"})
    assert response.status_code == 200
    assertContains(response, "Les factures de ce mois sont déjà émises : rien n&#x27;est facturé deux fois.")
    assertContains(response, 'value="2026-11"')
    assert Invoice.objects.count() == 2
