"""Cancelling: the rules, shown before confirming, and the cancellation itself.

- A pending request is withdrawn at any time before its slot, free.
- A confirmed booking cancelled up to the room's notice (e.g. 7 days before, at the same hour)
  is free: its rental is credited (and refunded if paid) and its deposit released.
- After the notice and before the slot starts, it can still be cancelled online, which frees
  the room for others, but the rental stays due (the deposit is released all the same).
- Once the slot has started, nothing is cancelled online.

Money goes back through the régie (see services/money.py): at once when the person cancelling
is a régie agent, otherwise the régie's agents are asked to settle it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.rooms import perms, schedule
from associations.rooms.enums import ACTIVE_STATUSES, BookingStatus, SettlementKind, SettlementReason
from associations.rooms.exceptions import CancellationRefused, RoomsAccessDenied
from associations.rooms.models import Booking, BookingSeries, Settlement
from associations.rooms.services import money
from associations.rooms.services.common import lock_booking
from guichet import audit


@dataclass(frozen=True)
class CancellationTerms:
    """What cancelling a booking now would do: allowed or not, and what stays due or goes back."""

    allowed: bool
    free: bool
    deadline: datetime | None
    reason: str = ""
    # What stays due (the rental of a late cancellation) and what goes back (rental, deposit).
    due_cents: int = 0
    back_cents: int = 0
    deposit_cents: int = 0

    @property
    def billed(self) -> bool:
        return self.allowed and not self.free and self.due_cents > 0


def cancellation_terms(booking: Booking, now: datetime | None = None) -> CancellationTerms:
    """The rules applied to this booking now (see the module's docstring)."""
    now = now or timezone.now()
    deadline = schedule.free_cancellation_deadline(
        booking.day, booking.starts_at.time(), booking.room.free_cancellation_days
    )
    if booking.status not in ACTIVE_STATUSES:
        return CancellationTerms(
            allowed=False,
            free=False,
            deadline=deadline,
            reason=_("Cette réservation est « %(status)s » : il n'y a rien à annuler.")
            % {"status": BookingStatus(booking.status).label.lower()},
        )
    if booking.period.lower <= now:
        return CancellationTerms(
            allowed=False,
            free=False,
            deadline=deadline,
            reason=_(
                "Le créneau a commencé ou est passé : il ne peut plus être annulé en ligne. Pour toute "
                "question, contactez le service de la vie associative."
            ),
        )
    if booking.status == BookingStatus.PENDING:
        return CancellationTerms(allowed=True, free=True, deadline=deadline)
    rental = booking.price_cents if booking.invoice_id else 0
    deposit = booking.deposit_cents if booking.deposit_invoice_id else 0
    if now <= deadline:
        return CancellationTerms(
            allowed=True, free=True, deadline=deadline, back_cents=rental + deposit, deposit_cents=deposit
        )
    return CancellationTerms(
        allowed=True,
        free=False,
        deadline=deadline,
        due_cents=rental,
        back_cents=deposit,
        deposit_cents=deposit,
    )


def _cancel_locked(*, actor, booking: Booking, now: datetime) -> tuple[Booking, list[Settlement]]:
    terms = cancellation_terms(booking, now)
    if not terms.allowed:
        raise CancellationRefused(terms.reason)
    was_confirmed = booking.status == BookingStatus.CONFIRMED
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = actor
    booking.cancellation_billed = terms.billed
    booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancellation_billed"])
    settlements = []
    if was_confirmed:
        if terms.free:
            settlements.append(
                money.request_settlement(
                    actor=actor,
                    booking=booking,
                    kind=SettlementKind.RENTAL,
                    amount_cents=booking.price_cents,
                    reason=SettlementReason.CANCELLED,
                )
            )
        settlements.append(
            money.request_settlement(
                actor=actor,
                booking=booking,
                kind=SettlementKind.DEPOSIT,
                amount_cents=booking.deposit_cents,
                reason=SettlementReason.DEPOSIT_CANCELLED,
            )
        )
    audit.record(
        actor=actor,
        action="rooms.booking.cancel",
        target=booking,
        owner=booking.party_id,
        was_confirmed=was_confirmed,
        billed=terms.billed,
    )
    return booking, [settlement for settlement in settlements if settlement is not None]


def cancel_booking(*, actor, booking: Booking, now: datetime | None = None) -> Booking:
    """The requester's people cancel a booking (or withdraw a request) by the rules above."""
    now = now or timezone.now()
    if not perms.can_manage_booking(actor, booking):
        raise RoomsAccessDenied()
    with transaction.atomic():
        booking, settlements = _cancel_locked(actor=actor, booking=lock_booking(booking), now=now)
        if not perms.can_settle(actor):
            money.hand_over(actor=actor, settlements=settlements)
    if perms.can_settle(actor):
        # After the commit: a card refund calls the provider, which a rollback could not undo.
        money.hand_over(actor=actor, settlements=settlements)
    return booking


def series_terms(
    series: BookingSeries, now: datetime | None = None
) -> list[tuple[Booking, CancellationTerms]]:
    """Each date of the series still to come, with what cancelling it now would do."""
    now = now or timezone.now()
    bookings = series.bookings.filter(status__in=ACTIVE_STATUSES, period__startswith__gt=now).select_related(
        "room"
    )
    return [(booking, cancellation_terms(booking, now)) for booking in bookings.order_by("period", "pk")]


def cancel_series(*, actor, series: BookingSeries, now: datetime | None = None) -> list[Booking]:
    """Cancel every date of the series still to come, each by its own terms (free before the
    notice, the rental due after it). Returns the bookings cancelled."""
    now = now or timezone.now()
    if not perms.can_manage_booking(actor, series):
        raise RoomsAccessDenied()
    cancelled, settlements = [], []
    with transaction.atomic():
        BookingSeries.objects.select_for_update(of=("self",)).filter(pk=series.pk).first()
        bookings = list(
            series.bookings.filter(status__in=ACTIVE_STATUSES, period__startswith__gt=now)
            .select_for_update(of=("self",))
            .select_related("room", "party", "series")
            .order_by("period", "pk")
        )
        if not bookings:
            raise CancellationRefused(_("Il ne reste aucune date à venir à annuler dans cette série."))
        for booking in bookings:
            booking, asked = _cancel_locked(actor=actor, booking=booking, now=now)
            cancelled.append(booking)
            settlements.extend(asked)
        if not perms.can_settle(actor):
            money.hand_over(actor=actor, settlements=settlements)
    if perms.can_settle(actor):
        money.hand_over(actor=actor, settlements=settlements)
    return cancelled


__all__ = ["CancellationTerms", "cancel_booking", "cancel_series", "cancellation_terms", "series_terms"]
