"""Equipment loans: every read a page needs, scoped to the user and prefetched.

The catalogue is public. Members reach only their associations' loans (someone else's is not in
the queryset: DoesNotExist, a 404); a member who left no longer finds them, at once. Agents of the
vie associative service reach every loan (`perms.can_manage_loans`, else PermissionDenied, a 403).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations import selectors as association_selectors
from associations.equipment import perms
from associations.equipment.availability import Hold, day_label, period_label
from associations.equipment.availability import available as left_over
from associations.equipment.availability import peak as peak_of
from associations.equipment.enums import HOLDING_STATUSES, OPEN_STATUSES, LoanStatus
from associations.equipment.models import Item, Loan, LoanLine

AGENT_PAGE_SIZE = 50
STOCK_WEEKS = 8


# Availability --------------------------------------------------------------------------------------


def holds_for(
    *,
    item_ids: Iterable[int],
    start: date,
    end: date,
    exclude_loan_id: int | None = None,
    today: date | None = None,
) -> dict[int, list[Hold]]:
    """What the loans holding stock hold of each item on some day from `start` to `end`, in one query.
    Run it after locking the item rows (services) and it sees every loan committed before.

    A loan handed over and not back by its last day (late) holds, from its first day on, with no
    end, as the missing pieces of an incomplete return do: they are not in the workshop."""
    today = today or timezone.localdate()
    lines = LoanLine.objects.filter(item_id__in=list(item_ids)).filter(
        Q(loan__status__in=HOLDING_STATUSES, loan__start_date__lte=end, loan__end_date__gte=start)
        | Q(loan__status=LoanStatus.HANDED_OVER, loan__start_date__lte=end, loan__end_date__lt=today)
        | Q(loan__status=LoanStatus.INCOMPLETE, loan__start_date__lte=end)
    )
    if exclude_loan_id is not None:
        lines = lines.exclude(loan_id=exclude_loan_id)
    holds: dict[int, list[Hold]] = defaultdict(list)
    for item_id, status, first, last, quantity, returned, lost in lines.values_list(
        "item_id",
        "loan__status",
        "loan__start_date",
        "loan__end_date",
        "quantity",
        "returned_quantity",
        "lost_quantity",
    ):
        if status == LoanStatus.INCOMPLETE:
            if quantity - returned - lost > 0:
                holds[item_id].append(Hold(first, None, quantity - returned - lost))
        elif status == LoanStatus.HANDED_OVER and last < today:
            holds[item_id].append(Hold(first, None, quantity))
        else:
            holds[item_id].append(Hold(first, last, quantity))
    return holds


def left_for(
    *,
    items: Iterable[Item],
    start: date,
    end: date,
    exclude_loan_id: int | None = None,
    today: date | None = None,
) -> dict[int, int]:
    """What is left of each item on every day from `start` to `end` (one query)."""
    items = list(items)
    holds = holds_for(
        item_ids=[item.pk for item in items],
        start=start,
        end=end,
        exclude_loan_id=exclude_loan_id,
        today=today,
    )
    return {item.pk: left_over(item.stock, holds.get(item.pk, ()), start, end) for item in items}


@dataclass(frozen=True)
class CatalogueEntry:
    item: Item
    # None when no period was chosen.
    left: int | None = None

    @property
    def is_short(self) -> bool:
        return self.left is not None and self.left == 0


@dataclass
class Catalogue:
    entries: list[CatalogueEntry]
    start: date | None = None
    end: date | None = None

    @property
    def period(self) -> str:
        return period_label(self.start, self.end, with_year=True) if self.start and self.end else ""


def catalogue(*, start: date | None = None, end: date | None = None) -> Catalogue:
    """The equipment lent, in the catalogue's order; with a period, what is left of each over it
    (two queries whatever the number of items and loans)."""
    items = list(Item.objects.active())
    if start is None or end is None:
        return Catalogue(entries=[CatalogueEntry(item=item) for item in items])
    left = left_for(items=items, start=start, end=end)
    return Catalogue(
        entries=[CatalogueEntry(item=item, left=left[item.pk]) for item in items], start=start, end=end
    )


def active_items() -> QuerySet[Item]:
    return Item.objects.active()


# A member's loans ----------------------------------------------------------------------------------


def _with_lines(loans: QuerySet[Loan]) -> QuerySet[Loan]:
    return loans.select_related("association__party").prefetch_related(
        Prefetch("lines", queryset=LoanLine.objects.select_related("item"))
    )


def requesting_associations(*, user) -> list:
    """The verified associations the user may borrow in the name of (`acting_parties` entries that
    are associations), in the order of `associations.selectors.acting_parties`."""
    return [entry for entry in association_selectors.acting_parties(user=user) if entry.association]


def loans_for_user(*, user) -> QuerySet[Loan]:
    """The loans of the user's associations, those to come first, then the latest ones."""
    return _with_lines(Loan.objects.for_user(user)).order_by("-start_date", "-pk")


