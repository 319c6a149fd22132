"""Subsidies: every read a page needs, scoped to the user and prefetched.

The association's side is scoped by the association (the view found it among the
user's: `associations.views.common.member_association`, else 404), so a member who
left reaches nothing of it at once. The back-office is the vie associative
service's (`perms.can_instruct`, else PermissionDenied: a 403); a draft is the
association's own and never shows there.

    association_subsidies(*, user, association, today=None) -> AssociationSubsidies
    application_for_member(*, association, pk) -> Application          (DoesNotExist)
    report_documents(*, user, association) -> QuerySet[Document]
    campaigns_for_agent(*, user) -> list[Campaign]                      (granted_total, …, remaining)
    applications_for_agent(*, user, campaign_id=None, state="", opinion="", query="") -> QuerySet
    application_for_agent(*, user, pk) -> Application                   (DoesNotExist)
    application_page(*, user, application, today=None) -> ApplicationPage
    reports_for_agent(*, user, state="", today=None) -> list[Application]
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from associations import perms as association_perms
from associations import selectors as association_selectors
from associations.enums import BOARD_ROLES
from associations.models import Association
from associations.subsidies import perms
from associations.subsidies.enums import ApplicationState, Opinion, ReportState
from associations.subsidies.models import Application, Campaign, Criterion, Score
from associations.subsidies.services import IN_PROGRESS, REPORT_DOCUMENT_TYPE
from coffre import selectors as vault
from coffre.models import Document
from demarches.enums import RequestStatus

AGENT_LIST_SIZE = 50

# What each state of the back-office's filter reads in the request's status.
STATE_STATUSES = {
    ApplicationState.SUBMITTED: (RequestStatus.SUBMITTED,),
    ApplicationState.IN_REVIEW: (RequestStatus.IN_REVIEW,),
    ApplicationState.AWAITING_INFORMATION: (RequestStatus.AWAITING_INFORMATION,),
    ApplicationState.GRANTED: (RequestStatus.ACCEPTED,),
    ApplicationState.REFUSED: (RequestStatus.REFUSED,),
    ApplicationState.CLOSED: (RequestStatus.CLOSED,),
}
AGENT_STATES = tuple(STATE_STATUSES)


def _check_agent(user) -> None:
    if not perms.can_instruct(user):
        raise PermissionDenied


def _with_totals(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """Each campaign with what was granted and asked, and how many requests it received."""
    sent = ~Q(applications__request__status=RequestStatus.DRAFT)
    return campaigns.annotate(
        granted_total=Sum("applications__granted_cents", default=0),
        requested_total=Sum("applications__requested_cents", filter=sent, default=0),
        received=Count("applications", filter=sent),
        decided=Count("applications", filter=Q(applications__granted_cents__isnull=False)),
    )


def remaining(campaign: Campaign) -> int:
    """What remains of the envelope (a campaign read with `_with_totals`)."""
    return campaign.envelope_cents - campaign.granted_total


# The association's page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenCampaign:
    campaign: Campaign
    application: Application | None


@dataclass
class AssociationSubsidies:
    association: Association
    campaigns: list[OpenCampaign]
    applications: list[Application]
    is_board: bool
    can_start: bool
    can_submit: bool
    today: date

    @property
    def reports_due(self) -> list[Application]:
        return [
            application
            for application in self.applications
            if application.report_state(self.today) in (ReportState.DUE, ReportState.OVERDUE)
        ]


def _member_applications(association: Association) -> QuerySet[Application]:
    return (
        Application.objects.filter(association=association)
        .select_related("campaign", "request", "report")
        .order_by("-campaign__year", "pk")
    )


def association_subsidies(
    *, user, association: Association, today: date | None = None
) -> AssociationSubsidies:
    """The subsidies page of one of the user's associations: the campaigns open today (with its request
    in each, if any), all its requests and their state, amounts granted and reports due. Four queries."""
    today = today or timezone.localdate()
    applications = list(_member_applications(association))
    by_campaign = {application.campaign_id: application for application in applications}
    campaigns = [
        OpenCampaign(campaign=campaign, application=by_campaign.get(campaign.pk))
        for campaign in Campaign.objects.open_on(today).select_related("demarche").order_by("closes_on", "pk")
    ]
    role = getattr(association, "my_role", None)
    is_board = (
        role in BOARD_ROLES if role is not None else association_perms.is_board_member(user, association)
    )
    return AssociationSubsidies(
        association=association,
        campaigns=campaigns,
        applications=applications,
        is_board=is_board,
        can_start=association.is_verified,
        can_submit=association.is_verified and (is_board or not association.subsidies_board_only),
        today=today,
    )


def application_for_member(*, association: Association, pk: int) -> Application:
    """One request of the association (found among the user's associations); DoesNotExist else."""
    return _member_applications(association).select_related("association__party").get(pk=pk)


def report_documents(*, user, association: Association) -> QuerySet[Document]:
    """The financial reports in the association's vault that the user may open (the board)."""
    return (
        vault.documents_for_owner(user=user, owner=association.party)
        .filter(document_type__code=REPORT_DOCUMENT_TYPE, current_version__isnull=False)
        .order_by("-created_at", "-pk")
    )


# The back-office ---------------------------------------------------------------------------------------


def campaigns_for_agent(*, user) -> list[Campaign]:
    """Every campaign, newest first, with its envelope, what was granted and what remains."""
    _check_agent(user)
    campaigns = list(_with_totals(Campaign.objects.select_related("demarche")).order_by("-year"))
    for campaign in campaigns:
        campaign.remaining = remaining(campaign)
    return campaigns


def _agent_applications() -> QuerySet[Application]:
    return Application.objects.exclude(request__status=RequestStatus.DRAFT).select_related(
        "campaign", "association__party", "request", "report"
    )


def applications_for_agent(
    *, user, campaign_id: int | None = None, state: str = "", opinion: str = "", query: str = ""
) -> QuerySet[Application]:
    """The requests sent, filtered by campaign, state, opinion and association (name or number);
    those still to decide first, then the best scored."""
    _check_agent(user)
    applications = _agent_applications()
    if campaign_id:
        applications = applications.filter(campaign_id=campaign_id)
    if state in STATE_STATUSES:
        applications = applications.filter(request__status__in=STATE_STATUSES[ApplicationState(state)])
    if opinion == "none":
        applications = applications.filter(opinion="")
    elif opinion in Opinion.values:
        applications = applications.filter(opinion=opinion)
    query = " ".join((query or "").split())
    if query:
        compact = query.replace(" ", "").upper()
        applications = applications.filter(
            Q(association__party__name__icontains=query)
            | Q(association__rna=compact)
            | Q(request__reference__iexact=query)
        )
    to_decide = Q(request__status__in=IN_PROGRESS)
    return applications.alias(to_decide=to_decide).order_by(
        "-to_decide", "-campaign__year", "-score_points", "association__party__name", "pk"
    )


def application_for_agent(*, user, pk: int) -> Application:
    _check_agent(user)
    return (
        _agent_applications()
        .select_related(
            "campaign__demarche__service",
            "scored_by",
            "opinion_by",
            "decided_by",
            "report__filed_by",
            "report__checked_by",
            "report__document__current_version",
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class GridRow:
    criterion: Criterion
    score: int | None

    @property
    def weighted(self) -> int | None:
        return None if self.score is None else self.score * self.criterion.weight


@dataclass
class ApplicationPage:
    """What an agent's page of one subsidy request shows, in a fixed number of queries."""

    application: Application
    campaign: Campaign
    grid: list[GridRow]
    association_file: association_selectors.AssociationFile
    other_applications: list[Application]
    today: date

    @property
    def remaining(self) -> int:
        return remaining(self.campaign)

    @property
    def can_instruct(self) -> bool:
        return not self.application.is_decided and self.application.request.status in IN_PROGRESS

    @property
    def report_state(self) -> ReportState | None:
        return self.application.report_state(self.today)

    @property
    def balanced(self) -> bool | None:
        application = self.application
        if application.expenses_cents is None or application.income_cents is None:
            return None
        return application.expenses_cents == application.income_cents


def application_page(*, user, application: Application, today: date | None = None) -> ApplicationPage:
    """The request's summary, its score grid, the association's verification and papers, its campaign's
    envelope (granted, remaining) and its earlier subsidies."""
    _check_agent(user)
    today = today or timezone.localdate()
    campaign = _with_totals(Campaign.objects.filter(pk=application.campaign_id)).get()
    scores = {
        score.criterion_id: score.score
        for score in Score.objects.filter(application=application).only("criterion_id", "score")
    }
    grid = [
        GridRow(criterion=criterion, score=scores.get(criterion.pk))
        for criterion in campaign.criteria.order_by("position", "pk")
    ]
    others = list(
        _agent_applications()
        .filter(association_id=application.association_id)
        .exclude(pk=application.pk)
        .order_by("-campaign__year", "pk")
    )
    return ApplicationPage(
        application=application,
        campaign=campaign,
        grid=grid,
        association_file=association_selectors.agent_association_file(
            user=user, association=application.association
        ),
        other_applications=others,
        today=today,
    )


def reports_for_agent(*, user, state: str = "", today: date | None = None) -> list[Application]:
    """The granted subsidies and their financial reports: due, overdue, received (to check), checked;
    the ones that need the service first (overdue, received), then by deadline."""
    _check_agent(user)
    today = today or timezone.localdate()
    applications = (
        _agent_applications()
        .filter(granted_cents__gt=0, request__status=RequestStatus.ACCEPTED)
        .select_related("report__checked_by")
        .order_by("campaign__report_due_on", "association__party__name", "pk")
    )
    if state == ReportState.DUE:
        applications = applications.filter(report__isnull=True, campaign__report_due_on__gte=today)
    elif state == ReportState.OVERDUE:
        applications = applications.filter(report__isnull=True, campaign__report_due_on__lt=today)
    elif state == ReportState.RECEIVED:
        applications = applications.filter(report__isnull=False, report__checked_at__isnull=True)
    elif state == ReportState.CHECKED:
        applications = applications.filter(report__checked_at__isnull=False)
    urgency = {ReportState.OVERDUE: 0, ReportState.RECEIVED: 1, ReportState.DUE: 2, ReportState.CHECKED: 3}
    result = list(applications)
    for application in result:
        application.report_status = application.report_state(today)
    return sorted(result, key=lambda application: urgency[application.report_status])


__all__ = [
    "AGENT_LIST_SIZE",
    "AGENT_STATES",
    "ApplicationPage",
    "AssociationSubsidies",
    "GridRow",
    "OpenCampaign",
    "application_for_agent",
    "application_for_member",
    "application_page",
    "applications_for_agent",
    "association_subsidies",
    "campaigns_for_agent",
    "remaining",
    "report_documents",
    "reports_for_agent",
]
