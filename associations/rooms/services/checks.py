"""The after-event check (état des lieux) of a confirmed booking, which releases its deposit.

An agent of the vie associative service records, once the slot is over, the room's condition and
what was found. The deposit is released, all of it, or all but the part kept for the damage
(the notes say why): the released part goes back through the régie (credited if unpaid,
refunded if paid); the part kept stays due on the deposit's invoice.
"""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from associations.rooms import perms
from associations.rooms.enums import BookingStatus, RoomCondition, SettlementKind, SettlementReason
from associations.rooms.exceptions import CheckRefused
from associations.rooms.models import Booking
from associations.rooms.services import money
from associations.rooms.services.common import CHECK_NOTIFICATION_KIND, check_agent, lock_booking, party_users
from guichet import audit
from guichet.notify import services as notify


def record_check(
    *,
    actor,
    booking: Booking,
    condition: str,
    damage_notes: str = "",
    kept_cents: int = 0,
    now: datetime | None = None,
) -> Booking:
    """Record the état des lieux of a booking whose slot is over, and release its deposit but for
    `kept_cents` (only for damage, with notes)."""
    now = now or timezone.now()
    check_agent(actor)
    damage_notes = (damage_notes or "").strip()
    with transaction.atomic():
        booking = lock_booking(booking)
        if booking.status != BookingStatus.CONFIRMED:
            raise CheckRefused(_("Seule une réservation confirmée reçoit un état des lieux."))
        if booking.period.upper > now:
            raise CheckRefused(
                _("L'état des lieux se fait après la fin du créneau, le %(end)s.")
                % {"end": formats.date_format(booking.ends_at, "l j F Y à H:i")}
            )
        if booking.is_checked:
            raise CheckRefused(_("L'état des lieux de cette réservation est déjà enregistré."))
        if condition not in RoomCondition.values:
            raise CheckRefused(_("Indiquez dans quel état la salle a été rendue."))
        if condition == RoomCondition.DAMAGED and not damage_notes:
            raise CheckRefused(_("Décrivez les dégradations ou manquements constatés."))
        if kept_cents < 0 or kept_cents > booking.deposit_cents:
            raise CheckRefused(
                _("La retenue ne peut pas dépasser la caution de la réservation.")
                if booking.deposit_cents
                else _("Cette réservation n'a pas de caution : rien ne peut être retenu.")
            )
        if kept_cents and condition != RoomCondition.DAMAGED:
            raise CheckRefused(
                _("Une retenue sur la caution suppose des dégradations constatées et décrites.")
            )
        booking.checked_at = now
        booking.checked_by = actor
        booking.condition = condition
        booking.damage_notes = damage_notes
        booking.deposit_kept_cents = kept_cents
        booking.save(
            update_fields=["checked_at", "checked_by", "condition", "damage_notes", "deposit_kept_cents"]
        )
        settlement = money.request_settlement(
            actor=actor,
            booking=booking,
            kind=SettlementKind.DEPOSIT,
            amount_cents=booking.deposit_cents - kept_cents,
            reason=SettlementReason.DEPOSIT_RELEASED,
        )
        audit.record(
            actor=actor,
            action="rooms.booking.check",
            target=booking,
            owner=booking.party_id,
            condition=condition,
            kept_cents=kept_cents,
        )
        notify.notify_many(
            users=party_users(booking.party),
            kind=CHECK_NOTIFICATION_KIND,
            context={
                "room": booking.room.name,
                "day": booking.starts_at,
                "condition": str(RoomCondition(condition).label),
                "damaged": condition == RoomCondition.DAMAGED,
                "notes": damage_notes,
                "deposit_cents": booking.deposit_cents,
                "kept_cents": kept_cents,
            },
            url=reverse("associations:rooms_my_bookings"),
        )
        if not perms.can_settle(actor):
            money.hand_over(actor=actor, settlements=[settlement])
    if perms.can_settle(actor):
        money.hand_over(actor=actor, settlements=[settlement])
    return booking


__all__ = ["record_check"]
