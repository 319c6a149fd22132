"""The family file (part F1): the household, its responsible adults, children, documents and quotient.

Public API (keyword-only arguments, `actor` first; every refusal is a
`famille.exceptions.FamilleError` with a French `message`):

Household
    create_household(actor, name, address, postal_code, city, phone, email) -> Household
    update_household(actor, household, name, address, postal_code, city, phone, email) -> Household
    set_household_residence(actor, household, is_resident) -> Household      (agents)
Second responsible adult
    invite_adult(actor, household, email) -> (HouseholdInvitation, token)
    revoke_invitation(actor, invitation) -> HouseholdInvitation
    accept_invitation(actor, token) -> Household
Children
    add_child(actor, household, first_name, last_name, birth_date, school, school_level, image_rights)
    update_child(actor, child, first_name, last_name, birth_date, school, school_level, image_rights)
    update_child_health(actor, child, allergies, medical_notes, has_pai, pai_details) -> ChildHealth
    add_pickup(actor, child, name, relationship, phone) / remove_pickup(actor, pickup)
Alternating custody: a child in two households
    share_child(actor, child, household, email) -> (ChildShareInvitation, token)
    revoke_child_share(actor, invitation) / accept_child_share(actor, token) -> Household
Documents asked once
    give_document(actor, household, requirement, document, child=None) -> FamilyDocument
    validate_document(actor, family_document) / refuse_document(actor, family_document, reason)
Quotient familial
    declare_quotient(actor, household, value, monthly_income_cents, dependants, caf_document)
    validate_quotient(actor, quotient, valid_from, valid_until) / refuse_quotient(actor, quotient, reason)

Invitations carry a random token sent by e-mail; only its SHA-256 is stored. A
user is a responsible adult of one household at most (the one "Ma famille" of
their space): creating a second one, or joining another, is refused.

Documents and the CAF certificate stay in the household's vault; giving one shares it
(a vault grant) with the services that run family activities, so that their agents can
read it to check it, and every reading is audited by the vault.
"""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from coffre import services as coffre_services
from coffre.models import Document, Grant
from famille import perms
from famille.enums import ReviewStatus, SiteKind
from famille.exceptions import (
    ChildRefused,
    ChildShareRefused,
    DocumentRefused,
    FamilleAccessDenied,
    HouseholdExists,
    InvitationRefused,
    QuotientRefused,
    ReviewRefused,
    TooManyAdults,
)
from famille.models import (
    AuthorisedPickup,
    Child,
    ChildHealth,
    ChildHousehold,
    ChildShareInvitation,
    FamilyDocument,
    Household,
    HouseholdInvitation,
    QuotientFamilial,
    RequiredDocument,
    Site,
)
from famille.selectors.family import CAF_DOCUMENT_TYPE_CODE, hash_token, invitation_problem
from guichet import audit
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import Party, PartyMembership, Service, User
from guichet.notify import services as notify_services

__all__ = [
    "CAF_DOCUMENT_TYPE_CODE",
    "DOCUMENT_REFUSED_NOTIFICATION_KIND",
    "INVITATION_DAYS",
    "MAX_ADULTS",
    "MAX_HOUSEHOLDS_PER_CHILD",
    "QUOTIENT_DECIDED_NOTIFICATION_KIND",
    "accept_child_share",
    "accept_invitation",
    "add_child",
    "add_pickup",
    "create_household",
    "declare_quotient",
    "family_services",
    "give_document",
    "invite_adult",
    "refuse_document",
    "refuse_quotient",
    "remove_pickup",
    "revoke_child_share",
    "revoke_invitation",
    "set_household_residence",
    "share_child",
    "update_child",
    "update_child_health",
    "update_household",
    "validate_document",
    "validate_quotient",
]

