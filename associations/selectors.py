"""The associations' space: every read a page needs, scoped to the user and prefetched.

Members reach only their own associations (someone else's is not in the queryset:
DoesNotExist, a 404); a user who left an association no longer finds it, at once.
Agents of the vie associative service reach every association (`perms.is_associations_agent`,
else PermissionDenied, a 403).

For the sub-apps: `acting_parties(user=)` lists whom a user may ask for something in
the name of (themself, and their verified associations), `current_association(user=,
chosen_id=)` the association they last switched to.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from associations import perms
from associations.enums import BOARD_ROLES, MEMBER_ROLES, AssociationStatus
from associations.models import Association, AssociationInvitation
from coffre import selectors as vault
from coffre.enums import ExpiryStatus
from coffre.models import Document, DocumentType
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import Party, PartyMembership, User

# The papers the vie associative service asks every association for, kept in the association's vault
# (coffre's document types; "pv-assemblee-generale" is seeded by associations' migration 0002).
REQUIRED_DOCUMENT_TYPES = ("statuts-association", "pv-assemblee-generale", "rib", "attestation-assurance")
AGENT_LIST_SIZE = 50


def hash_token(token: str) -> str:
    """How an invitation's token is kept: its SHA-256 only."""
    return hashlib.sha256(token.encode()).hexdigest()


# A member's associations --------------------------------------------------------------------------


def associations_for_user(*, user) -> QuerySet[Association]:
    """The user's associations, by name, each with `my_role` (their role in it)."""
    if not user.is_authenticated:
        return Association.objects.none()
    role = PartyMembership.objects.filter(party_id=OuterRef("party_id"), user=user).values("role")[:1]
    return (
        Association.objects.for_user(user)
        .select_related("party")
        .annotate(my_role=Subquery(role))
        .order_by("party__name", "pk")
    )


def association_for_user(*, user, pk: int) -> Association:
    """One of the user's associations (with `my_role`); DoesNotExist for anyone else's."""
    return associations_for_user(user=user).get(pk=pk)


def current_association(*, user, chosen_id: int | None) -> Association | None:
    """The association the user switched to (kept in their session), else their first one."""
    associations = associations_for_user(user=user)
    if chosen_id:
        chosen = associations.filter(pk=chosen_id).first()
        if chosen is not None:
            return chosen
    return associations.first()


@dataclass(frozen=True)
class ActingParty:
    """Someone a user may ask the town for something in the name of."""

    party: Party
    label: str
    association: Association | None = None
    role: str = ""


def acting_parties(*, user, verified_only: bool = True) -> list[ActingParty]:
    """The user themself (their person party), then their associations (verified ones only, unless
    `verified_only=False`): what a booking form offers as "for whom". One query for the associations."""
    if not user.is_authenticated:
        return []
    result = []
    person = Party.objects.filter(person=user).first()
    if person is not None:
        result.append(ActingParty(party=person, label=_("Moi-même (%(name)s)") % {"name": person.name}))
    associations = associations_for_user(user=user)
    if verified_only:
        associations = associations.filter(status=AssociationStatus.VERIFIED)
    for association in associations:
        result.append(
            ActingParty(
                party=association.party,
                label=association.party.name,
                association=association,
                role=association.my_role or "",
            )
        )
    return result


# An association's page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    user: User
    role: str
    since: datetime

    @property
    def role_label(self) -> str:
        return PartyRole(self.role).label

    @property
    def is_board(self) -> bool:
        return self.role in BOARD_ROLES


@dataclass(frozen=True)
class RequiredDocument:
    """One of the papers asked of every association, and the latest one in its vault."""

    document_type: DocumentType
    document: Document | None
    status: ExpiryStatus | None

    @property
    def is_missing(self) -> bool:
        return self.document is None or self.status == ExpiryStatus.EXPIRED


@dataclass
class AssociationFile:
    association: Association
    members: list[Member]
    invitations: list[AssociationInvitation]
    my_role: str
    is_board: bool
    # None when the user may not open the vault (a plain member): the page says who may.
    documents: list[RequiredDocument] | None = None
    board_count: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def missing_documents(self) -> int:
        return sum(1 for entry in self.documents or () if entry.is_missing)


def members_of(association: Association) -> list[Member]:
    """The association's members, board first, with their accounts."""
    memberships = (
        PartyMembership.objects.filter(party_id=association.party_id, role__in=MEMBER_ROLES)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    order = {role: position for position, role in enumerate(MEMBER_ROLES)}
    members = [Member(user=m.user, role=m.role, since=m.created_at) for m in memberships]
    return sorted(members, key=lambda member: order[member.role])


def pending_invitations(association: Association, *, now: datetime | None = None) -> QuerySet:
    return association.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now or timezone.now()
    ).select_related("invited_by")


def _required(documents: QuerySet[Document], *, today: date | None) -> list[RequiredDocument]:
    """Each required type and the newest of these documents of that type."""
    today = today or timezone.localdate()
    types = {t.code: t for t in DocumentType.objects.filter(code__in=REQUIRED_DOCUMENT_TYPES)}
    latest: dict[str, Document] = {}
    documents = documents.filter(
        document_type__code__in=REQUIRED_DOCUMENT_TYPES, current_version__isnull=False
    )
    for document in documents.select_related("document_type").order_by("-created_at", "-pk"):
        latest.setdefault(document.document_type.code, document)
    return [
        RequiredDocument(
            document_type=types[code],
            document=latest.get(code),
            status=latest[code].expiry_status(today) if code in latest else None,
        )
        for code in REQUIRED_DOCUMENT_TYPES
        if code in types
    ]


