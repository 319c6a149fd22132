"""Reads of enrolments, sessions and bookings (part F2), scoped to the user and planned so that a page
keeps a fixed number of queries whatever the number of children, days and bookings.

Someone else's child, booking or enrolment is simply not found (the view answers 404).
"""

import calendar as pycalendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from famille import deadlines
from famille.enums import ACTIVE_BOOKING_STATUSES, BookingStatus, EnrolmentStatus
from famille.models import (
    ActivitySite,
    Booking,
    Child,
    ChildHousehold,
    Enrolment,
    Household,
    SchoolYear,
    Session,
)
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import PartyMembership, Service, Town

__all__ = [
    "CalendarDay",
    "CalendarEntry",
    "CalendarWeek",
    "MonthCalendar",
    "activity_sites_open",
    "booking_for_user",
    "child_of_user_household",
    "default_until",
    "enrolment_for_agent",
    "enrolments_for_agent",
    "guardians_by_household",
    "households_with_enrolments",
    "month_calendar",
    "school_years_open",
    "sessions_matching",
    "validated_enrolments",
]


def guardians_by_household(household_ids) -> dict[int, list]:
    """The responsible adults (users) of each household, for notifications: one query."""
    result: dict[int, list] = defaultdict(list)
    memberships = PartyMembership.objects.filter(
        party__household__in=list(household_ids), role=PartyRole.GUARDIAN, user__is_active=True
    ).select_related("user", "party__household")
    for membership in memberships:
        result[membership.party.household.pk].append(membership.user)
    return dict(result)


# Parents ------------------------------------------------------------------------------------------


def households_with_enrolments(*, user) -> list[Household]:
    """The user's households, each with its children and their enrolments (activity, site, year)."""
    enrolments = Enrolment.objects.select_related("activity", "site", "school_year").order_by(
        "-school_year__start_date", "activity__name", "pk"
    )
    return list(
        Household.objects.for_user(user)
        .select_related("party")
        .prefetch_related(
            Prefetch(
                "children",
                queryset=Child.objects.order_by("birth_date", "first_name", "pk").prefetch_related(
                    Prefetch("enrolments", queryset=enrolments)
                ),
            )
        )
        .order_by("pk")
    )


def child_of_user_household(*, user, pk: int) -> tuple[Child, Household]:
    """A child of one of the user's households, and that household (the first one when, rarely, the
    user is in both of a child's households); else Child.DoesNotExist."""
    membership = (
        ChildHousehold.objects.filter(child_id=pk, household__in=Household.objects.for_user(user))
        .select_related("child__school", "household")
        .order_by("household_id")
        .first()
    )
    if membership is None:
        raise Child.DoesNotExist
    return membership.child, membership.household


def booking_for_user(*, user, pk: int) -> Booking:
    """A booking made by one of the user's households; else Booking.DoesNotExist.

    In alternating custody the other household's bookings of the same child are theirs: not found.
    """
    return Booking.objects.select_related("session__activity", "session__site", "child", "household").get(
        pk=pk, household__in=Household.objects.for_user(user)
    )


def activity_sites_open():
    """What a family may ask an enrolment for: the open sites of the open activities."""
    return (
        ActivitySite.objects.filter(activity__is_active=True, site__is_active=True)
        .select_related("activity", "site")
        .order_by("activity__kind", "activity__name", "site__name")
    )


def school_years_open(*, today: date | None = None):
    """School years not over yet, the nearest first."""
    today = today or timezone.localdate()
    return SchoolYear.objects.filter(end_date__gte=today).order_by("start_date")


def validated_enrolments(*, child: Child, on: date | None = None):
    """The child's validated enrolments whose school year is not over (for the recurring booking form)."""
    on = on or timezone.localdate()
    return (
        Enrolment.objects.filter(child=child, status=EnrolmentStatus.VALIDATED, school_year__end_date__gte=on)
        .select_related("activity", "site", "school_year")
        .order_by("school_year__start_date", "activity__name", "pk")
    )


