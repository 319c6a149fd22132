"""Every read the rooms' pages need, scoped to the user and prefetched (a fixed number of queries).

The public sees the active rooms and their calendars: confirmed slots as "Réservé", never who.
A member reaches their parties' bookings only (anyone else's is DoesNotExist, a 404; a member who
left an association no longer finds its bookings). Agents of the vie associative service reach
every booking and see who booked (`perms.is_rooms_agent`, else PermissionDenied, a 403);
settlements are the régie agents' (`perms.can_settle`).
"""

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from associations.models import Association
from associations.rooms import feeds, perms, schedule
from associations.rooms.enums import BookingStatus, ConflictReason, SettlementStatus
from associations.rooms.models import (
    Booking,
    BookingSeries,
    FeedKey,
    OpeningHours,
    Room,
    RoomPhoto,
    Settlement,
)
from associations.selectors import associations_for_user
from guichet.accounts.models import Party
from regie import selectors as regie_selectors

# How far the pages look back: the history of "Mes réservations", the agents' rooms to check.
HISTORY_SIZE = 30
CHECK_WINDOW_DAYS = 90
SETTLED_SHOWN = 30


def _check_agent(user) -> None:
    if not perms.is_rooms_agent(user):
        raise PermissionDenied


def _rooms() -> QuerySet[Room]:
    return Room.objects.prefetch_related(
        Prefetch("photos", queryset=RoomPhoto.objects.order_by("position", "pk")),
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens", "pk")),
    )


def _local_range(first: date, last_day_excluded: date) -> DateTimeTZRange:
    return DateTimeTZRange(
        schedule.local_datetime(first, time(0, 0)),
        schedule.local_datetime(last_day_excluded, time(0, 0)),
        "[)",
    )


# Rooms (public) -----------------------------------------------------------------------------------


def rooms_public() -> list[Room]:
    """The rooms open to bookings, with their photos and opening hours."""
    return list(_rooms().active())


def room_public(*, pk: int) -> Room:
    return _rooms().active().get(pk=pk)


def rooms_for_agent(*, user) -> list[Room]:
    _check_agent(user)
    return list(_rooms().prefetch_related("feed_key"))


def room_for_agent(*, user, pk: int) -> Room:
    _check_agent(user)
    return _rooms().select_related("feed_key").get(pk=pk)


@dataclass(frozen=True)
class DayHours:
    weekday: int
    label: str
    ranges: list[OpeningHours]


def opening_week(room: Room) -> list[DayHours]:
    """The room's opening hours, Monday to Sunday (from its prefetched ranges)."""
    from associations.rooms.enums import WEEKDAYS

    ranges = list(room.opening_hours.all())
    return [
        DayHours(weekday=day, label=str(label), ranges=[r for r in ranges if r.weekday == day])
        for day, label in WEEKDAYS
    ]


# Calendars ---------------------------------------------------------------------------------------


@dataclass
class Entry:
    """A booking seen in a calendar's cell: `first` when it starts in that cell (the slot is shown)."""

    booking: Booking
    first: bool

    @property
    def slot(self) -> str:
        return schedule.format_slot(self.booking.starts_at.time(), self.booking.ends_at.time())

    @property
    def pending(self) -> bool:
        return self.booking.status == BookingStatus.PENDING


@dataclass
class Cell:
    day: date
    is_open: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return any(not entry.pending for entry in self.entries)


@dataclass
class HourRow:
    start: time
    end: time
    cells: list[Cell]


@dataclass
class WeekCalendar:
    room: Room
    start: date
    days: list[date]
    hours: list[HourRow]
    opening: list[list[OpeningHours]]

    @property
    def end(self) -> date:
        return self.days[-1]

    @property
    def previous(self) -> date:
        return self.start - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.start + timedelta(days=7)

    @property
    def day_columns(self) -> list[tuple[date, list[OpeningHours]]]:
        return list(zip(self.days, self.opening, strict=True))


@dataclass
class DayCell:
    day: date
    in_month: bool
    is_open: bool
    entries: list[Entry]

    @property
    def week_start(self) -> date:
        return schedule.week_start(self.day)


