"""Every state change of the rooms. Other apps and the views call these; nothing else writes them.

Public API (keyword-only arguments, `actor` first; every refusal is an
`associations.exceptions.AssociationError` — the rooms' own derive from
`associations.rooms.exceptions.RoomsError` — with a French `message`):

Requests (anyone for themself, a member for their verified association)
    request_booking(actor, room, party, day, start, end, purpose, attendees, now=None) -> Booking
        pending, or confirmed and billed at once when the room needs no approval;
        BookingRefused (past, closed, capacity, not open to private persons…), SlotTaken
    request_series(actor, room, party, weekday, start, end, first_date, last_date, purpose, attendees,
                   now=None) -> SeriesResult (booked, skipped with their reasons, conflicts)
Decisions (agents of the vie associative service)
    approve_booking(actor, booking, now=None) -> Booking        SlotTaken, DecisionRefused
    refuse_booking(actor, booking, reason, now=None) -> Booking DecisionRefused
    approve_series(actor, series, now=None) -> SeriesDecision   (confirmed, refused)
    refuse_series(actor, series, reason, now=None) -> BookingSeries
Cancelling (the party's people)
    cancellation_terms(booking, now=None) -> CancellationTerms, series_terms(series, now=None)
    cancel_booking(actor, booking, now=None) -> Booking         CancellationRefused
    cancel_series(actor, series, now=None) -> list[Booking]     CancellationRefused
After the event (agents)
    record_check(actor, booking, condition, damage_notes="", kept_cents=0, now=None) -> Booking  CheckRefused
Money (régie agents settle; see services/money.py)
    settle(actor, settlement) -> Settlement                     SettlementRefused, RoomsAccessDenied
Feeds
    renew_room_feed(actor, room) -> FeedKey (agents), renew_association_feed(actor, association) -> FeedKey
"""

from associations.rooms.services.cancellations import (
    CancellationTerms,
    cancel_booking,
    cancel_series,
    cancellation_terms,
    series_terms,
)
from associations.rooms.services.checks import record_check
from associations.rooms.services.common import NOTIFICATION_KINDS
from associations.rooms.services.decisions import (
    SeriesDecision,
    approve_booking,
    approve_series,
    refuse_booking,
    refuse_series,
)
from associations.rooms.services.feeds import renew_association_feed, renew_room_feed
from associations.rooms.services.money import settle
from associations.rooms.services.requests import SeriesResult, request_booking, request_series

__all__ = [
    "NOTIFICATION_KINDS",
    "CancellationTerms",
    "SeriesDecision",
    "SeriesResult",
    "approve_booking",
    "approve_series",
    "cancel_booking",
    "cancel_series",
    "cancellation_terms",
    "record_check",
    "refuse_booking",
    "refuse_series",
    "renew_association_feed",
    "renew_room_feed",
    "request_booking",
    "request_series",
    "series_terms",
    "settle",
]
