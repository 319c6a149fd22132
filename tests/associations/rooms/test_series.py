"""Weekly requests for a season: exactly the conflicting dates listed, holidays skipped, the others asked for;
approval of the whole series with the conflicts of that moment refused and the rest confirmed."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from associations.rooms import services
from associations.rooms.enums import BookingStatus, ConflictReason
from associations.rooms.exceptions import BookingRefused, DecisionRefused
from associations.rooms.models import Booking, SeriesConflict
from associations.rooms.schedule import PARIS, weekly_dates
from associations.rooms.services.decisions import TAKEN_REASON
from guichet.notify.models import Notification
from regie.models import Invoice
from tests.associations.rooms.factories import (
    RoomFactory,
    association_of,
    confirmed,
    rooms_agent,
    vie_associative,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 8, 20, 10, 0, tzinfo=PARIS)
FIRST, LAST = date(2025, 9, 2), date(2026, 6, 30)  # every Tuesday of the 2025-2026 season
TUESDAY = 1


@pytest.fixture(autouse=True)
def _clock():
    vie_associative()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent():
    return rooms_agent()


@pytest.fixture
def club(agent):
    return association_of(name="Basket Club", agent=agent)


def ask(club, room, **kwargs):
    values = {
        "actor": club.created_by,
        "room": room,
        "party": club.party,
        "weekday": TUESDAY,
        "start": time(18, 0),
        "end": time(20, 0),
        "first_date": FIRST,
        "last_date": LAST,
        "purpose": "Entraînement des cadets",
        "attendees": 24,
        **kwargs,
    }
    return services.request_series(**values)


def test_a_season_lists_exactly_the_conflicting_dates_and_asks_for_every_other(club, agent):
    room = RoomFactory(name="Gymnase")
    confirmed(room, day=date(2025, 10, 7), start=(18, 30), end=(19, 30), agent=agent)
    confirmed(room, day=date(2026, 3, 24), start=(19, 59), end=(21, 0), agent=agent)
    # These only touch the slot, or are another day, or wait for a decision: no conflict.
    confirmed(room, day=date(2026, 3, 17), start=(17, 0), end=(18, 0), agent=agent)
    confirmed(room, day=date(2026, 3, 17), start=(20, 0), end=(21, 0), agent=agent)
    confirmed(room, day=date(2026, 3, 18), start=(18, 0), end=(20, 0), agent=agent)
    other = association_of(name="Chorale", agent=agent)
    services.request_booking(
        actor=other.created_by,
        room=room,
        party=other.party,
        day=date(2026, 1, 6),
        start=time(18),
        end=time(20),
        purpose="Répétition",
        attendees=20,
    )

    result = ask(club, room)

    assert [(c.date, c.reason) for c in result.conflicts] == [
        (date(2025, 10, 7), ConflictReason.BOOKED),
        (date(2026, 3, 24), ConflictReason.BOOKED),
    ]
    assert result.conflicts[0].detail == "réservé 18:30–19:30"
    assert [(c.date, c.reason, c.detail) for c in result.skipped if c.reason == ConflictReason.HOLIDAY] == [
        (date(2025, 11, 11), ConflictReason.HOLIDAY, "Armistice")
    ]
    tuesdays = weekly_dates(TUESDAY, FIRST, LAST)
    expected = [
        day for day in tuesdays if day not in {date(2025, 10, 7), date(2026, 3, 24), date(2025, 11, 11)}
    ]
    assert [booking.day for booking in result.booked] == expected
    assert len(tuesdays) == 44 and len(expected) == 41
    assert {booking.status for booking in result.series.bookings.all()} == {BookingStatus.PENDING}
    assert SeriesConflict.objects.filter(series=result.series).count() == 3
    to_decide = reverse("associations:rooms_agent_series", args=[result.series.pk])
    assert Notification.objects.filter(user=agent, kind="rooms_request", url=to_decide).count() == 1


def test_a_slot_outside_the_weekly_opening_hours_is_refused_with_the_hours(club):
    room = RoomFactory(hours=[(TUESDAY, time(9), time(12)), (TUESDAY, time(14), time(19))])

    with pytest.raises(BookingRefused, match="ouverte le mardi de 09:00 à 12:00 et de 14:00 à 19:00"):
        ask(club, room)

    assert not Booking.objects.exists()


def test_dates_already_past_are_skipped_and_a_request_with_nothing_left_is_refused(club):
    room = RoomFactory()
    with time_machine.travel(datetime(2025, 9, 2, 19, 0, tzinfo=PARIS), tick=False):
        result = ask(club, room, last_date=date(2025, 9, 9))
        with pytest.raises(BookingRefused, match="n'est pas disponible"):
            ask(club, room, last_date=date(2025, 9, 2))

    assert [(c.date, c.reason) for c in result.skipped] == [(date(2025, 9, 2), ConflictReason.PAST)]
    assert [b.day for b in result.booked] == [date(2025, 9, 9)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first_date": date(2025, 8, 1)}, "première date est déjà passée"),
        ({"last_date": date(2025, 8, 31)}, "dernière date doit suivre"),
        ({"last_date": date(2026, 9, 30)}, "saison d'un an au plus"),
        ({"first_date": date(2025, 9, 3), "last_date": date(2025, 9, 8)}, "aucun mardi"),
    ],
)
def test_the_season_must_be_a_real_one(club, kwargs, message):
    with pytest.raises(BookingRefused, match=message):
        ask(club, RoomFactory(), **kwargs)


def test_a_room_without_approval_confirms_the_season_at_once_on_one_invoice(club):
    room = RoomFactory(needs_approval=False, association_hourly_cents=500, deposit_cents=20000)

    result = ask(club, room, last_date=date(2025, 9, 30))

    assert [b.status for b in result.booked] == [BookingStatus.CONFIRMED] * 5
    invoice = Invoice.objects.get()
    assert (invoice.total_cents, invoice.source) == (5 * 1000, f"rooms.series:{result.series.pk}")
    assert sorted(invoice.lines.values_list("source", flat=True)) == sorted(
        f"rooms.booking:{b.pk}" for b in result.booked
    )
    # A weekly slot takes no deposit.
    assert {b.deposit_cents for b in result.booked} == {0}
    assert set(Booking.objects.values_list("invoice_id", flat=True)) == {invoice.pk}


def test_approving_the_series_refuses_the_dates_taken_meanwhile_and_confirms_the_rest(club, agent):
    room = RoomFactory(association_hourly_cents=800)
    result = ask(club, room, last_date=date(2025, 10, 28))  # 9 Tuesdays
    taken = confirmed(room, day=date(2025, 9, 16), start=(19, 0), end=(21, 0), agent=agent)

    decision = services.approve_series(actor=agent, series=result.series)

    assert [b.day for b in decision.refused] == [date(2025, 9, 16)]
    assert len(decision.confirmed) == 8
    refused = Booking.objects.get(series=result.series, status=BookingStatus.REFUSED)
    assert refused.refusal_reason == str(TAKEN_REASON)
    invoice = Invoice.objects.exclude(pk=taken.invoice_id).get(source=f"rooms.series:{result.series.pk}")
    assert invoice.total_cents == 8 * 1600
    assert invoice.lines.count() == 8
    series = result.series
    series.refresh_from_db()
    assert series.decided_by == agent
    notification = Notification.objects.get(user=club.created_by, kind="rooms_decision")
    assert "8 dates confirmées" in notification.body and "mardi 16 septembre 2025" in notification.body


def test_refusing_the_series_refuses_every_pending_date_with_the_reason(club, agent):
    result = ask(club, RoomFactory(), last_date=date(2025, 9, 30))

    services.refuse_series(actor=agent, series=result.series, reason="Gymnase en travaux cet automne.")

    assert set(result.series.bookings.values_list("status", "refusal_reason")) == {
        (BookingStatus.REFUSED, "Gymnase en travaux cet automne.")
    }
    with pytest.raises(DecisionRefused, match="déjà été traitée"):
        services.approve_series(actor=agent, series=result.series)
    with pytest.raises(DecisionRefused, match="motif du refus est obligatoire"):
        services.refuse_series(actor=agent, series=result.series, reason=" ")


def test_one_date_of_a_series_can_be_decided_alone(club, agent):
    result = ask(club, RoomFactory(), last_date=date(2025, 9, 16))
    first = result.booked[0]

    services.approve_booking(actor=agent, booking=first)
    decision = services.approve_series(actor=agent, series=result.series)

    assert [b.day for b in decision.confirmed] == [date(2025, 9, 9), date(2025, 9, 16)]
    assert Booking.objects.filter(series=result.series, status=BookingStatus.CONFIRMED).count() == 3


def test_the_week_dates_are_counted_in_paris_across_the_clock_change(club):
    result = ask(club, RoomFactory(), first_date=date(2025, 10, 21), last_date=date(2025, 11, 4))

    assert [(b.starts_at.hour, b.ends_at.hour) for b in result.booked] == [(18, 20), (18, 20), (18, 20)]
    # Clocks go back on 26 October: a week from one Tuesday 18:00 to the next is 169 hours.
    elapsed = result.booked[1].period.lower.astimezone(UTC) - result.booked[0].period.lower.astimezone(UTC)
    assert elapsed == timedelta(days=7, hours=1)
