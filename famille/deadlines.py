"""Days and deadlines of the bookings: pure functions, no database.

A booking deadline reads "D-2 at 10:00": two days before the session's day, at
10:00 wall-clock time in Europe/Paris. Counting back is done on dates, then the
time is attached in Paris, so that the deadline stays at 10:00 local even when
the clocks change in between (subtracting 48 hours would give 09:00 or 11:00
across the last Sunday of October or March). With `working_days`, Saturdays,
Sundays and French public holidays do not count.

The activity passed in only needs the booking rules' attributes of
`famille.models.Activity`, so these functions are tested without a database.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.utils.translation import gettext as _
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException, UnsupportedZoneException

PARIS = ZoneInfo("Europe/Paris")
SATURDAY = 5


class UnknownSchoolCalendar(ValueError):
    """The school holidays of this zone or year are not known to vacances-scolaires-france."""


# Days ---------------------------------------------------------------------------------------------


@cache
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year))


def is_public_holiday(day: date) -> bool:
    """A French public holiday (jour férié) of metropolitan France."""
    return day in _public_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a public holiday."""
    return day.weekday() < SATURDAY and not is_public_holiday(day)


@cache
def _school_calendar() -> SchoolHolidayDates:
    return SchoolHolidayDates()


def is_school_holiday(day: date, zone: str) -> bool:
    """A day of the school holidays of `zone` ("A", "B" or "C"), weekends included."""
    calendar = _school_calendar()
    try:
        # The library only checks the zone on holidays: check it on every day.
        calendar.zone_key(zone)
        return calendar.is_holiday_for_zone(day, zone)
    except UnsupportedZoneException:
        raise UnknownSchoolCalendar(
            _(
                "Les vacances scolaires de la zone « %(zone)s » ne sont pas connues : choisissez la zone A, B ou C."
            )
            % {"zone": zone}
        ) from None
    except UnsupportedYearException:
        raise UnknownSchoolCalendar(
            _("Les vacances scolaires de l'année %(year)s ne sont pas encore connues.") % {"year": day.year}
        ) from None


def term_end(day: date, zone: str) -> date:
    """The last day before the next school holidays of `zone` (the end of the term), from `day`.

    When `day` is already in the holidays, the end of the next term.
    """
    current = day
    while is_school_holiday(current, zone):
        current += timedelta(days=1)
    while not is_school_holiday(current + timedelta(days=1), zone):
        current += timedelta(days=1)
    return current


def days_before(day: date, count: int, *, working_days: bool = False) -> date:
    """The date `count` days before `day`: calendar days, or working days when `working_days`.

    In working days, D-1 of a Monday is the Friday before (the Thursday when that
    Friday is a public holiday); D-0 is the day itself whatever it is.
    """
    if not working_days:
        return day - timedelta(days=count)
    current = day
    remaining = count
    while remaining > 0:
        current -= timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def local_datetime(day: date, at: time) -> datetime:
    """`day` at `at` wall-clock time in Europe/Paris, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=PARIS)


# Deadlines of an activity ---------------------------------------------------------------------------


def booking_opens_at(activity, session_date: date) -> datetime:
    """Booking opens at midnight (Paris), `booking_opens_days` calendar days before the session.

    The opening is a window ("three months ahead"), not a deadline: it is always
    counted in calendar days.
    """
    return local_datetime(session_date - timedelta(days=activity.booking_opens_days), time(0, 0))


def booking_deadline(activity, session_date: date) -> datetime:
    """The last instant to book: D-`booking_deadline_days` at `booking_deadline_time` (Paris)."""
    day = days_before(session_date, activity.booking_deadline_days, working_days=activity.working_days)
    return local_datetime(day, activity.booking_deadline_time)


def cancel_deadline(activity, session_date: date) -> datetime:
    """The last instant to cancel without being billed: D-`cancel_deadline_days` at `cancel_deadline_time`."""
    day = days_before(session_date, activity.cancel_deadline_days, working_days=activity.working_days)
    return local_datetime(day, activity.cancel_deadline_time)


def session_starts_at(session) -> datetime:
    return local_datetime(session.date, session.start_time)


@dataclass(frozen=True)
class BookingWindow:
    opens_at: datetime
    booking_deadline: datetime
    cancel_deadline: datetime

    def is_open(self, now: datetime) -> bool:
        """Booking is possible from the opening up to the deadline, the deadline's instant included."""
        return self.opens_at <= now <= self.booking_deadline

    def is_not_yet_open(self, now: datetime) -> bool:
        return now < self.opens_at

    def is_past_deadline(self, now: datetime) -> bool:
        return now > self.booking_deadline

    def can_cancel_free(self, now: datetime) -> bool:
        return now <= self.cancel_deadline


def window(activity, session_date: date) -> BookingWindow:
    """The three instants of a session's bookings."""
    return BookingWindow(
        opens_at=booking_opens_at(activity, session_date),
        booking_deadline=booking_deadline(activity, session_date),
        cancel_deadline=cancel_deadline(activity, session_date),
    )
