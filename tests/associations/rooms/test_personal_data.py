"""What the rooms export of a person and how they erase it."""

from datetime import date, datetime

import pytest
import time_machine

from associations.rooms.models import Booking
from associations.rooms.schedule import PARIS
from guichet.accounts import registry
from tests.associations.rooms.factories import RoomFactory, association_of, request, vie_associative
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    vie_associative()
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), tick=False):
        yield


def test_the_export_holds_one_s_own_bookings_and_those_asked_for_an_association():
    citizen = UserFactory()
    club = association_of(citizen, name="Basket Club")
    hall = RoomFactory(name="Salle des fêtes", private_allowed=True)
    request(citizen, hall, day=date(2026, 3, 14), purpose="Anniversaire de Léa")
    request(citizen, hall, party=club.party, day=date(2026, 3, 21), purpose="Loto")
    request(UserFactory(), hall, day=date(2026, 3, 28), purpose="Autre")

    export = registry.export_user_data(citizen)["rooms"]

    assert sorted(row["objet"] for row in export["réservations"]) == ["Anniversaire de Léa", "Loto"]
    assert {row["salle"] for row in export["réservations"]} == {"Salle des fêtes"}


def test_the_erasure_empties_one_s_own_bookings_and_unlinks_the_association_s():
    citizen = UserFactory()
    club = association_of(citizen, name="Basket Club")
    hall = RoomFactory(private_allowed=True)
    own = request(citizen, hall, day=date(2026, 3, 14), purpose="Anniversaire de Léa")
    theirs = request(citizen, hall, party=club.party, day=date(2026, 3, 21), purpose="Loto")

    registry.erase_user_data(citizen)

    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.purpose == ""
    assert (theirs.purpose, theirs.requested_by) == ("Loto", None)
    assert Booking.objects.count() == 2
