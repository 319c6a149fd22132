"""The family file's reads (part F1), scoped to the user and prefetched.

Parents reach only their own households and children (someone else's is not in
the queryset: DoesNotExist, a 404); agents of the family services reach every
family file (`perms.is_famille_agent`, else PermissionDenied, a 403), and the
children's health notes only with `perms.can_read_health`.

For the other parts: `missing_documents(child=, household=, on=)` says what keeps
a child from being booked, `quotient_on(household=, on=)` which quotient prices a day.
A document waiting for an agent's check counts as given (the family did its part;
the town checks after), so only missing, expired and refused documents block.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from coffre.models import Document, Grant
from famille import perms
from famille.enums import ReviewStatus
from famille.models import (
    AuthorisedPickup,
    Child,
    ChildShareInvitation,
    Enrolment,
    FamilyDocument,
    Household,
    HouseholdInvitation,
    QuotientFamilial,
    RequiredDocument,
)
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import PartyMembership

__all__ = [
    "ChildDocuments",
    "DocumentState",
    "FamilyCard",
    "FamilyFile",
    "MissingDocument",
    "caf_certificates_for",
    "child_for_user",
    "child_share_for_user",
    "household_child",
    "invitation_for_user",
    "invitation_problem",
    "pickup_for_user",
    "requirement_for",
    "child_share_for_token",
    "documents_to_review",
    "family_card",
    "family_document_for_agent",
    "family_file",
    "hash_token",
    "household_for_agent",
    "household_for_user",
    "households_for_user",
    "invitation_for_token",
    "missing_documents",
    "missing_documents_by_child",
    "quotient_for_agent",
    "quotient_on",
    "quotients_to_review",
    "search_households",
    "vault_documents_for",
]

HOUSEHOLD_REFERENCE_PREFIX = "F"
# The vault's document type of the CAF certificate (seeded by coffre's migration 0002).
CAF_DOCUMENT_TYPE_CODE = "attestation-caf"


def hash_token(token: str) -> str:
    """How an invitation's token is kept: its SHA-256 only."""
    return hashlib.sha256(token.encode()).hexdigest()


# Documents: what is given, what is missing ---------------------------------------------------

MISSING = "missing"
EXPIRED = "expired"
REFUSED = "refused"
PENDING = "pending"
VALID = "valid"
BLOCKING = (MISSING, EXPIRED, REFUSED)


@dataclass(frozen=True)
class MissingDocument:
    """A document that keeps a child from being booked, and why, in French."""

    label: str
    reason: str
    code: str  # "missing", "expired" or "refused"
    requirement_id: int
    child_id: int | None = None  # None: a document of the household

    def __str__(self) -> str:
        return f"{self.label} : {self.reason}"


@dataclass(frozen=True)
class DocumentState:
    """One requirement of a family file (of the household, or of one child) and where it stands."""

    requirement: RequiredDocument
    given: FamilyDocument | None
    code: str  # missing, expired, refused, pending, valid
    reason: str
    child: Child | None = None

    @property
    def label(self) -> str:
        return self.requirement.document_type.label

    @property
    def blocks(self) -> bool:
        return self.code in BLOCKING

    @property
    def tone(self) -> str:
        return {MISSING: "danger", EXPIRED: "danger", REFUSED: "danger", PENDING: "info", VALID: "success"}[
            self.code
        ]

    @property
    def status_label(self) -> str:
        return {
            MISSING: _("Manquant"),
            EXPIRED: _("Expiré"),
            REFUSED: _("Refusé"),
            PENDING: _("En attente de vérification"),
            VALID: _("Validé"),
        }[self.code]

    def as_missing(self) -> MissingDocument:
        return MissingDocument(
            label=self.label,
            reason=self.reason,
            code=self.code,
            requirement_id=self.requirement.pk,
            child_id=self.child.pk if self.child else None,
        )


def _short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _rank(given: FamilyDocument, on: date) -> int:
    """Which of two documents given for the same child counts (alternating custody): the valid one."""
    expired = given.document.expiry_date is not None and given.document.expiry_date < on
    if given.status == ReviewStatus.REFUSED:
        return 0
    if expired:
        return 1
    return 3 if given.status == ReviewStatus.VALIDATED else 2


