"""Never overbook, for real: parallel bookings and cancellations on PostgreSQL, one thread per family.

Threads stay at 60 at most (PostgreSQL allows 100 connections for everyone on the
machine) and each closes its connection when done.
"""

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from famille import services
from famille.enums import BookingStatus
from famille.models import Booking, Session
from guichet.notify.models import Notification
from tests.famille.factories import activity_at, enrol, family, no_required_documents

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)
FIRST_DAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today():
    # Every thread sees the same day (time-machine moves the clock process-wide), before the sessions.
    with time_machine.travel(NOW, tick=True):
        yield


def new_session(activity, site, day: date, capacity: int) -> Session:
    return Session.objects.create(
        activity=activity,
        site=site,
        date=day,
        start_time=time(11, 45),
        end_time=time(13, 30),
        capacity=capacity,
    )


def run_in_threads(count: int, work) -> list[BaseException]:
    """Run work(index) in `count` threads released together; returns the errors raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            work(index, barrier)
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return errors


def test_60_families_booking_20_places_at_once_give_20_confirmed_and_40_waiting_every_time():
    no_required_documents()
    activity, site = activity_at(capacity=20)
    families = []
    for index in range(60):
        parent, household, (child,) = family(name=f"Foyer {index}")
        enrol(child, activity, site, household)
        families.append((parent, household, child))
    repetitions = 20
    sessions = [
        new_session(activity, site, FIRST_DAY + timedelta(days=rep), 20) for rep in range(repetitions)
    ]
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def work(index: int, barrier: threading.Barrier) -> None:
        parent, household, child = families[index]
        for rep, session in enumerate(sessions):
            barrier.wait()
            result = services.book(
                actor=parent, household=household, child=child, sessions=[session], now=NOW
            )
            kind = "booked" if result.booked else "waiting" if result.waiting else "other"
            with lock:
                outcomes.append((rep, kind))

    errors = run_in_threads(60, work)

    assert errors == []
    for rep, session in enumerate(sessions):
        kinds = [kind for r, kind in outcomes if r == rep]
        assert (kinds.count("booked"), kinds.count("waiting"), len(kinds)) == (20, 40, 60), rep
        session.refresh_from_db()
        assert session.booked == 20
        statuses = list(Booking.objects.filter(session=session).values_list("status", flat=True))
        assert (statuses.count(BookingStatus.CONFIRMED), statuses.count(BookingStatus.WAITING)) == (20, 40)


def test_20_simultaneous_bookings_of_the_same_child_give_one_booking():
    no_required_documents()
    activity, site = activity_at(capacity=20)
    parent, household, (child,) = family()
    enrol(child, activity, site, household)
    sessions = [new_session(activity, site, FIRST_DAY + timedelta(days=rep), 20) for rep in range(5)]
    results = []
    lock = threading.Lock()

    def work(index: int, barrier: threading.Barrier) -> None:
        for session in sessions:
            barrier.wait()
            result = services.book(
                actor=parent, household=household, child=child, sessions=[session], now=NOW
            )
            with lock:
                results.append((session.pk, len(result.booked), [o.reason for o in result.already]))

    errors = run_in_threads(20, work)

    assert errors == []
    for session in sessions:
        mine = [(booked, already) for pk, booked, already in results if pk == session.pk]
        assert sum(booked for booked, _already in mine) == 1
        assert sorted(already for _booked, already in mine if already) == [["Déjà réservée"]] * 19
        session.refresh_from_db()
        assert session.booked == 1
        assert Booking.objects.filter(session=session, child=child).count() == 1


def test_two_simultaneous_cancellations_promote_two_distinct_waiting_children_once_each():
    no_required_documents()
    activity, site = activity_at(capacity=2)
    people = []
    for index in range(5):
        parent, household, (child,) = family(name=f"Foyer {index}")
        enrol(child, activity, site, household)
        people.append((parent, household, child))
    for rep in range(10):
        session = new_session(activity, site, FIRST_DAY + timedelta(days=rep), 2)
        bookings = []
        for index, (parent, household, child) in enumerate(people):
            result = services.book(
                actor=parent,
                household=household,
                child=child,
                sessions=[session],
                now=NOW + timedelta(seconds=index),
            )
            bookings.append((result.booked or result.waiting)[0].booking)
        first, second, third, fourth, fifth = bookings
        assert [b.status for b in bookings] == [BookingStatus.CONFIRMED] * 2 + [BookingStatus.WAITING] * 3
        before = Notification.objects.filter(kind="famille_booking_promoted").count()

        def work(index: int, barrier: threading.Barrier, session=session, first=first, second=second) -> None:
            barrier.wait()
            # The promotion task runs eagerly in this thread once the cancellation commits.
            services.cancel(actor=people[index][0], booking=(first, second)[index], now=NOW)

        errors = run_in_threads(2, work)

        assert errors == []
        statuses = dict(Booking.objects.filter(session=session).values_list("pk", "status"))
        assert [statuses[b.pk] for b in bookings] == [
            BookingStatus.CANCELLED,
            BookingStatus.CANCELLED,
            BookingStatus.CONFIRMED,
            BookingStatus.CONFIRMED,
            BookingStatus.WAITING,
        ], rep
        session.refresh_from_db()
        assert session.booked == 2
        promoted = Notification.objects.filter(kind="famille_booking_promoted").order_by("pk")[before:]
        assert sorted(n.user_id for n in promoted) == sorted([people[2][0].pk, people[3][0].pk]), rep
