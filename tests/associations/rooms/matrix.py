"""The authorization matrix's rows for the rooms pages (tests/test_authorization_matrix.py runs them).

`world(users, associations)` builds this area's objects through its services and returns them; the
rows read them as `w["associations"]["rooms"][key]`. `associations` is the core world (tests/associations/matrix.py).

The rooms and their calendars are public; the booking forms and "Mes réservations" need an account;
a booking, a series or an association's feed is its party's (the CITIZEN's association: anyone else's
is a 404). The back-office is the vie associative service's (the AGENT): 403 for citizens, for agents
of other services and for administrators (agents of no service). The settlements are the régie's
(the AGENT is one of its agents too, in the matrix's world).
"""

from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone

from associations.rooms import feeds, services
from associations.rooms.models import Settlement
from tests.matrix import AGENT, ANONYMOUS, CITIZEN, LOGIN, PUBLIC, SIGNED_IN, Row, everyone

# The CITIZEN's association's things.
OWNER = {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 200}
# The vie associative service's back-office.
ROOMS_AGENT = {**everyone(403), ANONYMOUS: LOGIN, AGENT: 200}


def _object(name: str, key: str):
    return lambda w: reverse(name, args=[w["associations"]["rooms"][key].pk])


def _feed(w) -> str:
    return feeds.feed_path(w["associations"]["rooms"]["feed_key"])


ROWS: dict[str, Row] = {
    # Public
    "associations:rooms": Row(lambda w: reverse("associations:rooms"), PUBLIC),
    "associations:rooms_room": Row(_object("associations:rooms_room", "room"), PUBLIC),
    "associations:rooms_week": Row(_object("associations:rooms_week", "room"), PUBLIC),
    "associations:rooms_month": Row(_object("associations:rooms_month", "room"), PUBLIC),
    # Whoever holds the secret URL reads the feed.
    "associations:rooms_feed": Row(_feed, PUBLIC),
    # Those who book: everyone signed in may open the forms (they offer only whom one may book for).
    "associations:rooms_book": Row(_object("associations:rooms_book", "room"), SIGNED_IN),
    "associations:rooms_book_series": Row(_object("associations:rooms_book_series", "room"), SIGNED_IN),
    "associations:rooms_my_bookings": Row(lambda w: reverse("associations:rooms_my_bookings"), SIGNED_IN),
    "associations:rooms_booking_cancel": Row(_object("associations:rooms_booking_cancel", "booking"), OWNER),
    "associations:rooms_series": Row(_object("associations:rooms_series", "series"), OWNER),
    "associations:rooms_series_cancel": Row(_object("associations:rooms_series_cancel", "series"), OWNER),
    # A member makes or renews the association's feed: back to their bookings.
    "associations:rooms_association_feed_renew": Row(
        lambda w: reverse(
            "associations:rooms_association_feed_renew", args=[w["associations"]["core"]["association"].pk]
        ),
        {**OWNER, CITIZEN: 302},
        method="post",
    ),
    # The vie associative service
    "associations:agent_rooms": Row(lambda w: reverse("associations:agent_rooms"), ROOMS_AGENT),
    "associations:rooms_agent_booking": Row(
        _object("associations:rooms_agent_booking", "booking"), ROOMS_AGENT
    ),
    "associations:rooms_agent_booking_approve": Row(
        _object("associations:rooms_agent_booking_approve", "to_approve"),
        {**ROOMS_AGENT, AGENT: 302},
        method="post",
    ),
    "associations:rooms_agent_booking_refuse": Row(
        _object("associations:rooms_agent_booking_refuse", "to_refuse"),
        {**ROOMS_AGENT, AGENT: 302},
        method="post",
        data={"reason": "La salle est prise ce jour-là."},
    ),
    "associations:rooms_agent_check": Row(
        _object("associations:rooms_agent_check", "confirmed"), ROOMS_AGENT
    ),
    "associations:rooms_agent_series": Row(_object("associations:rooms_agent_series", "series"), ROOMS_AGENT),
    "associations:rooms_agent_series_approve": Row(
        _object("associations:rooms_agent_series_approve", "series_to_approve"),
        {**ROOMS_AGENT, AGENT: 302},
        method="post",
    ),
    "associations:rooms_agent_series_refuse": Row(
        _object("associations:rooms_agent_series_refuse", "series_to_refuse"),
        {**ROOMS_AGENT, AGENT: 302},
        method="post",
        data={"reason": "Gymnase en travaux."},
    ),
    "associations:rooms_agent_room": Row(_object("associations:rooms_agent_room", "room"), ROOMS_AGENT),
    "associations:rooms_agent_week": Row(_object("associations:rooms_agent_week", "room"), ROOMS_AGENT),
    "associations:rooms_agent_month": Row(_object("associations:rooms_agent_month", "room"), ROOMS_AGENT),
    "associations:rooms_agent_feed_renew": Row(
        _object("associations:rooms_agent_feed_renew", "room"), {**ROOMS_AGENT, AGENT: 302}, method="post"
    ),
    # The régie (the AGENT is one of its agents; the other service's agent and the administrator are not).
    "associations:rooms_agent_settlements": Row(
        lambda w: reverse("associations:rooms_agent_settlements"), ROOMS_AGENT
    ),
    "associations:rooms_agent_settle": Row(
        _object("associations:rooms_agent_settle", "settlement"), {**ROOMS_AGENT, AGENT: 302}, method="post"
    ),
}


def world(users: dict, associations: dict) -> dict:
    """A room needing approval and a paid one confirmed at once (both open every day, 08:00–23:00), and
    in the name of the CITIZEN's association: pending requests (to see, to approve, to refuse), a
    confirmed booking, weekly series (to see, to approve, to refuse), a paid booking cancelled (its
    settlement waits for the régie) and the feed of another room."""
    from tests.associations.rooms.factories import RoomFactory

    citizen, agent = users[CITIZEN], users[AGENT]
    party = associations["association"].party
    room = RoomFactory(name="Salle de la matrice", slug="salle-matrice")
    paid = RoomFactory(
        name="Salle payante", slug="salle-payante", needs_approval=False, association_hourly_cents=1000
    )
    day = timezone.localdate() + timedelta(days=30)

    def ask(start: int, *, target=room):
        return services.request_booking(
            actor=citizen,
            room=target,
            party=party,
            day=day,
            start=time(start),
            end=time(start + 1),
            purpose="Réunion",
            attendees=10,
        )

    def season(weekday: int):
        return services.request_series(
            actor=citizen,
            room=room,
            party=party,
            weekday=weekday,
            start=time(8),
            end=time(9),
            first_date=day + timedelta(days=1),
            last_date=day + timedelta(days=28),
            purpose="Entraînement",
            attendees=10,
        ).series

    confirmed = services.approve_booking(actor=agent, booking=ask(9))
    services.cancel_booking(actor=citizen, booking=ask(10, target=paid))
    return {
        "room": room,
        "booking": ask(11),
        "to_approve": ask(12),
        "to_refuse": ask(13),
        "confirmed": confirmed,
        "series": season(0),
        "series_to_approve": season(1),
        "series_to_refuse": season(2),
        "settlement": Settlement.objects.get(booking__room=paid),
        "feed_key": services.renew_room_feed(
            actor=agent, room=RoomFactory(name="Salle de l'agenda", slug="salle-agenda")
        ),
    }
