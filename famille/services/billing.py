"""The monthly bill (part F3): a draft run an agent reviews, then one invoice per household through
the régie; and the yearly childcare tax certificate.

Billing a month, set-based (never a Python loop over bookings):

1. SQL gathers the month's billable bookings (into a temporary table) and counts
   them per household × child × activity × kind × (tariff rule, quotient,
   residence, session length): the tariff rule valid on each session's day and the
   household's validated quotient on that day come from range joins (the latest
   started wins, should two overlap, as `famille.selectors.family.quotient_on`
   says), the validated enrolment of the school year holding that day from a join
   too (school years do not overlap; should two, the one starting last counts).
   Billable: a confirmed booking of a session that was not closed — present, or
   with no attendance recorded (counted as attended), or absent without
   certificate when the activity bills unjustified absences (an EXCUSED absence
   never); a late cancellation when the activity bills them.
2. Python prices each distinct (rule, quotient, residence, length) once
   (`famille.pricing.price`), merges the groups that end at the same unit price,
   and writes the BillingLines with one bulk insert (a COPY).
3. The summary (JSON on the run) keeps the totals per activity, the household
   count and the anomalies: a day without a tariff rule or a price (listed, not
   billed), a child booked without a validated enrolment, a household billed at
   the highest price for lack of a validated quotient, a household whose month
   comes to 0 € (no invoice).

Issuing: the run is locked, must be a draft, and its lines become one
`InvoiceDraft` per household (one line per child × activity × kind) handed to
`regie.services.issue_invoices` in one call. Who issues: the agent who clicks
must pass `famille.perms.can_bill`; the invoices are then issued by the system
(actor None), which the régie allows for billing runs (`regie.perms.can_issue_for`):
a family-service agent need not be a régie agent, and the run records who
issued it (`issued_by`, and the audit event). A second call finds the run issued
and refuses: running the billing twice bills nothing twice.
"""

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coffre import services as coffre_services
from coffre.enums import ValidityRule
from coffre.models import DocumentType
from famille import perms, pricing
from famille.enums import (
    Attendance,
    BillingLineKind,
    BillingRunStatus,
    BookingStatus,
    EnrolmentStatus,
    ReviewStatus,
)
from famille.exceptions import BillingRefused, BillingRunIssued, FamilleAccessDenied
from famille.models import (
    Activity,
    BillingLine,
    BillingRun,
    Booking,
    Enrolment,
    Household,
    QuotientFamilial,
    SchoolYear,
    Session,
    TariffRule,
    TaxCertificate,
)
from famille.selectors import billing as selectors
from guichet import audit
from guichet.accounts.models import Town
from regie import services as regie_services
from regie.money import format_eur
from regie.pdf import logo_data_uri, render_pdf
from regie.services import InvoiceDraft, LineDraft
from regie.services.invoicing import LABEL_MAX

__all__ = [
    "DUE_DAYS",
    "check_billable_month",
    "generate_tax_certificate",
    "issue_run",
    "line_label",
    "month_start",
    "prepare_run",
    "previous_month",
    "render_tax_certificate_pdf",
]

# Days the families have to pay a monthly invoice.
DUE_DAYS = 30
TAX_CERTIFICATE_DOCUMENT_TYPE = "attestation-fiscale-garde"


# Months ------------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(today: date | None = None) -> date:
    """The first day of the month before today's (Europe/Paris)."""
    first = month_start(today or timezone.localdate())
    return month_start(first - timedelta(days=1))


def _check_may_bill(actor) -> None:
    # actor None: the system (the beat task on the 1st, the management command).
    if actor is not None and not perms.can_bill(actor):
        raise FamilleAccessDenied(_("Seuls les agents des services famille et de la régie facturent."))


# The month's billable bookings, in SQL -----------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Bookings of one child in one activity, of one kind, priced alike (one row of the statement)."""

    household_id: int
    is_resident: bool
    child_id: int
    activity_id: int
    kind: str
    rule_id: int | None
    quotient: int | None
    monthly_income_cents: int | None
    minutes: int
    enrolled: bool
    quantity: int
    first: date
    last: date


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


