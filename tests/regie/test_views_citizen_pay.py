"""Paying from "Mes factures": the POST opens Stripe's page (the local fake), never twice; the result pages."""

import io
import threading

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from regie.enums import PaymentStatus
from regie.models import Payment, Receipt
from tests.factories import UserFactory, person_party
from tests.helpers import login
from tests.regie.conftest import bill, in_thread, make_household, pay_at_counter, post_webhook

pytestmark = pytest.mark.django_db

PAY = reverse("regie_pages:pay")


def test_paying_redirects_to_the_providers_page_for_the_ticked_invoices(
    citizen_client, payer, billed_service, fake_stripe_api
):
    first = bill(payer, billed_service, cents=1250)
    second = bill(payer, billed_service, cents=3000)
    bill(payer, billed_service, cents=999)  # not ticked

    response = citizen_client.post(PAY, {"factures": [first.pk, second.pk]})

    payment = Payment.objects.get()
    session = fake_stripe_api.sessions[payment.provider_reference]
    assert response.status_code == 302 and response.url == session["url"]
    assert payment.amount_cents == session["amount_total"] == 4250
    assert set(payment.invoices.all()) == {first, second}
    # The provider sends the payer back to the payment's own page, or to the invoices if they cancel.
    assert session["success_url"].endswith(reverse("regie_pages:payment_detail", args=[payment.pk]))
    assert session["cancel_url"].endswith(reverse("regie_pages:payment_cancelled", args=[payment.pk]))


def test_a_double_click_or_a_reload_of_the_post_makes_one_payment_and_one_session(
    citizen_client, invoice, fake_stripe_api
):
    first = citizen_client.post(PAY, {"factures": [invoice.pk]})
    second = citizen_client.post(PAY, {"factures": [invoice.pk]})

    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Payment.objects.count() == 1
    assert fake_stripe_api.count("POST", "/v1/checkout/sessions") == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_on_pay_make_one_payment(fake_stripe_api, billed_service):
    citizen = UserFactory()
    payer = person_party(citizen)
    invoice = bill(payer, billed_service)
    clicks = 5
    barrier = threading.Barrier(clicks)
    answers = []

    @in_thread
    def click():
        client = login(Client(), citizen)
        barrier.wait()
        answers.append(client.post(PAY, {"factures": [invoice.pk]}))

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [answer.status_code for answer in answers] == [302] * clicks
    assert len({answer.url for answer in answers}) == 1
    assert Payment.objects.count() == 1 and len(fake_stripe_api.sessions) == 1


