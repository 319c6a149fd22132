"""Sessions of the activities (part F2): generated for a school year, closed by the town.

A session is one day of an activity at one of its sites. `generate_sessions`
makes those of a school year from the activity's weekdays and period, skipping
French public holidays always and the town's school holidays on school days;
running it again creates only what is missing. `close_sessions` applies a
closure (strike, training day): the day's bookings are cancelled as CLOSED,
which is never billed, and the families are told.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from famille import deadlines
from famille.enums import ACTIVE_BOOKING_STATUSES, BookingStatus, SessionPeriod
from famille.exceptions import SessionsRefused
from famille.models import Activity, Booking, Closure, Household, SchoolYear, Session
from guichet import audit
from guichet.accounts.models import Town
from guichet.notify import services as notify

__all__ = [
    "CLOSURE_NOTIFICATION_KIND",
    "ClosureResult",
    "close_sessions",
    "generate_sessions",
    "session_days",
]

CLOSURE_NOTIFICATION_KIND = "famille_closure"


def session_days(*, activity: Activity, start: date, end: date, zone: str) -> list[date]:
    """The days from `start` to `end` (included) on which the activity runs.

    Its weekdays (0 = Monday), never a public holiday; on school days, not in the
    school holidays of `zone`; holidays only, only in them; all year, either.
    """
    weekdays = {int(day) for day in activity.weekdays}
    days = []
    current = start
    while current <= end:
        if current.weekday() in weekdays and not deadlines.is_public_holiday(current):
            if activity.period == SessionPeriod.ALL_YEAR:
                days.append(current)
            else:
                in_holidays = deadlines.is_school_holiday(current, zone)
                if in_holidays == (activity.period == SessionPeriod.HOLIDAYS):
                    days.append(current)
        current += timedelta(days=1)
    return days


@transaction.atomic
def generate_sessions(
    *, activity: Activity, school_year: SchoolYear, actor=None, zone: str | None = None
) -> int:
    """Create the sessions of the school year at each of the activity's open sites; returns how many
    were created. Idempotent: a session that exists (same activity, site and day) is left as it is.

    The school-holiday zone is the town's (`Town.current().school_holiday_zone`) unless given.
    A session falling on a recorded closure is created closed.
    """
    zone = zone or Town.current().school_holiday_zone
    try:
        days = session_days(
            activity=activity, start=school_year.start_date, end=school_year.end_date, zone=zone
        )
    except deadlines.UnknownSchoolCalendar as error:
        raise SessionsRefused(str(error)) from None
    activity_sites = list(activity.activity_sites.filter(site__is_active=True).select_related("site"))
    if not days or not activity_sites:
        return 0
    closures = list(
        Closure.objects.filter(date__in=days)
        .filter(Q(activity=activity) | Q(activity__isnull=True))
        .order_by("pk")
    )

    def closure_for(site_id: int, day: date) -> Closure | None:
        for closure in closures:
            if closure.date == day and closure.site_id in (None, site_id):
                return closure
        return None

    existing = Session.objects.filter(activity=activity, date__in=days).count()
    Session.objects.bulk_create(
        [
            Session(
                activity=activity,
                site=activity_site.site,
                date=day,
                start_time=activity.start_time,
                end_time=activity.end_time,
                capacity=activity_site.capacity,
                closure=closure_for(activity_site.site_id, day),
            )
            for activity_site in activity_sites
            for day in days
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    created = Session.objects.filter(activity=activity, date__in=days).count() - existing
    audit.record(
        actor=actor,
        action="famille.sessions.generate",
        target=activity,
        school_year=school_year.pk,
        created=created,
    )
    return created


@dataclass(frozen=True)
class ClosureResult:
    sessions: int
    bookings: int
    households: int


def _matching_sessions(closure: Closure):
    sessions = Session.objects.filter(date=closure.date)
    if closure.site_id is not None:
        sessions = sessions.filter(site_id=closure.site_id)
    if closure.activity_id is not None:
        sessions = sessions.filter(activity_id=closure.activity_id)
    return sessions


@transaction.atomic
def close_sessions(*, actor, closure: Closure) -> ClosureResult:
    """Close the sessions the closure covers: their live bookings (confirmed or waiting) become
    CLOSED — never billed — their places are freed, and each family is notified and audited.

    Safe to run again (saving the closure twice): bookings already closed are not touched.
    """
    from famille.selectors.bookings import guardians_by_household

    now = timezone.now()
    sessions = list(
        _matching_sessions(closure)
        .select_for_update(of=("self",))
        .select_related("activity", "site")
        # The order bookings lock sessions in (day, time, id): no deadlock with a family booking.
        .order_by("date", "start_time", "pk")
    )
    session_ids = [session.pk for session in sessions]
    Session.objects.filter(pk__in=session_ids).update(closure=closure, booked=0)
    bookings = list(
        Booking.objects.filter(session_id__in=session_ids, status__in=ACTIVE_BOOKING_STATUSES)
        .select_for_update(of=("self",))
        .select_related("child", "session__activity", "session__site")
        .order_by("household_id", "pk")
    )
    Booking.objects.filter(pk__in=[booking.pk for booking in bookings]).update(
        status=BookingStatus.CLOSED, cancelled_at=now, cancelled_by=actor
    )
    by_household: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_household.setdefault(booking.household_id, []).append(booking)
    guardians = guardians_by_household(list(by_household))
    parties = dict(Household.objects.filter(pk__in=list(by_household)).values_list("pk", "party_id"))
    for household_id, household_bookings in by_household.items():
        audit.record(
            actor=actor,
            action="famille.booking.close",
            target=closure,
            owner=parties[household_id],
            bookings=[booking.pk for booking in household_bookings],
        )
        users = guardians.get(household_id, [])
        if users:
            notify.notify_many(
                users=users,
                kind=CLOSURE_NOTIFICATION_KIND,
                context={
                    "closure": closure,
                    "date": closure.date,
                    "reason": closure.reason,
                    "bookings": household_bookings,
                },
                url=_calendar_path(household_bookings[0]),
            )
    audit.record(
        actor=actor,
        action="famille.closure.apply",
        target=closure,
        sessions=len(session_ids),
        bookings=len(bookings),
    )
    return ClosureResult(sessions=len(session_ids), bookings=len(bookings), households=len(by_household))


def _calendar_path(booking: Booking) -> str:
    day = booking.session.date
    return reverse("famille:calendar_month", args=[booking.child_id, day.year, day.month])
