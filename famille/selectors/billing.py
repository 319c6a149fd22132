"""Reads of the billing pages (part F3): runs, a run's households and anomalies, tax certificates.

Agents' reads raise PermissionDenied unless `famille.perms.can_bill`; a family
reads only its own households' certificates.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When

from famille import perms
from famille.enums import ActivityKind, BillingLineKind
from famille.models import Activity, BillingLine, BillingRun, Child, Household, TaxCertificate
from famille.pricing import UNPRICEABLE_REASONS, round_cents
from regie.enums import PaymentStatus, RefundStatus
from regie.models import PaymentAllocation, Refund

__all__ = [
    "AnomalyRow",
    "ChildPaid",
    "billing_run",
    "billing_runs",
    "childcare_paid",
    "run_anomalies",
    "run_households",
    "run_lines",
    "tax_certificate_households",
    "tax_certificates_for",
    "under_six_born_from",
]

PARIS = ZoneInfo("Europe/Paris")
# Out-of-home childcare that the tax credit for children under 6 covers (CGI art. 200 quater B):
# nursery, after-school care and leisure centres; never the canteen (meals are not childcare),
# nor the music school.
CHILDCARE_KINDS = (
    ActivityKind.NURSERY,
    ActivityKind.MORNING_CARE,
    ActivityKind.EVENING_CARE,
    ActivityKind.WEDNESDAY_CENTRE,
    ActivityKind.HOLIDAY_CENTRE,
)
# A child's sessions of an activity first, then late cancellations, then absences (as on the invoice).
KIND_ORDER = Case(
    When(kind=BillingLineKind.SESSIONS, then=Value(0)),
    When(kind=BillingLineKind.LATE_CANCELLATION, then=Value(1)),
    default=Value(2),
)
# Invoices of the family billing runs (regie.Invoice.source).
RUN_INVOICE_PREFIX = "famille.billingrun:"


def _check(user) -> None:
    if not perms.can_bill(user):
        raise PermissionDenied


# Runs --------------------------------------------------------------------------------------------


def billing_runs(user) -> QuerySet[BillingRun]:
    """Every month's run, newest first (totals are in each run's summary: no query per row)."""
    _check(user)
    return BillingRun.objects.select_related("created_by", "issued_by").order_by("-month", "-pk")


def billing_run(user, pk: int) -> BillingRun:
    """One run (BillingRun.DoesNotExist when there is none)."""
    _check(user)
    return BillingRun.objects.select_related("created_by", "issued_by").get(pk=pk)


def run_households(run: BillingRun):
    """The run's households with their total and line count, by name (a page of them at a time)."""
    return (
        BillingLine.objects.filter(run=run)
        .values("household_id", "household__party__name", "invoice__number", "invoice_id")
        .annotate(total_cents=Sum("amount_cents"), line_count=Count("pk"))
        .order_by("household__party__name", "household_id")
    )


def run_lines(run: BillingRun, household_ids) -> dict[int, list[BillingLine]]:
    """The lines of these households in the run, per household (one query)."""
    lines = defaultdict(list)
    for line in (
        BillingLine.objects.filter(run=run, household_id__in=list(household_ids))
        .select_related("child", "activity")
        .order_by(
            "household_id", "child__first_name", "child_id", "activity__name", KIND_ORDER, "unit_price_cents"
        )
    ):
        lines[line.household_id].append(line)
    return lines


@dataclass
class AnomalyRow:
    household: str
    child: str = ""
    activity: str = ""
    quantity: int = 0
    detail: str = ""


@dataclass
class Anomalies:
    unpriced: list[AnomalyRow] = field(default_factory=list)
    not_enrolled: list[AnomalyRow] = field(default_factory=list)
    without_quotient: list[AnomalyRow] = field(default_factory=list)
    zero_total: list[AnomalyRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def run_anomalies(run: BillingRun, *, limit: int = 200) -> Anomalies:
    """The run's anomalies with names (the first `limit` of each kind; `counts` has them all)."""
    stored = run.summary.get("anomalies", {})
    shown = {name: items[:limit] for name, items in stored.items()}
    household_ids, child_ids, activity_ids = set(), set(), set()
    for items in shown.values():
        for item in items:
            if isinstance(item, dict):
                household_ids.add(item["household"])
                child_ids.add(item.get("child"))
                activity_ids.add(item.get("activity"))
            else:
                household_ids.add(item)
    households = dict(Household.objects.filter(pk__in=household_ids).values_list("pk", "party__name"))
    children = {child.pk: str(child) for child in Child.objects.filter(pk__in=child_ids - {None})}
    activities = dict(Activity.objects.filter(pk__in=activity_ids - {None}).values_list("pk", "name"))
    result = Anomalies(counts={name: len(items) for name, items in stored.items()})
    for item in shown.get("unpriced", []):
        first, last = date.fromisoformat(item["first"]), date.fromisoformat(item["last"])
        period = f"{first:%d/%m}" if first == last else f"{first:%d/%m} – {last:%d/%m}"
        result.unpriced.append(
            AnomalyRow(
                household=households.get(item["household"], ""),
                child=children.get(item["child"], ""),
                activity=activities.get(item["activity"], ""),
                quantity=item["quantity"],
                detail=f"{UNPRICEABLE_REASONS.get(item['reason'], '')} ({period})",
            )
        )
    for item in shown.get("not_enrolled", []):
        result.not_enrolled.append(
            AnomalyRow(
                household=households.get(item["household"], ""),
                child=children.get(item["child"], ""),
                activity=activities.get(item["activity"], ""),
                quantity=item["quantity"],
            )
        )
    for name in ("without_quotient", "zero_total"):
        for household_id in shown.get(name, []):
            getattr(result, name).append(AnomalyRow(household=households.get(household_id, "")))
    return result


# Tax certificates --------------------------------------------------------------------------------


def under_six_born_from(year: int) -> date:
    """Children under 6 on 1 January of `year` for the tax credit: born on or after 1 January of
    year − 6 (impots.gouv.fr: for 2024, children born from 1 January 2018)."""
    return date(year - 6, 1, 1)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=PARIS),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=PARIS),
    )


