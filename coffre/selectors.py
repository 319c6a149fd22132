"""Every read a vault page needs, scoped to the user and prefetched.

Someone else's object is simply not in the queryset: `.get()` raises
DoesNotExist and `get_object_or_404` answers 404, so ids leak nothing.
Plaintext is only ever read through `services.open_plaintext` (authorised and audited).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from coffre.models import Document, DocumentType, DocumentVersion, Grant, vault_party_ids
from coffre.services import used_bytes
from guichet.accounts.models import Party, PartyMembership, Service
from guichet.audit.models import AuditEvent

SHARED_DOCUMENTS_PER_PAGE = 50


def owners_for_user(*, user) -> QuerySet[Party]:
    """The parties whose vault the user may open: their own, and their households' and
    associations' where their role allows (see coffre.models.VAULT_ROLES)."""
    if not user.is_authenticated:
        return Party.objects.none()
    return Party.objects.filter(pk__in=vault_party_ids(user)).order_by("kind", "name", "pk")


def _with_relations(documents: QuerySet[Document]) -> QuerySet[Document]:
    return documents.select_related("document_type", "current_version", "owner")


def documents_for_user(*, user) -> QuerySet[Document]:
    """Every document of every vault the user may open."""
    return _with_relations(Document.objects.for_user(user)).order_by("document_type__position", "title", "pk")


def documents_for_owner(*, user, owner: Party) -> QuerySet[Document]:
    """One vault's documents, ordered by type then title; empty if the user may not open it."""
    return documents_for_user(user=user).filter(owner=owner)


def document_for_user(*, user, pk: int) -> Document:
    """One document of a vault the user may open, with its versions newest first; else DoesNotExist."""
    return (
        documents_for_user(user=user)
        .prefetch_related(
            Prefetch(
                "versions", queryset=DocumentVersion.objects.select_related("uploaded_by").order_by("-number")
            )
        )
        .get(pk=pk)
    )


def versions_for_user(*, user) -> QuerySet[DocumentVersion]:
    """Versions of the documents of the vaults the user may open (download any of them)."""
    return DocumentVersion.objects.filter(document__in=Document.objects.for_user(user)).select_related(
        "document__owner", "document__document_type"
    )


def version_for_user(*, user, pk: int) -> DocumentVersion:
    return versions_for_user(user=user).get(pk=pk)


def documents_shared_with_agent(*, user, now: datetime | None = None) -> QuerySet[Document]:
    """Documents an active grant opens to one of the agent's services (the back office's list)."""
    return _with_relations(Document.objects.shared_with_agent(user, now=now)).order_by(
        "owner_id", "title", "pk"
    )


def shared_version_for_agent(*, user, pk: int, now: datetime | None = None) -> DocumentVersion:
    """The current version of a document shared with the agent's service; else DoesNotExist.

    Reading it still goes through `services.open_plaintext`, which writes the audit event.
    """
    return DocumentVersion.objects.select_related("document__owner").get(
        pk=pk, document__in=Document.objects.shared_with_agent(user, now=now), document__current_version=pk
    )


def grants_for_document(*, user, document: Document) -> QuerySet[Grant]:
    """A document's grants, active and past, for its owner's sharing page."""
    return (
        Grant.objects.filter(document__in=Document.objects.for_user(user), document=document)
        .select_related("service")
        .order_by("-created_at", "-pk")
    )


def active_grants_for_owner(*, user, owner: Party, now: datetime | None = None) -> QuerySet[Grant]:
    """Every active grant on one vault's documents ("who can read my papers now")."""
    return (
        Grant.objects.active(now=now)
        .filter(document__in=documents_for_owner(user=user, owner=owner).values("pk"))
        .select_related("service", "document")
        .order_by("expires_at", "pk")
    )


def document_types_for(*, owner: Party) -> QuerySet[DocumentType]:
    """The types that may be uploaded into this owner's vault (by the owner's kind)."""
    return DocumentType.objects.for_party_kind(owner.kind).order_by("position", "label")


@dataclass(frozen=True)
class QuotaUsage:
    used_bytes: int
    limit_bytes: int

    @property
    def available_bytes(self) -> int:
        return max(self.limit_bytes - self.used_bytes, 0)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used_bytes / self.limit_bytes)) if self.limit_bytes else 100


def quota_for_owner(*, owner: Party) -> QuotaUsage:
    """Space used by every version kept in the vault, against COFFRE_QUOTA_BYTES."""
    return QuotaUsage(used_bytes=used_bytes(owner_id=owner.pk), limit_bytes=settings.COFFRE_QUOTA_BYTES)