INVITATION_DAYS = 14
MAX_ADULTS = 2
# Alternating custody: the child's two homes, no more.
MAX_HOUSEHOLDS_PER_CHILD = 2
MAX_PICKUPS = 10
# A document without an end date is shared with the family services for a year, then again when given anew.
GRANT_DAYS_WITHOUT_EXPIRY = 365
DOCUMENT_REFUSED_NOTIFICATION_KIND = "famille_document_refused"
QUOTIENT_DECIDED_NOTIFICATION_KIND = "famille_quotient_decided"


# Helpers ------------------------------------------------------------------------------------


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def _short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _check_guardian(actor, household: Household) -> None:
    if not perms.is_guardian(actor, household):
        raise FamilleAccessDenied()


def _check_agent(actor) -> None:
    if not perms.is_famille_agent(actor):
        raise FamilleAccessDenied()


def _lock_household(household: Household) -> Household:
    return Household.objects.select_for_update().select_related("party").get(pk=household.pk)


def _household_of(actor, child: Child) -> Household:
    """The household through which the actor looks after this child (their own, holding the child)."""
    household = (
        Household.objects.for_user(actor)
        .filter(child_memberships__child=child)
        .select_related("party")
        .first()
    )
    if household is None or not perms.is_guardian(actor, household):
        raise FamilleAccessDenied()
    return household


def _lock_user(user: User) -> None:
    # Serialises one user's household creations and acceptances: one household per user.
    User.objects.select_for_update().filter(pk=user.pk).first()


def _guardian_users(household: Household) -> list[User]:
    return list(
        User.objects.filter(
            party_memberships__party_id=household.party_id, party_memberships__role=PartyRole.GUARDIAN
        )
    )


def _pending(queryset, now: datetime):
    return queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# Household ----------------------------------------------------------------------------------


def _clean(value: str) -> str:
    return " ".join((value or "").split())


@transaction.atomic
def create_household(
    *,
    actor: User,
    name: str,
    address: str = "",
    postal_code: str = "",
    city: str = "",
    phone: str = "",
    email: str = "",
) -> Household:
    """Open the actor's family file: a household party with the actor as its responsible adult."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise FamilleAccessDenied()
    _lock_user(actor)
    if Household.objects.for_user(actor).exists():
        raise HouseholdExists()
    party = Party.objects.create(kind=PartyKind.HOUSEHOLD, name=_clean(name) or _("Mon foyer"))
    PartyMembership.objects.create(user=actor, party=party, role=PartyRole.GUARDIAN)
    household = Household.objects.create(
        party=party,
        address=_clean(address),
        postal_code=_clean(postal_code),
        city=_clean(city),
        phone=_clean(phone),
        email=(email or "").strip().lower(),
    )
    audit.record(actor=actor, action="famille.household.create", target=household, owner=party)
    return household


@transaction.atomic
def update_household(
    *,
    actor: User,
    household: Household,
    name: str,
    address: str,
    postal_code: str,
    city: str,
    phone: str,
    email: str,
) -> Household:
    """The responsible adults change the household's name and contact details."""
    _check_guardian(actor, household)
    household = _lock_household(household)
    household.address = _clean(address)
    household.postal_code = _clean(postal_code)
    household.city = _clean(city)
    household.phone = _clean(phone)
    household.email = (email or "").strip().lower()
    household.save(update_fields=["address", "postal_code", "city", "phone", "email", "updated_at"])
    if _clean(name) and household.party.name != _clean(name):
        household.party.name = _clean(name)
        household.party.save(update_fields=["name", "updated_at"])
    audit.record(actor=actor, action="famille.household.update", target=household, owner=household.party_id)
    return household


@transaction.atomic
def set_household_residence(*, actor: User, household: Household, is_resident: bool) -> Household:
    """An agent records whether the household lives in the town (non-residents may pay another price),
    once the proof of address is checked."""
    _check_agent(actor)
    household = _lock_household(household)
    if household.is_resident != is_resident:
        household.is_resident = is_resident
        household.save(update_fields=["is_resident", "updated_at"])
        audit.record(
            actor=actor,
            action="famille.household.residence",
            target=household,
            owner=household.party_id,
            is_resident=is_resident,
        )
    return household


