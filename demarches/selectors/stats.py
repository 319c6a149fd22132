"""The statistics of the démarches, for managers, agents and the town: one aggregate query per block.

Who sees what (`visible_services`): an agent or a manager sees the services they
belong to (active ones), administrators (staff) every service. Agents see their
services' figures as managers do: the figures are counts and durations, with no
name in them, and an agent judges their own queue with them.

The blocks of `statistics()`, over a period of whole days in Paris time (by
default the last twelve months, this one included):

- requests per procedure and month: submitted in the period, bucketed by the
  Paris month of `submitted_at`;
- processing time per procedure: the requests decided in the period (accepted,
  refused or closed, whoever closed them), in calendar days from the Paris day
  of submission to the Paris day of decision (as `Request.elapsed_days`);
  median and 90th percentile with PostgreSQL's `percentile_cont`; a request is
  decided "within target" when those days do not exceed the processing time its
  own revision announced (`revision.schema.demarche.processing_days`), the
  applicant's waits included, since that is the time the applicant lived;
- channels: the requests submitted in the period, online or at the counter;
- backlog per service, today (whatever the period): requests in progress, and
  those overdue (`Request.is_overdue`: past their due date while the service has them);
- weekly sign-ins of the whole town (`DailyLogins`, no name kept), by ISO week
  (Monday to Sunday), from the Monday of the period's first week.

Each block is one query, whatever the number of requests; `visible_services` is
one more, so the page's cost does not grow with the data.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Max, Q, Sum
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from demarches.enums import Channel, RequestStatus
from demarches.models import Request
from guichet.accounts.models import DailyLogins, LoginAudience, Service

PARIS = ZoneInfo("Europe/Paris")
IN_PROGRESS = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.AWAITING_INFORMATION)
WITH_THE_SERVICE = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW)
DECIDED = (RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.CLOSED)
DEFAULT_MONTHS = 12
# A longer period is refused by the filter form: the tables stay readable, the charts legible.
MAX_MONTHS = 36


# SQL building blocks ----------------------------------------------------------------------------


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile: `percentile_cont(0.9) WITHIN GROUP (ORDER BY expression)`."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = FloatField()
    arity = 1

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile is between 0 and 1.")
        # A float we made ourselves, written into the SQL as a literal (never user input).
        super().__init__(expression, fraction=repr(fraction), **extra)


class DaysBetween(Func):
    """Calendar days in Paris from `start` to `end` (PostgreSQL's date − date is an integer)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def __init__(self, end, start):
        super().__init__(TruncDate(end, tzinfo=PARIS), TruncDate(start, tzinfo=PARIS))


def _processing_days(revision_path: str) -> Cast:
    """The processing time a revision's frozen schema announced (NULL when it announced none)."""
    return Cast(
        KeyTextTransform("processing_days", KeyTransform("demarche", f"{revision_path}__schema")),
        output_field=IntegerField(),
    )


# The period -------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Period:
    """Whole days in Paris time, both ends included."""

    start: date
    end: date

    @classmethod
    def default(cls, today: date | None = None) -> "Period":
        """The last twelve months: from the first day of the month eleven months ago to today."""
        today = today or timezone.localdate()
        return cls(start=add_months(today, -(DEFAULT_MONTHS - 1)), end=today)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start at midnight, the day after end at midnight), aware, in Paris."""
        return (
            datetime.combine(self.start, time.min, tzinfo=PARIS),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=PARIS),
        )

    def months(self) -> list[date]:
        """The first day of every month the period touches, in order."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = add_months(month, 1)
        return months

    def weeks(self) -> list[date]:
        """The Monday of every ISO week the period touches, in order."""
        weeks, week = [], monday(self.start)
        while week <= self.end:
            weeks.append(week)
            week += timedelta(days=7)
        return weeks


# The blocks -------------------------------------------------------------------------------------


