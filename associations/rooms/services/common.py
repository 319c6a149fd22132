"""What the rooms' services share: locks, who to tell, how a booking is named, holding a slot."""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from psycopg.errors import ExclusionViolation

from associations.enums import MEMBER_ROLES
from associations.rooms import perms, schedule
from associations.rooms.enums import BookingStatus
from associations.rooms.exceptions import RoomsAccessDenied
from associations.rooms.models import Booking, BookingSeries, Room
from guichet.accounts.enums import PartyKind
from guichet.accounts.models import Party, Service, User

REQUEST_NOTIFICATION_KIND = "rooms_request"
DECISION_NOTIFICATION_KIND = "rooms_decision"
CHECK_NOTIFICATION_KIND = "rooms_check"
SETTLEMENT_NOTIFICATION_KIND = "rooms_settlement"
NOTIFICATION_KINDS = (
    REQUEST_NOTIFICATION_KIND,
    DECISION_NOTIFICATION_KIND,
    CHECK_NOTIFICATION_KIND,
    SETTLEMENT_NOTIFICATION_KIND,
)


def check_agent(actor) -> None:
    if not perms.is_rooms_agent(actor):
        raise RoomsAccessDenied()


def lock_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("room", "party", "series")
        .get(pk=booking.pk)
    )


def lock_series(series: BookingSeries) -> BookingSeries:
    return (
        BookingSeries.objects.select_for_update(of=("self",))
        .select_related("room", "party")
        .get(pk=series.pk)
    )


def vie_associative_service() -> Service:
    """The service that bills the rooms (the lines of their invoices)."""
    return Service.objects.get(slug=settings.ASSOCIATIONS_SERVICE_SLUG)


def agents() -> list[User]:
    """The vie associative service's agents: they decide the requests."""
    return list(
        User.objects.filter(
            agent_memberships__service__slug=settings.ASSOCIATIONS_SERVICE_SLUG,
            agent_memberships__service__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def regie_agents() -> list[User]:
    return list(
        User.objects.filter(
            agent_memberships__service__slug=settings.REGIE_SERVICE_SLUG,
            agent_memberships__service__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def party_users(party: Party) -> list[User]:
    """Who hears of a booking's decision: the person, or the association's members."""
    memberships = {"party_memberships__party": party, "is_active": True}
    if party.kind == PartyKind.ASSOCIATION:
        memberships["party_memberships__role__in"] = MEMBER_ROLES
    return list(User.objects.filter(**memberships).distinct().order_by("pk"))


def local_day(instant: datetime) -> str:
    return formats.date_format(timezone.localtime(instant), "l j F Y")


def describe(booking: Booking) -> str:
    """ "Salle des fêtes, samedi 14 mars 2026, 14:00–22:00", in the site's language (invoice lines)."""
    with translation.override(settings.LANGUAGE_CODE):
        starts, ends = booking.starts_at, booking.ends_at
        return f"{booking.room.name}, {local_day(starts)}, {schedule.format_slot(starts.time(), ends.time())}"


def hold(booking: Booking, *, decided_by, now: datetime, hourly_cents: int) -> bool:
    """Confirm the booking (insert or update) in a savepoint, with its price and deposit frozen
    (`decided_by`: the agent who approved, None when the room confirms at once);
    False when the exclusion constraint says a confirmed booking already holds the slot (then
    nothing of it is written, and the object is left as it was)."""
    previous = (
        booking.status,
        booking.price_cents,
        booking.deposit_cents,
        booking.decided_by,
        booking.decided_at,
    )
    booking.status = BookingStatus.CONFIRMED
    booking.price_cents = schedule.price_cents(hourly_cents, booking.minutes)
    # The deposit covers an event: a weekly slot of a season takes none.
    booking.deposit_cents = booking.room.deposit_cents if booking.series_id is None else 0
    booking.decided_by = decided_by
    booking.decided_at = now
    adding = booking.pk is None
    # Confirmations of one room take turns on its row: two transactions inserting overlapping
    # rows at once would each wait for the other in the exclusion check (a deadlock), so the
    # constraint stays the guarantee and this lock makes the loser a clear refusal.
    list(Room.objects.select_for_update().filter(pk=booking.room_id).values_list("pk", flat=True))
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        # Only the exclusion constraint means "already booked"; anything else is a bug to surface.
        if not isinstance(error.__cause__, ExclusionViolation):
            raise
        (
            booking.status,
            booking.price_cents,
            booking.deposit_cents,
            booking.decided_by,
            booking.decided_at,
        ) = previous
        if adding:
            booking.pk = None
            booking._state.adding = True
        return False
    return True
