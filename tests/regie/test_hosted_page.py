"""The whole journey over real HTTP: portal → Stripe SDK → fake Checkout → hosted page → signed webhook → portal."""

import html

import pytest
import requests
from django.core import mail
from django.test import Client
from django.urls import reverse

from regie import services
from regie.enums import PaymentStatus
from regie.fake_stripe import DEMO_BANNER
from regie.models import Invoice, Payment, Receipt
from tests.factories import person_party
from tests.regie.conftest import bill

pytestmark = pytest.mark.django_db(transaction=True)


def walk_the_payment(redirect) -> requests.Response:
    page = requests.get(redirect.url, timeout=10)
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert f"<h1>{DEMO_BANNER}</h1>" in text
    assert "12,50\u00a0€" in text
    return requests.post(redirect.url, data={"action": "pay"}, allow_redirects=False, timeout=30)


def test_paying_on_the_hosted_page_sends_a_signed_webhook_and_returns_to_the_portal(
    fake_stripe_api, live_server, citizen, billed_service
):
    fake_stripe_api.webhook_url = live_server.url + reverse("regie:stripe_webhook")
    payer = person_party(citizen)
    invoice = bill(payer, billed_service)
    redirect = services.start_online_payment(
        actor=citizen, payer=payer, invoices=[invoice], success_url="/mon-espace/?paiement={payment_id}"
    )

    answer = walk_the_payment(redirect)

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/mon-espace/?paiement={redirect.payment.pk}")
    assert [status for _event, status in fake_stripe_api.deliveries] == [200]
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Invoice.objects.get(pk=invoice.pk).is_paid
    assert Receipt.objects.filter(payment=payment).exists() and len(mail.outbox) == 1
    # Back on the page (a reload): it says paid, and paying again is impossible.
    assert "payée" in requests.get(redirect.url, timeout=10).text


def test_the_demo_mounts_the_fake_in_the_portal_and_walks_the_whole_payment(
    live_server, settings, citizen, billed_service
):
    settings.SITE_URL = live_server.url
    settings.STRIPE_API_BASE = live_server.url + reverse("regie:demo_provider_root").rstrip("/")
    settings.REGIE_FAKE_PROVIDER = True
    payer = person_party(citizen)
    invoice = bill(payer, billed_service)
    redirect = services.start_online_payment(actor=citizen, payer=payer, invoices=[invoice])
    assert redirect.url.startswith(live_server.url + "/regie/demo-paiement/pay/cs_test_")

    answer = walk_the_payment(redirect)

    payment = Payment.objects.get()
    assert answer.status_code == 303
    # Back to the payment's own page in "Mes factures", which the webhook has already settled.
    assert answer.headers["Location"] == f"{live_server.url}/mon-espace/factures/paiements/{payment.pk}/"
    assert payment.status == PaymentStatus.SUCCEEDED


def test_the_demo_provider_is_not_served_unless_switched_on(settings):
    settings.REGIE_FAKE_PROVIDER = False
    assert Client().get(reverse("regie:demo_provider", args=["pay/cs_test_x"])).status_code == 404
    assert Client().post(reverse("regie:demo_provider", args=["v1/checkout/sessions"])).status_code == 404
