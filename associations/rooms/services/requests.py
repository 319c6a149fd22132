"""Booking requests: a one-off slot, or a weekly slot for a season.

A request is made for a party the user may act for (themself, a verified association they are
a member of). In a room that needs the service's approval it waits as pending; in one that does
not, it is confirmed at once, and billed. Either way no two confirmed bookings of a room
overlap: confirmations of a room take turns on its row lock and the exclusion constraint decides,
inside a savepoint, so that of forty people asking at the same instant for overlapping slots
exactly one gets it and the others are told (tests/associations/rooms/test_concurrency.py).

A weekly request lists exactly the dates it does not ask for: those a confirmed booking
overlaps (its conflicts), the public holidays and the dates already past; it asks for every
other date. Its slot must be within the room's weekly opening hours.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from associations import perms as association_perms
from associations.exceptions import AssociationNotVerified
from associations.models import Association
from associations.rooms import perms, schedule
from associations.rooms.enums import WEEKDAYS, ConflictReason
from associations.rooms.exceptions import BookingRefused, RoomsAccessDenied, SlotTaken
from associations.rooms.models import Booking, BookingSeries, OpeningHours, Room, SeriesConflict
from associations.rooms.services import money
from associations.rooms.services.common import REQUEST_NOTIFICATION_KIND, agents, hold
from guichet import audit
from guichet.accounts.enums import PartyKind
from guichet.accounts.models import Party
from guichet.notify import services as notify

PURPOSE_MAX = Booking._meta.get_field("purpose").max_length


@dataclass
class SeriesResult:
    """What a weekly request did: the dates asked for (pending, or confirmed in a room without
    approval) and those not asked for, each with its reason."""

    series: BookingSeries
    booked: list[Booking] = field(default_factory=list)
    skipped: list[SeriesConflict] = field(default_factory=list)

    @property
    def conflicts(self) -> list[SeriesConflict]:
        """The dates a confirmed booking overlaps."""
        return [c for c in self.skipped if c.reason == ConflictReason.BOOKED]


def weekday_name(weekday: int) -> str:
    return str(dict(WEEKDAYS)[weekday])


def opening_text(ranges: list[OpeningHours], weekday: int) -> str:
    """ "ouverte le mardi de 09:00 à 12:00 et de 14:00 à 22:00", or "fermée le dimanche"."""
    day = weekday_name(weekday).lower()
    spans = [r for r in ranges if r.weekday == weekday]
    if not spans:
        return _("fermée le %(day)s") % {"day": day}
    hours = _(" et ").join(
        _("de %(opens)s à %(closes)s") % {"opens": f"{r.opens:%H:%M}", "closes": f"{r.closes:%H:%M}"}
        for r in spans
    )
    return _("ouverte le %(day)s %(hours)s") % {"day": day, "hours": hours}


def check_party(actor, party: Party) -> None:
    """The actor may ask in this party's name (else the refusal says why)."""
    if perms.can_book_for(actor, party):
        return
    if party.kind == PartyKind.ASSOCIATION:
        association = Association.objects.filter(party=party).first()
        if association is not None and association_perms.is_member(actor, association):
            raise AssociationNotVerified()
    raise RoomsAccessDenied(_("Vous ne pouvez pas réserver au nom de ce titulaire."))


def _check_request(
    *, actor, room: Room, party: Party, start: time, end: time, purpose: str, attendees: int
) -> tuple[int, str]:
    """The checks a one-off and a weekly request share; returns the party's hourly price and the
    purpose, cleaned."""
    check_party(actor, party)
    if not room.is_active:
        raise BookingRefused(_("Cette salle n'est pas ouverte aux réservations en ce moment."))
    hourly = room.hourly_cents_for(party)
    if hourly is None:
        raise BookingRefused(
            _("Cette salle est réservée aux associations : les particuliers ne peuvent pas la louer.")
        )
    purpose = " ".join((purpose or "").split())
    if not purpose:
        raise BookingRefused(_("Indiquez l'objet de la réservation ou le nom de l'événement."))
    if len(purpose) > PURPOSE_MAX:
        raise BookingRefused(_("L'objet compte %(max)d caractères au plus.") % {"max": PURPOSE_MAX})
    if attendees is None or attendees < 1:
        raise BookingRefused(_("Indiquez le nombre de participants attendus (au moins 1)."))
    if attendees > room.capacity:
        raise BookingRefused(
            _("La salle accueille %(capacity)d personnes au plus : vous en attendez %(attendees)d.")
            % {"capacity": room.capacity, "attendees": attendees}
        )
    if start >= end:
        raise BookingRefused(_("L'heure de fin doit suivre l'heure de début."))
    return hourly, purpose


