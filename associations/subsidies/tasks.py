"""Celery tasks of the subsidies: thin wrappers around services, safe to run twice."""

from celery import shared_task

from associations.subsidies import services


# Celery beat, every morning (CELERY_BEAT_SCHEDULE): each reminder goes once (a timestamp on the request).
@shared_task(acks_late=True)
def send_report_reminders() -> int:
    """Remind the boards of the financial reports due within 30 days, then of those overdue."""
    return services.send_report_reminders()
