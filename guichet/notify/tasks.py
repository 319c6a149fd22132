"""Celery tasks of notify: thin wrappers around services, safe to run twice."""

import smtplib

from celery import shared_task
from django.conf import settings

from guichet.notify import services
from guichet.notify.models import MAX_DELIVERY_ATTEMPTS


@shared_task(bind=True, acks_late=True, max_retries=MAX_DELIVERY_ATTEMPTS)
def send_delivery(self, delivery_id: int) -> None:
    """Send one notification e-mail; after a transient failure, try again with exponential backoff."""
    try:
        services.send_email(delivery_id=delivery_id)
    except services.DeliveryDeferred as deferred:
        delay = getattr(settings, "NOTIFY_RETRY_DELAY", 60)  # seconds before the second attempt
        raise self.retry(countdown=delay * 2 ** (deferred.attempts - 1), exc=deferred) from deferred


@shared_task
def requeue_stale_deliveries() -> int:
    """Beat: queue again e-mails whose task was lost."""
    return services.requeue_stale_deliveries()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),  # the same as services.TRANSIENT_ERRORS
    retry_backoff=True,
    max_retries=MAX_DELIVERY_ATTEMPTS,
)
def send_account_email(self, *, subject: str, body: str, html: str, to: list[str], from_email: str) -> None:
    """An account e-mail (address confirmation, password reset) rendered in the request, sent here."""
    services.send_account_email(subject=subject, body=body, html=html, to=to, from_email=from_email)
