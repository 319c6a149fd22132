"""Reads of the agents' attendance sheets and occupancy dashboard (part F4), scoped to the agent's
services and planned so that a page keeps a fixed number of queries whatever the number of sessions
and children.

- Attendance: the sites where the agent's services run an activity, the day's sessions there, and a
  session's sheet (the children with a confirmed booking, their class, the household's phone, the
  authorised pick-up persons, a health flag; the health notes themselves only for readers holding
  `famille.view_childhealth_notes`). Another service's session is not found (404).
- Occupancy: booked / capacity, waiting list and closures per activity and day of an ISO week at a
  site, from one aggregate query. Figures only (no personal data): administrators see every activity.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from famille.enums import Attendance, BookingStatus
from famille.models import Activity, AuthorisedPickup, Booking, ChildHealth, Session, Site
from famille.selectors.bookings import guardians_by_household
from guichet.accounts.models import Service

__all__ = [
    "NEARLY_FULL_PERCENT",
    "AttendanceRow",
    "AttendanceSheet",
    "OccupancyCell",
    "OccupancyRow",
    "OccupancyWeek",
    "attendance_sheet",
    "attendance_sites",
    "day_sessions",
    "iso_monday",
    "occupancy_sites",
    "occupancy_week",
    "session_for_attendance",
]

# A session this full is highlighted on the dashboard (and a full one more so).
NEARLY_FULL_PERCENT = 90


# Attendance ---------------------------------------------------------------------------------------


def _attendance_activities(user) -> QuerySet[Activity]:
    return Activity.objects.filter(service__in=Service.objects.for_agent(user))


def attendance_sites(*, user) -> QuerySet[Site]:
    """The open sites where an activity of the agent's services runs, by name."""
    return (
        Site.objects.filter(is_active=True, activity_sites__activity__in=_attendance_activities(user))
        .distinct()
        .order_by("name")
    )


def day_sessions(*, user, site: Site, day: date) -> list[Session]:
    """The sessions of the agent's services at this site on this day, each with `children` (confirmed
    bookings) and `ticked` (of them, those with a mark): one query."""
    confirmed = Q(bookings__status=BookingStatus.CONFIRMED)
    return list(
        Session.objects.filter(site=site, date=day, activity__in=_attendance_activities(user))
        .select_related("activity", "closure")
        .annotate(
            children=Count("bookings", filter=confirmed),
            ticked=Count("bookings", filter=confirmed & ~Q(bookings__attendance="")),
        )
        .order_by("start_time", "activity__name", "pk")
    )


def session_for_attendance(*, user, pk: int) -> Session:
    """A session of an activity of the agent's services; else Session.DoesNotExist (404)."""
    return (
        Session.objects.filter(activity__in=_attendance_activities(user))
        .select_related("activity__service", "site", "closure")
        .get(pk=pk)
    )


@dataclass(frozen=True)
class AttendanceRow:
    """One child of the sheet. `health` is None unless the reader may read health notes."""

    booking: Booking
    phones: list[str]
    pickups: list[AuthorisedPickup]
    health_flag: bool
    health: ChildHealth | None

    @property
    def child(self):
        return self.booking.child


@dataclass
class AttendanceSheet:
    session: Session
    rows: list[AttendanceRow]
    with_health: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def unmarked(self) -> int:
        return self.counts.get("", 0)


def _health_flag() -> Exists:
    """Something the adults in charge must know: a PAI, an allergy or a medical note."""
    return Exists(
        ChildHealth.objects.filter(child_id=OuterRef("child_id")).filter(
            Q(has_pai=True) | ~Q(allergies="") | ~Q(medical_notes="")
        )
    )


