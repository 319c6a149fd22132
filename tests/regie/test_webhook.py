"""The Stripe webhook: signature on the raw body, replay window, exactly-once effect, amount check."""

import json
import threading
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from guichet.audit.models import AuditEvent
from regie import services
from regie.enums import DiscrepancyKind, PaymentStatus
from regie.fake_stripe import WebhookDelivery, sign
from regie.models import Discrepancy, Invoice, Payment, PaymentAllocation, ProcessedWebhookEvent, Receipt
from regie.signals import invoice_paid
from tests.factories import person_party
from tests.regie.conftest import bill, in_thread, post_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout(fake_stripe_api, citizen, invoice):
    """An invoice with its open checkout session at the fake Stripe."""
    return services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])


def nothing_changed(payment) -> bool:
    payment.refresh_from_db()
    return (
        payment.status == PaymentStatus.PENDING
        and not ProcessedWebhookEvent.objects.exists()
        and not Receipt.objects.exists()
        and not Discrepancy.objects.exists()
    )


def test_a_paid_session_settles_the_payment_numbers_a_receipt_and_tells_other_apps(
    fake_stripe_api, checkout, invoice, django_capture_on_commit_callbacks
):
    heard = []

    def receiver(sender, invoice, payment, **kwargs):
        heard.append((sender, invoice.pk, invoice.source, payment.pk))

    invoice_paid.connect(receiver, dispatch_uid="test-heard")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(fake_stripe_api.pay(checkout.payment.provider_reference))
            assert heard == []  # only once the settlement is committed
    finally:
        invoice_paid.disconnect(dispatch_uid="test-heard")

    assert response.status_code == 200
    payment = Payment.objects.get(pk=checkout.payment.pk)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.receipt_number.startswith("R") and payment.receipt_number.endswith("-000001")
    assert payment.provider_payment_reference.startswith("pi_")
    assert Invoice.objects.get(pk=invoice.pk).is_paid
    assert heard == [(Invoice, invoice.pk, "tests.thing:1", payment.pk)]
    assert Receipt.objects.filter(payment=payment).exists()
    assert [message.to for message in mail.outbox] == [[invoice.payer.person.email]]


def test_a_bad_signature_answers_400_and_changes_nothing(fake_stripe_api, checkout):
    delivery = fake_stripe_api.pay(checkout.payment.provider_reference)
    forged = WebhookDelivery(delivery.event, delivery.payload, sign(delivery.payload, "whsec_someone_else"))
    assert post_webhook(forged).status_code == 400
    # A body changed after signing does not verify either.
    tampered = WebhookDelivery(
        delivery.event, delivery.payload.replace(b'"paid"', b'"paid" '), delivery.signature
    )
    assert post_webhook(tampered).status_code == 400
    missing = Client().post(
        reverse("regie:stripe_webhook"), data=delivery.payload, content_type="application/json"
    )
    assert missing.status_code == 400
    assert nothing_changed(checkout.payment)


def test_without_a_configured_secret_every_webhook_is_refused(fake_stripe_api, checkout, settings):
    delivery = fake_stripe_api.pay(checkout.payment.provider_reference)
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert post_webhook(delivery).status_code == 400
    assert nothing_changed(checkout.payment)


def test_a_timestamp_older_than_five_minutes_answers_400_and_changes_nothing(fake_stripe_api, checkout):
    delivery = fake_stripe_api.pay(checkout.payment.provider_reference)
    stale = sign(delivery.payload, fake_stripe_api.webhook_secret, timestamp=int(time.time()) - 301)
    assert post_webhook(WebhookDelivery(delivery.event, delivery.payload, stale)).status_code == 400
    assert nothing_changed(checkout.payment)
    # Within the window, the same event is taken.
    recent = sign(delivery.payload, fake_stripe_api.webhook_secret, timestamp=int(time.time()) - 240)
    assert post_webhook(WebhookDelivery(delivery.event, delivery.payload, recent)).status_code == 200


def test_the_webhook_takes_post_only():
    assert Client().get(reverse("regie:stripe_webhook")).status_code == 405


