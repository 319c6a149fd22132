"""Never lent beyond the stock, for real: simultaneous requests on PostgreSQL, one thread per association.

Threads stay far below PostgreSQL's 100 connections and each closes its connection when done.
"""

import contextlib
import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection

from associations.equipment import selectors, services
from associations.equipment.enums import HOLDING_STATUSES
from associations.equipment.exceptions import NotEnoughStock
from associations.equipment.models import LoanLine
from tests.associations.equipment.factories import NOW, ItemFactory, request
from tests.associations.factories import associations_agent, make_association
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

FIRST_DAY = date(2026, 6, 12)


@pytest.fixture(autouse=True)
def _today():
    # Every thread sees the same day (time-machine moves the clock process-wide).
    with time_machine.travel(NOW, tick=True):
        yield


def run_in_threads(count: int, work) -> list[BaseException]:
    """Run work(index, barrier) in `count` threads released together; returns the errors raised."""
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


def associations(count: int):
    agent = associations_agent()
    presidents = [UserFactory() for _ in range(count)]
    return [(user, make_association(user, agent=agent)) for user in presidents]


def held(item, day: date) -> int:
    lines = LoanLine.objects.filter(
        item=item, loan__status__in=HOLDING_STATUSES, loan__start_date__lte=day, loan__end_date__gte=day
    )
    return sum(lines.values_list("quantity", flat=True))


def test_five_associations_asking_for_the_last_ten_chairs_at_once_never_get_more_than_ten():
    chairs = ItemFactory(chairs=True)
    clubs = associations(6)
    hoarder_user, hoarder = clubs.pop()
    rounds = 12
    # Each round: a new weekend where 190 of the 200 chairs are already held; five clubs want 3 or 4.
    days = [FIRST_DAY + timedelta(days=7 * index) for index in range(rounds)]
    for day in days:
        request(hoarder, hoarder_user, {chairs: 190}, day, day + timedelta(days=1))
    wanted = [3, 4, 3, 4, 3]
    outcomes: list[tuple[int, int, str]] = []
    lock = threading.Lock()

    def work(index: int, barrier: threading.Barrier) -> None:
        user, association = clubs[index]
        for round_number, day in enumerate(days):
            barrier.wait()
            try:
                # Overlapping, not equal, periods: Friday to Sunday against Saturday–Sunday.
                request(
                    association,
                    user,
                    {chairs: wanted[index]},
                    day - timedelta(days=1),
                    day + timedelta(days=1),
                )
                kind = "lent"
            except NotEnoughStock:
                kind = "short"
            with lock:
                outcomes.append((round_number, wanted[index], kind))

    errors = run_in_threads(len(clubs), work)

    assert errors == []
    for round_number, day in enumerate(days):
        lent = [count for number, count, kind in outcomes if number == round_number and kind == "lent"]
        assert len([o for o in outcomes if o[0] == round_number]) == 5
        # Never beyond the stock, and never refused while enough was left for the one refused.
        assert 190 + sum(lent) <= 200, (round_number, lent)
        assert sum(lent) >= 10 - max(wanted) + 1, (round_number, lent)
        assert held(chairs, day) == 190 + sum(lent) <= 200
        assert selectors.left_for(items=[chairs], start=day - timedelta(days=1), end=day + timedelta(days=1))[
            chairs.pk
        ] == 10 - sum(lent)


def test_requests_naming_the_same_items_in_any_order_never_deadlock_nor_overlend():
    chairs, tables = ItemFactory(chairs=True, stock=30), ItemFactory(tables=True, stock=30)
    clubs = associations(20)
    rounds = 5
    days = [FIRST_DAY + timedelta(days=3 * index) for index in range(rounds)]

    def work(index: int, barrier: threading.Barrier) -> None:
        user, association = clubs[index]
        # Half name the tables first: the services lock in primary-key order whatever the order given.
        quantities = {chairs: 2, tables: 2} if index % 2 else {tables: 2, chairs: 2}
        for day in days:
            barrier.wait()
            with contextlib.suppress(NotEnoughStock):
                request(association, user, quantities, day)

    errors = run_in_threads(len(clubs), work)

    assert errors == []
    for day in days:
        assert held(chairs, day) == held(tables, day) == 30


def test_cancellations_and_requests_at_once_never_overlend():
    chairs = ItemFactory(chairs=True, stock=20)
    clubs = associations(10)
    # The first five hold 4 chairs each: the stock is all taken; they cancel while five others ask.
    held_loans = [request(association, user, {chairs: 4}, FIRST_DAY) for user, association in clubs[:5]]
    results: list[str] = []
    lock = threading.Lock()

    def work(index: int, barrier: threading.Barrier) -> None:
        user, association = clubs[index]
        barrier.wait()
        if index < 5:
            services.cancel_loan(actor=user, loan=held_loans[index])
            return
        for _attempt in range(20):
            try:
                request(association, user, {chairs: 4}, FIRST_DAY)
            except NotEnoughStock:
                continue
            with lock:
                results.append("lent")
            return

    errors = run_in_threads(len(clubs), work)

    assert errors == []
    assert held(chairs, FIRST_DAY) == 4 * len(results) <= 20
