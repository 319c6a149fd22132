"""The beat task: payments still pending after 15 minutes are asked about and settled or expired."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from regie import services, tasks
from regie.enums import PaymentStatus
from regie.models import Invoice, Payment
from tests.regie.conftest import bill, post_webhook

pytestmark = pytest.mark.django_db


def later(minutes: int):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False)


def test_the_beat_schedule_runs_the_recheck_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["regie-recheck-pending-payments"]
    assert (entry["task"], entry["schedule"]) == ("regie.tasks.recheck_pending_payments", 300.0)
    assert tasks.recheck_pending_payments.name == entry["task"]


def test_a_young_pending_payment_is_left_alone(fake_stripe_api, citizen, invoice):
    services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    with later(10):
        assert services.recheck_pending_payments() == {"settled": 0, "closed": 0, "open": 0, "errors": 0}
    assert fake_stripe_api.count("GET", "/v1/checkout/sessions/") == 0


def test_a_payment_whose_webhook_was_lost_is_settled(
    fake_stripe_api, citizen, invoice, django_capture_on_commit_callbacks
):
    checkout = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    fake_stripe_api.pay(checkout.payment.provider_reference)  # the webhook never arrives
    with later(16), django_capture_on_commit_callbacks(execute=True):
        assert tasks.recheck_pending_payments.delay().get()["settled"] == 1
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.receipt_number
    assert Invoice.objects.get(pk=invoice.pk).is_paid
    assert hasattr(payment, "receipt")


def test_an_open_checkout_still_open_is_kept_until_it_expires_then_closed_at_stripe(
    fake_stripe_api, citizen, invoice
):
    checkout = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    with later(20):
        assert services.recheck_pending_payments()["open"] == 1
    with later(36):
        assert services.recheck_pending_payments()["closed"] == 1
    assert fake_stripe_api.sessions[checkout.payment.provider_reference]["status"] == "expired"
    assert Payment.objects.get().status == PaymentStatus.EXPIRED


def test_a_checkout_expired_at_stripe_expires_the_payment(fake_stripe_api, citizen, invoice):
    checkout = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    fake_stripe_api.expire(checkout.payment.provider_reference)
    with later(16):
        assert services.recheck_pending_payments()["closed"] == 1
    assert Payment.objects.get().status == PaymentStatus.EXPIRED


def test_a_payment_stripe_never_heard_of_is_expired_once_its_time_is_over(
    fake_stripe_api, citizen, invoice, settings
):
    settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES = "http://127.0.0.1:9", 0
    with pytest.raises(services.payments.PaymentProviderError):
        services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    with later(16):
        assert services.recheck_pending_payments()["open"] == 1
    with later(36):
        assert services.recheck_pending_payments()["closed"] == 1
    assert Payment.objects.get().status == PaymentStatus.EXPIRED


def test_an_unreachable_provider_is_counted_and_retried_next_time(
    fake_stripe_api, citizen, invoice, settings
):
    services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES = "http://127.0.0.1:9", 0
    with later(16):
        assert services.recheck_pending_payments()["errors"] == 1
    assert Payment.objects.get().status == PaymentStatus.PENDING


def test_a_success_after_expiry_is_settled_and_reported(fake_stripe_api, citizen, payer, billed_service):
    invoice = bill(payer, billed_service)
    checkout = services.start_online_payment(actor=citizen, payer=payer, invoices=[invoice])
    services.close_payment(payment_id=checkout.payment.pk, state="expired")
    assert post_webhook(fake_stripe_api.pay(checkout.payment.provider_reference)).content == b"settled"
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
    assert checkout.payment.discrepancies.get().kind == "late_success"


def test_a_receipt_whose_task_was_lost_is_queued_again(payer, invoice, regie_agent):
    from django.core import mail

    from regie.enums import PaymentMethod

    # Not run: on_commit callbacks never fire inside this test's transaction, like a lost task.
    payment = services.record_counter_payment(
        actor=regie_agent, payer=payer, invoices=[invoice], method=PaymentMethod.CASH, amount_cents=1250
    )
    assert services.requeue_unsent_receipts() == 0  # too early: its own task may still be on its way
    with later(11):
        assert tasks.recheck_pending_payments.delay().get()["receipts_requeued"] == 1
        assert services.requeue_unsent_receipts() == 0
    assert len(mail.outbox) == 1 and payment.receipt_number in mail.outbox[0].subject