BILLABLE_TABLE = "famille_billable_bookings"


def _billable_groups(month: date) -> list[Group]:
    """The month's billable bookings, counted per household × child × activity × kind × price inputs.

    Two statements: the month's billable bookings go to a temporary table that is
    analysed, so that the planner knows their number (hundreds of thousands in a
    town); then they are grouped, joined to the rule, quotient and enrolment of
    each day by hashing. The planner cannot estimate joins on (household, day)
    against per-day lookups (it guesses a handful of rows and loops over an index
    for each booking: minutes at a town's scale), so nested loops are off for
    that one statement, and the sort gets the memory of a batch job.
    """
    fill, group, params = billable_groups_sql(month)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BILLABLE_TABLE}")
        cursor.execute(fill, params)
        cursor.execute(f"ANALYZE {BILLABLE_TABLE}")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # Without nested loops the plan's cost looks huge, and PostgreSQL would spend seconds compiling it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(group, params)
        groups = [Group(*row) for row in cursor.fetchall()]
        cursor.execute("RESET enable_nestloop")
        cursor.execute("RESET work_mem")
        cursor.execute("RESET jit")
        cursor.execute(f"DROP TABLE {BILLABLE_TABLE}")
    return groups


def billable_groups_sql(month: date) -> tuple[str, str, dict]:
    """The statement filling the temporary table of billable bookings, and the one grouping them."""
    fill = f"""
    CREATE TEMPORARY TABLE {BILLABLE_TABLE} ON COMMIT DROP AS
    SELECT b.household_id, b.child_id, s.activity_id, s.date,
           (EXTRACT(EPOCH FROM (s.end_time - s.start_time)) / 60)::int AS minutes,
           CASE WHEN b.status = %(late)s THEN %(kind_late)s
                WHEN b.attendance = %(absent)s THEN %(kind_absent)s
                ELSE %(kind_sessions)s END AS kind
    FROM {_table(Booking)} b
    JOIN {_table(Session)} s ON s.id = b.session_id
    JOIN {_table(Activity)} a ON a.id = s.activity_id
    WHERE s.date >= %(start)s AND s.date < %(end)s AND s.closure_id IS NULL
      AND (
        (b.status = %(confirmed)s AND (
            COALESCE(b.attendance, '') IN ('', %(present)s)
            OR (b.attendance = %(absent)s AND a.bill_unjustified_absence)))
        OR (b.status = %(late)s AND a.bill_late_cancellation)
      )
    """  # noqa: S608 (table names from the models' metadata; every value is a parameter)
    group = f"""
    WITH rules AS (
        SELECT DISTINCT ON (d.activity_id, d.date) d.activity_id, d.date, t.id AS rule_id
        FROM (SELECT DISTINCT activity_id, date FROM {BILLABLE_TABLE}) d
        LEFT JOIN {_table(TariffRule)} t
          ON t.activity_id = d.activity_id AND t.valid_from <= d.date
         AND (t.valid_until IS NULL OR t.valid_until >= d.date)
        ORDER BY d.activity_id, d.date, t.valid_from DESC NULLS LAST, t.id DESC
    ),
    quotients AS (
        SELECT DISTINCT ON (d.household_id, d.date) d.household_id, d.date,
               q.value, q.monthly_income_cents
        FROM (SELECT DISTINCT household_id, date FROM {BILLABLE_TABLE}) d
        LEFT JOIN {_table(QuotientFamilial)} q
          ON q.household_id = d.household_id AND q.status = %(validated)s
         AND q.valid_from <= d.date AND q.valid_until >= d.date
        ORDER BY d.household_id, d.date, q.valid_from DESC NULLS LAST, q.reviewed_at DESC, q.id DESC
    ),
    years AS (
        SELECT DISTINCT ON (d.date) d.date, y.id AS school_year_id
        FROM (SELECT day::date AS date FROM generate_series(%(start)s::date, %(last)s::date, '1 day') day) d
        LEFT JOIN {_table(SchoolYear)} y ON y.start_date <= d.date AND y.end_date >= d.date
        ORDER BY d.date, y.start_date DESC NULLS LAST
    ),
    enrolled AS (
        SELECT e.child_id, e.activity_id, e.school_year_id FROM {_table(Enrolment)} e
        WHERE e.status = %(enrolled)s AND e.school_year_id IN (SELECT school_year_id FROM years)
    )
    SELECT bl.household_id, h.is_resident, bl.child_id, bl.activity_id, bl.kind, r.rule_id,
           q.value, q.monthly_income_cents, bl.minutes, (e.child_id IS NOT NULL) AS enrolled,
           COUNT(*), MIN(bl.date), MAX(bl.date)
    FROM {BILLABLE_TABLE} bl
    JOIN rules r ON r.activity_id = bl.activity_id AND r.date = bl.date
    JOIN quotients q ON q.household_id = bl.household_id AND q.date = bl.date
    JOIN years y ON y.date = bl.date
    JOIN {_table(Household)} h ON h.id = bl.household_id
    LEFT JOIN enrolled e
      ON e.child_id = bl.child_id AND e.activity_id = bl.activity_id AND e.school_year_id = y.school_year_id
    GROUP BY bl.household_id, h.is_resident, bl.child_id, bl.activity_id, bl.kind, r.rule_id,
             q.value, q.monthly_income_cents, bl.minutes, (e.child_id IS NOT NULL)
    """  # noqa: S608 (table names from the models' metadata; every value is a parameter)
    params = {
        "start": month,
        "end": _next_month(month),
        "last": _next_month(month) - timedelta(days=1),
        "confirmed": BookingStatus.CONFIRMED,
        "late": BookingStatus.LATE_CANCELLED,
        "present": Attendance.PRESENT,
        "absent": Attendance.ABSENT,
        "kind_sessions": BillingLineKind.SESSIONS,
        "kind_late": BillingLineKind.LATE_CANCELLATION,
        "kind_absent": BillingLineKind.UNJUSTIFIED_ABSENCE,
        "validated": ReviewStatus.VALIDATED,
        "enrolled": EnrolmentStatus.VALIDATED,
    }
    return fill, group, params