def required_documents(
    *, user, association: Association, today: date | None = None
) -> list[RequiredDocument]:
    """The required papers and, for each, the newest document of that type in the association's vault
    (only what `user` may open: empty for a plain member)."""
    return _required(vault.documents_for_owner(user=user, owner=association.party), today=today)


def association_file(*, user, association: Association) -> AssociationFile:
    """What the association's page shows to one of its members."""
    members = members_of(association)
    my_role = next((member.role for member in members if member.user.pk == user.pk), "")
    is_board = my_role in BOARD_ROLES
    return AssociationFile(
        association=association,
        members=members,
        invitations=list(pending_invitations(association)) if is_board else [],
        my_role=my_role,
        is_board=is_board,
        documents=required_documents(user=user, association=association) if is_board else None,
        board_count=sum(1 for member in members if member.is_board),
    )


def member_for_user(*, user, association: Association, member_pk: int) -> Member:
    """A member of one of the user's associations, by their user id; DoesNotExist else."""
    membership = PartyMembership.objects.select_related("user").get(
        party_id=association.party_id, user_id=member_pk, role__in=MEMBER_ROLES
    )
    return Member(user=membership.user, role=membership.role, since=membership.created_at)


def invitation_for_user(*, user, pk: int) -> AssociationInvitation:
    """An invitation of one of the user's associations; DoesNotExist for anyone else's."""
    return AssociationInvitation.objects.select_related("association__party").get(
        pk=pk, association__in=Association.objects.for_user(user)
    )


def invitation_for_token(*, token: str) -> AssociationInvitation | None:
    return (
        AssociationInvitation.objects.select_related("association__party", "invited_by")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )


def invitation_problem(*, invitation: AssociationInvitation, user, now: datetime | None = None) -> str:
    """Why this user cannot accept this invitation now, in French; "" when they can."""
    now = now or timezone.now()
    if invitation.revoked_at is not None:
        return _("Cette invitation a été annulée.")
    if invitation.accepted_at is not None:
        if invitation.accepted_by_id == user.pk:
            return ""
        return _("Cette invitation a déjà été acceptée.")
    if invitation.expires_at <= now:
        return _("Cette invitation a expiré : demandez à l'association de vous en envoyer une autre.")
    if user.email.lower() != invitation.email.lower():
        return _(
            "Cette invitation a été envoyée à une autre adresse électronique : connectez-vous avec "
            "le compte de cette adresse (ou créez-le) pour l'accepter."
        )
    return ""


# The back-office ----------------------------------------------------------------------------------


def _check_agent(user) -> None:
    if not perms.is_associations_agent(user):
        raise PermissionDenied


def associations_for_agent(*, user, status: str = "", query: str = "") -> QuerySet[Association]:
    """Every association, those waiting for verification first, filtered by state and name or number."""
    _check_agent(user)
    associations = Association.objects.select_related("party")
    if status in AssociationStatus.values:
        associations = associations.filter(status=status)
    query = " ".join((query or "").split())
    if query:
        compact = query.replace(" ", "").upper()
        associations = associations.filter(
            Q(party__name__icontains=query) | Q(rna=compact) | Q(siret=compact) | Q(city__icontains=query)
        )
    pending_first = Q(status=AssociationStatus.PENDING)
    return associations.alias(pending=pending_first).order_by("-pending", "party__name", "pk")


def association_for_agent(*, user, pk: int) -> Association:
    _check_agent(user)
    return Association.objects.select_related("party", "status_changed_by", "created_by").get(pk=pk)


def agent_association_file(*, user, association: Association) -> AssociationFile:
    """What an agent's page of an association shows: its members and its required papers' state (the
    service sees that a paper is there and valid; it opens the papers through what the association sends)."""
    _check_agent(user)
    members = members_of(association)
    return AssociationFile(
        association=association,
        members=members,
        invitations=[],
        my_role="",
        is_board=False,
        documents=_required(Document.objects.filter(owner_id=association.party_id), today=None),
        board_count=sum(1 for member in members if member.is_board),
    )


def agent_counts(*, user) -> dict[str, int]:
    """How many associations wait for verification (the agents' home and menu)."""
    _check_agent(user)
    return {"pending": Association.objects.filter(status=AssociationStatus.PENDING).count()}


__all__ = [
    "AGENT_LIST_SIZE",
    "REQUIRED_DOCUMENT_TYPES",
    "ActingParty",
    "AssociationFile",
    "Member",
    "RequiredDocument",
    "acting_parties",
    "agent_association_file",
    "agent_counts",
    "association_file",
    "association_for_agent",
    "association_for_user",
    "associations_for_agent",
    "associations_for_user",
    "current_association",
    "hash_token",
    "invitation_for_token",
    "invitation_for_user",
    "invitation_problem",
    "member_for_user",
    "members_of",
    "pending_invitations",
    "required_documents",
]