def _notify_agents(*, what: str, reference: str, url: str, room: Room, party: Party, count: int = 1) -> None:
    notify.notify_many(
        users=agents(),
        kind=REQUEST_NOTIFICATION_KIND,
        context={
            "what": what,
            "reference": reference,
            "room": room.name,
            "party": party.name,
            "count": count,
        },
        url=url,
    )


@transaction.atomic
def request_booking(
    *,
    actor,
    room: Room,
    party: Party,
    day: date,
    start: time,
    end: time,
    purpose: str,
    attendees: int,
    now: datetime | None = None,
) -> Booking:
    """Ask for one slot of a room: pending when the room needs the service's approval, confirmed
    (and billed) at once otherwise. Refused when a confirmed booking already holds any of it."""
    now = now or timezone.now()
    room = Room.objects.get(pk=room.pk)
    hourly, purpose = _check_request(
        actor=actor, room=room, party=party, start=start, end=end, purpose=purpose, attendees=attendees
    )
    ranges = list(room.opening_hours.all())
    if schedule.local_datetime(day, start) <= now:
        raise BookingRefused(_("Ce créneau est déjà passé : choisissez une date et une heure à venir."))
    if not schedule.within_opening_hours(ranges, day, start, end):
        raise BookingRefused(
            _("Ce créneau sort des horaires de la salle, %(hours)s.")
            % {"hours": opening_text(ranges, day.weekday())}
        )
    period = schedule.slot_range(day, start, end)
    if Booking.objects.confirmed().filter(room=room, period__overlap=period).exists():
        raise SlotTaken()
    booking = Booking(
        room=room,
        party=party,
        period=period,
        purpose=purpose,
        attendees=attendees,
        requested_by=actor,
        created_at=now,
    )
    if room.needs_approval:
        booking.save()
        audit.record(
            actor=actor, action="rooms.booking.request", target=booking, owner=party.pk, room=room.pk
        )
        _notify_agents(
            what="booking",
            reference=booking.reference,
            url=reverse("associations:rooms_agent_booking", args=[booking.pk]),
            room=room,
            party=party,
        )
        return booking
    if not hold(booking, decided_by=None, now=now, hourly_cents=hourly):
        raise SlotTaken()
    money.bill(actor=actor, bookings=[booking])
    audit.record(
        actor=actor,
        action="rooms.booking.confirm",
        target=booking,
        owner=party.pk,
        room=room.pk,
        automatic=True,
        invoice=booking.invoice_id,
        deposit_invoice=booking.deposit_invoice_id,
    )
    return booking


def _local_range(first: date, last: date) -> DateTimeTZRange:
    return DateTimeTZRange(
        schedule.local_datetime(first, time(0, 0)),
        schedule.local_datetime(last + timedelta(days=1), time(0, 0)),
        "[)",
    )


