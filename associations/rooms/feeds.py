"""iCalendar feeds of the confirmed bookings: one per room, one per association.

A feed's URL carries its key's id and a token: an HMAC (SHA-256, with SECRET_KEY) of the key's id
and its random salt. Renewing the key draws a new salt, so the old URL answers 404 at once; no
token is ever stored.

What a feed says:
- an association's feed: its own confirmed bookings, SUMMARY the purpose, LOCATION the room;
- a room's feed (for the service and the caretakers it is given to): SUMMARY "Réservé — <the
  association's name>" for an association (public bodies using public premises; the caretaker
  needs to know whom to open for), and "Réservé — particulier" for a private person, whose name
  never goes into a URL that may be copied to a phone.

Events are in UTC (DTSTART/DTEND …Z), so no VTIMEZONE is needed; UIDs are stable
("rooms-booking-<id>@<host>"), so calendar applications update an event rather than duplicate it.
The feeds cover the bookings of the last FEED_PAST_DAYS days and all those to come.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import override
from icalendar import Calendar, Event

from associations.rooms.models import Booking, FeedKey
from guichet.accounts.enums import PartyKind

FEED_PAST_DAYS = 366
_SALT_PURPOSE = "associations.rooms.feed"


def feed_token(key: FeedKey) -> str:
    return salted_hmac(_SALT_PURPOSE, f"{key.pk}:{key.salt}", algorithm="sha256").hexdigest()


def feed_path(key: FeedKey) -> str:
    return reverse("associations:rooms_feed", args=[key.pk, feed_token(key)])


def feed_url(key: FeedKey) -> str:
    return settings.SITE_URL.rstrip("/") + feed_path(key)


def key_for_token(*, pk: int, token: str) -> FeedKey | None:
    """The key whose current token this is; None for an unknown key or an old (renewed) token."""
    key = FeedKey.objects.select_related("room", "party").filter(pk=pk).first()
    if key is None or not constant_time_compare(feed_token(key), token or ""):
        return None
    return key


def _bookings(key: FeedKey, now: datetime) -> QuerySet[Booking]:
    bookings = Booking.objects.confirmed().filter(period__endswith__gte=now - timedelta(days=FEED_PAST_DAYS))
    if key.room_id is not None:
        bookings = bookings.filter(room_id=key.room_id)
    else:
        bookings = bookings.filter(party_id=key.party_id)
    return bookings.select_related("room", "party").order_by("period", "pk")


def _summary(key: FeedKey, booking: Booking) -> str:
    if key.party_id is not None:
        return booking.purpose
    if booking.party.kind == PartyKind.ASSOCIATION:
        return _("Réservé — %(name)s") % {"name": booking.party.name}
    return _("Réservé — particulier")


def build_feed(key: FeedKey, *, now: datetime | None = None) -> bytes:
    """The feed's iCalendar document: one VEVENT per confirmed booking."""
    now = now or timezone.now()
    host = urlsplit(settings.SITE_URL).hostname or "guichet"
    with override(settings.LANGUAGE_CODE):
        calendar = Calendar()
        calendar.add("prodid", "-//Guichet//Salles municipales//FR")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        name = key.room.name if key.room_id else key.party.name
        calendar.add("x-wr-calname", _("Réservations de salles — %(name)s") % {"name": name})
        for booking in _bookings(key, now):
            event = Event()
            event.add("uid", f"rooms-booking-{booking.pk}@{host}")
            event.add("dtstamp", (booking.decided_at or booking.created_at).astimezone(UTC))
            event.add("dtstart", booking.period.lower.astimezone(UTC))
            event.add("dtend", booking.period.upper.astimezone(UTC))
            event.add("summary", _summary(key, booking))
            event.add("location", booking.room.name)
            calendar.add_component(event)
        return calendar.to_ical()
