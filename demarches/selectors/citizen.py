"""The citizen's reads: the catalogue, published forms, their requests, a request's timeline."""

from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, Prefetch, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast

from coffre.models import DocumentVersion
from demarches.enums import DemarcheKind, DemarcheStatus, RequestStatus
from demarches.models import (
    Demarche,
    FormField,
    FormPage,
    Request,
    RequestAttachment,
    RequestEvent,
)
from demarches.search import fold
from guichet.accounts.models import Party


def editable_pages(*, demarche: Demarche) -> list[FormPage]:
    """The editable form's pages in order, each with `top_fields` (and their `children`) in order:
    three queries whatever the size of the form."""
    children = FormField.objects.select_related("document_type").order_by("order", "pk")
    top = (
        FormField.objects.filter(parent__isnull=True)
        .select_related("document_type")
        .prefetch_related(Prefetch("children", queryset=children))
        .order_by("order", "pk")
    )
    return list(
        FormPage.objects.filter(demarche=demarche)
        .prefetch_related(Prefetch("fields", queryset=top, to_attr="top_fields"))
        .order_by("order", "pk")
    )


def catalogue(*, theme: str | None = None, audience: str | None = None, query: str = "") -> list[Demarche]:
    """The published entries citizens may see, in catalogue order.

    A link entry shows only once the page it leads to exists (its URL name resolves),
    so another app's page joins the catalogue the day it ships. `query` keeps the
    entries whose title or summary holds every word of it, accents and case aside
    (the catalogue is a few dozen entries: they are compared here, in one query).
    """
    entries = Demarche.objects.published().select_related("service").order_by("position", "title")
    if theme:
        entries = entries.filter(theme=theme)
    if audience:
        entries = entries.for_audience(audience)
    words = fold(query).split()
    return [
        entry
        for entry in entries
        if (entry.kind == DemarcheKind.FORM or entry.link_url() is not None)
        and all(word in fold(f"{entry.title} {entry.summary}") for word in words)
    ]


def published_form(*, slug: str) -> Demarche:
    """A published form procedure with its current revision and service; else Demarche.DoesNotExist."""
    return (
        Demarche.objects.published()
        .filter(kind=DemarcheKind.FORM, current_revision__isnull=False)
        .select_related("service", "current_revision")
        .get(slug=slug)
    )


def demarches_by_status(*, status: str = DemarcheStatus.PUBLISHED) -> QuerySet[Demarche]:
    return Demarche.objects.filter(status=status).select_related("service").order_by("position", "title")


def _with_expected_days(requests: QuerySet[Request]) -> QuerySet[Request]:
    """`expected_days`: the processing time the procedure announced in the revision the request was
    filled against (read in the database, not by parsing each frozen form)."""
    return requests.annotate(
        expected_days=Cast(
            KeyTextTransform("processing_days", KeyTransform("demarche", "revision__schema")),
            output_field=IntegerField(),
        )
    )


def requests_for_user(*, user) -> QuerySet[Request]:
    """The requests and drafts of every party the user acts for, newest first."""
    return _with_expected_days(
        Request.objects.for_user(user).select_related("demarche", "applicant").order_by("-created_at", "-pk")
    )


def request_for_user(*, user, pk: int) -> Request:
    """One request of a party the user acts for, with its revision; else Request.DoesNotExist (404)."""
    return _with_expected_days(
        Request.objects.for_user(user).select_related("demarche__service", "revision", "applicant")
    ).get(pk=pk)


@dataclass(frozen=True)
class RequestLists:
    """ "Mes demandes": the drafts to finish and the requests sent, each newest first."""

    drafts: list[Request]
    sent: list[Request]


def request_lists(*, user) -> RequestLists:
    """Every draft and request of the parties the user acts for: one query, whatever their number."""
    rows = list(requests_for_user(user=user))
    return RequestLists(
        drafts=[row for row in rows if row.status == RequestStatus.DRAFT],
        sent=sorted(
            (row for row in rows if row.status != RequestStatus.DRAFT),
            key=lambda row: (row.submitted_at, row.pk),
            reverse=True,
        ),
    )


def drafts_of(*, user, demarche: Demarche) -> list[Request]:
    """The user's drafts of one procedure (the start page offers to take one up again)."""
    return list(
        Request.objects.for_user(user)
        .filter(demarche=demarche, status=RequestStatus.DRAFT)
        .select_related("applicant")
        .order_by("-updated_at", "-pk")
    )