# Pages ---------------------------------------------------------------------------------------


def spaces_for_user(*, user) -> list[Party]:
    """The vaults the user may open, each with its `document_count`: one query, for the space
    switcher and for finding the space a page is about."""
    return list(owners_for_user(user=user).annotate(document_count=Count("documents")))


def vault_documents(*, user, owner: Party, now: datetime | None = None) -> QuerySet[Document]:
    """One vault's documents for its list, each with `active_grant_count` (no query per row)."""
    now = now or timezone.now()
    return documents_for_owner(user=user, owner=owner).annotate(
        active_grant_count=Count(
            "grants", filter=Q(grants__revoked_at__isnull=True, grants__expires_at__gt=now)
        )
    )


def active_grants_for_document(*, user, document: Document, now: datetime | None = None) -> QuerySet[Grant]:
    """Who may read this document now: its active grants, for its owner's page."""
    return grants_for_document(user=user, document=document).filter(
        revoked_at__isnull=True, expires_at__gt=now or timezone.now()
    )


def active_grant_for_user(*, user, pk: int, now: datetime | None = None) -> Grant:
    """An active grant on a document of a vault the user may open (to revoke it); else DoesNotExist."""
    return (
        Grant.objects.active(now=now)
        .filter(document__in=Document.objects.for_user(user))
        .select_related("service", "document__owner")
        .get(pk=pk)
    )


def services_to_share_with() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True).order_by("name")


def shared_documents_page(*, user, page: str | int | None, now: datetime | None = None) -> Page:
    """The back office's list: documents shared with the agent's services, each with the active
    grants that open it to them (`agent_grants`), owner and current version; three queries."""
    now = now or timezone.now()
    grants = (
        Grant.objects.active(now=now)
        .filter(service__agent_memberships__user=user, service__is_active=True)
        .select_related("service")
        .order_by("expires_at", "pk")
    )
    documents = documents_shared_with_agent(user=user, now=now).prefetch_related(
        Prefetch("grants", queryset=grants, to_attr="agent_grants")
    )
    return Paginator(documents, SHARED_DOCUMENTS_PER_PAGE).get_page(page)


@dataclass(frozen=True)
class VaultSummary:
    """The "Mon coffre-fort" card of Mon espace."""

    documents: int
    expiring_soon: int
    expired: int


def vault_summary(*, user, today: date | None = None) -> VaultSummary:
    """Counts over every vault the user may open, in one query."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=settings.COFFRE_EXPIRY_SOON_DAYS)
    counts = Document.objects.for_user(user).aggregate(
        documents=Count("pk"),
        expiring_soon=Count("pk", filter=Q(expiry_date__gte=today, expiry_date__lte=soon)),
        expired=Count("pk", filter=Q(expiry_date__lt=today)),
    )
    return VaultSummary(**counts)


# Export --------------------------------------------------------------------------------------


def documents_for_export(*, owner: Party) -> QuerySet[Document]:
    """Every document of one vault with its current version (and its data key) and all its
    versions; the caller checks that the actor may open the vault."""
    return (
        Document.objects.filter(owner=owner, current_version__isnull=False)
        .select_related("document_type", "current_version__data_key")
        .prefetch_related(Prefetch("versions", queryset=DocumentVersion.objects.order_by("number")))
        .order_by("document_type__position", "title", "pk")
    )


def vault_trace(*, owner: Party) -> list[dict]:
    """The operations on one vault from the audit log, oldest first, ids only: date, action,
    who (the owner's own members, an agent, or the system) and the ids the event holds."""
    members = PartyMembership.objects.filter(party=owner, user_id=OuterRef("actor_id"))
    events = (
        AuditEvent.objects.for_owner([owner.pk])
        .filter(action__startswith="coffre.")
        .annotate(by_member=Exists(members))
        .order_by("created_at", "id")
        .values("id", "created_at", "action", "actor_id", "target_type", "target_id", "details", "by_member")
    )
    trace = []
    for event in events:
        # Anyone else than the vault's members (who read through a grant, or in the back office)
        # is the town: an agent or an administrator.
        if event["actor_id"] is None:
            actor_kind = "system"
        elif event["by_member"]:
            actor_kind = "owner"
        else:
            actor_kind = "agent"
        trace.append(
            {
                "id": event["id"],
                "date": timezone.localtime(event["created_at"]).isoformat(),
                "action": event["action"],
                "actor": actor_kind,
                "actor_id": event["actor_id"],
                "target": f"{event['target_type']}:{event['target_id']}" if event["target_type"] else None,
                "details": event["details"],
            }
        )
    return trace