def test_the_success_page_says_being_confirmed_until_the_webhook_then_shows_the_receipt(
    citizen_client, invoice, fake_stripe_api, django_capture_on_commit_callbacks
):
    citizen_client.post(PAY, {"factures": [invoice.pk]})
    payment = Payment.objects.get()
    page = reverse("regie_pages:payment_detail", args=[payment.pk])

    pending = citizen_client.get(page)
    assertContains(pending, "<h1>Paiement en cours de confirmation</h1>", html=True)
    assertContains(pending, "Inutile de payer à nouveau")
    assertContains(pending, 'hx-trigger="every 3s"')  # htmx refreshes it; a link does without JavaScript
    assertContains(
        pending, f'<a class="button button--secondary" href="{page}">Actualiser la page</a>', html=True
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(fake_stripe_api.pay(payment.provider_reference)).status_code == 200
    payment.refresh_from_db()

    settled = citizen_client.get(page)
    assertContains(settled, "<h1>Paiement reçu</h1>", html=True)
    assertContains(settled, f"<dd>N° {payment.receipt_number}</dd>", html=True)
    assertContains(settled, reverse("regie_pages:receipt_pdf", args=[payment.pk]))
    assertNotContains(settled, "hx-trigger")
    # Reloading the result page never pays again.
    for _ in range(3):
        citizen_client.get(page)
    assert Payment.objects.count() == 1 and fake_stripe_api.count("POST", "/v1/checkout/sessions") == 1
    assert len(mail.outbox) == 1  # the receipt, once


def test_cancelling_on_the_providers_page_comes_back_to_the_invoices_with_a_message(
    citizen_client, invoice, fake_stripe_api
):
    citizen_client.post(PAY, {"factures": [invoice.pk]})
    payment = Payment.objects.get()

    response = citizen_client.get(reverse("regie_pages:payment_cancelled", args=[payment.pk]), follow=True)

    assertRedirects(response, reverse("regie_pages:invoices"))
    assertContains(
        response,
        '<p class="notice notice--info">Paiement annulé : rien n\'a été débité. Vos factures restent à payer.</p>',
        html=True,
    )
    assertContains(response, invoice.number)
    # Paying again hands out the same checkout, not a second one.
    again = citizen_client.post(PAY, {"factures": [invoice.pk]})
    assert again.url == payment.redirect_url and Payment.objects.count() == 1


def test_paying_an_already_paid_invoice_shows_a_clear_message_and_charges_nothing(
    citizen_client, payer, invoice, regie_agent, fake_stripe_api
):
    pay_at_counter(regie_agent, payer, [invoice], invoice.total_cents)

    response = citizen_client.post(PAY, {"factures": [invoice.pk]})

    assert response.status_code == 200
    assertContains(response, "<title>Erreur : Mes factures – Villebelle</title>", html=True)
    assertContains(response, f"La facture {invoice.number} est déjà payée : rien n&#x27;a été débité.")
    assert not Payment.objects.filter(provider="stripe").exists()
    assert fake_stripe_api.requests == []


def test_paying_nothing_shows_the_list_again_with_the_error(citizen_client, invoice):
    response = citizen_client.post(PAY, {})
    assert response.status_code == 200
    assertContains(response, "Choisissez au moins une facture à payer.")
    assertContains(response, '<div class="error-summary" role="alert" tabindex="-1"', count=1)
    assert not Payment.objects.exists()


def test_invoices_of_two_payers_are_refused_together_and_stay_ticked(
    citizen, citizen_client, payer, billed_service, fake_stripe_api
):
    own = bill(payer, billed_service)
    household = bill(make_household(citizen, UserFactory()), billed_service)

    response = citizen_client.post(PAY, {"factures": [own.pk, household.pk]})

    assertContains(response, "Payez ensemble les factures d&#x27;un même payeur")
    for invoice in (own, household):
        assertContains(
            response,
            f'<input type="checkbox" name="factures" value="{invoice.pk}" id="facture-{invoice.pk}" checked>',
            html=True,
        )
    assert not Payment.objects.exists()


def test_an_unreachable_provider_shows_a_french_message(citizen_client, invoice, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0  # STRIPE_API_BASE is a closed port in the tests
    response = citizen_client.post(PAY, {"factures": [invoice.pk]})
    assertContains(response, "Le service de paiement ne répond pas pour le moment.")


def test_someone_elses_invoice_cannot_be_paid(citizen_client, payer, billed_service, fake_stripe_api):
    own = bill(payer, billed_service)
    theirs = bill(person_party(UserFactory()), billed_service)
    assert citizen_client.post(PAY, {"factures": [theirs.pk]}).status_code == 404
    assert citizen_client.post(PAY, {"factures": [own.pk, theirs.pk]}).status_code == 404
    assert citizen_client.post(PAY, {"factures": ["x"]}).status_code == 404
    assert not Payment.objects.exists() and fake_stripe_api.requests == []


def test_pay_answers_post_only(citizen_client):
    assert citizen_client.get(PAY).status_code == 405


def test_the_history_lists_payments_with_their_receipts_and_not_abandoned_checkouts(
    citizen_client, payer, billed_service, regie_agent, fake_stripe_api
):
    paid = bill(payer, billed_service)
    payment = pay_at_counter(regie_agent, payer, [paid], paid.total_cents, method="cheque")
    abandoned = bill(payer, billed_service)
    citizen_client.post(PAY, {"factures": [abandoned.pk]})
    Payment.objects.filter(status=PaymentStatus.PENDING).update(status=PaymentStatus.EXPIRED)

    response = citizen_client.get(reverse("regie_pages:payments"))

    assertContains(response, f"N° {payment.receipt_number} (PDF)")
    assertContains(response, '<td data-label="Moyen">Chèque</td>', html=True)
    assertContains(response, '<span class="badge badge--success">Réussi</span>', html=True)
    assertNotContains(response, "Expiré")


def test_the_receipt_is_a_real_pdf_with_number_amount_and_payer(citizen_client, payer, invoice, regie_agent):
    payment = pay_at_counter(regie_agent, payer, [invoice], invoice.total_cents)
    assert not Receipt.objects.exists()  # its task runs on commit, which a test transaction never reaches

    response = citizen_client.get(reverse("regie_pages:receipt_pdf", args=[payment.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert payment.receipt_number in text and "12,50" in text and payer.name in text
    # Rendered once, stored: the e-mail task will send this very file.
    assert bytes(Receipt.objects.get(payment=payment).pdf) == response.content


def test_someone_elses_payment_and_receipt_are_not_found(citizen_client, billed_service, regie_agent):
    stranger = person_party(UserFactory())
    theirs = bill(stranger, billed_service)
    payment = pay_at_counter(regie_agent, stranger, [theirs], theirs.total_cents)
    for name in ("payment_detail", "payment_cancelled", "receipt_pdf"):
        assert citizen_client.get(reverse(f"regie_pages:{name}", args=[payment.pk])).status_code == 404


def test_a_pending_payment_has_no_receipt(citizen_client, invoice, fake_stripe_api):
    citizen_client.post(PAY, {"factures": [invoice.pk]})
    payment = Payment.objects.get()
    assert citizen_client.get(reverse("regie_pages:receipt_pdf", args=[payment.pk])).status_code == 404


def test_a_failed_payment_says_nothing_was_charged(citizen_client, invoice, fake_stripe_api):
    citizen_client.post(PAY, {"factures": [invoice.pk]})
    payment = Payment.objects.get()
    post_webhook(fake_stripe_api.expire(payment.provider_reference))

    response = citizen_client.get(reverse("regie_pages:payment_detail", args=[payment.pk]))

    assertContains(response, "<h1>Paiement non abouti</h1>", html=True)
    assertContains(response, "rien n'a été débité")
