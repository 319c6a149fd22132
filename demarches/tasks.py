"""Celery tasks of the démarches: thin wrappers around services, safe to run twice."""

import smtplib

from celery import shared_task

from demarches import receipts


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_acknowledgement(self, request_id: int) -> None:
    """Render the acknowledgement PDF and e-mail it to the person who submitted the request (once)."""
    receipts.send_acknowledgement(request_id=request_id)