@dataclass
class MemberLoans:
    open: list[Loan]
    past: list[Loan]


def member_loans(*, user) -> MemberLoans:
    """ "Mes prêts de matériel": under way (soonest first), then finished (latest first)."""
    loans = list(loans_for_user(user=user))
    under_way = sorted(
        (loan for loan in loans if loan.status in OPEN_STATUSES), key=lambda loan: (loan.start_date, loan.pk)
    )
    return MemberLoans(open=under_way, past=[loan for loan in loans if loan.status not in OPEN_STATUSES])


def loan_for_user(*, user, pk: int) -> Loan:
    """One of the user's associations' loans, with its lines and the people who moved it;
    DoesNotExist for anyone else's."""
    return (
        _with_lines(Loan.objects.for_user(user))
        .select_related("created_by", "decided_by", "handed_over_by", "returned_by", "cancelled_by")
        .get(pk=pk)
    )


@dataclass(frozen=True)
class Step:
    """One move of a loan, for its history."""

    at: datetime
    label: str
    by: str = ""
    text: str = ""


def loan_history(loan: Loan, *, for_agent: bool) -> list[Step]:
    """What happened to the loan, in order. Members read "le service" where agents read the agent's name
    (the association's own members, who request and cancel, are named to everyone)."""

    def member(user) -> str:
        return (user.get_full_name() or user.email) if user is not None else ""

    def service(user) -> str:
        if user is None:
            return ""
        return member(user) if for_agent else _("le service de la vie associative")

    steps = [Step(at=loan.created_at, label=_("Demande envoyée"), by=member(loan.created_by), text=loan.note)]
    if loan.decided_at:
        refused = loan.status == LoanStatus.REFUSED
        steps.append(
            Step(
                at=loan.decided_at,
                label=_("Demande refusée") if refused else _("Demande acceptée"),
                by=service(loan.decided_by),
                text=loan.refusal_reason if refused else "",
            )
        )
    if loan.handed_over_at:
        label = _("Matériel livré") if loan.is_delivery else _("Matériel retiré à l'atelier")
        steps.append(Step(at=loan.handed_over_at, label=label, by=service(loan.handed_over_by)))
    if loan.returned_at:
        label = _("Retour incomplet") if loan.status == LoanStatus.INCOMPLETE else _("Retour vérifié")
        steps.append(
            Step(at=loan.returned_at, label=label, by=service(loan.returned_by), text=loan.return_note)
        )
    if loan.cancelled_at:
        steps.append(Step(at=loan.cancelled_at, label=_("Prêt annulé"), by=member(loan.cancelled_by)))
    return sorted(steps, key=lambda step: step.at)