# Second responsible adult -------------------------------------------------------------------


@transaction.atomic
def invite_adult(
    *, actor: User, household: Household, email: str, now: datetime | None = None
) -> tuple[HouseholdInvitation, str]:
    """Invite the second responsible adult by e-mail; returns the invitation and the token sent.

    A household has two responsible adults at most, counting the invitations still
    open: with one adult, one invitation at a time.
    """
    now = now or timezone.now()
    _check_guardian(actor, household)
    household = _lock_household(household)
    email = (email or "").strip().lower()
    guardians = _guardian_users(household)
    if any(user.email.lower() == email for user in guardians):
        raise InvitationRefused(_("Cette personne est déjà responsable de ce foyer."))
    pending = _pending(household.invitations.all(), now).count()
    if len(guardians) >= MAX_ADULTS:
        raise TooManyAdults()
    if len(guardians) + pending >= MAX_ADULTS:
        raise TooManyAdults(
            _(
                "Une invitation est déjà en cours : un foyer compte au plus deux responsables légaux. "
                "Annulez-la pour inviter une autre personne."
            )
        )
    token, token_hash = _new_token()
    invitation = HouseholdInvitation.objects.create(
        household=household,
        email=email,
        token_hash=token_hash,
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    audit.record(actor=actor, action="famille.invitation.create", target=invitation, owner=household.party_id)
    notify_services.queue_invitation_email(
        template="famille/family/email/invitation",
        to=email,
        context={
            "inviter": actor,
            "household": household,
            "link": _absolute(reverse("famille:invitation_accept", args=[token])),
            "expires_at": invitation.expires_at,
        },
    )
    return invitation, token


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: HouseholdInvitation) -> HouseholdInvitation:
    """Cancel an invitation not yet accepted; cancelling twice changes nothing."""
    invitation = HouseholdInvitation.objects.select_for_update().get(pk=invitation.pk)
    _check_guardian(actor, invitation.household)
    if invitation.accepted_at is not None:
        raise InvitationRefused(_("Cette invitation a déjà été acceptée."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="famille.invitation.revoke",
            target=invitation,
            owner=invitation.household.party_id,
        )
    return invitation


def _check_invitation(invitation, *, actor: User, now: datetime) -> None:
    if problem := invitation_problem(invitation=invitation, user=actor, now=now):
        raise InvitationRefused(problem)


@transaction.atomic
def accept_invitation(*, actor: User, token: str, now: datetime | None = None) -> Household:
    """The invited person, signed in with the invited address, becomes the second responsible adult."""
    now = now or timezone.now()
    invitation = (
        HouseholdInvitation.objects.select_for_update().filter(token_hash=hash_token(token or "")).first()
    )
    if invitation is None:
        raise InvitationRefused(_("Ce lien d'invitation n'est pas valable."))
    if invitation.accepted_by_id == actor.pk:
        return invitation.household  # accepted already, by this very person: nothing more to do
    _check_invitation(invitation, actor=actor, now=now)
    household = _lock_household(invitation.household)
    _lock_user(actor)
    if perms.is_guardian(actor, household):
        raise InvitationRefused(_("Vous êtes déjà responsable de ce foyer."))
    if Household.objects.for_user(actor).exists():
        raise HouseholdExists(
            _(
                "Vous êtes déjà responsable d'un autre dossier famille : un compte ne peut appartenir "
                "qu'à un seul foyer."
            )
        )
    if len(_guardian_users(household)) >= MAX_ADULTS:
        raise TooManyAdults()
    PartyMembership.objects.create(user=actor, party=household.party, role=PartyRole.GUARDIAN)
    invitation.accepted_at = now
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(actor=actor, action="famille.invitation.accept", target=invitation, owner=household.party_id)
    return household


# Children -----------------------------------------------------------------------------------


def _check_child_fields(*, birth_date: date, school: Site | None) -> None:
    if birth_date > timezone.localdate():
        raise ChildRefused(_("La date de naissance ne peut pas être dans le futur."))
    if school is not None and school.kind != SiteKind.SCHOOL:
        raise ChildRefused(_("Choisissez une école de la commune."))


@transaction.atomic
def add_child(
    *,
    actor: User,
    household: Household,
    first_name: str,
    last_name: str,
    birth_date: date,
    school: Site | None = None,
    school_level: str = "",
    image_rights: bool = False,
) -> Child:
    """Add a child to the household's file."""
    _check_guardian(actor, household)
    _check_child_fields(birth_date=birth_date, school=school)
    household = _lock_household(household)
    child = Child.objects.create(
        first_name=_clean(first_name),
        last_name=_clean(last_name),
        birth_date=birth_date,
        school=school,
        school_level=school_level,
        image_rights=image_rights,
    )
    ChildHousehold.objects.create(child=child, household=household)
    audit.record(actor=actor, action="famille.child.create", target=child, owner=household.party_id)
    return child


@transaction.atomic
def update_child(
    *,
    actor: User,
    child: Child,
    first_name: str,
    last_name: str,
    birth_date: date,
    school: Site | None,
    school_level: str,
    image_rights: bool,
) -> Child:
    """Either household of the child changes their details (both see the same child)."""
    household = _household_of(actor, child)
    _check_child_fields(birth_date=birth_date, school=school)
    child = Child.objects.select_for_update().get(pk=child.pk)
    child.first_name = _clean(first_name)
    child.last_name = _clean(last_name)
    child.birth_date = birth_date
    child.school = school
    child.school_level = school_level
    changed_rights = child.image_rights != image_rights
    child.image_rights = image_rights
    child.save()
    audit.record(
        actor=actor,
        action="famille.child.update",
        target=child,
        owner=household.party_id,
        image_rights=image_rights if changed_rights else None,
    )
    return child


@transaction.atomic
def update_child_health(
    *, actor: User, child: Child, allergies: str, medical_notes: str, has_pai: bool, pai_details: str
) -> ChildHealth:
    """The parents write the child's allergies, medical notes and PAI (read by permitted agents only)."""
    household = _household_of(actor, child)
    ChildHealth.objects.get_or_create(child=child)
    health = ChildHealth.objects.select_for_update().get(child=child)
    health.allergies = (allergies or "").strip()
    health.medical_notes = (medical_notes or "").strip()
    health.has_pai = has_pai
    health.pai_details = (pai_details or "").strip() if has_pai else ""
    health.save()
    # Ids only: the content is health data and never goes to the audit log.
    audit.record(actor=actor, action="famille.child_health.update", target=child, owner=household.party_id)
    return health


@transaction.atomic
def add_pickup(*, actor: User, child: Child, name: str, relationship: str, phone: str) -> AuthorisedPickup:
    """Allow someone else to collect the child."""
    household = _household_of(actor, child)
    Child.objects.select_for_update().filter(pk=child.pk).first()
    if AuthorisedPickup.objects.filter(child=child).count() >= MAX_PICKUPS:
        raise ChildRefused(
            _("Vous pouvez indiquer au plus %(count)d personnes autorisées.") % {"count": MAX_PICKUPS}
        )
    pickup = AuthorisedPickup.objects.create(
        child=child, name=_clean(name), relationship=_clean(relationship), phone=_clean(phone)
    )
    audit.record(actor=actor, action="famille.pickup.create", target=pickup, owner=household.party_id)
    return pickup


@transaction.atomic
def remove_pickup(*, actor: User, pickup: AuthorisedPickup) -> None:
    household = _household_of(actor, pickup.child)
    audit.record(actor=actor, action="famille.pickup.delete", target=pickup, owner=household.party_id)
    pickup.delete()


# Alternating custody ------------------------------------------------------------------------


@transaction.atomic
def share_child(
    *, actor: User, child: Child, household: Household, email: str, now: datetime | None = None
) -> tuple[ChildShareInvitation, str]:
    """Share the child's file with the other parent's household, by e-mail; returns the invitation
    and the token sent. The other parent accepts it from their own family file."""
    now = now or timezone.now()
    _check_guardian(actor, household)
    child = Child.objects.select_for_update().get(pk=child.pk)
    homes = list(ChildHousehold.objects.filter(child=child).values_list("household_id", flat=True))
    if household.pk not in homes:
        raise FamilleAccessDenied()
    if len(homes) >= MAX_HOUSEHOLDS_PER_CHILD:
        raise ChildShareRefused(_("La fiche de cet enfant est déjà partagée entre deux foyers."))
    email = (email or "").strip().lower()
    if any(user.email.lower() == email for user in _guardian_users(household)):
        raise ChildShareRefused(
            _(
                "Cette adresse est celle d'un responsable de votre foyer : "
                "indiquez celle de l'autre parent, qui a son propre foyer."
            )
        )
    if _pending(ChildShareInvitation.objects.filter(child=child), now).exists():
        raise ChildShareRefused(
            _("Un partage de cette fiche est déjà en cours : annulez-le pour en envoyer un autre.")
        )
    token, token_hash = _new_token()
    invitation = ChildShareInvitation.objects.create(
        child=child,
        household=household,
        email=email,
        token_hash=token_hash,
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    audit.record(
        actor=actor,
        action="famille.child_share.create",
        target=invitation,
        owner=household.party_id,
        child=child.pk,
    )
    notify_services.queue_invitation_email(
        template="famille/family/email/child_share",
        to=email,
        context={
            "inviter": actor,
            "child": child,
            "link": _absolute(reverse("famille:child_share_accept", args=[token])),
            "expires_at": invitation.expires_at,
        },
    )
    return invitation, token


@transaction.atomic
def revoke_child_share(*, actor: User, invitation: ChildShareInvitation) -> ChildShareInvitation:
    invitation = ChildShareInvitation.objects.select_for_update().get(pk=invitation.pk)
    _check_guardian(actor, invitation.household)
    if invitation.accepted_at is not None:
        raise InvitationRefused(_("Ce partage a déjà été accepté."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="famille.child_share.revoke",
            target=invitation,
            owner=invitation.household.party_id,
        )
    return invitation


@transaction.atomic
def accept_child_share(*, actor: User, token: str, now: datetime | None = None) -> Household:
    """The other parent, signed in with the invited address, adds the child to their own household."""
    now = now or timezone.now()
    invitation = (
        ChildShareInvitation.objects.select_for_update().filter(token_hash=hash_token(token or "")).first()
    )
    if invitation is None:
        raise InvitationRefused(_("Ce lien de partage n'est pas valable."))
    if invitation.accepted_by_id == actor.pk and invitation.accepted_household_id:
        return invitation.accepted_household
    _check_invitation(invitation, actor=actor, now=now)
    household = Household.objects.for_user(actor).select_related("party").first()
    if household is None or not perms.is_guardian(actor, household):
        raise ChildShareRefused(
            _("Créez d'abord votre dossier famille, puis ouvrez de nouveau le lien reçu par courriel.")
        )
    child = Child.objects.select_for_update().get(pk=invitation.child_id)
    homes = set(ChildHousehold.objects.filter(child=child).values_list("household_id", flat=True))
    if household.pk in homes:
        raise ChildShareRefused(_("Cet enfant figure déjà dans votre dossier famille."))
    if len(homes) >= MAX_HOUSEHOLDS_PER_CHILD:
        raise ChildShareRefused(_("La fiche de cet enfant est déjà partagée entre deux foyers."))
    ChildHousehold.objects.create(child=child, household=household)
    invitation.accepted_at = now
    invitation.accepted_by = actor
    invitation.accepted_household = household
    invitation.save(update_fields=["accepted_at", "accepted_by", "accepted_household"])
    for owner in (invitation.household.party_id, household.party_id):
        audit.record(
            actor=actor,
            action="famille.child_share.accept",
            target=invitation,
            owner=owner,
            child=child.pk,
            household=household.pk,
        )
    return household


# Documents asked once -----------------------------------------------------------------------


def family_services():
    """The services whose agents check family files: active ones that run at least one activity."""
    return Service.objects.filter(is_active=True, activities__isnull=False).distinct().order_by("pk")


def _share_with_family_services(*, actor: User, document: Document, purpose: str, now: datetime) -> None:
    """Let the family services' agents read the document (the vault audits each reading)."""
    if document.expiry_date is not None:
        expires_at = coffre_services.share_until(document.expiry_date)
    else:
        expires_at = coffre_services.share_until(
            timezone.localdate(now) + timedelta(days=GRANT_DAYS_WITHOUT_EXPIRY)
        )
    if expires_at <= now:
        return
    already = set(
        Grant.objects.active(now=now)
        .filter(document=document, purpose=purpose)
        .values_list("service_id", flat=True)
    )
    for service in family_services():
        if service.pk not in already:
            coffre_services.grant_access(
                actor=actor,
                document=document,
                service=service,
                purpose=purpose,
                expires_at=expires_at,
                now=now,
            )


def _unshare(*, actor: User, document_id: int, purpose: str, now: datetime) -> None:
    for grant in Grant.objects.active(now=now).filter(document_id=document_id, purpose=purpose):
        coffre_services.revoke_grant(actor=actor, grant=grant)


def _check_vault_document(document: Document, *, household: Household, document_type_id: int, today: date):
    if document.owner_id != household.party_id or document.current_version_id is None:
        raise DocumentRefused(_("Choisissez un document du coffre-fort du foyer."))
    if document.document_type_id != document_type_id:
        raise DocumentRefused(_("Ce document n'est pas du type demandé."))
    if document.expiry_date is not None and document.expiry_date < today:
        raise DocumentRefused(
            _(
                "Ce document n'est plus valable depuis le %(date)s : "
                "déposez-en un à jour dans le coffre-fort du foyer."
            )
            % {"date": _short_date(document.expiry_date)}
        )


@transaction.atomic
def give_document(
    *,
    actor: User,
    household: Household,
    requirement: RequiredDocument,
    document: Document,
    child: Child | None = None,
    now: datetime | None = None,
) -> FamilyDocument:
    """Give a document of the household's vault for a requirement (of the household, or of a child).

    It waits for an agent's check (pending); giving another one for the same
    requirement replaces it and waits again. Giving the same one again changes nothing.
    """
    now = now or timezone.now()
    _check_guardian(actor, household)
    household = _lock_household(household)
    if not requirement.is_active:
        raise DocumentRefused(_("Cette pièce n'est plus demandée."))
    if requirement.for_child != (child is not None):
        raise DocumentRefused()
    if child is not None and not ChildHousehold.objects.filter(child=child, household=household).exists():
        raise FamilleAccessDenied()
    document = Document.objects.select_related("document_type").get(pk=document.pk)
    _check_vault_document(
        document,
        household=household,
        document_type_id=requirement.document_type_id,
        today=timezone.localdate(now),
    )
    given = (
        FamilyDocument.objects.select_for_update()
        .filter(household=household, requirement=requirement, child=child)
        .first()
    )
    if given is not None and given.document_id == document.pk and given.status != ReviewStatus.REFUSED:
        return given
    if given is None:
        given = FamilyDocument.objects.create(
            household=household, child=child, requirement=requirement, document=document, created_at=now
        )
    else:
        _unshare(
            actor=actor, document_id=given.document_id, purpose=f"famille.familydocument:{given.pk}", now=now
        )
        given.document = document
        given.status = ReviewStatus.PENDING
        given.reviewed_by = None
        given.reviewed_at = None
        given.refusal_reason = ""
        given.created_at = now
        given.save()
    _share_with_family_services(
        actor=actor, document=document, purpose=f"famille.familydocument:{given.pk}", now=now
    )
    audit.record(
        actor=actor,
        action="famille.document.give",
        target=given,
        owner=household.party_id,
        requirement=requirement.pk,
        child=child.pk if child else None,
        document=document.pk,
    )
    return given


def _review(*, actor: User, obj, model, status: str, reason: str = "", now: datetime | None = None):
    obj = model.objects.select_for_update().select_related("household").get(pk=obj.pk)
    if obj.status == status:
        raise ReviewRefused(
            _("C'est déjà fait : cette pièce est déjà validée.")
            if status == ReviewStatus.VALIDATED
            else _("C'est déjà fait : cette pièce est déjà refusée.")
        )
    reason = " ".join((reason or "").split())
    if status == ReviewStatus.REFUSED and not reason:
        raise ReviewRefused(_("Indiquez le motif du refus : la famille le lira."))
    obj.status = status
    obj.reviewed_by = actor
    obj.reviewed_at = now or timezone.now()
    obj.refusal_reason = reason if status == ReviewStatus.REFUSED else ""
    return obj


@transaction.atomic
def validate_document(*, actor: User, family_document: FamilyDocument) -> FamilyDocument:
    """An agent of the family services accepts the document (valid until its expiry date in the vault)."""
    _check_agent(actor)
    given = _review(actor=actor, obj=family_document, model=FamilyDocument, status=ReviewStatus.VALIDATED)
    given.save(update_fields=["status", "reviewed_by", "reviewed_at", "refusal_reason"])
    audit.record(
        actor=actor, action="famille.document.validate", target=given, owner=given.household.party_id
    )
    return given


@transaction.atomic
def refuse_document(*, actor: User, family_document: FamilyDocument, reason: str) -> FamilyDocument:
    """An agent refuses the document with a reason; the family is told and gives another."""
    _check_agent(actor)
    given = _review(
        actor=actor, obj=family_document, model=FamilyDocument, status=ReviewStatus.REFUSED, reason=reason
    )
    given.save(update_fields=["status", "reviewed_by", "reviewed_at", "refusal_reason"])
    audit.record(actor=actor, action="famille.document.refuse", target=given, owner=given.household.party_id)
    given = FamilyDocument.objects.select_related("requirement__document_type", "child", "household").get(
        pk=given.pk
    )
    notify_services.notify_many(
        users=_guardian_users(given.household),
        kind=DOCUMENT_REFUSED_NOTIFICATION_KIND,
        context={
            "label": given.requirement.document_type.label,
            "child": given.child,
            "reason": given.refusal_reason,
        },
        url=reverse("famille:documents", args=[given.household_id]),
    )
    return given


# Quotient familial --------------------------------------------------------------------------


def default_period(*, start: date) -> tuple[date, date]:
    """A quotient holds from the certificate's date (or the declaration) to the end of that calendar year."""
    return start, date(start.year, 12, 31)


@transaction.atomic
def declare_quotient(
    *,
    actor: User,
    household: Household,
    value: int,
    caf_document: Document,
    monthly_income_cents: int | None = None,
    dependants: int | None = None,
    now: datetime | None = None,
) -> QuotientFamilial:
    """The parents declare their quotient familial with the CAF certificate of the household's vault.

    It waits for an agent's check; a declaration still waiting is replaced by the new one.
    """
    now = now or timezone.now()
    _check_guardian(actor, household)
    household = _lock_household(household)
    if value < 0 or (monthly_income_cents is not None and monthly_income_cents < 0):
        raise QuotientRefused()
    document = Document.objects.select_related("document_type").get(pk=caf_document.pk)
    if document.document_type.code != CAF_DOCUMENT_TYPE_CODE:
        raise QuotientRefused(_("Choisissez l'attestation de quotient familial de la CAF."))
    today = timezone.localdate(now)
    _check_vault_document(
        document, household=household, document_type_id=document.document_type_id, today=today
    )
    valid_from, valid_until = default_period(start=max(document.issue_date or today, date(today.year, 1, 1)))
    quotient = (
        QuotientFamilial.objects.select_for_update()
        .filter(household=household, status=ReviewStatus.PENDING)
        .order_by("-declared_at", "-pk")
        .first()
    )
    if quotient is None:
        quotient = QuotientFamilial(household=household)
    elif quotient.caf_document_id and quotient.caf_document_id != document.pk:
        _unshare(
            actor=actor,
            document_id=quotient.caf_document_id,
            purpose=f"famille.quotientfamilial:{quotient.pk}",
            now=now,
        )
    quotient.value = value
    quotient.monthly_income_cents = monthly_income_cents
    quotient.dependants = dependants
    quotient.caf_document = document
    quotient.valid_from = valid_from
    quotient.valid_until = valid_until
    quotient.declared_by = actor
    quotient.declared_at = now
    quotient.save()
    _share_with_family_services(
        actor=actor, document=document, purpose=f"famille.quotientfamilial:{quotient.pk}", now=now
    )
    audit.record(actor=actor, action="famille.quotient.declare", target=quotient, owner=household.party_id)
    return quotient


def _notify_quotient(quotient: QuotientFamilial) -> None:
    notify_services.notify_many(
        users=_guardian_users(quotient.household),
        kind=QUOTIENT_DECIDED_NOTIFICATION_KIND,
        context={"quotient": quotient},
        url=reverse("famille:quotient", args=[quotient.household_id]),
    )


@transaction.atomic
def validate_quotient(
    *,
    actor: User,
    quotient: QuotientFamilial,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> QuotientFamilial:
    """An agent validates a declared quotient for a period (by default the one proposed: from the
    certificate's date to the end of its year). Prices use the validated quotient valid on each day."""
    _check_agent(actor)
    locked = QuotientFamilial.objects.select_for_update().get(pk=quotient.pk)
    if locked.status != ReviewStatus.PENDING:
        raise ReviewRefused(_("Ce quotient familial a déjà été vérifié."))
    quotient = _review(actor=actor, obj=locked, model=QuotientFamilial, status=ReviewStatus.VALIDATED)
    quotient.valid_from = valid_from or quotient.valid_from
    quotient.valid_until = valid_until or quotient.valid_until
    if quotient.valid_until < quotient.valid_from:
        raise ReviewRefused(_("La fin de validité ne peut pas précéder son début."))
    quotient.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "refusal_reason", "valid_from", "valid_until"]
    )
    audit.record(
        actor=actor, action="famille.quotient.validate", target=quotient, owner=quotient.household.party_id
    )
    _notify_quotient(quotient)
    return quotient


@transaction.atomic
def refuse_quotient(*, actor: User, quotient: QuotientFamilial, reason: str) -> QuotientFamilial:
    """An agent refuses a declared quotient with a reason (the family declares again)."""
    _check_agent(actor)
    locked = QuotientFamilial.objects.select_for_update().get(pk=quotient.pk)
    if locked.status != ReviewStatus.PENDING:
        raise ReviewRefused(_("Ce quotient familial a déjà été vérifié."))
    quotient = _review(
        actor=actor, obj=locked, model=QuotientFamilial, status=ReviewStatus.REFUSED, reason=reason
    )
    quotient.save(update_fields=["status", "reviewed_by", "reviewed_at", "refusal_reason"])
    audit.record(
        actor=actor, action="famille.quotient.refuse", target=quotient, owner=quotient.household.party_id
    )
    _notify_quotient(quotient)
    return quotient