# Pricing the groups ------------------------------------------------------------------------------


class Line(NamedTuple):
    """A BillingLine to write (plain values: a town's month is ~100,000 of them)."""

    household_id: int
    child_id: int
    activity_id: int
    kind: str
    quantity: int
    unit_price_cents: int
    amount_cents: int


def _write_lines(run: BillingRun, lines: list[Line]) -> None:
    """All the run's lines in one COPY: PostgreSQL's bulk insert, without building a model instance per
    line (bulk_create spends ~20 s preparing a town's 100,000 lines; COPY takes about one)."""
    columns = ", ".join(("run_id", *Line._fields))
    statement = f"COPY {_table(BillingLine)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for line in lines:
            copy.write_row((run.pk, *line))


def _priced_lines(month: date, groups: list[Group]) -> tuple[list[Line], dict]:
    """Price each distinct (rule, quotient, residence, length) once; lines and the summary."""
    activity_ids = {group.activity_id for group in groups}
    rules = pricing.rules_between(
        activity_ids=activity_ids, start=month, end=_next_month(month) - timedelta(days=1)
    )
    activities = {
        activity.pk: activity.name for activity in Activity.objects.filter(pk__in=activity_ids).only("name")
    }
    prices: dict[tuple, pricing.Price | pricing.Unpriceable] = {}
    quantities: dict[tuple[int, int, int, str, int], int] = defaultdict(int)
    unpriced, not_enrolled = [], defaultdict(int)
    without_quotient: set[int] = set()
    for group in groups:
        if not group.enrolled:
            not_enrolled[(group.household_id, group.child_id, group.activity_id)] += group.quantity
        found = _price_of(group, rules, prices)
        if isinstance(found, pricing.Unpriceable):
            unpriced.append(
                {
                    "household": group.household_id,
                    "child": group.child_id,
                    "activity": group.activity_id,
                    "kind": group.kind,
                    "quantity": group.quantity,
                    "first": group.first.isoformat(),
                    "last": group.last.isoformat(),
                    "reason": found.code,
                }
            )
            continue
        if found.without_quotient:
            without_quotient.add(group.household_id)
        key = (group.household_id, group.child_id, group.activity_id, group.kind, found.unit_price_cents)
        quantities[key] += group.quantity

    lines = [
        Line(household_id, child_id, activity_id, kind, quantity, unit, quantity * unit)
        for (household_id, child_id, activity_id, kind, unit), quantity in sorted(quantities.items())
    ]
    per_household: dict[int, int] = defaultdict(int)
    per_activity: dict[int, dict] = {}
    for line in lines:
        per_household[line.household_id] += line.amount_cents
        totals = per_activity.setdefault(
            line.activity_id,
            {
                "activity": line.activity_id,
                "name": activities.get(line.activity_id, ""),
                "amount_cents": 0,
                "households": set(),
                **dict.fromkeys(BillingLineKind.values, 0),
            },
        )
        totals["amount_cents"] += line.amount_cents
        totals[line.kind] += line.quantity
        totals["households"].add(line.household_id)
    for totals in per_activity.values():
        totals["households"] = len(totals["households"])
    zero_total = sorted(household for household, total in per_household.items() if total <= 0)
    summary = {
        "month": month.isoformat(),
        "households": sum(1 for total in per_household.values() if total > 0),
        "lines": len(lines),
        "quantity": sum(line.quantity for line in lines),
        "total_cents": sum(per_household.values()),
        "activities": sorted(per_activity.values(), key=lambda totals: totals["name"]),
        "anomalies": {
            "unpriced": unpriced,
            "not_enrolled": [
                {"household": household, "child": child, "activity": activity, "quantity": quantity}
                for (household, child, activity), quantity in sorted(not_enrolled.items())
            ],
            "without_quotient": sorted(without_quotient),
            "zero_total": zero_total,
        },
    }
    summary["anomaly_count"] = sum(len(items) for items in summary["anomalies"].values())
    return lines, summary