def _state(
    requirement: RequiredDocument, given: FamilyDocument | None, on: date, child=None
) -> DocumentState:
    if given is None:
        return DocumentState(requirement, None, MISSING, _("manquant"), child)
    if given.status == ReviewStatus.REFUSED:
        return DocumentState(
            requirement, given, REFUSED, _("refusé : %(reason)s") % {"reason": given.refusal_reason}, child
        )
    expiry = given.document.expiry_date
    if expiry is not None and expiry < on:
        return DocumentState(
            requirement, given, EXPIRED, _("expiré le %(date)s") % {"date": _short_date(expiry)}, child
        )
    if given.status == ReviewStatus.PENDING:
        return DocumentState(requirement, given, PENDING, _("en attente de vérification"), child)
    if expiry is not None:
        reason = _("valable jusqu'au %(date)s") % {"date": _short_date(expiry)}
    else:
        reason = _("validé")
    return DocumentState(requirement, given, VALID, reason, child)


def _requirements() -> list[RequiredDocument]:
    return list(RequiredDocument.objects.filter(is_active=True).select_related("document_type"))


def _readable_by(reader) -> Exists:
    """Whether an active vault grant lets one of the reader's services open the document."""
    return Exists(
        Grant.objects.active().filter(
            document_id=OuterRef("document_id"),
            service__is_active=True,
            service__agent_memberships__user=reader,
        )
    )


def _readable_caf_by(reader) -> Exists:
    return Exists(
        Grant.objects.active().filter(
            document_id=OuterRef("caf_document_id"),
            service__is_active=True,
            service__agent_memberships__user=reader,
        )
    )


def _given_documents(*, household: Household, child_ids: list[int], reader=None) -> list[FamilyDocument]:
    """The household's own documents and every document given for these children, by either household;
    with `reader` (an agent), each says whether the agent may open it (`readable`)."""
    documents = (
        FamilyDocument.objects.filter(
            Q(household=household, child__isnull=True) | Q(child_id__in=child_ids, child__isnull=False)
        )
        .select_related("document__document_type", "requirement__document_type")
        .order_by("pk")
    )
    if reader is not None:
        documents = documents.annotate(readable=_readable_by(reader))
    return list(documents)


@dataclass
class ChildDocuments:
    child: Child | None
    states: list[DocumentState] = field(default_factory=list)

    @property
    def missing(self) -> list[MissingDocument]:
        return [state.as_missing() for state in self.states if state.blocks]


def _document_states(
    *, household: Household, children: list[Child], on: date, reader=None
) -> tuple[list[DocumentState], dict[int, list[DocumentState]]]:
    """The household's requirements and each child's, where they stand on `on`: two queries."""
    requirements = _requirements()
    household_given: dict[int, FamilyDocument] = {}
    child_given: dict[tuple[int, int], FamilyDocument] = {}
    child_ids = [child.pk for child in children]
    for given in _given_documents(household=household, child_ids=child_ids, reader=reader):
        if given.child_id is None:
            household_given[given.requirement_id] = given
        else:
            key = (given.child_id, given.requirement_id)
            current = child_given.get(key)
            # Given twice (once by each household): the one that counts, and this household's on a tie.
            if current is None or (_rank(given, on), given.household_id == household.pk) > (
                _rank(current, on),
                current.household_id == household.pk,
            ):
                child_given[key] = given
    household_states = [
        _state(requirement, household_given.get(requirement.pk), on)
        for requirement in requirements
        if not requirement.for_child
    ]
    by_child = {
        child.pk: [
            _state(requirement, child_given.get((child.pk, requirement.pk)), on, child)
            for requirement in requirements
            if requirement.for_child
        ]
        for child in children
    }
    return household_states, by_child


def missing_documents(*, child: Child, household: Household, on: date) -> list[MissingDocument]:
    """What keeps the child from being booked on `on` through this household: the household's
    documents and the child's own (given by either of their households) that are missing, expired
    on that day, or refused. A document waiting for its check counts as given. Two queries."""
    household_states, by_child = _document_states(household=household, children=[child], on=on)
    return [state.as_missing() for state in [*household_states, *by_child[child.pk]] if state.blocks]


def missing_documents_by_child(*, household: Household, on: date) -> dict[int, list[MissingDocument]]:
    """`missing_documents` for every child of the household at once: three queries."""
    children = list(Child.objects.filter(memberships__household=household))
    household_states, by_child = _document_states(household=household, children=children, on=on)
    household_missing = [state.as_missing() for state in household_states if state.blocks]
    return {
        child.pk: [*household_missing, *(state.as_missing() for state in by_child[child.pk] if state.blocks)]
        for child in children
    }


