"""Celery tasks of the personal-data rights: ids in, a service call, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def erase_due_accounts() -> list[int]:
    """Beat, daily: the final erasure of every account whose 30 days of grace are over. An account
    already erased, or whose deletion was cancelled, is left alone. Returns the requests erased."""
    from guichet.privacy import services

    return services.erase_due_accounts()