@dataclass
class MonthCalendar:
    room: Room
    month: date
    weeks: list[list[DayCell]]

    @property
    def previous(self) -> date:
        return (self.month - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.month + timedelta(days=32)).replace(day=1)


def _calendar_bookings(room: Room, first: date, after_last: date, *, with_pending: bool) -> list[Booking]:
    statuses = [BookingStatus.CONFIRMED, BookingStatus.PENDING] if with_pending else [BookingStatus.CONFIRMED]
    return list(
        Booking.objects.filter(
            room=room, status__in=statuses, period__overlap=_local_range(first, after_last)
        )
        .select_related("party", "room")
        .order_by("period", "pk")
    )


def _overlaps(booking: Booking, lower: datetime, upper: datetime) -> bool:
    return booking.period.lower < upper and lower < booking.period.upper


def week_calendar(*, room: Room, start: date, with_pending: bool = False) -> WeekCalendar:
    """A week (Monday to Sunday) of the room, hour by hour: closed, free or booked. `with_pending`
    (agents) adds the requests waiting for a decision. Three queries whatever the bookings."""
    start = schedule.week_start(start)
    days = [start + timedelta(days=offset) for offset in range(7)]
    ranges = list(room.opening_hours.all())
    opening = [[r for r in ranges if r.weekday == day.weekday()] for day in days]
    bookings = _calendar_bookings(room, days[0], days[-1] + timedelta(days=1), with_pending=with_pending)
    first_hour = min((r.opens.hour for r in ranges), default=None)
    last_hour = max(((r.closes.hour + (1 if r.closes.minute else 0)) for r in ranges), default=None)
    for booking in bookings:
        first_hour = min(first_hour if first_hour is not None else 23, booking.starts_at.hour)
        ends = booking.ends_at
        end_hour = 24 if ends.date() > booking.day else ends.hour + (1 if ends.minute else 0)
        last_hour = max(last_hour or 0, end_hour)
    hours = []
    if first_hour is not None and last_hour is not None:
        for hour in range(first_hour, min(last_hour, 24)):
            begin = time(hour, 0)
            end = time(hour + 1, 0) if hour < 23 else time.max
            cells = []
            for day, day_ranges in zip(days, opening, strict=True):
                lower = schedule.local_datetime(day, begin)
                upper = (
                    schedule.local_datetime(day + timedelta(days=1), time(0, 0))
                    if hour == 23
                    else schedule.local_datetime(day, end)
                )
                cells.append(
                    Cell(
                        day=day,
                        is_open=any(r.opens < end and begin < r.closes for r in day_ranges),
                        entries=[
                            Entry(booking=b, first=lower <= b.period.lower < upper)
                            for b in bookings
                            if _overlaps(b, lower, upper)
                        ],
                    )
                )
            hours.append(
                HourRow(start=begin, end=time(hour + 1, 0) if hour < 23 else time(0, 0), cells=cells)
            )
    return WeekCalendar(room=room, start=start, days=days, hours=hours, opening=opening)


def month_calendar(*, room: Room, year: int, month: int, with_pending: bool = False) -> MonthCalendar:
    """A month of the room, week by week (Monday first): each day closed, or its booked slots."""
    first = date(year, month, 1)
    weeks_dates = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ranges = list(room.opening_hours.all())
    open_days = {r.weekday for r in ranges}
    bookings = _calendar_bookings(
        room, weeks_dates[0][0], weeks_dates[-1][-1] + timedelta(days=1), with_pending=with_pending
    )
    weeks = []
    for week in weeks_dates:
        row = []
        for day in week:
            lower = schedule.local_datetime(day, time(0, 0))
            upper = schedule.local_datetime(day + timedelta(days=1), time(0, 0))
            row.append(
                DayCell(
                    day=day,
                    in_month=day.month == month,
                    is_open=day.weekday() in open_days,
                    entries=[Entry(booking=b, first=True) for b in bookings if _overlaps(b, lower, upper)],
                )
            )
        weeks.append(row)
    return MonthCalendar(room=room, month=first, weeks=weeks)


