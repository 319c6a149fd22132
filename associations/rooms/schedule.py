"""Days, slots and prices of the rooms: pure functions, no database.

A slot is a day and two wall-clock times in Europe/Paris; it is stored as a half-open range
of aware datetimes ('[)'), so a slot ending at 20:00 and one starting at 20:00 never overlap.
The free-cancellation deadline reads "7 days before, at the same time": counted back on
dates, then the time attached in Paris, so it stays at the same wall-clock hour across a
change of the clocks.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

PARIS = ZoneInfo("Europe/Paris")
# A weekly request spans at most a season (a year).
MAX_SEASON_DAYS = 366


def local_datetime(day: date, at: time) -> datetime:
    """`day` at `at` wall-clock time in Europe/Paris, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=PARIS)


def slot_range(day: date, start: time, end: time) -> DateTimeTZRange:
    """The half-open range of a slot of one day."""
    return DateTimeTZRange(local_datetime(day, start), local_datetime(day, end), "[)")


def minutes_between(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def price_cents(hourly_cents: int, minutes: int) -> int:
    """Hours × the hourly price, to the nearest cent (half a cent up)."""
    return (hourly_cents * minutes + 30) // 60


@cache
def _public_holidays(year: int) -> dict[date, str]:
    return dict(holidays.France(years=year))


def public_holiday(day: date) -> str:
    """The name of the French public holiday (jour férié) on that day, or ""."""
    return _public_holidays(day.year).get(day, "")


def weekly_dates(weekday: int, first: date, last: date) -> list[date]:
    """Every `weekday` (0 = Monday) from `first` to `last`, both included."""
    current = first + timedelta(days=(weekday - first.weekday()) % 7)
    days = []
    while current <= last:
        days.append(current)
        current += timedelta(days=7)
    return days


def within_opening_hours(ranges: Iterable, day: date, start: time, end: time) -> bool:
    """Whether one of the room's opening ranges (objects with weekday, opens, closes) holds the slot."""
    return any(r.weekday == day.weekday() and r.opens <= start and end <= r.closes for r in ranges)


def free_cancellation_deadline(day: date, start: time, notice_days: int) -> datetime:
    """The last instant to cancel for free: `notice_days` days before the slot, at its start time."""
    return local_datetime(day - timedelta(days=notice_days), start)


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def format_slot(start: time, end: time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"
