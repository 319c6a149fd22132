"""The daily job: the provider's report of a day against the ledger, every difference listed once."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from celery.schedules import crontab
from django.urls import reverse
from django.utils import timezone

from regie import services, tasks
from regie.backends import CheckoutRequest, ProviderState, ProviderStatus
from regie.backends.stripe import StripeBackend, client
from regie.enums import DiscrepancyKind, PaymentStatus
from regie.models import Discrepancy, Payment
from tests.regie.conftest import bill, pay_at_counter, post_webhook

pytestmark = pytest.mark.django_db


def checkout(citizen, invoice):
    return services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice]).payment


def paid_with_webhook(fake, citizen, invoice) -> Payment:
    payment = checkout(citizen, invoice)
    assert post_webhook(fake.pay(payment.provider_reference)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    return payment


def kinds() -> list[str]:
    return sorted(Discrepancy.objects.values_list("kind", flat=True))


def test_the_beat_runs_the_reconciliation_of_yesterday_at_six(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["regie-reconcile-yesterday"]
    assert entry["task"] == tasks.reconcile_yesterday.name == "regie.tasks.reconcile_yesterday"
    assert entry["schedule"] == crontab(hour=6, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/Paris"


def test_the_fake_lists_sessions_of_a_period_page_by_page_over_http(
    fake_stripe_api, citizen, payer, billed_service
):
    references = [checkout(citizen, bill(payer, billed_service)).provider_reference for _ in range(5)]
    fake_stripe_api.sessions[references[0]]["created"] -= 86400  # yesterday's
    now = int(timezone.now().timestamp())
    listing = client().v1.checkout.sessions.list({"created": {"gte": now - 3600, "lt": now + 60}, "limit": 2})
    assert (listing.object, listing.has_more, len(listing.data)) == ("list", True, 2)
    assert sorted(session.id for session in listing.auto_paging_iter()) == sorted(references[1:])
    assert fake_stripe_api.count("GET", "/v1/checkout/sessions") == 2


def test_a_clean_day_has_no_discrepancy(fake_stripe_api, citizen, regie_agent, payer, billed_service):
    paid = [paid_with_webhook(fake_stripe_api, citizen, bill(payer, billed_service)) for _ in range(2)]
    checkout(citizen, bill(payer, billed_service))  # still open: nobody paid it
    pay_at_counter(regie_agent, payer, [bill(payer, billed_service)], 1250)  # not a provider's business
    result = services.reconcile_day(day=timezone.localdate())
    assert (result.provider_payments, result.ledger_payments, result.discrepancies) == (len(paid), 2, [])
    assert not Discrepancy.objects.exists()


def test_a_payment_whose_webhook_never_arrived_is_listed_for_the_regisseur(
    fake_stripe_api, citizen, invoice, agent_client
):
    payment = checkout(citizen, invoice)
    fake_stripe_api.pay(payment.provider_reference)  # the webhook is lost
    result = services.reconcile_day(day=timezone.localdate())
    assert result.reported == 1
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.payment, discrepancy.provider_reference) == (
        DiscrepancyKind.NOT_SETTLED,
        payment,
        payment.provider_reference,
    )
    assert discrepancy.reconciled_on == timezone.localdate()
    page = agent_client.get(reverse("regie_pages:agent_home"))
    assert page.status_code == 200
    assert "Payé chez le prestataire mais non encaissé par la régie" in page.content.decode()


def test_a_session_paid_at_stripe_that_the_ledger_does_not_know_is_listed(fake_stripe_api):
    request = CheckoutRequest(
        payment_id=987654,
        amount_cents=4200,
        currency="eur",
        description="Inconnue",
        idempotency_key="stray",
        success_url="http://testserver/ok",
        cancel_url="http://testserver/ko",
        notification_url="http://testserver/webhook",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    stray = StripeBackend().create_checkout(request)
    fake_stripe_api.pay(stray.provider_reference)
    services.reconcile_day(day=timezone.localdate())
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.payment, discrepancy.received_amount_cents) == (
        DiscrepancyKind.UNKNOWN_PAYMENT,
        None,
        4200,
    )


def test_a_payment_succeeded_in_the_ledger_that_stripe_has_not_is_listed(fake_stripe_api, citizen, invoice):
    payment = checkout(citizen, invoice)
    # Settled on a word the provider does not stand by: its session is still open at Stripe.
    status = ProviderStatus(payment.provider_reference, ProviderState.PAID, payment.amount_cents, "eur")
    assert services.settle_payment(payment_id=payment.pk, status=status).status == PaymentStatus.SUCCEEDED
    result = services.reconcile_day(day=timezone.localdate())
    assert (result.provider_payments, result.ledger_payments) == (0, 1)
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.payment, discrepancy.provider_reference) == (
        DiscrepancyKind.MISSING_AT_PROVIDER,
        payment,
        payment.provider_reference,
    )


def test_an_amount_mismatch_is_listed_once(fake_stripe_api, citizen, invoice):
    payment = checkout(citizen, invoice)
    fake_stripe_api.pay(payment.provider_reference, amount_total=999)
    services.reconcile_day(day=timezone.localdate())
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.expected_amount_cents, discrepancy.received_amount_cents) == (
        DiscrepancyKind.AMOUNT_MISMATCH,
        1250,
        999,
    )


def test_a_mismatch_the_webhook_already_reported_is_not_reported_again(fake_stripe_api, citizen, invoice):
    payment = checkout(citizen, invoice)
    assert post_webhook(fake_stripe_api.pay(payment.provider_reference, amount_total=999)).status_code == 200
    result = services.reconcile_day(day=timezone.localdate())
    assert (len(result.discrepancies), result.reported) == (1, 0)
    assert kinds() == [DiscrepancyKind.AMOUNT_MISMATCH]


def test_running_a_day_twice_reports_nothing_twice(fake_stripe_api, citizen, payer, billed_service):
    lost = checkout(citizen, bill(payer, billed_service))
    fake_stripe_api.pay(lost.provider_reference)
    wrong = checkout(citizen, bill(payer, billed_service))
    fake_stripe_api.pay(wrong.provider_reference, currency="usd")
    today = timezone.localdate()
    first = services.reconcile_day(day=today)
    assert first.reported == 2
    tomorrow_morning = datetime.combine(
        today + timedelta(days=1), time(6), tzinfo=timezone.get_default_timezone()
    )
    with time_machine.travel(tomorrow_morning, tick=False):
        counts = tasks.reconcile_yesterday()
    assert (counts["day"], counts["discrepancies"], counts["reported"]) == (today.isoformat(), 2, 0)
    assert services.reconcile_day(day=today).reported == 0
    assert kinds() == [DiscrepancyKind.CURRENCY_MISMATCH, DiscrepancyKind.NOT_SETTLED]


def test_only_the_payments_of_that_day_are_compared(fake_stripe_api, citizen, invoice):
    payment = checkout(citizen, invoice)
    fake_stripe_api.pay(payment.provider_reference)
    fake_stripe_api.sessions[payment.provider_reference]["created"] -= 86400
    Payment.objects.filter(pk=payment.pk).update(created_at=payment.created_at - timedelta(days=1))
    today = timezone.localdate()
    assert services.reconcile_day(day=today).discrepancies == []
    assert services.reconcile_day(day=today - timedelta(days=1)).reported == 1


def test_payfip_reads_back_the_operations_the_ledger_knows(fake_payfip, citizen, payer, billed_service):
    settled = checkout(citizen, bill(payer, billed_service))
    fake_payfip.finish(settled.provider_reference, result="P")
    status = ProviderStatus(settled.provider_reference, ProviderState.PAID, settled.amount_cents, "eur")
    services.settle_payment(payment_id=settled.pk, status=status)
    lost = checkout(citizen, bill(payer, billed_service))
    fake_payfip.finish(lost.provider_reference, result="P")  # its notification never came
    result = services.reconcile_day(day=timezone.localdate())
    assert (result.provider_payments, result.ledger_payments) == (2, 1)
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.payment) == (DiscrepancyKind.NOT_SETTLED, lost)
