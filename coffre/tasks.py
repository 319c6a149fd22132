"""Celery tasks of the vault, run by beat (CELERY_BEAT_SCHEDULE): thin, safe to run twice."""

from celery import shared_task

from coffre import services


@shared_task(name="coffre.tasks.send_expiry_reminders", acks_late=True, ignore_result=True)
def send_expiry_reminders() -> int:
    """Daily: remind owners 30 and 7 days before a document expires, once each."""
    return services.send_expiry_reminders()


@shared_task(name="coffre.tasks.purge_orphan_blobs", acks_late=True, ignore_result=True)
def purge_orphan_blobs() -> int:
    """Daily: delete the blobs of interrupted uploads (a day old at least; unreadable anyway)."""
    return services.purge_orphan_blobs()