def loans_card(*, user) -> tuple[bool, list[Loan]]:
    """For the card of Mon espace: whether the user belongs to an association, and its loans under
    way (soonest first, five at most). Two queries."""
    if not user.is_authenticated:
        return False, []
    if not association_selectors.associations_for_user(user=user).exists():
        return False, []
    loans = (
        Loan.objects.for_user(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("association__party")
        .order_by("start_date", "pk")[:5]
    )
    return True, list(loans)


# The back-office ------------------------------------------------------------------------------------


def _check_agent(user) -> None:
    if not perms.can_manage_loans(user):
        raise PermissionDenied


@dataclass(frozen=True)
class AgentView:
    slug: str
    label: str
    statuses: tuple[str, ...]
    order: tuple[str, ...]


# The agents' list, one tab per thing to do; "tous" shows everything, the latest first.
AGENT_VIEWS = {
    view.slug: view
    for view in (
        AgentView("a-decider", gettext_lazy("À décider"), (LoanStatus.PENDING,), ("start_date", "pk")),
        AgentView("a-remettre", gettext_lazy("À remettre"), (LoanStatus.APPROVED,), ("start_date", "pk")),
        AgentView("a-recuperer", gettext_lazy("À récupérer"), (LoanStatus.HANDED_OVER,), ("end_date", "pk")),
        AgentView(
            "incomplets", gettext_lazy("Retours incomplets"), (LoanStatus.INCOMPLETE,), ("start_date", "pk")
        ),
        AgentView("tous", gettext_lazy("Tous les prêts"), (), ("-start_date", "-pk")),
    )
}
DEFAULT_AGENT_VIEW = "a-decider"


def loans_for_agent(*, user, view: str = DEFAULT_AGENT_VIEW) -> QuerySet[Loan]:
    """The loans of one tab of the agents' list, with their association and lines."""
    _check_agent(user)
    spec = AGENT_VIEWS.get(view, AGENT_VIEWS[DEFAULT_AGENT_VIEW])
    loans = Loan.objects.all()
    if spec.statuses:
        loans = loans.filter(status__in=spec.statuses)
    return _with_lines(loans).order_by(*spec.order)


def agent_counts(*, user) -> dict[str, int]:
    """How many loans each tab holds (one query), and how many loans handed over are late."""
    _check_agent(user)
    today = timezone.localdate()
    counts = Loan.objects.aggregate(
        **{
            slug: Count("pk", filter=Q(status__in=spec.statuses))
            for slug, spec in AGENT_VIEWS.items()
            if spec.statuses
        },
        late=Count("pk", filter=Q(status=LoanStatus.HANDED_OVER, end_date__lt=today)),
    )
    return {key: value or 0 for key, value in counts.items()}


def loan_for_agent(*, user, pk: int) -> Loan:
    _check_agent(user)
    return (
        _with_lines(Loan.objects.all())
        .select_related("created_by", "decided_by", "handed_over_by", "returned_by", "cancelled_by")
        .get(pk=pk)
    )


@dataclass(frozen=True)
class LineAvailability:
    line: LoanLine
    # What is left to lend over the loan's period, this loan set aside.
    left_without: int

    @property
    def is_short(self) -> bool:
        return self.line.quantity > self.left_without


def agent_loan_lines(*, user, loan: Loan) -> list[LineAvailability]:
    """Each line of a loan to decide with what the rest of the stock allows (one query)."""
    _check_agent(user)
    lines = list(loan.lines.all())
    left = left_for(
        items=[line.item for line in lines], start=loan.start_date, end=loan.end_date, exclude_loan_id=loan.pk
    )
    return [LineAvailability(line=line, left_without=left[line.item_id]) for line in lines]


@dataclass(frozen=True)
class StockCell:
    start: date
    end: date
    held: int
    left: int
    # Held beyond the stock: pieces missing from an incomplete return, or a stock lowered since.
    over: int

    @property
    def label(self) -> str:
        """The week's Monday: "1er juin"."""
        return day_label(self.start)


@dataclass
class StockRow:
    item: Item
    cells: list[StockCell] = field(default_factory=list)


@dataclass
class StockTable:
    first_day: date
    weeks: list[tuple[date, date]]
    rows: list[StockRow]

    @property
    def week_labels(self) -> list[str]:
        """ "1er juin", "8 juin"…: the Monday of each week."""
        return [day_label(start) for start, _end in self.weeks]

    @property
    def previous_start(self) -> date:
        return self.first_day - timedelta(weeks=len(self.weeks))

    @property
    def next_start(self) -> date:
        return self.first_day + timedelta(weeks=len(self.weeks))

    @property
    def last_day(self) -> date:
        return self.weeks[-1][1]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def stock_table(*, user, first_day: date | None = None, weeks: int = STOCK_WEEKS) -> StockTable:
    """Each item lent, week by week from the Monday of `first_day` (this week by default): the most
    held on a day of the week and what that leaves. Two queries whatever the number of loans."""
    _check_agent(user)
    first_day = monday_of(first_day or timezone.localdate())
    spans = [
        (first_day + timedelta(weeks=index), first_day + timedelta(weeks=index, days=6))
        for index in range(weeks)
    ]
    items = list(Item.objects.active())
    holds = holds_for(item_ids=[item.pk for item in items], start=spans[0][0], end=spans[-1][1])
    rows = []
    for item in items:
        row = StockRow(item=item)
        for start, end in spans:
            held = peak_of(holds.get(item.pk, ()), start, end)
            row.cells.append(
                StockCell(
                    start=start,
                    end=end,
                    held=held,
                    left=max(item.stock - held, 0),
                    over=max(held - item.stock, 0),
                )
            )
        rows.append(row)
    return StockTable(first_day=first_day, weeks=spans, rows=rows)


__all__ = [
    "AGENT_PAGE_SIZE",
    "AGENT_VIEWS",
    "DEFAULT_AGENT_VIEW",
    "STOCK_WEEKS",
    "Catalogue",
    "CatalogueEntry",
    "LineAvailability",
    "MemberLoans",
    "StockTable",
    "Step",
    "active_items",
    "agent_counts",
    "agent_loan_lines",
    "catalogue",
    "holds_for",
    "left_for",
    "loan_for_agent",
    "loan_for_user",
    "loan_history",
    "loans_card",
    "loans_for_agent",
    "loans_for_user",
    "member_loans",
    "monday_of",
    "requesting_associations",
    "stock_table",
]
