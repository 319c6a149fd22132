"""The agents' queues: the requests of their active services, by tab, filtered, searched and sorted.

    scope = queues.agent_scope(user=user)                  # their services, procedures, colleagues, labels
    filters = queues.QueueFilters(tab="a_traiter", q="dupont", sort="-due_date")
    page = queues.queue_page(user=user, filters=filters, page_number=2, scope=scope)
    page.page_obj, page.counts                             # 50 rows, the open tabs' counts

A page costs a fixed number of queries whatever the data: the scope (4 small
reads), the paginator's count, the page's 50 ids, those rows (procedure,
service, applicant and assignee joined), their labels (one prefetch) and the
tabs' counts (one aggregate). Drafts are never listed: a request reaches the
service when it is sent.

Scale (20x a town of 4,000 requests a week: 4 million requests, 5 % in
progress; one service of eight, 500,000 of them; measured on a busy 2-core
machine, warm cache): a page of "À traiter" takes ~340 ms, of "Terminés"
(475,000 requests) ~540 ms, a search ~20 ms, a whole reference ~18 ms. What
keeps it so: the page's ids are chosen on the requests' table alone, then only
50 rows are joined; the procedures' ids are written into the query (behind a
subquery the planner mistook a small service for a large one: 15 s); a whole
reference goes to its unique index, not the full-text one; the tabs' counts
read only the requests in progress. Three partial indexes, not in the
migrations yet, bring those pages to ~70 ms and ~150 ms: (submitted_at, id)
for the statuses of "À traiter", the same for the final statuses, and
(demarche, status) INCLUDE (assignee, due_date) for the requests in progress.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from demarches import references, search
from demarches.enums import DemarcheKind, ExportStatus, RequestStatus
from demarches.models import Demarche, ExportJob, Label, Request
from guichet.accounts.models import Service, User

PAGE_SIZE = 50
# A request's reference as references.next_reference makes it: GN-2026-000123.
REFERENCE = re.compile(rf"{references.PREFIX}-\d{{4}}-\d{{6,}}")

TO_PROCESS = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW)
IN_PROGRESS = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW, RequestStatus.AWAITING_INFORMATION)
FINISHED = (RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.CLOSED)

# Tabs: (key, label). "À traiter" is every request the service has to work on (submitted or in
# review), whoever it is assigned to; "Mes dossiers" narrows to the agent's own, waiting ones included.
TABS: list[tuple[str, Any]] = [
    ("a_traiter", _("À traiter")),
    ("mes_dossiers", _("Mes dossiers")),
    ("en_attente", _("En attente")),
    ("en_retard", _("En retard")),
    ("termines", _("Terminés")),
]
TAB_KEYS = [key for key, _label in TABS]
DEFAULT_TAB = "a_traiter"
# Counted in one aggregate over the requests in progress; "termines" is not (see the module's docstring).
COUNTED_TABS = ("a_traiter", "mes_dossiers", "en_attente", "en_retard")

# The filter on the assignee: mine, nobody's, or a colleague's id.
ASSIGNEE_ME = "moi"
ASSIGNEE_NOBODY = "personne"

# Sortable columns: the key in the address, and what the database orders by.
SORTS: dict[str, tuple[str, ...]] = {
    "reference": ("reference",),
    "submitted_at": ("submitted_at",),
    "due_date": ("due_date",),
    "status": ("status",),
    "procedure": ("demarche__title",),
    "applicant": ("applicant__name",),
    "assignee": ("assignee__last_name", "assignee__first_name"),
}
NULLABLE_SORTS = frozenset({"due_date", "assignee"})
# Oldest first while there is work to do; the latest decisions first once it is done.
DEFAULT_SORTS = {"termines": "-submitted_at"}
DEFAULT_SORT = "submitted_at"


@dataclass(frozen=True)
class QueueFilters:
    """What the agent asked for, as plain values (stored as is with an export)."""

    tab: str = DEFAULT_TAB
    q: str = ""
    service_id: int | None = None
    demarche_id: int | None = None
    status: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    assignee: str = ""  # "", ASSIGNEE_ME, ASSIGNEE_NOBODY or a colleague's id
    label_id: int | None = None
    sort: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("submitted_from", "submitted_to"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "QueueFilters":
        values = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        for key in ("submitted_from", "submitted_to"):
            if values.get(key):
                values[key] = date.fromisoformat(values[key])
        return cls(**values)

    @property
    def order(self) -> str:
        """The sort actually used: the one asked for when allowed, else the tab's default."""
        if self.sort.removeprefix("-") in SORTS:
            return self.sort
        return DEFAULT_SORTS.get(self.tab, DEFAULT_SORT)


