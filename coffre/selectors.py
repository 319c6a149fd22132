"""Every read a vault page needs, scoped to the user and prefetched.

Someone else's object is simply not in the queryset: `.get()` raises
DoesNotExist and `get_object_or_404` answers 404, so ids leak nothing.
Plaintext is only ever read through `services.open_plaintext` (authorised and audited).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from coffre.models import Document, DocumentType, DocumentVersion, Grant, vault_party_ids
from coffre.services import used_bytes
from guichet.accounts.models import Party


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
