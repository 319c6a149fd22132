"""Booking deadlines: "D-2 at 10:00" in Europe/Paris, in calendar or working days, across clock changes.

Pure functions on an unsaved Activity: no database.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from famille import deadlines
from famille.models import Activity

PARIS = ZoneInfo("Europe/Paris")


def rules(**fields) -> Activity:
    defaults = {
        "booking_opens_days": 90,
        "booking_deadline_days": 2,
        "booking_deadline_time": time(10, 0),
        "cancel_deadline_days": 2,
        "cancel_deadline_time": time(10, 0),
        "working_days": False,
    }
    return Activity(**{**defaults, **fields})


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# Days -----------------------------------------------------------------------------------------------


def test_public_holidays_and_weekends_are_not_working_days():
    assert deadlines.is_public_holiday(date(2026, 11, 11))  # Armistice
    assert deadlines.is_public_holiday(date(2027, 5, 6))  # Ascension 2027
    assert not deadlines.is_working_day(date(2026, 11, 11))
    assert not deadlines.is_working_day(date(2026, 11, 14))  # a Saturday
    assert not deadlines.is_working_day(date(2026, 11, 15))  # a Sunday
    assert deadlines.is_working_day(date(2026, 11, 12))


def test_school_holidays_follow_the_zone():
    # Winter holidays 2027: zone B from 20 February, zone C from 13 to 21 February.
    assert deadlines.is_school_holiday(date(2027, 2, 23), "B")
    assert not deadlines.is_school_holiday(date(2027, 2, 23), "C")
    assert deadlines.is_school_holiday(date(2027, 2, 15), "C")
    assert not deadlines.is_school_holiday(date(2027, 2, 15), "B")
    assert not deadlines.is_school_holiday(date(2026, 11, 16), "B")


def test_an_unknown_zone_says_so_in_french():
    with pytest.raises(deadlines.UnknownSchoolCalendar, match="zone « corse »"):
        deadlines.is_school_holiday(date(2026, 11, 16), "corse")


def test_the_end_of_the_term_is_the_day_before_the_next_holidays():
    # Christmas holidays 2026 start on Saturday 19 December.
    assert deadlines.term_end(date(2026, 11, 20), "B") == date(2026, 12, 18)
    # During the holidays: the end of the next term.
    assert deadlines.term_end(date(2026, 10, 20), "B") == date(2026, 12, 18)


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 11, 18), 2, date(2026, 11, 16)),  # Wednesday → Monday
        (date(2026, 11, 16), 1, date(2026, 11, 13)),  # Monday → the Friday before
        (date(2026, 11, 16), 2, date(2026, 11, 12)),  # Monday → Thursday
        (date(2026, 11, 13), 2, date(2026, 11, 10)),  # Friday → Tuesday: Wednesday 11 is a public holiday
        (date(2026, 11, 16), 0, date(2026, 11, 16)),
    ],
)
def test_working_days_skip_weekends_and_public_holidays(day, count, expected):
    assert deadlines.days_before(day, count, working_days=True) == expected


def test_calendar_days_count_every_day():
    assert deadlines.days_before(date(2026, 11, 16), 2) == date(2026, 11, 14)


# Deadlines ------------------------------------------------------------------------------------------


def test_the_booking_deadline_is_d_minus_2_at_10_in_paris():
    deadline = deadlines.booking_deadline(rules(), date(2026, 12, 10))
    assert deadline == paris(2026, 12, 8, 10, 0)
    assert deadline.utcoffset().total_seconds() == 3600


def test_in_working_days_a_monday_session_closes_on_thursday():
    deadline = deadlines.booking_deadline(rules(working_days=True), date(2026, 11, 16))
    assert deadline == paris(2026, 11, 12, 10, 0)


def test_the_cancel_deadline_follows_its_own_rule():
    activity = rules(cancel_deadline_days=1, cancel_deadline_time=time(18, 30), working_days=True)
    assert deadlines.cancel_deadline(activity, date(2026, 11, 16)) == paris(2026, 11, 13, 18, 30)


def test_booking_opens_at_midnight_so_many_calendar_days_before():
    activity = rules(booking_opens_days=30, working_days=True)
    assert deadlines.booking_opens_at(activity, date(2026, 12, 10)) == paris(2026, 11, 10, 0, 0)


def test_across_the_change_to_winter_time_the_deadline_stays_at_10_local():
    # Sunday 25 October 2026, 03:00 CEST becomes 02:00 CET. A session on Tuesday 27: D-2 is Sunday 25.
    deadline = deadlines.booking_deadline(rules(), date(2026, 10, 27))
    assert deadline == paris(2026, 10, 25, 10, 0)
    assert deadline.astimezone(UTC) == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    # The day before the change, 10:00 is 08:00 UTC: 48 hours earlier would have been wrong by one.
    before = deadlines.booking_deadline(rules(), date(2026, 10, 26))
    assert before.astimezone(UTC) == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)
    assert (deadline.astimezone(UTC) - before.astimezone(UTC)).total_seconds() == 25 * 3600


def test_across_the_change_to_summer_time_the_deadline_stays_at_10_local():
    # Sunday 28 March 2027, 02:00 CET becomes 03:00 CEST.
    deadline = deadlines.booking_deadline(rules(booking_deadline_days=1), date(2027, 3, 29))
    assert deadline.astimezone(UTC) == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)


def test_the_window_is_open_up_to_the_deadline_instant_included():
    window = deadlines.window(rules(), date(2026, 12, 10))
    assert window.is_open(paris(2026, 12, 8, 9, 59, 59))
    assert window.is_open(paris(2026, 12, 8, 10, 0))
    assert not window.is_open(paris(2026, 12, 8, 10, 0, 1))
    assert window.is_past_deadline(paris(2026, 12, 8, 10, 0, 1))
    assert window.is_not_yet_open(paris(2026, 9, 10, 23, 59))
    assert window.is_open(paris(2026, 9, 11, 0, 0))
