"""The agents' reads of one request: finding it in their services, and everything its page shows.

    requests_for_agent(*, user) -> QuerySet[Request]          (the requests sent to the user's services)
    request_for_agent(*, user, pk) -> Request                 (else Request.DoesNotExist: a 404)
    request_page(*, user, request) -> RequestPage             (a fixed number of queries)
    attachment_for_agent(*, request, pk) -> RequestAttachment (else RequestAttachment.DoesNotExist)
    allowed_targets(*, user, request) -> list[str]            (the statuses the user may move it to)
    service_agents(*, service_id) -> list[User]; all_labels() -> list[Label]

A request is an agent's when its procedure belongs to one of the agent's active
services and it was sent (a draft, even one started at the counter, is not
instructed). Reading a request's page is an agent's read of personal data: the
view audits it (`demarches.request.read`, owned by the applicant).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from demarches import engine, perms, workflow
from demarches.enums import RequestStatus, SilenceRule
from demarches.models import Label, Request, RequestAttachment, RequestEvent, RequestNote
from demarches.selectors.citizen import _with_expected_days, letter_pending, timeline
from guichet.accounts.models import AgentMembership, User


def agent_service_ids(*, user) -> QuerySet:
    """The active services the user is an agent (or a manager) of, as a subquery."""
    return AgentMembership.objects.filter(user=user, service__is_active=True).values("service_id")


def requests_for_agent(*, user) -> QuerySet[Request]:
    """The requests sent to the user's active services (drafts never are)."""
    if not user.is_authenticated:
        return Request.objects.none()
    return Request.objects.exclude(status=RequestStatus.DRAFT).filter(
        demarche__service_id__in=agent_service_ids(user=user)
    )


def request_for_agent(*, user, pk: int) -> Request:
    """One request of the user's services, with what its page reads; else Request.DoesNotExist (404)."""
    return _with_expected_days(
        requests_for_agent(user=user).select_related(
            "demarche__service", "revision", "applicant__person", "assignee"
        )
    ).get(pk=pk)


def attachment_for_agent(*, request: Request, pk: int) -> RequestAttachment:
    """One document of a request already scoped to the agent (`request_for_agent`)."""
    return RequestAttachment.objects.select_related("document__current_version").get(pk=pk, request=request)


@dataclass(frozen=True)
class Deadlines:
    """Where a request stands against its clocks (the processing deadline, the applicant's, the silence)."""

    due_date: date | None
    overdue: bool
    paused_since: date | None
    information_due_date: date | None
    silence_date: date | None
    silence_rule: str

    @property
    def silence_label(self) -> str:
        return str(SilenceRule(self.silence_rule).label)

    @property
    def paused(self) -> bool:
        return self.paused_since is not None


@dataclass(frozen=True)
class RequestPage:
    """Everything an agent's page of one request shows, read in a fixed number of queries."""

    request: Request
    pages: list[engine.SummaryPage]
    attachments: list[RequestAttachment]
    events: list[RequestEvent]
    notes: list[RequestNote]
    labels: list[Label]
    agents: list[User]
    targets: list[str]
    is_manager: bool
    deadlines: Deadlines
    letter_pending: bool

    @property
    def selected_labels(self) -> list[Label]:
        return [label for label in self.labels if label.selected]

    @property
    def answer_attachments(self) -> list[RequestAttachment]:
        return [item for item in self.attachments if item.message_id is None]

    @property
    def can_write(self) -> bool:
        return self.request.status in workflow.OPEN_FOR_MESSAGES

    @property
    def can_request_information(self) -> bool:
        return RequestStatus.AWAITING_INFORMATION in self.targets


def allowed_targets(*, user, request: Request) -> list[str]:
    """The statuses the user may move the request to: an agent's moves, and reopening for a manager."""
    manager = perms.is_service_manager(user, request.demarche.service_id)
    return workflow.service_targets(request.status, manager=manager)


def all_labels() -> list[Label]:
    return list(Label.objects.order_by("position", "name"))


def service_agents(*, service_id: int) -> list[User]:
    """The active accounts of the service's agents and managers, by name: who a request may go to."""
    return list(
        User.objects.filter(
            agent_memberships__service_id=service_id,
            agent_memberships__service__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def request_page(*, user, request: Request, today: date | None = None) -> RequestPage:
    """The page of a request found by `request_for_agent`: its answers as the applicant saw them,
    its documents (the service's copies), its timeline, private notes, labels, the service's agents,
    the statuses the user may move it to and its deadlines.

    Seven queries whatever the number of events, documents or notes (an eighth for a decided request
    without its letter: whether one is being prepared).
    """
    today = today or timezone.localdate()
    service_id = request.demarche.service_id
    attachments = list(
        RequestAttachment.objects.filter(request=request)
        .select_related("document__current_version", "document__document_type")
        .order_by("created_at", "pk")
    )
    questions = request.form.labels()
    for item in attachments:
        # What the document answered (a question's label), or "" for a message's document.
        item.question = questions.get(item.field_key, "") if item.message_id is None else ""
    pages = engine.summarise(
        request.form,
        request.answers,
        document_labels={item.document_id: item.document.title for item in attachments},
    )
    notes = list(
        RequestNote.objects.filter(request=request).select_related("author").order_by("created_at", "pk")
    )
    chosen = Request.labels.through.objects.filter(request_id=request.pk, label_id=OuterRef("pk"))
    labels = list(Label.objects.annotate(selected=Exists(chosen)).order_by("position", "name"))
    is_manager = perms.is_service_manager(user, service_id)
    return RequestPage(
        request=request,
        pages=pages,
        attachments=attachments,
        events=timeline(request=request, with_actors=True),
        notes=notes,
        labels=labels,
        agents=service_agents(service_id=service_id),
        targets=workflow.service_targets(request.status, manager=is_manager),
        is_manager=is_manager,
        deadlines=Deadlines(
            due_date=request.due_date,
            overdue=request.is_overdue(today),
            paused_since=request.paused_since,
            information_due_date=request.information_due_date,
            silence_date=request.silence_date,
            silence_rule=request.demarche.silence_rule,
        ),
        letter_pending=letter_pending(request=request),
    )