def attendance_sheet(*, session: Session, with_health: bool) -> AttendanceSheet:
    """The children with a confirmed booking in the session, by name, with what the sheet shows.

    Three queries whatever the number of children (four when some household has no phone of its
    own: its responsible adults' phones are then given). The health notes are read from the
    database only when `with_health`; otherwise only the flag is.
    """
    related = ["child", "household"]
    if with_health:
        related.append("child__health")
    bookings = list(
        Booking.objects.filter(session=session, status=BookingStatus.CONFIRMED)
        .select_related(*related)
        .prefetch_related(
            Prefetch("child__authorised_pickups", queryset=AuthorisedPickup.objects.order_by("name", "pk"))
        )
        .annotate(health_flag=_health_flag())
        .order_by("child__last_name", "child__first_name", "pk")
    )
    without_phone = {booking.household_id for booking in bookings if not booking.household.phone.strip()}
    guardians = guardians_by_household(without_phone) if without_phone else {}
    rows = []
    counts: dict[str, int] = dict.fromkeys(["", *Attendance.values], 0)
    for booking in bookings:
        if booking.household.phone.strip():
            phones = [booking.household.phone]
        else:
            phones = [user.phone for user in guardians.get(booking.household_id, []) if user.phone]
        counts[booking.attendance] = counts.get(booking.attendance, 0) + 1
        rows.append(
            AttendanceRow(
                booking=booking,
                phones=phones,
                pickups=list(booking.child.authorised_pickups.all()),
                health_flag=booking.health_flag,
                health=getattr(booking.child, "health", None) if with_health else None,
            )
        )
    return AttendanceSheet(session=session, rows=rows, with_health=with_health, counts=counts)


# Occupancy ----------------------------------------------------------------------------------------


def _occupancy_activities(user) -> QuerySet[Activity]:
    if user.is_authenticated and user.is_active and user.is_staff:
        return Activity.objects.all()
    return _attendance_activities(user)


def occupancy_sites(*, user) -> QuerySet[Site]:
    """The open sites where an activity the user may watch runs (every one for administrators)."""
    return (
        Site.objects.filter(is_active=True, activity_sites__activity__in=_occupancy_activities(user))
        .distinct()
        .order_by("name")
    )


def iso_monday(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class OccupancyCell:
    day: date
    session: Session | None = None

    @property
    def booked(self) -> int:
        return self.session.booked if self.session else 0

    @property
    def capacity(self) -> int:
        return self.session.capacity if self.session else 0

    @property
    def waiting(self) -> int:
        return self.session.waiting if self.session else 0

    @property
    def is_closed(self) -> bool:
        return self.session is not None and self.session.closure_id is not None

    @property
    def percent(self) -> int:
        if not self.session or not self.capacity:
            return 100 if self.session else 0
        return self.booked * 100 // self.capacity

    @property
    def is_full(self) -> bool:
        return self.session is not None and not self.is_closed and self.booked >= self.capacity

    @property
    def is_nearly_full(self) -> bool:
        return (
            self.session is not None
            and not self.is_closed
            and not self.is_full
            and self.percent >= NEARLY_FULL_PERCENT
        )


@dataclass(frozen=True)
class OccupancyRow:
    activity: Activity
    cells: list[OccupancyCell]


@dataclass(frozen=True)
class OccupancyWeek:
    site: Site
    monday: date
    days: list[date]
    rows: list[OccupancyRow]

    @property
    def iso(self) -> tuple[int, int]:
        year, week, _weekday = self.monday.isocalendar()
        return year, week

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def previous_monday(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next_monday(self) -> date:
        return self.monday + timedelta(days=7)


def occupancy_week(*, user, site: Site, monday: date) -> OccupancyWeek:
    """The grid of the ISO week starting on `monday` at `site`: one row per activity with a session
    that week, one cell per day (Monday to Friday, and the weekend days that have a session).

    One aggregate query whatever the number of sessions: each session with its waiting list
    counted (and its closure and activity joined).
    """
    sunday = monday + timedelta(days=6)
    sessions = (
        Session.objects.filter(
            site=site, date__range=(monday, sunday), activity__in=_occupancy_activities(user)
        )
        .select_related("activity", "closure")
        .annotate(waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITING)))
        .order_by("activity__kind", "activity__name", "activity_id", "date")
    )
    by_activity: dict[int, tuple[Activity, dict[date, Session]]] = {}
    for session in sessions:
        by_activity.setdefault(session.activity_id, (session.activity, {}))[1][session.date] = session
    used = {day for _activity, days in by_activity.values() for day in days}
    days = [
        monday + timedelta(days=offset)
        for offset in range(7)
        if offset < 5 or monday + timedelta(days=offset) in used
    ]
    rows = [
        OccupancyRow(
            activity=activity, cells=[OccupancyCell(day=day, session=by_day.get(day)) for day in days]
        )
        for activity, by_day in by_activity.values()
    ]
    return OccupancyWeek(site=site, monday=monday, days=days, rows=rows)
