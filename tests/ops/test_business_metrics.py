"""Famille bookings counted by what happened to them, once their transaction commits."""

import pytest
from prometheus_client import REGISTRY

from famille.enums import BookingStatus
from tests.famille.factories import SessionFactory, book_children

pytestmark = pytest.mark.django_db


def count(outcome: str) -> float:
    return REGISTRY.get_sample_value("guichet_famille_bookings_total", {"outcome": outcome}) or 0.0


def test_bookings_are_counted_when_their_transaction_commits(django_capture_on_commit_callbacks):
    before = {outcome: count(outcome) for outcome in ("confirmed", "waitlisted", "cancelled")}
    session = SessionFactory()

    with django_capture_on_commit_callbacks(execute=True):
        [confirmed] = book_children(session, 1)
        book_children(session, 2, status=BookingStatus.WAITING)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed.status = BookingStatus.CANCELLED
        confirmed.save(update_fields=["status"])
        confirmed.save()  # saved again unchanged: not counted twice

    assert {outcome: count(outcome) - before[outcome] for outcome in before} == {
        "confirmed": 1,
        "waitlisted": 2,
        "cancelled": 1,
    }