# A member's bookings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AssociationFeed:
    association: Association
    key: FeedKey | None

    @property
    def url(self) -> str:
        return feeds.feed_url(self.key) if self.key else ""


@dataclass
class MyBookings:
    upcoming: list[Booking]
    series: list[BookingSeries]
    past: list[Booking]
    invoices: dict[int, object]
    feeds: list[AssociationFeed]

    @property
    def is_empty(self) -> bool:
        return not (self.upcoming or self.series or self.past)


def _series_counts(series: QuerySet[BookingSeries], now: datetime) -> QuerySet[BookingSeries]:
    return series.annotate(
        pending_count=Count("bookings", filter=Q(bookings__status=BookingStatus.PENDING)),
        confirmed_count=Count("bookings", filter=Q(bookings__status=BookingStatus.CONFIRMED)),
        refused_count=Count("bookings", filter=Q(bookings__status=BookingStatus.REFUSED)),
        cancelled_count=Count("bookings", filter=Q(bookings__status=BookingStatus.CANCELLED)),
        next_start=Min(
            "bookings__period__startswith",
            filter=Q(
                bookings__status__in=[BookingStatus.PENDING, BookingStatus.CONFIRMED],
                bookings__period__startswith__gt=now,
            ),
        ),
    )


@dataclass(frozen=True)
class Billing:
    """A booking's invoices as the régie sees them now (with their balance and state), or None."""

    rental: object | None
    deposit: object | None


def _invoices(user, bookings: list[Booking]) -> dict[int, object]:
    """The invoices of these bookings that the user may see (one query, and one for their lines);
    each booking gets its `billing`."""
    ids = {pk for booking in bookings for pk in (booking.invoice_id, booking.deposit_invoice_id) if pk}
    invoices = (
        {invoice.pk: invoice for invoice in regie_selectors.invoices_for_user(user).filter(pk__in=ids)}
        if ids
        else {}
    )
    for booking in bookings:
        booking.billing = Billing(
            rental=invoices.get(booking.invoice_id), deposit=invoices.get(booking.deposit_invoice_id)
        )
    return invoices


def my_bookings(*, user, now: datetime | None = None) -> MyBookings:
    """ "Mes réservations de salles": the one-off bookings to come, the weekly series, the history,
    the invoices of them all, and the feeds of the user's associations."""
    now = now or timezone.now()
    mine = Booking.objects.for_user(user).filter(series__isnull=True).select_related("room", "party")
    live = Q(period__endswith__gt=now, status__in=[BookingStatus.PENDING, BookingStatus.CONFIRMED])
    upcoming = list(mine.filter(live).order_by("period", "pk"))
    past = list(mine.exclude(live).order_by("-period", "-pk")[:HISTORY_SIZE])
    series = list(
        _series_counts(
            BookingSeries.objects.filter(party__in=Party.objects.for_user(user)).select_related(
                "room", "party"
            ),
            now,
        ).order_by("-first_date", "-pk")
    )
    associations = list(associations_for_user(user=user))
    keys = {key.party_id: key for key in FeedKey.objects.filter(party__in=[a.party_id for a in associations])}
    return MyBookings(
        upcoming=upcoming,
        series=series,
        past=past,
        invoices=_invoices(user, upcoming + past),
        feeds=[AssociationFeed(association=a, key=keys.get(a.party_id)) for a in associations],
    )


def booking_for_user(*, user, pk: int) -> Booking:
    """One of the user's parties' bookings; DoesNotExist for anyone else's."""
    return Booking.objects.for_user(user).select_related("room", "party", "series").get(pk=pk)


@dataclass
class SeriesFile:
    series: BookingSeries
    bookings: list[Booking]
    skipped: list
    invoices: dict[int, object]

    @property
    def conflicts(self) -> list:
        """The dates a confirmed booking overlapped when asked for."""
        return [c for c in self.skipped if c.reason == ConflictReason.BOOKED]

    @property
    def not_asked(self) -> list:
        """The public holidays and the dates already past."""
        return [c for c in self.skipped if c.reason != ConflictReason.BOOKED]

    def with_status(self, status: str) -> list[Booking]:
        return [booking for booking in self.bookings if booking.status == status]

    @property
    def pending(self) -> list[Booking]:
        return self.with_status(BookingStatus.PENDING)

    @property
    def confirmed(self) -> list[Booking]:
        return self.with_status(BookingStatus.CONFIRMED)

    @property
    def refused(self) -> list[Booking]:
        return self.with_status(BookingStatus.REFUSED)

    @property
    def cancelled(self) -> list[Booking]:
        return self.with_status(BookingStatus.CANCELLED)