def _price_of(group: Group, rules: dict[int, TariffRule], cache: dict):
    if group.rule_id is None:
        return pricing.Unpriceable("no_rule")
    key = (group.rule_id, group.quotient, group.monthly_income_cents, group.is_resident, group.minutes)
    if key not in cache:
        try:
            cache[key] = pricing.price(
                rules[group.rule_id],
                quotient=group.quotient,
                monthly_income_cents=group.monthly_income_cents,
                is_resident=group.is_resident,
                hours=Decimal(group.minutes) / 60,
            )
        except pricing.Unpriceable as refusal:
            cache[key] = refusal
    return cache[key]


# Preparing and issuing ---------------------------------------------------------------------------


def _lock_run(month: date, actor) -> tuple[BillingRun, bool]:
    """The month's run (not discarded), locked; created as a draft when there is none."""
    run = (
        BillingRun.objects.select_for_update().filter(month=month).exclude(status=BillingRunStatus.DISCARDED)
    )
    found = run.first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            return BillingRun.objects.create(month=month, created_by=actor), True
    except IntegrityError:
        # Another preparation created it meanwhile (the unique index made us wait for its commit).
        return run.get(), False


def check_billable_month(month: date) -> None:
    """Only a month that is over is billed (its bookings and attendance are final), and only once."""
    if month_start(month) >= month_start(timezone.localdate()):
        raise BillingRefused(_("Seul un mois terminé peut être facturé."))
    if BillingRun.objects.filter(month=month_start(month), status=BillingRunStatus.ISSUED).exists():
        raise BillingRunIssued()


@transaction.atomic
def prepare_run(*, actor, month: date | None = None) -> BillingRun:
    """Prepare (or recompute) the draft run of a month that is over: the previous month by default.

    A draft of that month is recomputed from the bookings as they are now; an
    issued run is never touched again (BillingRunIssued).
    """
    _check_may_bill(actor)
    month = month_start(month or previous_month())
    if month >= month_start(timezone.localdate()):
        raise BillingRefused(_("Seul un mois terminé peut être facturé."))
    run, created = _lock_run(month, actor)
    if run.status == BillingRunStatus.ISSUED:
        raise BillingRunIssued()
    if not created:
        BillingLine.objects.filter(run=run).delete()
    lines, summary = _priced_lines(month, _billable_groups(month))
    _write_lines(run, lines)
    run.summary = summary
    if not created:
        run.created_by = actor
        run.created_at = timezone.now()
    run.save()
    audit.record(
        actor=actor,
        action="famille.billing_run.prepare",
        target=run,
        month=f"{month:%Y-%m}",
        recomputed=not created,
        lines=summary["lines"],
        households=summary["households"],
        total_cents=summary["total_cents"],
        anomalies=summary["anomaly_count"],
    )
    return run


