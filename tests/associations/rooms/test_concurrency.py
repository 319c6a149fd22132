"""No two confirmed bookings overlap, for real: parallel requests and approvals on PostgreSQL.

One thread per person (at most 40: PostgreSQL allows 100 connections for everyone on the machine),
each closing its connection when done; a barrier releases them together.
"""

import threading
from datetime import date, datetime, time

import pytest
import time_machine
from django.db import connection

from associations.rooms import services
from associations.rooms.enums import BookingStatus
from associations.rooms.exceptions import SlotTaken
from associations.rooms.models import Booking
from associations.rooms.schedule import PARIS
from regie.models import Invoice
from tests.associations.rooms.factories import (
    RoomFactory,
    association_of,
    request,
    rooms_agent,
    vie_associative,
)
from tests.factories import UserFactory, person_party

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
SATURDAY = date(2026, 3, 14)
# Every slot overlaps 18:00–20:00, and each other, at 19:00–19:30.
SLOTS = [
    ((18, 0), (20, 0)),
    ((18, 30), (19, 30)),
    ((19, 0), (21, 0)),
    ((17, 0), (19, 30)),
    ((19, 15), (19, 45)),
]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=True):
        vie_associative()
        yield


def run_in_threads(count: int, work) -> tuple[list, list[BaseException]]:
    """Run work(index) in `count` threads released together; returns their results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def target(index: int) -> None:
        try:
            barrier.wait()
            results.append(work(index))
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_forty_people_asking_at_once_for_overlapping_slots_of_an_approval_free_room_get_one_booking():
    room = RoomFactory(needs_approval=False, private_allowed=True, private_hourly_cents=1000)
    people = [UserFactory() for _ in range(40)]
    parties = [person_party(person) for person in people]

    def ask(index: int):
        start, end = SLOTS[index % len(SLOTS)]
        return request(people[index], room, party=parties[index], day=SATURDAY, start=start, end=end)

    results, errors = run_in_threads(40, ask)

    assert len(results) == 1
    assert len(errors) == 39 and all(isinstance(error, SlotTaken) for error in errors), errors[:3]
    assert Booking.objects.filter(room=room, status=BookingStatus.CONFIRMED).count() == 1
    assert Booking.objects.count() == 1
    # Only the winner was billed.
    assert list(Invoice.objects.values_list("payer_id", flat=True)) == [results[0].party_id]


def test_two_agents_approving_two_overlapping_requests_at_once_confirm_exactly_one():
    room = RoomFactory()
    agents = [rooms_agent(), rooms_agent()]
    for round_ in range(5):
        clubs = [association_of(name=f"Club {round_}-{n}", agent=agents[0]) for n in range(2)]
        day = date(2026, 3, 14 + round_)
        pending = [
            request(club.created_by, room, party=club.party, day=day, start=start, end=end)
            for club, (start, end) in zip(clubs, [((18, 0), (20, 0)), ((19, 0), (21, 0))], strict=True)
        ]

        results, errors = run_in_threads(
            2,
            lambda index, pending=pending: services.approve_booking(
                actor=agents[index], booking=pending[index]
            ),
        )

        assert len(results) == 1 and len(errors) == 1, errors
        assert isinstance(errors[0], SlotTaken)
        statuses = sorted(
            Booking.objects.filter(pk__in=[b.pk for b in pending]).values_list("status", flat=True)
        )
        assert statuses == [BookingStatus.CONFIRMED, BookingStatus.PENDING]


def test_a_series_approved_while_a_one_off_is_approved_on_one_of_its_dates_never_overlaps():
    room = RoomFactory()
    agents = [rooms_agent(), rooms_agent()]
    club, other = association_of(agent=agents[0]), association_of(name="Chorale", agent=agents[0])
    series = services.request_series(
        actor=club.created_by,
        room=room,
        party=club.party,
        weekday=1,
        start=time(18),
        end=time(20),
        first_date=date(2026, 3, 3),
        last_date=date(2026, 6, 30),
        purpose="Entraînement",
        attendees=20,
    ).series
    one_off = request(
        other.created_by, room, party=other.party, day=date(2026, 4, 14), start=(19, 0), end=(22, 0)
    )

    def decide(index: int):
        if index == 0:
            return services.approve_series(actor=agents[0], series=series)
        return services.approve_booking(actor=agents[1], booking=one_off)

    _results, errors = run_in_threads(2, decide)

    assert all(isinstance(error, SlotTaken) for error in errors)
    april_14 = Booking.objects.filter(
        room=room, status=BookingStatus.CONFIRMED, period__overlap=one_off.period
    ).values_list("party_id", flat=True)
    assert len(april_14) == 1