@dataclass(frozen=True)
class AgentScope:
    """What an agent's queue may show and filter on: their active services and what belongs to them."""

    services: list[Service]
    demarches: list[Demarche]
    colleagues: list[User]
    labels: list[Label]
    service_ids: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "service_ids", frozenset(service.pk for service in self.services))


def agent_services(*, user) -> QuerySet[Service]:
    """The active services the user is an agent or a manager of."""
    return Service.objects.for_agent(user).distinct()


def agent_scope(*, user) -> AgentScope:
    """The agent's services, their procedures, their colleagues and the labels: four small queries."""
    services = list(agent_services(user=user).order_by("name"))
    demarches = list(
        Demarche.objects.filter(service__in=services, kind=DemarcheKind.FORM)
        .select_related("service")
        .order_by("title", "pk")
    )
    colleagues = list(
        User.objects.filter(agent_memberships__service__in=services, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    return AgentScope(
        services=services, demarches=demarches, colleagues=colleagues, labels=list(Label.objects.all())
    )


def requests_for_agent(*, user, scope: AgentScope | None = None) -> QuerySet[Request]:
    """Every request sent to one of the user's active services (never a draft).

    With the agent's scope already read, its procedures' ids are written into the query:
    the planner then knows how many requests they hold. Behind a subquery it cannot, and
    for a service with few requests it may walk a whole index looking for the first 50.
    """
    if scope is not None:
        procedures = [demarche.pk for demarche in scope.demarches]
        return Request.objects.filter(demarche_id__in=procedures).exclude(status=RequestStatus.DRAFT)
    return Request.objects.filter(
        demarche__in=Demarche.objects.filter(service__in=agent_services(user=user))
    ).exclude(status=RequestStatus.DRAFT)


def tab_condition(tab: str, *, user, today: date) -> Q:
    if tab == "mes_dossiers":
        return Q(assignee=user, status__in=IN_PROGRESS)
    if tab == "en_attente":
        return Q(status=RequestStatus.AWAITING_INFORMATION)
    if tab == "en_retard":
        return Q(status__in=TO_PROCESS, due_date__lt=today)
    if tab == "termines":
        return Q(status__in=FINISHED)
    return Q(status__in=TO_PROCESS)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def apply_filters(requests: QuerySet[Request], filters: QueueFilters, *, user) -> QuerySet[Request]:
    """The filters but the tab; each narrows `requests`, none can widen the agent's scope."""
    if filters.service_id:
        requests = requests.filter(demarche__service_id=filters.service_id)
    if filters.demarche_id:
        requests = requests.filter(demarche_id=filters.demarche_id)
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.submitted_from:
        requests = requests.filter(submitted_at__gte=_start_of(filters.submitted_from))
    if filters.submitted_to:
        requests = requests.filter(submitted_at__lt=_start_of(filters.submitted_to + timedelta(days=1)))
    if filters.assignee == ASSIGNEE_ME:
        requests = requests.filter(assignee=user)
    elif filters.assignee == ASSIGNEE_NOBODY:
        requests = requests.filter(assignee__isnull=True)
    elif filters.assignee:
        requests = requests.filter(assignee_id=int(filters.assignee))
    if filters.label_id:
        requests = requests.filter(labels=filters.label_id)
    if filters.q:
        requests = _search(requests, filters.q)
    return requests


def _search(requests: QuerySet[Request], text: str) -> QuerySet[Request]:
    # A whole reference is looked up in its unique index: in the full-text index its prefix and
    # year ("gn", "2026") match nearly every request, which makes such a query slow at scale.
    reference = text.strip().upper()
    if REFERENCE.fullmatch(reference):
        return requests.filter(reference=reference)
    query = search.query(text)
    return requests.filter(search_vector=query) if query is not None else requests


def ordering(sort: str) -> list:
    """The ORDER BY of a whitelisted sort ("-due_date": descending), then by id.

    Missing values (no deadline, nobody assigned) go last either way; the columns every
    request sent has are left plain, so that an index on them serves either direction.
    """
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    order = []
    for name in SORTS[key]:
        if key in NULLABLE_SORTS:
            order.append(F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True))
        else:
            order.append(f"-{name}" if descending else name)
    return [*order, "-pk" if descending else "pk"]


def queue_requests(
    *, user, filters: QueueFilters, today: date | None = None, scope: AgentScope | None = None
) -> QuerySet[Request]:
    """The requests of one tab with the filters, sorted (nothing joined but what the sort needs)."""
    today = today or timezone.localdate()
    requests = apply_filters(requests_for_agent(user=user, scope=scope), filters, user=user)
    return requests.filter(tab_condition(filters.tab, user=user, today=today)).order_by(
        *ordering(filters.order)
    )


def with_row_details(requests: QuerySet[Request]) -> QuerySet[Request]:
    """What a row of the queue shows: procedure, service, applicant, assignee and labels."""
    return requests.select_related("demarche__service", "applicant", "assignee").prefetch_related("labels")


def tab_counts(
    *, user, filters: QueueFilters, today: date | None = None, scope: AgentScope | None = None
) -> dict[str, int | None]:
    """How many requests each open tab holds with the current filters, in one aggregate query.

    Only the requests in progress are read; "termines" is None (not counted).
    """
    today = today or timezone.localdate()
    requests = apply_filters(requests_for_agent(user=user, scope=scope), filters, user=user)
    requests = requests.filter(status__in=IN_PROGRESS)
    # COUNT(status), never null, rather than COUNT(id): an index holding the columns the tabs test
    # (procedure, status, assignee, deadline) then answers alone, without reading the table.
    counts = requests.aggregate(
        **{tab: Count("status", filter=tab_condition(tab, user=user, today=today)) for tab in COUNTED_TABS}
    )
    return {tab: counts.get(tab) for tab in TAB_KEYS}


@dataclass(frozen=True)
class QueuePage:
    page_obj: Page
    counts: dict[str, int | None]


def queue_page(
    *, user, filters: QueueFilters, page_number=1, today: date | None = None, scope: AgentScope | None = None
) -> QueuePage:
    """One page of a tab, its rows with their details, and the open tabs' counts.

    The page's ids are chosen first, on the requests' table alone, then only those
    50 rows are joined: sorting a tab of a million finished requests never drags
    the applicant, the assignee and the procedure of each along. Pass the agent's
    scope when the page has it (see `requests_for_agent`).
    """
    today = today or timezone.localdate()
    scope = scope or agent_scope(user=user)
    requests = queue_requests(user=user, filters=filters, today=today, scope=scope)
    page = Paginator(requests.values_list("pk", flat=True), PAGE_SIZE).get_page(page_number)
    ids = list(page.object_list)
    rows = {row.pk: row for row in with_row_details(Request.objects.filter(pk__in=ids))} if ids else {}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return QueuePage(page_obj=page, counts=tab_counts(user=user, filters=filters, today=today, scope=scope))


def export_requests(*, user, service_id: int, filters: QueueFilters) -> QuerySet:
    """An export's rows: the queue's tab and filters within one of the user's services, in its order.

    Plain values (dicts), not model instances, with the labels' names gathered by the
    database: an export of many thousand rows reads them as fast as the cursor goes.
    The revisions' forms are not joined; the export reads each one once.
    """
    requests = apply_filters(requests_for_agent(user=user), filters, user=user).filter(
        demarche__service_id=service_id
    )
    label_names = Label.objects.filter(requests=OuterRef("pk")).order_by("position", "name").values("name")
    return (
        requests.filter(tab_condition(filters.tab, user=user, today=timezone.localdate()))
        .order_by(*ordering(filters.order))
        .values(
            "reference",
            "revision_id",
            "channel",
            "status",
            "submitted_at",
            "due_date",
            "decided_at",
            "answers",
            procedure=F("demarche__title"),
            service=F("demarche__service__name"),
            applicant_name=F("applicant__name"),
            assignee_first_name=F("assignee__first_name"),
            assignee_last_name=F("assignee__last_name"),
            assignee_email=F("assignee__email"),
            label_names=ArraySubquery(label_names),
        )
    )


# Exports -------------------------------------------------------------------------------------


def recent_exports(*, user, limit: int = 20) -> list[ExportJob]:
    """The user's own exports, newest first (the purge keeps only a day's)."""
    return list(ExportJob.objects.filter(requested_by=user).select_related("service")[:limit])


def export_for_agent(*, user, pk: int) -> ExportJob:
    """A ready export the user asked for; anyone else's, or one not ready, is ExportJob.DoesNotExist (404)."""
    return ExportJob.objects.select_related("service").get(
        pk=pk, requested_by=user, status=ExportStatus.DONE, service__in=agent_services(user=user)
    )