@dataclass
class MonthlyRow:
    demarche_id: int
    title: str
    service: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class MonthlyTable:
    months: list[date]
    rows: list[MonthlyRow]

    @property
    def totals(self) -> list[int]:
        return [sum(row.counts[index] for row in self.rows) for index in range(len(self.months))]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


@dataclass
class ProcessingRow:
    demarche_id: int
    title: str
    service: str
    decided: int
    median: float | None
    p90: float | None
    # The procedure's announced processing time now (its current revision); None: none announced.
    target: int | None
    # Decided requests whose revision announced a processing time, and those decided within it.
    with_target: int
    within_target: int

    @property
    def within_share(self) -> float | None:
        """Percentage decided within target, of those that had one."""
        return 100 * self.within_target / self.with_target if self.with_target else None


@dataclass
class Channels:
    online: int
    counter: int

    @property
    def total(self) -> int:
        return self.online + self.counter

    @property
    def online_share(self) -> float | None:
        return 100 * self.online / self.total if self.total else None

    @property
    def counter_share(self) -> float | None:
        return 100 * self.counter / self.total if self.total else None


@dataclass
class BacklogRow:
    service_id: int
    service: str
    submitted: int = 0
    in_review: int = 0
    awaiting: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.submitted + self.in_review + self.awaiting


@dataclass
class WeeklyLogins:
    week: date  # its Monday
    families: int = 0
    citizens: int = 0
    agents: int = 0

    @property
    def iso_week(self) -> int:
        return self.week.isocalendar().week

    @property
    def iso_year(self) -> int:
        return self.week.isocalendar().year

    @property
    def total(self) -> int:
        return self.families + self.citizens + self.agents


@dataclass
class Statistics:
    period: Period
    services: list[Service]
    today: date
    monthly: MonthlyTable
    processing: list[ProcessingRow]
    channels: Channels
    backlog: list[BacklogRow]
    logins: list[WeeklyLogins] = field(default_factory=list)

    @property
    def backlog_total(self) -> BacklogRow:
        total = BacklogRow(service_id=0, service="")
        for row in self.backlog:
            total.submitted += row.submitted
            total.in_review += row.in_review
            total.awaiting += row.awaiting
            total.overdue += row.overdue
        return total


def visible_services(user) -> list[Service]:
    """The services whose statistics `user` may read: all for administrators (staff), else the active
    services they are an agent or a manager of. One query."""
    if not user.is_authenticated:
        return []
    if user.is_staff:
        return list(Service.objects.order_by("name"))
    return list(Service.objects.for_agent(user).distinct().order_by("name"))


def _submitted_in(service_ids: list[int], period: Period):
    low, high = period.bounds
    return Request.objects.filter(
        demarche__service__in=service_ids, submitted_at__gte=low, submitted_at__lt=high
    ).order_by()


def requests_per_month(*, service_ids: list[int], period: Period) -> MonthlyTable:
    months = period.months()
    position = {month: index for index, month in enumerate(months)}
    rows: dict[int, MonthlyRow] = {}
    grouped = (
        _submitted_in(service_ids, period)
        .annotate(month=TruncMonth("submitted_at", tzinfo=PARIS))
        .values("demarche_id", "demarche__title", "demarche__service__name", "month")
        .annotate(count=Count("pk"))
    )
    for group in grouped:
        row = rows.setdefault(
            group["demarche_id"],
            MonthlyRow(
                demarche_id=group["demarche_id"],
                title=group["demarche__title"],
                service=group["demarche__service__name"],
                counts=[0] * len(months),
            ),
        )
        row.counts[position[timezone.localtime(group["month"], PARIS).date()]] += group["count"]
    return MonthlyTable(months=months, rows=sorted(rows.values(), key=lambda row: (-row.total, row.title)))