def _what(activity: str, kind: str) -> str:
    if kind == BillingLineKind.LATE_CANCELLATION:
        return _("%(activity)s, annulations hors délai") % {"activity": activity}
    if kind == BillingLineKind.UNJUSTIFIED_ABSENCE:
        return _("%(activity)s, absences non justifiées") % {"activity": activity}
    return activity


def line_label(
    *, activity: str, kind: str, child: str, quantity: int, unit_price_cents: int, cache: dict | None = None
) -> str:
    """'Restauration scolaire — Léa (12 × 3,20 €)', the kind after the activity when not sessions;
    names shortened so that the label fits the invoice line. `cache` (a dict) keeps the translated
    and formatted parts across the lines of a run."""
    cache = {} if cache is None else cache
    what = cache.get((activity, kind))
    if what is None:
        what = cache[(activity, kind)] = _what(activity, kind)
    price = cache.get(unit_price_cents)
    if price is None:
        price = cache[unit_price_cents] = format_eur(unit_price_cents)
    count = f" ({quantity} × {price})"
    room = LABEL_MAX - len(count) - len(" — ")
    child = child[: max(room // 3, 20)]
    return f"{what[: room - len(child)]} — {child}{count}"


@transaction.atomic
def issue_run(*, actor, run: BillingRun) -> list:
    """Issue the draft run: one invoice per household through the régie, in one call.

    Refused unless the run is a draft (a double submission waits on the lock,
    then finds it issued). Households whose month comes to 0 € get no invoice.
    """
    _check_may_bill(actor)
    run = BillingRun.objects.select_for_update().get(pk=run.pk)
    if run.status == BillingRunStatus.ISSUED:
        raise BillingRunIssued()
    if run.status != BillingRunStatus.DRAFT:
        raise BillingRefused(_("Cette facturation a été abandonnée."))
    rows = list(
        BillingLine.objects.filter(run=run)
        .order_by(
            "household_id",
            "child__first_name",
            "child_id",
            "activity__name",
            "activity_id",
            selectors.KIND_ORDER,
            "unit_price_cents",
        )
        .values_list(
            "pk",
            "household_id",
            "child__first_name",
            "activity_id",
            "activity__name",
            "activity__service_id",
            "kind",
            "quantity",
            "unit_price_cents",
        )
    )
    households = {
        household.pk: household.party
        for household in Household.objects.filter(
            pk__in=BillingLine.objects.filter(run=run).values("household_id")
        ).select_related("party")
    }
    services = {
        activity.pk: activity.service
        for activity in Activity.objects.filter(pk__in={row[3] for row in rows}).select_related("service")
    }
    per_household: dict[int, list[LineDraft]] = defaultdict(list)
    labels: dict = {}
    for pk, household_id, child, activity_id, activity, _service, kind, quantity, unit in rows:
        per_household[household_id].append(
            LineDraft(
                label=line_label(
                    activity=activity,
                    kind=kind,
                    child=child,
                    quantity=quantity,
                    unit_price_cents=unit,
                    cache=labels,
                ),
                service=services[activity_id],
                unit_price_cents=unit,
                quantity=quantity,
                source=f"famille.billingline:{pk}",
            )
        )
    due_date = timezone.localdate() + timedelta(days=DUE_DAYS)
    billed = [
        household_id
        for household_id, lines in per_household.items()
        if sum(line.amount_cents for line in lines) > 0
    ]
    drafts = [
        InvoiceDraft(
            payer=households[household_id],
            lines=per_household[household_id],
            due_date=due_date,
            source=f"famille.billingrun:{run.pk}:{households[household_id].pk}",
        )
        for household_id in billed
    ]
    # The system issues (see the module's docstring): the agent was checked above.
    invoices = regie_services.issue_invoices(actor=None, invoices=drafts)
    if invoices:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {_table(BillingLine)} AS line SET invoice_id = issued.invoice_id
                FROM unnest(%s::bigint[], %s::bigint[]) AS issued(household_id, invoice_id)
                WHERE line.run_id = %s AND line.household_id = issued.household_id""",  # noqa: S608
                [billed, [invoice.pk for invoice in invoices], run.pk],
            )
    run.status = BillingRunStatus.ISSUED
    run.issued_at = timezone.now()
    run.issued_by = actor
    run.summary = {**run.summary, "invoices": len(invoices)}
    run.save(update_fields=["status", "issued_at", "issued_by", "summary"])
    audit.record(
        actor=actor,
        action="famille.billing_run.issue",
        target=run,
        month=f"{run.month:%Y-%m}",
        invoices=len(invoices),
        total_cents=sum(invoice.total_cents for invoice in invoices),
    )
    return invoices


# The yearly childcare tax certificate ----------------------------------------------------------


def _certificate_document_type() -> DocumentType:
    """The vault's type for these certificates, made on first use (a household's paper, no end date)."""
    document_type, _created = DocumentType.objects.get_or_create(
        code=TAX_CERTIFICATE_DOCUMENT_TYPE,
        defaults={
            "label": "Attestation fiscale de frais de garde",
            "validity_rule": ValidityRule.NONE,
            "for_person": False,
            "for_household": True,
            "for_association": False,
            "position": 200,
        },
    )
    return document_type


def render_tax_certificate_pdf(*, household: Household, year: int, children: list) -> bytes:
    """The certificate: the town, the household, each child under 6 and what was paid for them."""
    town = Town.current()
    return render_pdf(
        "famille/pdf/tax_certificate.html",
        {
            "town": town,
            "logo": logo_data_uri(town),
            "household": household,
            "year": year,
            "children": children,
            "total_cents": sum(item.amount_cents for item in children),
            "born_from": selectors.under_six_born_from(year),
            "issued_on": timezone.localdate(),
        },
    )


def generate_tax_certificate(*, actor, household: Household, year: int) -> TaxCertificate | None:
    """Make the household's childcare tax certificate of `year`, once: a PDF in the household's vault
    and a TaxCertificate row. Nothing paid for a child under 6 that year: None.

    Safe to run twice: the existing certificate is returned. The PDF is rendered
    before the household's row is locked (~0.1 s, 0.6 s cold); should two runs
    race, the second finds the first's row under the lock and keeps it. The
    vault stores it as the system (actor None may store a generated document in
    a party's vault: `coffre.perms.can_manage_documents`), so the household's
    guardians read it in their vault.
    """
    if actor is not None and not perms.can_bill(actor):
        raise FamilleAccessDenied()
    existing = TaxCertificate.objects.filter(household=household, year=year).first()
    if existing is not None:
        return existing
    household = Household.objects.select_related("party").get(pk=household.pk)
    children = selectors.childcare_paid(household=household, year=year)
    total = sum(item.amount_cents for item in children)
    if total <= 0:
        return None
    pdf = render_tax_certificate_pdf(household=household, year=year, children=children)
    with transaction.atomic():
        household = Household.objects.select_for_update().select_related("party").get(pk=household.pk)
        existing = TaxCertificate.objects.filter(household=household, year=year).first()
        if existing is not None:
            return existing
        version = coffre_services.store_document_from_file(
            actor=None,
            owner=household.party,
            source=io.BytesIO(pdf),
            filename=f"attestation-fiscale-frais-de-garde-{year}.pdf",
            document_type=_certificate_document_type(),
            title=_("Attestation fiscale de frais de garde %(year)s") % {"year": year},
            issue_date=timezone.localdate(),
        )
        certificate = TaxCertificate.objects.create(
            household=household, year=year, amount_cents=total, document=version.document
        )
        audit.record(
            actor=actor,
            action="famille.tax_certificate.create",
            target=certificate,
            owner=household.party,
            year=year,
            amount_cents=total,
            document=version.document_id,
        )
    return certificate