def test_the_same_event_delivered_five_times_settles_once(
    fake_stripe_api, checkout, django_capture_on_commit_callbacks
):
    delivery = fake_stripe_api.pay(checkout.payment.provider_reference)
    answers = []
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(post_webhook(delivery))
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.content for a in answers] == [b"settled"] + [b"duplicate"] * 4
    assert ProcessedWebhookEvent.objects.count() == 1
    assert Receipt.objects.count() == 1 and len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="payment.succeed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_concurrently_from_threads_settles_once(
    fake_stripe_api, citizen, billed_service
):
    payer = person_party(citizen)
    invoice = bill(payer, billed_service, cents=4200)
    checkout = services.start_online_payment(actor=citizen, payer=payer, invoices=[invoice])
    delivery = fake_stripe_api.pay(checkout.payment.provider_reference)
    deliveries = 5
    barrier = threading.Barrier(deliveries)
    answers, errors = [], []

    @in_thread
    def deliver():
        try:
            barrier.wait()
            answers.append(post_webhook(delivery))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(deliveries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(a.status_code for a in answers) == [200] * deliveries
    assert sorted(a.content for a in answers) == [b"duplicate"] * (deliveries - 1) + [b"settled"]
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert ProcessedWebhookEvent.objects.count() == 1
    assert Receipt.objects.count() == 1 and len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="payment.succeed").count() == 1
    assert PaymentAllocation.objects.filter(payment__status=PaymentStatus.SUCCEEDED).count() == 1
    assert Invoice.objects.with_balance().get().paid_cents == 4200


def test_an_amount_that_differs_from_the_payment_is_refused_and_reported(fake_stripe_api, checkout, invoice):
    delivery = fake_stripe_api.pay(checkout.payment.provider_reference, amount_total=invoice.total_cents - 1)
    response = post_webhook(delivery)
    assert response.status_code == 200 and response.content == b"refused"
    payment = Payment.objects.get(pk=checkout.payment.pk)
    assert payment.status == PaymentStatus.PENDING and payment.receipt_number is None
    assert not Invoice.objects.get(pk=invoice.pk).is_paid
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.payment, discrepancy.event_id) == (
        DiscrepancyKind.AMOUNT_MISMATCH,
        payment,
        delivery.event["id"],
    )
    assert (discrepancy.expected_amount_cents, discrepancy.received_amount_cents) == (
        invoice.total_cents,
        invoice.total_cents - 1,
    )


def test_a_currency_that_differs_is_refused_and_reported(fake_stripe_api, checkout):
    post_webhook(fake_stripe_api.pay(checkout.payment.provider_reference, currency="usd"))
    assert Payment.objects.get(pk=checkout.payment.pk).status == PaymentStatus.PENDING
    assert Discrepancy.objects.get().kind == DiscrepancyKind.CURRENCY_MISMATCH


def test_an_expired_session_closes_the_payment_and_the_invoice_is_payable_again(
    fake_stripe_api, checkout, citizen, invoice
):
    assert post_webhook(fake_stripe_api.expire(checkout.payment.provider_reference)).content == b"closed"
    assert Payment.objects.get(pk=checkout.payment.pk).status == PaymentStatus.EXPIRED
    again = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    assert again.payment.pk != checkout.payment.pk and not again.reused


def test_a_session_the_regie_does_not_know_is_reported(fake_stripe_api):
    delivery = fake_stripe_api.event(
        "checkout.session.completed",
        {
            "id": "cs_test_unknown",
            "status": "complete",
            "payment_status": "paid",
            "amount_total": 500,
            "currency": "eur",
        },
    )
    assert post_webhook(delivery).content == b"unknown"
    assert Discrepancy.objects.get().kind == DiscrepancyKind.UNKNOWN_PAYMENT


def test_other_event_types_are_acknowledged_and_ignored(fake_stripe_api):
    delivery = fake_stripe_api.event("customer.created", {"id": "cus_1", "object": "customer"})
    response = post_webhook(delivery)
    assert (response.status_code, response.content) == (200, b"ignored")


def test_a_webhook_that_beats_the_end_of_start_online_payment_finds_the_payment_by_its_id(
    fake_stripe_api, checkout
):
    session = fake_stripe_api.sessions[checkout.payment.provider_reference]
    Payment.objects.filter(pk=checkout.payment.pk).update(
        provider_reference=""
    )  # as if step 3 had not run yet
    delivery = fake_stripe_api.pay(session["id"])
    assert json.loads(delivery.payload)["data"]["object"]["metadata"]["payment_id"] == str(
        checkout.payment.pk
    )
    assert post_webhook(delivery).content == b"settled"
