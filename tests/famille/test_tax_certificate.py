"""The yearly childcare tax certificate: amounts paid for children under 6, a PDF in the household's vault."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from pytest_django.asserts import assertContains

from coffre import services as coffre_services
from coffre.models import Document
from famille import selectors, services, tasks
from famille.exceptions import FamilleAccessDenied
from famille.models import TaxCertificate
from guichet.audit.models import AuditEvent
from regie import services as regie_services
from regie.models import Invoice
from tests.factories import ServiceFactory, make_agent, make_town
from tests.famille.billing_world import book, build_november
from tests.famille.factories import bracket_rule
from tests.helpers import login

PARIS = ZoneInfo("Europe/Paris")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def vault(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {"BACKEND": "coffre.storage.VaultFileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }


@pytest.fixture
def regie_agent(db):
    return make_agent(ServiceFactory(slug=settings.REGIE_SERVICE_SLUG, name="Régie unique"))


@pytest.fixture
def billed(time_machine):
    """November 2026 issued on 1 December, the Wednesday centre priced 9 € (bracket 501–900), Tom
    booked on Wednesday the 4th too. The Martins' invoice: 86.00 € + 9.00 € (Léa) + 9.00 € (Tom).
    Tom (born 2 June 2021) is under 6; his childcare is 2.50 € (after-school) + 9.00 € (centre);
    his canteen (26.40 €) does not count. Léa (born 2019) is over 6 on 1 January 2026."""
    time_machine.move_to(datetime(2026, 12, 1, 9, 0, tzinfo=PARIS), tick=False)
    make_town(name="Villeneuve-sur-Test", address="1 place de la Mairie\n44000 Villeneuve")
    world = build_november()
    bracket_rule(
        world.leisure, [(0, 500, 500), (501, 900, 900), (901, None, 1200)], valid_from=date(2026, 9, 1)
    )
    book(world.sessions, world.leisure, 4, world.tom, world.martins)
    run = services.prepare_run(actor=None)
    services.issue_run(actor=None, run=run)
    world.invoice = Invoice.objects.get(payer=world.martins.party)
    assert world.invoice.total_cents == 10400
    return world


def pay(agent, world, cents: int, on: datetime, time_machine):
    time_machine.move_to(on, tick=False)
    return regie_services.record_counter_payment(
        actor=agent, payer=world.martins.party, invoices=[world.invoice], method="cash", amount_cents=cents
    )


def pdf_text(certificate: TaxCertificate, reader) -> str:
    """The certificate as the household's guardian reads it from the vault."""
    stream = coffre_services.open_plaintext(actor=reader, version=certificate.document.current_version)
    data = b"".join(stream)
    stream.close()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_year_paid_in_full_gives_the_childcare_of_the_children_under_six(billed, regie_agent, time_machine):
    pay(regie_agent, billed, 10400, datetime(2026, 12, 10, 11, 0, tzinfo=PARIS), time_machine)
    time_machine.move_to(datetime(2027, 1, 15, 7, 0, tzinfo=PARIS), tick=False)

    paid = selectors.childcare_paid(household=billed.martins, year=2026)
    assert [(item.child, item.amount_cents) for item in paid] == [(billed.tom, 1150)]

    certificate = services.generate_tax_certificate(actor=None, household=billed.martins, year=2026)

    assert (certificate.year, certificate.amount_cents) == (2026, 1150)
    document = certificate.document
    assert document.owner == billed.martins.party
    assert document.document_type.code == "attestation-fiscale-garde"
    assert document.title == "Attestation fiscale de frais de garde 2026"
    text = pdf_text(certificate, billed.parent)
    assert "Tom Martin" in text
    assert "11,50" in text
    assert "Léa" not in text
    assert "2026" in text
    assert "Foyer Martin" in text
    assert AuditEvent.objects.filter(
        action="famille.tax_certificate.create", owner_party_id=billed.martins.party_id
    ).exists()


