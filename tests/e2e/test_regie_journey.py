"""A family pays an invoice online, in a real browser: "Mes factures" → the Stripe test flow served
locally (the demo payment page, which sends a signed webhook back) → the success page → the receipt.

Every page visited passes axe's WCAG 2.1 A/AA rules; screenshots at 360 and 1280 px go to
/tmp/screens/regie-*.png for a person to look at.
"""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import Party, PartyMembership
from regie import services
from regie.enums import PaymentStatus
from regie.fake_stripe import DEMO_BANNER
from regie.models import Invoice, Payment
from regie.services import LineDraft
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, ServiceFactory, UserFactory, make_town

pytestmark = pytest.mark.e2e

EMAIL = "sofia.benali@exemple.fr"


@pytest.fixture
def family(settings, live_server):
    """The demo family: a parent, their household, and invoices of the canteen and the leisure centre."""
    settings.SITE_URL = live_server.url
    settings.REGIE_FAKE_PROVIDER = True
    settings.REGIE_PAYMENT_BACKEND = "stripe"
    settings.STRIPE_API_BASE = live_server.url + reverse("regie:demo_provider_root").rstrip("/")
    make_town(name="Villebelle")
    parent = UserFactory(email=EMAIL, first_name="Sofia", last_name="Benali")
    household = Party.objects.create(kind=PartyKind.HOUSEHOLD, name="Foyer Benali")
    PartyMembership.objects.create(user=parent, party=household, role=PartyRole.GUARDIAN)
    education = ServiceFactory(slug="education", name="Éducation")
    enfance = ServiceFactory(slug="enfance", name="Enfance")
    today = timezone.localdate()
    canteen = services.issue_invoice(
        actor=None,
        payer=household,
        lines=[
            LineDraft(
                label="Restauration scolaire — novembre", service=education, unit_price_cents=345, quantity=20
            )
        ],
        due_date=today + timedelta(days=20),
        source="famille.billing:1",
    )
    services.issue_invoice(
        actor=None,
        payer=household,
        lines=[
            LineDraft(
                label="Centre de loisirs — Toussaint", service=enfance, unit_price_cents=1200, quantity=5
            ),
            LineDraft(label="Sortie à la ferme", service=enfance, unit_price_cents=450),
        ],
        due_date=today + timedelta(days=10),
        source="famille.billing:2",
    )
    return {"parent": parent, "household": household, "canteen": canteen}


def sign_in(page) -> None:
    page.goto("/compte/login/?next=/mon-espace/")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(EMAIL)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mon-espace/$"))