def _series_file(series: BookingSeries, *, user=None) -> SeriesFile:
    bookings = list(series.bookings.select_related("room", "party").order_by("period", "pk"))
    invoices = _invoices(user, bookings) if user is not None else {}
    for booking in bookings:
        booking.series = series
    return SeriesFile(
        series=series, bookings=bookings, skipped=list(series.conflicts.all()), invoices=invoices
    )


def series_for_user(*, user, pk: int) -> SeriesFile:
    """One of the user's parties' weekly series, its dates and those not asked for; DoesNotExist else."""
    series = (
        BookingSeries.objects.filter(party__in=Party.objects.for_user(user))
        .select_related("room", "party")
        .get(pk=pk)
    )
    return _series_file(series, user=user)


# The back-office -------------------------------------------------------------------------------


@dataclass
class PendingRequest:
    """A request to decide, with the confirmed bookings that overlap it (it cannot be approved as it
    is) and the other pending requests on the same slot (only one can be)."""

    booking: Booking
    conflicts: list[Booking] = field(default_factory=list)
    competing: list[Booking] = field(default_factory=list)


@dataclass
class PendingSeries:
    series: BookingSeries
    pending: int
    conflicting: int


@dataclass
class AgentHome:
    requests: list[PendingRequest]
    series: list[PendingSeries]
    to_check: list[Booking]
    rooms: list[Room]
    settlements_waiting: int
    can_settle: bool


def _confirmed_around(bookings: list[Booking]) -> list[Booking]:
    """The confirmed bookings of these bookings' rooms over their whole span (one query)."""
    if not bookings:
        return []
    lower = min(booking.period.lower for booking in bookings)
    upper = max(booking.period.upper for booking in bookings)
    return list(
        Booking.objects.confirmed()
        .filter(
            room_id__in={booking.room_id for booking in bookings},
            period__overlap=DateTimeTZRange(lower, upper, "[)"),
        )
        .select_related("party")
        .order_by("period", "pk")
    )


def _overlapping(booking: Booking, others: list[Booking]) -> list[Booking]:
    return [
        other
        for other in others
        if other.pk != booking.pk
        and other.room_id == booking.room_id
        and _overlaps(other, booking.period.lower, booking.period.upper)
    ]


def agent_home(*, user, now: datetime | None = None) -> AgentHome:
    """The requests to decide (one-offs with their conflicts; series with their pending and
    conflicting dates), the bookings over and not checked yet, the rooms."""
    _check_agent(user)
    now = now or timezone.now()
    pending = list(
        Booking.objects.filter(status=BookingStatus.PENDING, series__isnull=True)
        .select_related("room", "party")
        .order_by("period", "pk")
    )
    confirmed = _confirmed_around(pending)
    requests = [
        PendingRequest(booking=b, conflicts=_overlapping(b, confirmed), competing=_overlapping(b, pending))
        for b in pending
    ]
    series = list(
        BookingSeries.objects.filter(bookings__status=BookingStatus.PENDING)
        .distinct()
        .select_related("room", "party")
        .annotate(pending_count=Count("bookings", filter=Q(bookings__status=BookingStatus.PENDING)))
        .order_by("created_at", "pk")
    )
    series_dates = list(
        Booking.objects.filter(status=BookingStatus.PENDING, series__in=series).only(
            "pk", "room_id", "series_id", "period"
        )
    )
    series_confirmed = _confirmed_around(series_dates)
    conflicting: dict[int, int] = {}
    for booking in series_dates:
        if _overlapping(booking, series_confirmed):
            conflicting[booking.series_id] = conflicting.get(booking.series_id, 0) + 1
    to_check = list(
        Booking.objects.confirmed()
        .filter(
            series__isnull=True,
            checked_at__isnull=True,
            period__endswith__lte=now,
            period__endswith__gte=now - timedelta(days=CHECK_WINDOW_DAYS),
        )
        .select_related("room", "party")
        .order_by("period", "pk")
    )
    can_settle = perms.can_settle(user)
    return AgentHome(
        requests=requests,
        series=[
            PendingSeries(series=s, pending=s.pending_count, conflicting=conflicting.get(s.pk, 0))
            for s in series
        ],
        to_check=to_check,
        rooms=list(Room.objects.order_by("position", "name", "pk")),
        settlements_waiting=Settlement.objects.filter(status=SettlementStatus.PENDING).count()
        if can_settle
        else 0,
        can_settle=can_settle,
    )