def processing_times(*, service_ids: list[int], period: Period) -> list[ProcessingRow]:
    low, high = period.bounds
    grouped = (
        Request.objects.filter(
            demarche__service__in=service_ids,
            status__in=DECIDED,
            decided_at__gte=low,
            decided_at__lt=high,
            submitted_at__isnull=False,
        )
        .alias(days=DaysBetween("decided_at", "submitted_at"), own_target=_processing_days("revision"))
        .values("demarche_id", "demarche__title", "demarche__service__name")
        .annotate(
            decided=Count("pk"),
            median=Percentile("days", 0.5),
            p90=Percentile("days", 0.9),
            with_target=Count("pk", filter=Q(own_target__isnull=False)),
            within_target=Count("pk", filter=Q(days__lte=F("own_target"))),
            target=Max(_processing_days("demarche__current_revision")),
        )
        .order_by("demarche__title", "demarche_id")
    )
    return [
        ProcessingRow(
            demarche_id=group["demarche_id"],
            title=group["demarche__title"],
            service=group["demarche__service__name"],
            decided=group["decided"],
            median=group["median"],
            p90=group["p90"],
            target=group["target"],
            with_target=group["with_target"],
            within_target=group["within_target"],
        )
        for group in grouped
    ]


def channels(*, service_ids: list[int], period: Period) -> Channels:
    counts = _submitted_in(service_ids, period).aggregate(
        online=Count("pk", filter=Q(channel=Channel.ONLINE)),
        counter=Count("pk", filter=Q(channel=Channel.COUNTER)),
    )
    return Channels(online=counts["online"], counter=counts["counter"])


def backlog(*, services: Sequence[Service], today: date) -> list[BacklogRow]:
    """Every service given, in order, with its requests in progress today (zero when it has none)."""
    rows = {service.pk: BacklogRow(service_id=service.pk, service=service.name) for service in services}
    grouped = (
        Request.objects.filter(demarche__service__in=list(rows), status__in=IN_PROGRESS)
        .values("demarche__service_id")
        .annotate(
            submitted=Count("pk", filter=Q(status=RequestStatus.SUBMITTED)),
            in_review=Count("pk", filter=Q(status=RequestStatus.IN_REVIEW)),
            awaiting=Count("pk", filter=Q(status=RequestStatus.AWAITING_INFORMATION)),
            overdue=Count("pk", filter=Q(status__in=WITH_THE_SERVICE, due_date__lt=today)),
        )
        .order_by()
    )
    for group in grouped:
        row = rows[group["demarche__service_id"]]
        row.submitted, row.in_review = group["submitted"], group["in_review"]
        row.awaiting, row.overdue = group["awaiting"], group["overdue"]
    return list(rows.values())


def weekly_logins(*, period: Period) -> list[WeeklyLogins]:
    """The town's sign-ins per ISO week (every week of the period, zero when nobody signed in)."""
    weeks = {week: WeeklyLogins(week=week) for week in period.weeks()}
    grouped = (
        DailyLogins.objects.filter(day__gte=monday(period.start), day__lte=period.end)
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(
            families=Sum("count", filter=Q(audience=LoginAudience.FAMILY), default=0),
            citizens=Sum("count", filter=Q(audience=LoginAudience.CITIZEN), default=0),
            agents=Sum("count", filter=Q(audience=LoginAudience.AGENT), default=0),
        )
        .order_by()
    )
    for group in grouped:
        row = weeks[group["week"]]
        row.families, row.citizens, row.agents = group["families"], group["citizens"], group["agents"]
    return list(weeks.values())


def statistics(*, services: Sequence[Service], period: Period, today: date | None = None) -> Statistics:
    """Every block for these services (taken from `visible_services`, never from input): five queries."""
    today = today or timezone.localdate()
    services = list(services)
    service_ids = [service.pk for service in services]
    return Statistics(
        period=period,
        services=services,
        today=today,
        monthly=requests_per_month(service_ids=service_ids, period=period),
        processing=processing_times(service_ids=service_ids, period=period),
        channels=channels(service_ids=service_ids, period=period),
        backlog=backlog(services=services, today=today),
        logins=weekly_logins(period=period),
    )
