"""The iCalendar feeds: they parse with icalendar, hold one event per confirmed booking, say what the brief
says of whom, and a renewed URL makes the old one answer 404."""

from datetime import date, datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from associations.rooms import feeds, services
from associations.rooms.exceptions import RoomsAccessDenied
from associations.rooms.schedule import PARIS
from tests.associations.rooms.factories import (
    RoomFactory,
    association_of,
    confirmed,
    join,
    request,
    rooms_agent,
    vie_associative,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
HOST = urlsplit(settings.SITE_URL).hostname


@pytest.fixture(autouse=True)
def _clock():
    vie_associative()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent():
    return rooms_agent()


def events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def test_the_room_feed_has_one_event_per_confirmed_booking(client, agent):
    room = RoomFactory(name="Gymnase", private_allowed=True)
    club = association_of(name="Basket Club", agent=agent)
    training = confirmed(room, day=date(2026, 3, 10), party=club.party, actor=club.created_by, agent=agent)
    citizen = UserFactory(first_name="Léa", last_name="Martin")
    private = services.approve_booking(
        actor=agent, booking=request(citizen, room, day=date(2026, 3, 14), start=(10, 0), end=(12, 0))
    )
    request(club.created_by, room, party=club.party, day=date(2026, 3, 21))  # pending: not in the feed
    services.refuse_booking(
        actor=agent,
        booking=request(club.created_by, room, party=club.party, day=date(2026, 3, 28)),
        reason="Non.",
    )
    services.cancel_booking(
        actor=club.created_by,
        booking=confirmed(room, day=date(2026, 4, 4), party=club.party, actor=club.created_by, agent=agent),
    )
    confirmed(RoomFactory(), day=date(2026, 3, 10), agent=agent)  # another room
    key = services.renew_room_feed(actor=agent, room=room)

    found = events(client.get(feeds.feed_path(key)))

    assert len(found) == 2
    by_uid = {str(event["uid"]): event for event in found}
    assert set(by_uid) == {f"rooms-booking-{training.pk}@{HOST}", f"rooms-booking-{private.pk}@{HOST}"}
    summaries = sorted(str(event["summary"]) for event in found)
    assert summaries == ["Réservé — Basket Club", "Réservé — particulier"]
    first = min(found, key=lambda event: event["dtstart"].dt)
    assert first["dtstart"].dt == datetime(2026, 3, 10, 18, 0, tzinfo=PARIS)
    assert first["dtend"].dt == datetime(2026, 3, 10, 20, 0, tzinfo=PARIS)
    assert str(first["location"]) == "Gymnase"
    assert "Martin" not in client.get(feeds.feed_path(key)).content.decode()


def test_the_association_feed_has_its_own_confirmed_bookings_with_their_purpose(client, agent):
    club = association_of(name="Basket Club", agent=agent)
    gym, hall = RoomFactory(name="Gymnase"), RoomFactory(name="Salle des fêtes")
    confirmed(
        gym,
        day=date(2026, 3, 10),
        party=club.party,
        actor=club.created_by,
        agent=agent,
        purpose="Entraînement",
    )
    confirmed(
        hall,
        day=date(2026, 3, 14),
        party=club.party,
        actor=club.created_by,
        agent=agent,
        purpose="Loto du club",
    )
    request(club.created_by, gym, party=club.party, day=date(2026, 3, 17))
    confirmed(gym, day=date(2026, 3, 11), agent=agent)  # another association's
    key = services.renew_association_feed(actor=club.created_by, association=club)

    found = events(client.get(feeds.feed_path(key)))

    assert sorted((str(e["summary"]), str(e["location"])) for e in found) == [
        ("Entraînement", "Gymnase"),
        ("Loto du club", "Salle des fêtes"),
    ]


def test_a_renewed_feed_answers_404_at_its_old_url(client, agent):
    room = RoomFactory()
    first = services.renew_room_feed(actor=agent, room=room)
    old_path = feeds.feed_path(first)

    second = services.renew_room_feed(actor=agent, room=room)

    assert second.pk == first.pk and second.renewed_by == agent
    assert client.get(old_path).status_code == 404
    assert client.get(feeds.feed_path(second)).status_code == 200
    assert client.get(reverse("associations:rooms_feed", args=[second.pk, "0" * 64])).status_code == 404
    assert (
        client.get(reverse("associations:rooms_feed", args=[second.pk + 1000, "0" * 64])).status_code == 404
    )
    assert client.post(feeds.feed_path(second)).status_code == 405


def test_members_renew_their_association_s_feed_and_no_one_else(agent):
    club = association_of(agent=agent)
    member = join(club, UserFactory())

    key = services.renew_association_feed(actor=member, association=club)

    assert key.party_id == club.party_id
    with pytest.raises(RoomsAccessDenied):
        services.renew_association_feed(actor=UserFactory(), association=club)
    with pytest.raises(RoomsAccessDenied):
        services.renew_room_feed(actor=member, room=RoomFactory())
