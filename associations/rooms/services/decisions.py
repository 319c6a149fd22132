"""The vie associative service's decisions: approve or refuse a booking, or a whole weekly series.

Approving confirms the booking under the exclusion constraint: when another confirmed booking
took the slot meanwhile (a colleague approving an overlapping request at the same instant), the
approval is refused with a clear message and the request stays pending. Approving a series
confirms every pending date it can and refuses, with the reason, those taken meanwhile (or past):
the result lists them. Confirmed bookings are billed at once; the requester's people are told.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.rooms.enums import BookingStatus
from associations.rooms.exceptions import DecisionRefused, SlotTaken
from associations.rooms.models import Booking, BookingSeries
from associations.rooms.services import money
from associations.rooms.services.common import (
    DECISION_NOTIFICATION_KIND,
    check_agent,
    hold,
    lock_booking,
    lock_series,
    party_users,
)
from guichet import audit
from guichet.notify import services as notify

TAKEN_REASON = gettext_lazy("Le créneau a été réservé par ailleurs avant la validation de la série.")
PAST_REASON = gettext_lazy("La date était passée au moment de la validation.")


@dataclass
class SeriesDecision:
    """What approving a series did: the dates confirmed, and those refused with their reason."""

    series: BookingSeries
    confirmed: list[Booking] = field(default_factory=list)
    refused: list[Booking] = field(default_factory=list)


def _my_bookings_path() -> str:
    return reverse("associations:rooms_my_bookings")


def _tell(*, booking: Booking | None = None, series: BookingSeries | None = None, **context) -> None:
    target = booking or series
    notify.notify_many(
        users=party_users(target.party),
        kind=DECISION_NOTIFICATION_KIND,
        context={
            "room": target.room.name,
            "purpose": target.purpose,
            "is_series": series is not None,
            **context,
        },
        url=reverse("associations:rooms_series", args=[series.pk]) if series else _my_bookings_path(),
    )


def _hourly(booking) -> int:
    hourly = booking.room.hourly_cents_for(booking.party)
    if hourly is None:
        raise DecisionRefused(
            _("Cette salle n'est plus ouverte aux particuliers : refusez la demande en expliquant pourquoi.")
        )
    return hourly


def _check_pending(booking: Booking) -> None:
    if booking.status != BookingStatus.PENDING:
        raise DecisionRefused(
            _("Cette demande a déjà été traitée : elle est « %(status)s ».")
            % {"status": BookingStatus(booking.status).label.lower()}
        )


@transaction.atomic
def approve_booking(*, actor, booking: Booking, now: datetime | None = None) -> Booking:
    """Confirm a pending request (a one-off booking, or one date of a series) and bill it."""
    now = now or timezone.now()
    check_agent(actor)
    booking = lock_booking(booking)
    _check_pending(booking)
    if booking.period.lower <= now:
        raise DecisionRefused(_("Ce créneau est déjà passé : refusez la demande."))
    if not hold(booking, decided_by=actor, now=now, hourly_cents=_hourly(booking)):
        raise SlotTaken(
            _(
                "Une autre réservation confirmée occupe déjà tout ou partie de ce créneau : la demande reste "
                "en attente. Refusez-la en proposant un autre horaire au demandeur."
            )
        )
    money.bill(actor=actor, bookings=[booking])
    audit.record(
        actor=actor,
        action="rooms.booking.approve",
        target=booking,
        owner=booking.party_id,
        invoice=booking.invoice_id,
        deposit_invoice=booking.deposit_invoice_id,
    )
    _tell(booking=booking, approved=True, day=booking.starts_at, ends=booking.ends_at, reason="")
    return booking


@transaction.atomic
def refuse_booking(*, actor, booking: Booking, reason: str, now: datetime | None = None) -> Booking:
    """Refuse a pending request, with the reason the requester reads."""
    now = now or timezone.now()
    check_agent(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DecisionRefused(_("Expliquez au demandeur pourquoi : le motif du refus est obligatoire."))
    booking = lock_booking(booking)
    _check_pending(booking)
    booking.status = BookingStatus.REFUSED
    booking.refusal_reason = reason
    booking.decided_by = actor
    booking.decided_at = now
    booking.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    audit.record(actor=actor, action="rooms.booking.refuse", target=booking, owner=booking.party_id)
    _tell(booking=booking, approved=False, day=booking.starts_at, ends=booking.ends_at, reason=reason)
    return booking


def _pending_of(series: BookingSeries):
    # Date order: two approvals of overlapping series lock their dates in the same order (no deadlock).
    return list(
        series.bookings.filter(status=BookingStatus.PENDING)
        .select_for_update(of=("self",))
        .select_related("room", "party")
        .order_by("period", "pk")
    )


@transaction.atomic
def approve_series(*, actor, series: BookingSeries, now: datetime | None = None) -> SeriesDecision:
    """Confirm every pending date of the series that is still free; refuse, with the reason, those a
    confirmed booking took meanwhile and those already past. Bills the confirmed dates together."""
    now = now or timezone.now()
    check_agent(actor)
    series = lock_series(series)
    pending = _pending_of(series)
    if not pending:
        raise DecisionRefused(_("Cette série n'a plus de date en attente : elle a déjà été traitée."))
    hourly = _hourly(pending[0])
    decision = SeriesDecision(series=series)
    for booking in pending:
        if booking.period.lower <= now:
            reason = PAST_REASON
        elif hold(booking, decided_by=actor, now=now, hourly_cents=hourly):
            decision.confirmed.append(booking)
            continue
        else:
            reason = TAKEN_REASON
        booking.status = BookingStatus.REFUSED
        booking.refusal_reason = str(reason)
        booking.decided_by = actor
        booking.decided_at = now
        booking.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
        decision.refused.append(booking)
    if decision.confirmed:
        money.bill(actor=actor, bookings=decision.confirmed, source=f"rooms.series:{series.pk}")
    series.decided_by = actor
    series.decided_at = now
    series.refusal_reason = ""
    series.save(update_fields=["decided_by", "decided_at", "refusal_reason"])
    audit.record(
        actor=actor,
        action="rooms.series.approve",
        target=series,
        owner=series.party_id,
        confirmed=[booking.pk for booking in decision.confirmed],
        refused=[booking.pk for booking in decision.refused],
    )
    _tell(
        series=series,
        approved=True,
        confirmed=len(decision.confirmed),
        refused_days=[booking.starts_at for booking in decision.refused],
        reason="",
    )
    return decision


@transaction.atomic
def refuse_series(*, actor, series: BookingSeries, reason: str, now: datetime | None = None) -> BookingSeries:
    """Refuse every pending date of the series, with the reason the requester reads."""
    now = now or timezone.now()
    check_agent(actor)
    reason = (reason or "").strip()
    if not reason:
        raise DecisionRefused(_("Expliquez au demandeur pourquoi : le motif du refus est obligatoire."))
    series = lock_series(series)
    pending = _pending_of(series)
    if not pending:
        raise DecisionRefused(_("Cette série n'a plus de date en attente : elle a déjà été traitée."))
    Booking.objects.filter(pk__in=[booking.pk for booking in pending]).update(
        status=BookingStatus.REFUSED, refusal_reason=reason, decided_by=actor, decided_at=now
    )
    series.decided_by = actor
    series.decided_at = now
    series.refusal_reason = reason
    series.save(update_fields=["decided_by", "decided_at", "refusal_reason"])
    audit.record(
        actor=actor, action="rooms.series.refuse", target=series, owner=series.party_id, refused=len(pending)
    )
    _tell(series=series, approved=False, confirmed=0, refused_days=[], reason=reason)
    return series


__all__ = ["SeriesDecision", "approve_booking", "approve_series", "refuse_booking", "refuse_series"]