# Quotient familial ----------------------------------------------------------------------------


def quotient_on(*, household: Household, on: date) -> QuotientFamilial | None:
    """The validated quotient that prices the day `on`, or None (then the highest price applies).

    When validated periods overlap, the one starting latest wins (a new certificate
    replaces the old one from its date), then the one validated last.
    """
    return (
        QuotientFamilial.objects.filter(
            household=household, status=ReviewStatus.VALIDATED, valid_from__lte=on, valid_until__gte=on
        )
        .order_by("-valid_from", "-reviewed_at", "-pk")
        .first()
    )


# Parents ------------------------------------------------------------------------------------


def households_for_user(*, user) -> QuerySet[Household]:
    return Household.objects.for_user(user).select_related("party").order_by("pk")


def household_for_user(*, user, pk: int) -> Household:
    """One of the user's households; DoesNotExist for anyone else's."""
    return households_for_user(user=user).get(pk=pk)


def child_for_user(*, user, pk: int) -> tuple[Child, Household]:
    """One of the user's children with the household through which the user looks after them;
    DoesNotExist for anyone else's child."""
    child = (
        Child.objects.for_user(user)
        .select_related("school", "health")
        .prefetch_related("authorised_pickups")
        .annotate(household_count=Count("memberships", distinct=True))
        .get(pk=pk)
    )
    household = households_for_user(user=user).filter(child_memberships__child=child).first()
    if household is None:  # pragma: no cover (for_user found the child through one of them)
        raise Child.DoesNotExist
    return child, household


def vault_documents_for(*, user, household: Household, document_type_id: int) -> QuerySet[Document]:
    """The household vault's documents of one type that a parent may give (a current version)."""
    return (
        Document.objects.for_user(user)
        .filter(owner_id=household.party_id, document_type_id=document_type_id, current_version__isnull=False)
        .select_related("document_type")
        .order_by("-expiry_date", "-created_at", "-pk")
    )


def caf_certificates_for(*, user, household: Household) -> QuerySet[Document]:
    """The household vault's CAF certificates, to declare the quotient familial with one."""
    return (
        Document.objects.for_user(user)
        .filter(
            owner_id=household.party_id,
            document_type__code=CAF_DOCUMENT_TYPE_CODE,
            current_version__isnull=False,
        )
        .select_related("document_type")
        .order_by("-expiry_date", "-created_at", "-pk")
    )


def invitation_for_token(*, token: str) -> HouseholdInvitation | None:
    return (
        HouseholdInvitation.objects.select_related("household__party", "invited_by")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )


def invitation_problem(*, invitation, user, now: datetime | None = None) -> str | None:
    """Why this user cannot accept this invitation (to the household, or to share a child), in
    French, in the order a person understands it; None when they can."""
    now = now or timezone.now()
    if invitation.revoked_at is not None:
        return _("Cette invitation a été annulée par le foyer qui l'a envoyée.")
    if invitation.accepted_at is not None:
        return _("Cette invitation a déjà été utilisée.")
    if invitation.expires_at <= now:
        return _(
            "Cette invitation a expiré le %(date)s. Demandez-en une nouvelle au foyer qui vous l'a envoyée."
        ) % {"date": _short_date(timezone.localdate(invitation.expires_at))}
    if user.email.strip().lower() != invitation.email.strip().lower():
        return _(
            "Cette invitation a été envoyée à une autre adresse électronique que celle de votre compte. "
            "Connectez-vous avec le compte de l'adresse invitée (ou créez-le avec cette adresse) "
            "pour l'accepter."
        )
    return None


def invitation_for_user(*, user, pk: int) -> HouseholdInvitation:
    """An invitation sent by one of the user's households (to cancel it); else DoesNotExist."""
    return HouseholdInvitation.objects.filter(household__in=Household.objects.for_user(user)).get(pk=pk)


def child_share_for_user(*, user, pk: int) -> ChildShareInvitation:
    """A child's sharing sent by one of the user's households (to cancel it); else DoesNotExist."""
    return ChildShareInvitation.objects.filter(household__in=Household.objects.for_user(user)).get(pk=pk)


