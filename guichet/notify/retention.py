"""The ends of notify's retention periods. Django only (notify imports nothing above it):
guichet.retention registers these as kinds of its schedule.

    purge_deliveries(*, before, batch_size) -> Iterator[int]      sending logs, once sent or failed
    purge_notifications(*, before, batch_size) -> Iterator[int]   the messages and their stored bodies
"""

from collections.abc import Iterator
from datetime import datetime

from guichet.batches import delete_in_batches
from guichet.notify.enums import DeliveryStatus
from guichet.notify.models import Delivery, Notification

BATCH_SIZE = 2000


def purge_deliveries(*, before: datetime, batch_size: int = BATCH_SIZE) -> Iterator[int]:
    """Delete the sending logs last touched before `before`; a queued one waits for its sending."""
    queryset = Delivery.objects.filter(
        status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED], updated_at__lt=before
    )
    yield from delete_in_batches(queryset, batch_size=batch_size)


def purge_notifications(*, before: datetime, batch_size: int = BATCH_SIZE) -> Iterator[int]:
    """Delete the notifications created before `before`, with their bodies and sending logs."""
    yield from delete_in_batches(Notification.objects.filter(created_at__lt=before), batch_size=batch_size)