@transaction.atomic
def request_series(
    *,
    actor,
    room: Room,
    party: Party,
    weekday: int,
    start: time,
    end: time,
    first_date: date,
    last_date: date,
    purpose: str,
    attendees: int,
    now: datetime | None = None,
) -> SeriesResult:
    """Ask for the same slot every `weekday` from `first_date` to `last_date` (a season).

    The dates a confirmed booking overlaps (the conflicts), the public holidays and the dates
    already past are not asked for and are listed with their reason; every other date is asked
    for (pending, or confirmed at once when the room needs no approval: then a date taken
    meanwhile by someone else joins the conflicts). A slot outside the room's opening hours is
    outside them every week (they are weekly): the request is refused with the hours. Refused
    too when no date is left.
    """
    now = now or timezone.now()
    room = Room.objects.get(pk=room.pk)
    hourly, purpose = _check_request(
        actor=actor, room=room, party=party, start=start, end=end, purpose=purpose, attendees=attendees
    )
    today = timezone.localdate(now)
    if first_date < today:
        raise BookingRefused(_("La première date est déjà passée : commencez aujourd'hui ou plus tard."))
    if last_date < first_date:
        raise BookingRefused(_("La dernière date doit suivre la première."))
    if (last_date - first_date).days > schedule.MAX_SEASON_DAYS:
        raise BookingRefused(_("Une réservation chaque semaine couvre une saison d'un an au plus."))
    dates = schedule.weekly_dates(weekday, first_date, last_date)
    if not dates:
        raise BookingRefused(
            _("Il n'y a aucun %(day)s entre ces deux dates.") % {"day": weekday_name(weekday).lower()}
        )
    ranges = list(room.opening_hours.all())
    # The opening hours are weekly: a slot outside them is outside them on every date.
    if not schedule.within_opening_hours(ranges, dates[0], start, end):
        raise BookingRefused(
            _("Ce créneau sort des horaires de la salle, %(hours)s.")
            % {"hours": opening_text(ranges, weekday)}
        )
    taken = [
        booking.period
        for booking in Booking.objects.confirmed()
        .filter(room=room, period__overlap=_local_range(dates[0], dates[-1]))
        .only("period")
    ]
    wanted: list[date] = []
    skipped: list[tuple[date, str, str]] = []
    for day in dates:
        period = schedule.slot_range(day, start, end)
        holiday = schedule.public_holiday(day)
        overlapping = [other for other in taken if other.lower < period.upper and period.lower < other.upper]
        if holiday:
            skipped.append((day, ConflictReason.HOLIDAY, holiday))
        elif period.lower <= now:
            skipped.append((day, ConflictReason.PAST, ""))
        elif overlapping:
            other = overlapping[0]
            slot = schedule.format_slot(
                timezone.localtime(other.lower).time(), timezone.localtime(other.upper).time()
            )
            skipped.append((day, ConflictReason.BOOKED, _("réservé %(slot)s") % {"slot": slot}))
        else:
            wanted.append(day)
    if not wanted:
        raise BookingRefused(
            ngettext(
                "La date demandée n'est pas disponible (déjà réservée, fériée ou passée) : choisissez un "
                "autre créneau.",
                "Aucune des %(count)d dates demandées n'est disponible (déjà réservées, fériées ou passées) : "
                "choisissez un autre créneau.",
                len(dates),
            )
            % {"count": len(dates)}
        )
    series = BookingSeries.objects.create(
        room=room,
        party=party,
        weekday=weekday,
        start_time=start,
        end_time=end,
        first_date=first_date,
        last_date=last_date,
        purpose=purpose,
        attendees=attendees,
        requested_by=actor,
        created_at=now,
    )
    bookings = [
        Booking(
            room=room,
            party=party,
            series=series,
            period=schedule.slot_range(day, start, end),
            purpose=purpose,
            attendees=attendees,
            requested_by=actor,
            created_at=now,
        )
        for day in wanted
    ]
    result = SeriesResult(series=series)
    if room.needs_approval:
        result.booked = Booking.objects.bulk_create(bookings)
    else:
        for booking in bookings:
            if hold(booking, decided_by=None, now=now, hourly_cents=hourly):
                result.booked.append(booking)
            else:
                skipped.append((booking.day, ConflictReason.BOOKED, _("réservé entre-temps")))
        if not result.booked:
            raise SlotTaken(_("Toutes ces dates viennent d'être réservées : choisissez un autre créneau."))
        money.bill(actor=actor, bookings=result.booked, source=f"rooms.series:{series.pk}")
    result.skipped = SeriesConflict.objects.bulk_create(
        sorted(
            (
                SeriesConflict(series=series, date=day, reason=reason, detail=detail[:120])
                for day, reason, detail in skipped
            ),
            key=lambda conflict: conflict.date,
        )
    )
    audit.record(
        actor=actor,
        action="rooms.series.request",
        target=series,
        owner=party.pk,
        room=room.pk,
        asked=len(result.booked),
        skipped=len(result.skipped),
        confirmed=not room.needs_approval,
    )
    if room.needs_approval:
        _notify_agents(
            what="series",
            reference=series.reference,
            url=reverse("associations:rooms_agent_series", args=[series.pk]),
            room=room,
            party=party,
            count=len(result.booked),
        )
    return result


__all__ = ["SeriesResult", "check_party", "opening_text", "request_booking", "request_series", "weekday_name"]