def pickup_for_user(*, user, pk: int) -> AuthorisedPickup:
    """An authorised person of one of the user's children; else DoesNotExist."""
    return (
        AuthorisedPickup.objects.select_related("child")
        .filter(child__in=Child.objects.for_user(user))
        .get(pk=pk)
    )


def requirement_for(*, pk: int, for_child: bool) -> RequiredDocument:
    return RequiredDocument.objects.select_related("document_type").get(
        pk=pk, is_active=True, for_child=for_child
    )


def household_child(*, household: Household, pk: int) -> Child:
    """A child of this household (already scoped to the user); else DoesNotExist."""
    return Child.objects.filter(memberships__household=household).get(pk=pk)


def child_share_for_token(*, token: str) -> ChildShareInvitation | None:
    return (
        ChildShareInvitation.objects.select_related("child", "household__party", "invited_by")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )


# The whole file --------------------------------------------------------------------------------


@dataclass
class FamilyFile:
    """Everything the family file's pages show, loaded in a fixed number of queries."""

    household: Household
    guardians: list
    invitations: list[HouseholdInvitation]
    children: list[Child]
    household_documents: list[DocumentState]
    child_documents: list[ChildDocuments]
    quotients: list[QuotientFamilial]
    current_quotient: QuotientFamilial | None
    pending_quotient: QuotientFamilial | None
    shares: list[ChildShareInvitation]
    enrolments: list[Enrolment]
    show_health: bool

    @property
    def reference(self) -> str:
        return self.household.reference

    @property
    def missing_count(self) -> int:
        return sum(1 for state in self.household_documents if state.blocks) + sum(
            len(entry.missing) for entry in self.child_documents
        )


