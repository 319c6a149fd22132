"""Business metrics from other apps' events, without importing them (the arrows point down).

The régie's `invoice_paid` signal counts settled invoices. The rest is read from the models' saves,
looked up by their label (`apps.get_model`): a booking or payment counted when it is created with, or
saved into, a status, once its transaction commits. Changes made with `QuerySet.update()` or
`bulk_create()` send no signal and are not counted (the closure of a famille session, the bookings of a
room series).
"""

from collections.abc import Callable

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_init, post_save
from prometheus_client import Counter

from guichet.ops import metrics

# model label → (counter, status → outcome label; statuses not listed are not counted)
WATCHED: dict[str, tuple[Counter, dict[str, str]]] = {
    "famille.Booking": (
        metrics.FAMILLE_BOOKINGS,
        {
            "confirmed": "confirmed",
            "waiting": "waitlisted",
            "cancelled": "cancelled",
            "late_cancelled": "cancelled",
        },
    ),
    "rooms.Booking": (
        metrics.ROOM_BOOKINGS,
        {"pending": "requested", "confirmed": "confirmed", "refused": "refused", "cancelled": "cancelled"},
    ),
    "regie.Payment": (
        metrics.PAYMENTS,
        {"succeeded": "settled", "failed": "failed", "expired": "expired"},
    ),
    "regie.Refund": (metrics.REFUNDS, {"succeeded": "succeeded", "failed": "failed"}),
}
LOADED_STATUS = "_ops_loaded_status"


def _remember_status(sender, instance, **kwargs) -> None:
    # Deferred fields are not in __dict__: nothing to compare with later, and no query to load it.
    instance.__dict__[LOADED_STATUS] = instance.__dict__.get("status")


def _status_observer(counter: Counter, outcomes: dict[str, str]) -> Callable:
    def observe(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
        if raw or (update_fields is not None and "status" not in update_fields):
            return
        status = instance.__dict__.get("status")
        before = instance.__dict__.get(LOADED_STATUS)
        instance.__dict__[LOADED_STATUS] = status
        if (not created and status == before) or status not in outcomes:
            return
        outcome = outcomes[status]
        transaction.on_commit(lambda: counter.labels(outcome=outcome).inc(), using=kwargs.get("using"))

    return observe


def _invoice_paid(sender, **kwargs) -> None:
    metrics.INVOICES_PAID.inc()  # sent once the payment's transaction has committed


def connect() -> None:
    for label, (counter, outcomes) in WATCHED.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # the app is not installed here
        post_init.connect(_remember_status, sender=model, weak=False, dispatch_uid=f"ops.init.{label}")
        post_save.connect(
            _status_observer(counter, outcomes), sender=model, weak=False, dispatch_uid=f"ops.save.{label}"
        )
    if apps.is_installed("regie"):
        from regie.signals import invoice_paid

        invoice_paid.connect(_invoice_paid, weak=False, dispatch_uid="ops.invoice_paid")