def applicants_for(*, user, demarche: Demarche) -> list[Party]:
    """The parties the user may file this procedure for (their kind is among its audiences)."""
    if not user.is_authenticated:
        return []
    kinds = [audience.value for audience in demarche.audiences]
    return list(Party.objects.for_user(user).filter(kind__in=kinds).distinct().order_by("kind", "name", "pk"))


def timeline(*, request: Request, with_actors: bool = False) -> list[RequestEvent]:
    """The request's events, oldest first, each with its message and the message's documents: two queries.

    `with_actors` joins who made each move (the agents' page names them; the applicant's does not).
    """
    attachments = RequestAttachment.objects.select_related(
        "document__current_version", "document__document_type"
    ).order_by("pk")
    related = ("message", "actor") if with_actors else ("message",)
    return list(
        RequestEvent.objects.filter(request=request)
        .select_related(*related)
        .prefetch_related(Prefetch("message__attachments", queryset=attachments))
        .order_by("created_at", "pk")
    )


def attachments_of(*, request: Request) -> list[RequestAttachment]:
    """The documents of the request's answers (in the service's space), in the order given."""
    return list(
        RequestAttachment.objects.filter(request=request, message__isnull=True)
        .select_related("document__current_version", "document__document_type")
        .order_by("pk")
    )


def attachment_titles(*, request: Request) -> dict[int, str]:
    """{document id: title} of the request's copies, for the summary of a submitted request."""
    return dict(
        RequestAttachment.objects.filter(request=request).values_list("document_id", "document__title")
    )


def attachment_for_user(*, user, request: Request, pk: int) -> RequestAttachment:
    """One document of a request the user may follow; else RequestAttachment.DoesNotExist."""
    return RequestAttachment.objects.select_related("document__current_version").get(
        pk=pk, request=request, request__in=Request.objects.for_user(user)
    )


def decision_version(*, request: Request) -> DocumentVersion | None:
    """The current version of the request's decision document (in the service's space), if any."""
    if request.decision_document_id is None:
        return None
    return DocumentVersion.objects.filter(
        document_id=request.decision_document_id, document__current_version=F("pk")
    ).first()


def letter_pending(*, request: Request) -> bool:
    """Whether the decision's letter is being prepared: the agent asked for one with the decision and it
    is not in the service's space yet."""
    return (
        request.letter_requested_at is not None
        and request.decision_document_id is None
        and RequestStatus(request.status).is_final
    )


def awaiting_motivation(*, request: Request) -> RequestEvent | None:
    """The service's last request for more information, while the request waits for it."""
    if request.status != RequestStatus.AWAITING_INFORMATION:
        return None
    return (
        RequestEvent.objects.filter(request=request, to_status=RequestStatus.AWAITING_INFORMATION)
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class RequestsSummary:
    """The "Mes demandes" card of Mon espace."""

    in_progress: int
    awaiting_information: int
    drafts: int
    latest: Request | None


def requests_summary(*, user) -> RequestsSummary:
    """Counts over the user's requests in one query, and the latest one sent in another."""
    mine = Request.objects.for_user(user)
    counts = mine.aggregate(
        in_progress=Count(
            "pk",
            filter=Q(
                status__in=[
                    RequestStatus.SUBMITTED,
                    RequestStatus.IN_REVIEW,
                    RequestStatus.AWAITING_INFORMATION,
                ]
            ),
        ),
        awaiting_information=Count("pk", filter=Q(status=RequestStatus.AWAITING_INFORMATION)),
        drafts=Count("pk", filter=Q(status=RequestStatus.DRAFT)),
    )
    latest = (
        mine.exclude(status=RequestStatus.DRAFT)
        .select_related("demarche")
        .order_by(F("submitted_at").desc(nulls_last=True), "-pk")
        .first()
    )
    return RequestsSummary(latest=latest, **counts)


def has_unpublished_changes(*, demarche: Demarche) -> bool:
    """Whether the editable form differs from the current revision (a few queries: the admin page)."""
    from demarches.schema import build_schema

    if demarche.current_revision_id is None:
        return True
    return build_schema(demarche).frozen() != demarche.current_revision.schema