def sessions_matching(*, enrolment: Enrolment, weekdays, start: date, end: date) -> list[Session]:
    """The sessions of an enrolment's activity at its site, between two days (within its school year),
    on the given weekdays (0 = Monday)."""
    start = max(start, enrolment.school_year.start_date)
    end = min(end, enrolment.school_year.end_date)
    # PostgreSQL's ISO weekday: 1 = Monday … 7 = Sunday.
    return list(
        Session.objects.filter(
            activity_id=enrolment.activity_id,
            site_id=enrolment.site_id,
            date__range=(start, end),
            date__iso_week_day__in=[int(day) + 1 for day in weekdays],
        ).order_by("date", "start_time", "pk")
    )


def default_until(*, today: date | None = None) -> date:
    """The end of the term: the day before the town's next school holidays (else in three months)."""
    today = today or timezone.localdate()
    try:
        return deadlines.term_end(today, Town.current().school_holiday_zone)
    except deadlines.UnknownSchoolCalendar:
        return today + timedelta(days=90)


# The month calendar -------------------------------------------------------------------------------

# What a day of a child's calendar shows: label and badge tone.
STATES = {
    "booked": (_("Réservé"), "success"),
    "booked_other": (_("Réservé par l'autre foyer"), "info"),
    "waiting": (_("Liste d'attente"), "warning"),
    "full": (_("Complet"), "danger"),
    "closed": (_("Fermé"), "neutral"),
    "past_deadline": (_("Délai dépassé"), "neutral"),
    "not_open": (_("Pas encore ouvert"), "neutral"),
    "open": (_("Places disponibles"), "info"),
}


@dataclass
class CalendarEntry:
    """One session of the child on one day, with what the family may do with it now."""

    session: Session
    state: str
    booking: Booking | None = None
    waiting_position: int | None = None
    can_book: bool = False
    can_join_waiting_list: bool = False
    can_cancel: bool = False
    cancel_deadline: datetime | None = None
    own: bool = False
    started: bool = False

    @property
    def can_ask_cancel(self) -> bool:
        """The confirmation page may still cancel it (late, and billed or refused, as it will say)."""
        return self.own and not self.started and not self.can_cancel and self.state == "booked"

    @property
    def label(self) -> str:
        return str(STATES[self.state][0])

    @property
    def tone(self) -> str:
        return STATES[self.state][1]

    @property
    def checkbox(self) -> str:
        """'book' or 'cancel' when the plain form offers a checkbox for this day, else ''."""
        if self.can_book or self.can_join_waiting_list:
            return "book"
        if self.can_cancel:
            return "cancel"
        return ""


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    entries: list[CalendarEntry] = field(default_factory=list)


@dataclass
class CalendarWeek:
    start: date
    days: list[CalendarDay]

    @property
    def has_bookable(self) -> bool:
        return any(entry.checkbox == "book" for day in self.days for entry in day.entries)


@dataclass
class MonthCalendar:
    child: Child
    household: Household
    month: date
    weeks: list[CalendarWeek]
    weekdays: list[int]
    previous_month: date
    next_month: date
    enrolled: bool

    @property
    def has_actions(self) -> bool:
        return any(entry.checkbox for entry in self.entries())

    def entries(self):
        for week in self.weeks:
            for day in week.days:
                yield from day.entries


def _state(
    entry_session: Session, booking: Booking | None, household: Household, now: datetime
) -> CalendarEntry:
    bounds = deadlines.window(entry_session.activity, entry_session.date)
    started = now >= deadlines.session_starts_at(entry_session)
    entry = CalendarEntry(
        session=entry_session,
        state="open",
        booking=booking,
        cancel_deadline=bounds.cancel_deadline,
        started=started,
    )
    if entry_session.closure_id is not None:
        entry.state = "closed"
    elif booking is not None:
        own = entry.own = booking.household_id == household.pk
        if booking.status == BookingStatus.WAITING:
            entry.state = "waiting"
            entry.waiting_position = getattr(booking, "waiting_position", None)
        else:
            entry.state = "booked" if own else "booked_other"
        if own and not started:
            entry.can_cancel = booking.status == BookingStatus.WAITING or bounds.can_cancel_free(now)
    elif bounds.is_not_yet_open(now):
        entry.state = "not_open"
    elif bounds.is_past_deadline(now) or not entry_session.activity.is_active:
        entry.state = "past_deadline"
    elif entry_session.booked >= entry_session.capacity:
        entry.state = "full"
        entry.can_join_waiting_list = entry_session.activity.waiting_list
    else:
        entry.can_book = True
    return entry