def _eligible_lines() -> Q:
    return Q(activity__kind__in=CHILDCARE_KINDS, invoice__isnull=False)


def tax_certificate_households(year: int) -> QuerySet[Household]:
    """Households that paid, during `year`, family invoices with childcare of a child under 6."""
    start, end = _year_bounds(year)
    paid = PaymentAllocation.objects.filter(
        invoice_id=OuterRef("invoice_id"),
        payment__status=PaymentStatus.SUCCEEDED,
        payment__succeeded_at__gte=start,
        payment__succeeded_at__lt=end,
    )
    lines = BillingLine.objects.filter(
        _eligible_lines(),
        Exists(paid),
        household_id=OuterRef("pk"),
        child__birth_date__gte=under_six_born_from(year),
    )
    return Household.objects.filter(Exists(lines)).order_by("pk")


@dataclass(frozen=True)
class ChildPaid:
    child: Child
    amount_cents: int


def _paid_in_year(household: Household, year: int) -> dict[int, int]:
    """Per family invoice of the household: allocations of payments received in the year, less the
    refunds made in the year (a payment received in December counts for that year)."""
    start, end = _year_bounds(year)
    ours = Q(invoice__payer_id=household.party_id, invoice__source__startswith=RUN_INVOICE_PREFIX)
    paid = defaultdict(int)
    for invoice_id, cents in (
        PaymentAllocation.objects.filter(
            ours,
            payment__status=PaymentStatus.SUCCEEDED,
            payment__succeeded_at__gte=start,
            payment__succeeded_at__lt=end,
        )
        .values("invoice_id")
        .annotate(cents=Sum("amount_cents"))
        .values_list("invoice_id", "cents")
    ):
        paid[invoice_id] += cents
    for invoice_id, cents in (
        Refund.objects.filter(ours, created_at__gte=start, created_at__lt=end)
        .exclude(status=RefundStatus.FAILED)
        .values("invoice_id")
        .annotate(cents=Sum("amount_cents"))
        .values_list("invoice_id", "cents")
    ):
        paid[invoice_id] -= cents
    return paid


def childcare_paid(*, household: Household, year: int) -> list[ChildPaid]:
    """What the household paid during `year` for the childcare of each child under 6 on 1 January.

    An invoice paid in full counts its childcare lines in full; one paid in part
    counts them in proportion (paid / total, rounded half up per child and invoice),
    as the payment settles the invoice's lines alike. The canteen never counts.
    """
    paid = _paid_in_year(household, year)
    if not paid:
        return []
    amounts: dict[int, int] = defaultdict(int)
    per_invoice: dict[tuple[int, int], int] = defaultdict(int)
    totals: dict[int, int] = {}
    for invoice_id, total, child_id, cents in BillingLine.objects.filter(
        _eligible_lines(),
        household=household,
        invoice_id__in=list(paid),
        child__birth_date__gte=under_six_born_from(year),
    ).values_list("invoice_id", "invoice__total_cents", "child_id", "amount_cents"):
        per_invoice[(invoice_id, child_id)] += cents
        totals[invoice_id] = total
    for (invoice_id, child_id), cents in per_invoice.items():
        share = min(max(paid[invoice_id], 0), totals[invoice_id])
        amounts[child_id] += round_cents(Decimal(cents) * share / totals[invoice_id])
    children = Child.objects.in_bulk([child_id for child_id, cents in amounts.items() if cents > 0])
    return [
        ChildPaid(child=children[child_id], amount_cents=amounts[child_id])
        for child_id in sorted(
            children, key=lambda pk: (children[pk].birth_date, children[pk].first_name, pk)
        )
    ]


def tax_certificates_for(user) -> QuerySet[TaxCertificate]:
    """The certificates of the user's households, newest year first, with their vault document."""
    return (
        TaxCertificate.objects.filter(household__in=Household.objects.for_user(user))
        .select_related("household__party", "document")
        .order_by("-year", "household__party__name")
    )