def test_the_family_pays_an_invoice_through_the_stripe_test_flow_and_downloads_the_receipt(page, family):
    canteen = family["canteen"]
    sign_in(page)

    # "Mon espace": the card says what is left to pay.
    card = page.locator(".card", has=page.get_by_role("heading", name="Mes factures"))
    expect(card).to_contain_text("133,50\u00a0€ à payer (2 factures).")
    check_accessibility(page)
    take_screenshots(page, name="regie-dashboard")
    card.get_by_role("link", name="Voir et payer mes factures").click()

    # "Mes factures": both invoices to pay, oldest due first.
    expect(page).to_have_url(re.compile(r"/mon-espace/factures/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes factures")
    expect(page.get_by_role("row")).to_have_count(3)
    check_accessibility(page)
    take_screenshots(page, name="regie-invoices")

    # Paying nothing: the error is announced at the top, tied to the list.
    page.get_by_role("button", name="Payer la sélection").click()
    expect(page.get_by_role("alert")).to_contain_text("Choisissez au moins une facture à payer.")
    check_accessibility(page)
    take_screenshots(page, name="regie-invoices-error")

    # The canteen invoice's page.
    page.get_by_role("link", name=f"N° {canteen.number}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Facture n° {canteen.number}")
    expect(page.get_by_text("Restauration scolaire — novembre")).to_be_visible()
    check_accessibility(page)
    take_screenshots(page, name="regie-invoice")

    # "Payer": the provider's hosted page (here the local test page, clearly labelled).
    page.get_by_role("button", name="Payer 69,00\u00a0€ par carte").click()
    expect(page).to_have_url(re.compile(r"/regie/demo-paiement/pay/cs_test_"))
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_BANNER)
    check_accessibility(page)
    take_screenshots(page, name="regie-provider")
    page.get_by_role("button", name="Payer 69,00\u00a0€").click()

    # Back on the portal: the signed webhook has already settled the payment.
    payment = Payment.objects.get()
    expect(page).to_have_url(re.compile(rf"/mon-espace/factures/paiements/{payment.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiement reçu")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Invoice.objects.with_balance().get(pk=canteen.pk).is_paid
    expect(page.get_by_text(f"N° {payment.receipt_number}")).to_be_visible()
    check_accessibility(page)
    take_screenshots(page, name="regie-success")

    # Reloading the success page charges nothing more.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiement reçu")
    assert Payment.objects.count() == 1

    # The receipt: a real PDF with its number, amount and payer.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger la quittance (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"quittance-{payment.receipt_number}.pdf"
    pdf = PdfReader(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115 (read at once)
    text = " ".join(page_.extract_text() for page_ in pdf.pages)
    assert payment.receipt_number in text and "69,00" in text and "Foyer Benali" in text
    # It was e-mailed too, once.
    assert [message.subject for message in mail.outbox] == [f"Votre quittance n° {payment.receipt_number}"]

    # The history lists it; the other invoice is still to pay.
    page.get_by_role("link", name="Mes paiements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes paiements")
    expect(page.get_by_role("cell", name=f"N° {payment.receipt_number} (PDF)")).to_be_visible()
    check_accessibility(page)
    take_screenshots(page, name="regie-payments")
    page.get_by_role("navigation", name="Mes factures et paiements").get_by_role(
        "link", name="Mes factures"
    ).click()
    expect(page.get_by_role("row")).to_have_count(2)


def test_the_family_cancels_on_the_providers_page_and_comes_back_to_its_invoices(page, family):
    sign_in(page)
    page.goto(reverse("regie_pages:invoices"))
    page.get_by_label(re.compile(rf"Payer la facture n° {family['canteen'].number}")).check()
    page.get_by_role("button", name="Payer la sélection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_BANNER)

    page.get_by_role("button", name="Annuler et revenir au portail").click()

    expect(page).to_have_url(re.compile(r"/mon-espace/factures/$"))
    expect(page.get_by_role("status")).to_contain_text("Paiement annulé : rien n'a été débité.")
    check_accessibility(page)
    take_screenshots(page, name="regie-cancelled")
    assert Payment.objects.get().status == PaymentStatus.PENDING  # expires at the provider, nothing taken


def test_the_sepa_mandate_page_is_accessible_with_errors(page, family):
    sign_in(page)
    page.goto(reverse("regie_pages:mandates"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Prélèvement automatique")
    check_accessibility(page)
    page.get_by_label(re.compile(r"^Titulaire du compte")).fill("Sofia Benali")
    page.get_by_label(re.compile(r"^IBAN")).fill("FR76 3000 6000 0112 3456 7890 188")
    page.get_by_label(re.compile(r"^BIC")).fill("AGRIFRPP")
    page.get_by_role("button", name="Signer le mandat").click()
    expect(page.get_by_role("alert")).to_contain_text("Cet IBAN n'est pas valide")
    expect(page.get_by_label(re.compile(r"^IBAN"))).to_have_value("FR76 3000 6000 0112 3456 7890 188")
    check_accessibility(page)
    take_screenshots(page, name="regie-mandate-error")


def test_the_regisseurs_pages_are_accessible(page, live_server, settings):
    """The back-office pages of the régie, with a ledger in them, pass axe too (session of a verified agent)."""
    from django.test import Client

    from tests.factories import make_agent, person_party
    from tests.helpers import login

    make_town(name="Villebelle")
    regie = ServiceFactory(slug="regie", name="Régie unique")
    agent = make_agent(regie, first_name="Régis", last_name="Seur")
    citizen = UserFactory(first_name="Yann", last_name="Quéré")
    payer = person_party(citizen)
    today = timezone.localdate()
    invoice = services.issue_invoice(
        actor=None,
        payer=payer,
        lines=[LineDraft(label="Location de salle", service=regie, unit_price_cents=15000)],
        due_date=today + timedelta(days=3),
    )
    payment = services.record_counter_payment(
        actor=agent, payer=payer, invoices=[invoice], method="cheque", amount_cents=5000
    )
    services.sign_mandate(
        actor=citizen,
        payer=payer,
        holder_name="Yann Quéré",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    )
    batch = services.create_direct_debit_batch(actor=agent, collection_date=today + timedelta(days=5))
    client = login(Client(), agent)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    pages = {
        reverse("regie_pages:agent_home"): "Régie unique",
        reverse("regie_pages:agent_invoices") + "?q=Qu%C3%A9r%C3%A9": "Factures",
        reverse("regie_pages:agent_invoice_detail", args=[invoice.pk]): f"Facture n° {invoice.number}",
        reverse(
            "regie_pages:agent_counter_payment", args=[invoice.pk]
        ): f"Encaisser la facture n° {invoice.number}",
        reverse(
            "regie_pages:agent_credit_note", args=[invoice.pk]
        ): f"Avoir sur la facture n° {invoice.number}",
        reverse("regie_pages:agent_payments"): "Paiements",
        reverse(
            "regie_pages:agent_payment_detail", args=[payment.pk]
        ): f"Paiement, quittance n° {payment.receipt_number}",
        reverse(
            "regie_pages:agent_refund", args=[payment.pk]
        ): f"Rembourser le paiement n° {payment.receipt_number}",
        reverse("regie_pages:agent_unpaid"): "Impayés",
        reverse("regie_pages:agent_cash_closing"): "Clôture de caisse",
        reverse("regie_pages:agent_export"): "Exports pour le comptable public",
        reverse("regie_pages:agent_debit_batches"): "Prélèvements SEPA",
        reverse("regie_pages:agent_debit_batch", args=[batch.pk]): f"Remise du {batch.collection_date.day} ",
    }
    for index, (path, heading) in enumerate(pages.items()):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        check_accessibility(page)
        take_screenshots(page, name=f"regie-agent-{index:02d}")

    # A refused counter payment: the error summary and the field error pass too.
    later = services.issue_invoice(
        actor=None,
        payer=payer,
        lines=[LineDraft(label="Ménage", service=regie, unit_price_cents=6000)],
        due_date=today + timedelta(days=30),
    )
    page.goto(reverse("regie_pages:agent_counter_payment", args=[later.pk]))
    page.get_by_label(re.compile(r"^Montant reçu")).fill("1000")
    page.get_by_role("button", name="Enregistrer le paiement").click()
    expect(page.get_by_role("alert")).to_contain_text("Le montant dépasse le reste à payer")
    check_accessibility(page)
    take_screenshots(page, name="regie-agent-counter-error")