def test_a_payment_over_two_years_counts_in_each_year_in_proportion(billed, regie_agent, time_machine):
    pay(regie_agent, billed, 5200, datetime(2026, 12, 31, 23, 30, tzinfo=PARIS), time_machine)
    pay(regie_agent, billed, 5200, datetime(2027, 1, 1, 0, 30, tzinfo=PARIS), time_machine)

    # Half the invoice paid each year: half of Tom's 11.50 € each time; Tom is still under 6 on
    # 1 January 2027 (born June 2021).
    assert [item.amount_cents for item in selectors.childcare_paid(household=billed.martins, year=2026)] == [
        575
    ]
    assert [item.amount_cents for item in selectors.childcare_paid(household=billed.martins, year=2027)] == [
        575
    ]
    assert selectors.childcare_paid(household=billed.martins, year=2025) == []


def test_the_certificate_is_made_once(billed, regie_agent, time_machine):
    pay(regie_agent, billed, 10400, datetime(2026, 12, 10, 11, 0, tzinfo=PARIS), time_machine)
    time_machine.move_to(datetime(2027, 1, 15, 7, 0, tzinfo=PARIS), tick=False)

    first = services.generate_tax_certificate(actor=None, household=billed.martins, year=2026)
    again = services.generate_tax_certificate(actor=None, household=billed.martins, year=2026)

    assert again == first
    assert TaxCertificate.objects.count() == 1
    assert Document.objects.filter(owner=billed.martins.party).count() == 1


def test_nothing_paid_for_a_child_under_six_gives_no_certificate(billed, regie_agent, time_machine):
    # The Durands' month is the canteen of Jules (born 2018), paid: no childcare of a child under 6.
    durands = Invoice.objects.get(payer=billed.durands.party)
    regie_services.record_counter_payment(
        actor=regie_agent, payer=billed.durands.party, invoices=[durands], method="cash", amount_cents=960
    )
    time_machine.move_to(datetime(2027, 1, 15, 7, 0, tzinfo=PARIS), tick=False)
    # The Martins have not paid yet either.
    assert list(selectors.tax_certificate_households(2026)) == []
    assert services.generate_tax_certificate(actor=None, household=billed.durands, year=2026) is None
    assert services.generate_tax_certificate(actor=None, household=billed.martins, year=2026) is None
    assert not TaxCertificate.objects.exists()


def test_only_the_system_or_billing_agents_make_certificates(billed):
    with pytest.raises(FamilleAccessDenied):
        services.generate_tax_certificate(actor=billed.parent, household=billed.martins, year=2026)


def test_the_january_task_makes_them_and_the_family_downloads_it(billed, regie_agent, time_machine):
    entry = settings.CELERY_BEAT_SCHEDULE["famille-tax-certificates"]
    assert entry["task"] == tasks.generate_tax_certificates.name
    assert (entry["schedule"].month_of_year, entry["schedule"].day_of_month) == ({1}, {15})
    pay(regie_agent, billed, 10400, datetime(2026, 12, 10, 11, 0, tzinfo=PARIS), time_machine)
    time_machine.move_to(datetime(2027, 1, 15, 7, 0, tzinfo=PARIS), tick=False)

    assert tasks.generate_tax_certificates.delay().get() == 1  # last year: 2026

    certificate = TaxCertificate.objects.get()
    assert (certificate.household, certificate.year, certificate.amount_cents) == (billed.martins, 2026, 1150)
    client = login(Client(), billed.parent)
    page = client.get(reverse("famille:tax_certificates"))
    assertContains(page, "11,50\u00a0€")
    download = reverse("coffre:version_download", args=[certificate.document.current_version_id])
    assertContains(page, download)
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_command_makes_a_years_certificates(billed, regie_agent, time_machine):
    pay(regie_agent, billed, 10400, datetime(2026, 12, 10, 11, 0, tzinfo=PARIS), time_machine)
    time_machine.move_to(datetime(2027, 1, 15, 7, 0, tzinfo=PARIS), tick=False)
    out = io.StringIO()

    call_command("famille_billing", "--tax-certificates", "2026", stdout=out)
    call_command("famille_billing", "--tax-certificates", "2026", stdout=out)

    assert out.getvalue().count("1 attestation(s) fiscale(s) pour 2026.") == 2
    assert TaxCertificate.objects.get().amount_cents == 1150