def family_file(
    *,
    household: Household,
    on: date | None = None,
    now: datetime | None = None,
    with_health: bool = True,
    with_enrolments: bool = False,
    reader=None,
) -> FamilyFile:
    """The family file of a household already scoped by the caller (`household_for_user` or
    `household_for_agent`). Health notes are loaded only when `with_health` (parents, and agents
    holding the permission); `reader` (an agent) marks the documents they may open. Nine queries,
    whatever the number of children and documents."""
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    guardians = [
        membership.user
        for membership in PartyMembership.objects.filter(party_id=household.party_id, role=PartyRole.GUARDIAN)
        .select_related("user")
        .order_by("created_at", "pk")
    ]
    invitations = list(
        HouseholdInvitation.objects.filter(
            household=household, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).order_by("created_at")
    )
    children_qs = (
        Child.objects.filter(memberships__household=household)
        .select_related("school")
        .prefetch_related("authorised_pickups")
        .annotate(household_count=Count("memberships", distinct=True))
        .order_by("birth_date", "first_name", "pk")
    )
    if with_health:
        children_qs = children_qs.select_related("health")
    children = list(children_qs)
    for child in children:
        # Read only here, so that a page without the permission cannot reach it by a lazy query.
        child.health_notes = getattr(child, "health", None) if with_health else None
    household_states, by_child = _document_states(
        household=household, children=children, on=on, reader=reader
    )
    quotients = list(
        QuotientFamilial.objects.filter(household=household)
        .select_related("caf_document")
        .order_by("-declared_at", "-pk")
    )
    validated = sorted(
        (
            quotient
            for quotient in quotients
            if quotient.status == ReviewStatus.VALIDATED and quotient.valid_from <= on <= quotient.valid_until
        ),
        key=lambda quotient: (quotient.valid_from, quotient.reviewed_at or now, quotient.pk),
        reverse=True,
    )
    shares = list(
        ChildShareInvitation.objects.filter(
            household=household, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
        .select_related("child")
        .order_by("created_at")
    )
    enrolments = []
    if with_enrolments:
        enrolments = list(
            Enrolment.objects.filter(Q(household=household) | Q(child__in=[child.pk for child in children]))
            .select_related("child", "activity", "site", "school_year")
            .order_by("-school_year__start_date", "child__first_name", "activity__name", "pk")
        )
    return FamilyFile(
        household=household,
        guardians=guardians,
        invitations=invitations,
        children=children,
        household_documents=household_states,
        child_documents=[ChildDocuments(child, by_child[child.pk]) for child in children],
        quotients=quotients,
        current_quotient=validated[0] if validated else None,
        pending_quotient=next((q for q in quotients if q.status == ReviewStatus.PENDING), None),
        shares=shares,
        enrolments=enrolments,
        show_health=with_health,
    )


# The "Ma famille" card --------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyCard:
    household: Household | None
    children: list[Child]
    missing: int
    quotient: QuotientFamilial | None
    quotient_pending: bool


def family_card(*, user, on: date | None = None) -> FamilyCard:
    """The "Ma famille" card: the user's household, its children, how many documents are missing
    and the quotient that applies today. Five queries at most; one without a household."""
    on = on or timezone.localdate()
    pending = QuotientFamilial.objects.filter(household=OuterRef("pk"), status=ReviewStatus.PENDING)
    household = households_for_user(user=user).annotate(quotient_pending=Exists(pending)).first()
    if household is None:
        return FamilyCard(None, [], 0, None, False)
    children = list(Child.objects.filter(memberships__household=household).order_by("birth_date", "pk"))
    household_states, by_child = _document_states(household=household, children=children, on=on)
    missing = sum(1 for state in household_states if state.blocks) + sum(
        1 for states in by_child.values() for state in states if state.blocks
    )
    quotient = quotient_on(household=household, on=on)
    return FamilyCard(household, children, missing, quotient, household.quotient_pending)


# Agents -------------------------------------------------------------------------------------


def _check_agent(user) -> None:
    if not perms.is_famille_agent(user):
        raise PermissionDenied


def household_for_agent(*, user, pk: int) -> Household:
    """Any family file, for an agent of the family services (PermissionDenied for anyone else)."""
    _check_agent(user)
    return Household.objects.select_related("party").get(pk=pk)


def search_households(*, user, query: str = "") -> QuerySet[Household]:
    """Family files whose reference, household name, adult (name, e-mail) or child matches every word
    of `query`, newest first, each with its adults and children prefetched (three queries a page)."""
    _check_agent(user)
    households = Household.objects.select_related("party")
    words = query.split()
    for word in words:
        reference = word.upper().removeprefix(HOUSEHOLD_REFERENCE_PREFIX)
        match = (
            Q(party__name__icontains=word)
            | Q(party__memberships__user__first_name__icontains=word)
            | Q(party__memberships__user__last_name__icontains=word)
            | Q(party__memberships__user__email__icontains=word)
            | Q(children__first_name__icontains=word)
            | Q(children__last_name__icontains=word)
        )
        if reference.isdigit():
            match |= Q(pk=int(reference))
        households = households.filter(pk__in=Household.objects.filter(match).values("pk"))
    return households.prefetch_related(
        Prefetch(
            "party__memberships",
            queryset=PartyMembership.objects.filter(role=PartyRole.GUARDIAN).select_related("user"),
            to_attr="guardian_memberships",
        ),
        Prefetch("children", queryset=Child.objects.order_by("birth_date", "pk")),
    ).order_by("-created_at", "-pk")


def documents_to_review(*, user) -> QuerySet[FamilyDocument]:
    """The queue "documents à vérifier": given and waiting for a check, oldest first."""
    _check_agent(user)
    return (
        FamilyDocument.objects.filter(status=ReviewStatus.PENDING)
        .select_related("household__party", "child", "requirement__document_type", "document")
        .annotate(readable=_readable_by(user))
        .order_by("created_at", "pk")
    )


def family_document_for_agent(*, user, pk: int) -> FamilyDocument:
    _check_agent(user)
    return (
        FamilyDocument.objects.select_related(
            "household__party", "child", "requirement__document_type", "document", "reviewed_by"
        )
        .annotate(readable=_readable_by(user))
        .get(pk=pk)
    )


def quotients_to_review(*, user) -> QuerySet[QuotientFamilial]:
    """The queue "quotients à vérifier": declared and waiting for a check, oldest first."""
    _check_agent(user)
    return (
        QuotientFamilial.objects.filter(status=ReviewStatus.PENDING)
        .select_related("household__party", "caf_document")
        .annotate(readable=_readable_caf_by(user))
        .order_by("declared_at", "pk")
    )


def quotient_for_agent(*, user, pk: int) -> QuotientFamilial:
    _check_agent(user)
    return (
        QuotientFamilial.objects.select_related("household__party", "caf_document", "declared_by")
        .annotate(readable=_readable_caf_by(user))
        .get(pk=pk)
    )