def month_calendar(
    *, child: Child, household: Household, year: int, month: int, now: datetime | None = None
) -> MonthCalendar:
    """The child's sessions of a month, week by week, each with its state for this household:
    three queries (enrolments, sessions, the child's bookings) whatever the number of bookings."""
    now = now or timezone.now()
    grid = pycalendar.Calendar().monthdatescalendar(year, month)
    # The first and last weeks are shown whole, days of the months around included.
    first, last = grid[0][0], grid[-1][-1]
    enrolments = list(
        Enrolment.objects.filter(
            child=child,
            status=EnrolmentStatus.VALIDATED,
            school_year__start_date__lte=last,
            school_year__end_date__gte=first,
        ).select_related("school_year")
    )
    by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
    if enrolments:
        wanted = Q()
        for enrolment in enrolments:
            wanted |= Q(
                activity_id=enrolment.activity_id,
                site_id=enrolment.site_id,
                date__range=(
                    max(first, enrolment.school_year.start_date),
                    min(last, enrolment.school_year.end_date),
                ),
            )
        sessions = list(
            Session.objects.filter(wanted)
            .select_related("activity", "site", "closure")
            .order_by("date", "start_time", "activity__name", "pk")
        )
        position = (
            Booking.objects.filter(
                session_id=OuterRef("session_id"),
                status=BookingStatus.WAITING,
                created_at__lte=OuterRef("created_at"),
            )
            .order_by()
            .values("session_id")
            .annotate(position=Count("pk"))
            .values("position")
        )
        bookings = {
            booking.session_id: booking
            for booking in Booking.objects.filter(
                child=child,
                session__in=[session.pk for session in sessions],
                status__in=ACTIVE_BOOKING_STATUSES,
            ).annotate(waiting_position=Subquery(position, output_field=IntegerField()))
        }
        for session in sessions:
            by_day[session.date].append(_state(session, bookings.get(session.pk), household, now))
    weekdays = [0, 1, 2, 3, 4]
    if any(day.weekday() >= deadlines.SATURDAY for day in by_day):
        weekdays = list(range(7))
    weeks = []
    for week in grid:
        days = [
            CalendarDay(day=day, in_month=day.month == month, entries=by_day.get(day, [])) for day in week
        ]
        weeks.append(CalendarWeek(start=week[0], days=[day for day in days if day.day.weekday() in weekdays]))
    month_start = date(year, month, 1)
    return MonthCalendar(
        child=child,
        household=household,
        month=month_start,
        weeks=weeks,
        weekdays=weekdays,
        previous_month=(month_start - timedelta(days=1)).replace(day=1),
        next_month=(month_start + timedelta(days=32)).replace(day=1),
        enrolled=bool(enrolments),
    )


# Agents -------------------------------------------------------------------------------------------


def enrolments_for_agent(
    *, user, status: str | None = EnrolmentStatus.REQUESTED, activity_id: int | None = None
):
    """Enrolments of the activities of the agent's services (requested ones by default), oldest first."""
    enrolments = Enrolment.objects.filter(activity__service__in=Service.objects.for_agent(user))
    if status:
        enrolments = enrolments.filter(status=status)
    if activity_id:
        enrolments = enrolments.filter(activity_id=activity_id)
    return enrolments.select_related("child__school", "activity", "site", "school_year").order_by(
        "requested_at", "pk"
    )


def enrolment_for_agent(*, user, pk: int) -> Enrolment:
    """One enrolment of an activity of the agent's services; else Enrolment.DoesNotExist (404)."""
    return (
        Enrolment.objects.filter(activity__service__in=Service.objects.for_agent(user))
        .select_related(
            "child__school",
            "activity__service",
            "site",
            "school_year",
            "household__party",
            "requested_by",
            "decided_by",
        )
        .get(pk=pk)
    )