@dataclass
class AgentBooking:
    booking: Booking
    conflicts: list[Booking]
    competing: list[Booking]
    settlements: list[Settlement]


def booking_for_agent(*, user, pk: int) -> AgentBooking:
    """A booking with who asked and decided, the confirmed bookings and pending requests overlapping
    it, and its settlements."""
    _check_agent(user)
    booking = Booking.objects.select_related(
        "room",
        "party",
        "series",
        "requested_by",
        "decided_by",
        "cancelled_by",
        "checked_by",
        "invoice",
        "deposit_invoice",
    ).get(pk=pk)
    around = list(
        Booking.objects.filter(
            room_id=booking.room_id,
            status__in=[BookingStatus.CONFIRMED, BookingStatus.PENDING],
            period__overlap=booking.period,
        )
        .exclude(pk=booking.pk)
        .select_related("party")
        .order_by("period", "pk")
    )
    return AgentBooking(
        booking=booking,
        conflicts=[b for b in around if b.status == BookingStatus.CONFIRMED],
        competing=[b for b in around if b.status == BookingStatus.PENDING],
        settlements=list(booking.settlements.order_by("requested_at", "pk")),
    )


@dataclass
class AgentSeries:
    """A series for the agents; each of its bookings has `conflicts_now` (the confirmed bookings
    that overlap it while it is pending)."""

    file: SeriesFile

    @property
    def series(self) -> BookingSeries:
        return self.file.series


def series_for_agent(*, user, pk: int) -> AgentSeries:
    """A series with all its dates, those now overlapped by a confirmed booking (approving would refuse
    them) and the dates not asked for."""
    _check_agent(user)
    series = BookingSeries.objects.select_related("room", "party", "requested_by", "decided_by").get(pk=pk)
    file = _series_file(series)
    confirmed = _confirmed_around(file.pending)
    for booking in file.bookings:
        booking.conflicts_now = (
            _overlapping(booking, confirmed) if booking.status == BookingStatus.PENDING else []
        )
    return AgentSeries(file=file)


@dataclass
class SettlementsPage:
    waiting: list[Settlement]
    done: list[Settlement]


def settlements_for_regie(*, user) -> SettlementsPage:
    """The money to give back on the rooms' invoices: waiting first (oldest first), then the latest done."""
    if not perms.can_settle(user):
        raise PermissionDenied
    rows = Settlement.objects.select_related(
        "booking__room", "booking__party", "invoice", "requested_by", "done_by"
    )
    return SettlementsPage(
        waiting=list(rows.filter(status=SettlementStatus.PENDING).order_by("requested_at", "pk")),
        done=list(rows.filter(status=SettlementStatus.DONE).order_by("-done_at", "-pk")[:SETTLED_SHOWN]),
    )


def settlement_for_regie(*, user, pk: int) -> Settlement:
    if not perms.can_settle(user):
        raise PermissionDenied
    return Settlement.objects.select_related("booking").get(pk=pk)


def upcoming_for_card(*, user, now: datetime | None = None, limit: int = 3) -> list[Booking]:
    """The next bookings of the user's parties (the dashboard card)."""
    now = now or timezone.now()
    return list(
        Booking.objects.for_user(user)
        .filter(status__in=[BookingStatus.PENDING, BookingStatus.CONFIRMED], period__endswith__gt=now)
        .select_related("room")
        .order_by("period", "pk")[:limit]
    )
