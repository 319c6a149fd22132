"""Celery tasks of the régie: thin wrappers around services, safe to run twice."""

import smtplib
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from regie import services


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_receipt(self, payment_id: int) -> None:
    """Render the receipt PDF (once) and e-mail it to the payer's members (once)."""
    services.send_receipt(payment_id=payment_id)


@shared_task
def recheck_pending_payments() -> dict[str, int]:
    """Beat, every 5 minutes: settle or expire online payments still pending after 15 minutes.

    Also queues again the receipts whose task was lost (broker down at commit time)
    and finishes the refunds whose provider call was lost.
    """
    counts = services.recheck_pending_payments()
    counts["receipts_requeued"] = services.requeue_unsent_receipts()
    counts["refunds_finished"] = services.retry_pending_refunds()
    return counts


@shared_task
def send_payment_reminders() -> dict[str, int]:
    """Beat, every morning: remind unpaid invoices at due date + 7 and + 30 days, once each."""
    return services.send_payment_reminders()


@shared_task
def reconcile_yesterday() -> dict:
    """Beat, at 6:00 (Europe/Paris): list every difference between yesterday's provider report and the ledger.

    Safe to run again: a difference is reported once per day.
    """
    day = timezone.localdate() - timedelta(days=1)
    return services.reconcile_day(day=day).as_dict()
