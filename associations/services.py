"""The associations' space: every state change of an association and of its members.

Public API (keyword-only arguments, `actor` first; every refusal is an
`associations.exceptions.AssociationError` with a French `message`):

The association
    create_association(actor, name, rna, siret, purpose, address_line, postal_code, city, email, phone,
                       website) -> Association          (the actor becomes its president)
    update_association(actor, association, name, rna, siret, purpose, …) -> Association   (the board)
    set_logo(actor, association, image) -> Association                                     (the board)
    set_bank_details(actor, association, holder, iban, bic) -> Association                 (the board)
    set_subsidy_rule(actor, association, board_only) -> Association                        (the board)
Members
    invite_member(actor, association, email, role) -> (AssociationInvitation, token)       (the board)
    revoke_invitation(actor, invitation) -> AssociationInvitation                          (the board)
    accept_invitation(actor, token) -> Association
    change_role(actor, association, member, role) -> None                                  (the board)
    remove_member(actor, association, member) -> None                                      (the board)
    leave_association(actor, association) -> None                                         (any member)
The vie associative service
    verify_association(actor, association) -> Association
    suspend_association(actor, association, reason) -> Association

An association keeps at least one member of its board: its last one can neither
leave, be removed nor step down. Invitations carry a random token sent by e-mail;
only its SHA-256 is kept. Leaving or being removed takes effect at once: every
page and service scopes by membership, so the association's things answer 404.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from associations import perms
from associations.enums import BOARD_ROLES, MEMBER_ROLES, AssociationStatus
from associations.exceptions import (
    AssociationAccessDenied,
    AssociationRefused,
    MembershipRefused,
    NotBoardMember,
    StatusRefused,
)
from associations.models import Association, AssociationInvitation
from associations.selectors import hash_token, invitation_problem, pending_invitations
from demarches.normalise import parse_rna, parse_siret
from guichet import audit
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import Party, PartyMembership, User
from guichet.notify import services as notify
from regie.exceptions import InvalidMandate
from regie.services import sepa

STATUS_NOTIFICATION_KIND = "association_status"
# The profile's fields an association edits; changing its numbers sends it back to verification.
PROFILE_FIELDS = ("purpose", "address_line", "postal_code", "city", "email", "phone", "website")
IDENTITY_FIELDS = ("rna", "siret")


# Helpers ------------------------------------------------------------------------------------------


def _clean(value: str) -> str:
    return " ".join((value or "").split())


def _lock(association: Association) -> Association:
    return Association.objects.select_for_update().select_related("party").get(pk=association.pk)


def _check_board(actor, association: Association) -> None:
    if not perms.is_member(actor, association):
        raise AssociationAccessDenied()
    if not perms.is_board_member(actor, association):
        raise NotBoardMember()


def _check_agent(actor) -> None:
    if not perms.is_associations_agent(actor):
        raise AssociationAccessDenied()


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _numbers(*, rna: str, siret: str) -> tuple[str, str]:
    """The RNA and SIRET as stored (compact, checked); at least one of them."""
    try:
        rna = parse_rna(rna) if (rna or "").strip() else ""
    except ValueError:
        raise AssociationRefused(
            _("Le numéro RNA commence par W suivi de 9 chiffres, par exemple W751234567.")
        ) from None
    try:
        siret = parse_siret(siret) if (siret or "").strip() else ""
    except ValueError as error:
        if error.args and error.args[0] == "checksum":
            raise AssociationRefused(
                _("Ce numéro SIRET n'existe pas : vérifiez-le sur l'avis de situation Insee.")
            ) from None
        raise AssociationRefused(
            _("Le numéro SIRET compte 14 chiffres, par exemple 732 829 320 00074.")
        ) from None
    if not rna and not siret:
        raise AssociationRefused(_("Indiquez le numéro RNA ou le numéro SIRET de l'association."))
    return rna, siret


def _check_numbers_free(*, rna: str, siret: str, exclude: int | None = None) -> None:
    others = Association.objects.exclude(pk=exclude)
    if rna and others.filter(rna=rna).exists():
        raise AssociationRefused(
            _(
                "Une association avec ce numéro RNA a déjà son espace sur le guichet : "
                "demandez à l'un de ses responsables de vous inviter."
            )
        )
    if siret and others.filter(siret=siret).exists():
        raise AssociationRefused(
            _(
                "Une association avec ce numéro SIRET a déjà son espace sur le guichet : "
                "demandez à l'un de ses responsables de vous inviter."
            )
        )


def _agents() -> list[User]:
    return list(
        User.objects.filter(
            agent_memberships__service__slug=settings.ASSOCIATIONS_SERVICE_SLUG,
            agent_memberships__service__is_active=True,
            is_active=True,
        ).distinct()
    )


def _member_users(association: Association) -> list[User]:
    return list(
        User.objects.filter(
            party_memberships__party_id=association.party_id,
            party_memberships__role__in=MEMBER_ROLES,
            is_active=True,
        ).order_by("pk")
    )


def _memberships(association: Association):
    """The association's member rows, locked (in id order, so two changes never deadlock)."""
    return list(
        PartyMembership.objects.select_for_update()
        .filter(party_id=association.party_id, role__in=MEMBER_ROLES)
        .order_by("pk")
    )


# The association ----------------------------------------------------------------------------------


@transaction.atomic
def create_association(
    *,
    actor: User,
    name: str,
    rna: str = "",
    siret: str = "",
    purpose: str,
    address_line: str = "",
    postal_code: str = "",
    city: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
) -> Association:
    """Open an association's space: its party, the actor as its president, waiting for verification."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise AssociationAccessDenied()
    name = _clean(name)
    if not name:
        raise AssociationRefused(_("Indiquez le nom de l'association."))
    rna, siret = _numbers(rna=rna, siret=siret)
    _check_numbers_free(rna=rna, siret=siret)
    party = Party.objects.create(kind=PartyKind.ASSOCIATION, name=name)
    PartyMembership.objects.create(user=actor, party=party, role=PartyRole.PRESIDENT)
    try:
        with transaction.atomic():
            association = Association.objects.create(
                party=party,
                rna=rna,
                siret=siret,
                purpose=(purpose or "").strip(),
                address_line=_clean(address_line),
                postal_code=_clean(postal_code),
                city=_clean(city),
                email=(email or "").strip().lower(),
                phone=_clean(phone),
                website=(website or "").strip(),
                created_by=actor,
            )
    except IntegrityError:
        # Two people registered the same association at the same moment: the second is told.
        _check_numbers_free(rna=rna, siret=siret)
        raise
    audit.record(actor=actor, action="associations.association.create", target=association, owner=party)
    notify.notify_many(
        users=_agents(),
        kind=STATUS_NOTIFICATION_KIND,
        context={"name": name, "status": str(AssociationStatus.PENDING.label), "for_agents": True},
        url=reverse("associations:agent_association", args=[association.pk]),
    )
    return association


@transaction.atomic
def update_association(
    *,
    actor: User,
    association: Association,
    name: str,
    rna: str = "",
    siret: str = "",
    purpose: str,
    address_line: str = "",
    postal_code: str = "",
    city: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
) -> Association:
    """The board changes the profile. New RNA or SIRET numbers send a verified association back to the
    service's verification (it asks for nothing meanwhile)."""
    _check_board(actor, association)
    association = _lock(association)
    rna, siret = _numbers(rna=rna, siret=siret)
    _check_numbers_free(rna=rna, siret=siret, exclude=association.pk)
    name = _clean(name)
    if not name:
        raise AssociationRefused(_("Indiquez le nom de l'association."))
    renumbered = (rna, siret) != (association.rna, association.siret)
    values = {
        "rna": rna,
        "siret": siret,
        "purpose": (purpose or "").strip(),
        "address_line": _clean(address_line),
        "postal_code": _clean(postal_code),
        "city": _clean(city),
        "email": (email or "").strip().lower(),
        "phone": _clean(phone),
        "website": (website or "").strip(),
    }
    for attribute, value in values.items():
        setattr(association, attribute, value)
    fields = [*values, "updated_at"]
    if renumbered and association.status == AssociationStatus.VERIFIED:
        association.status = AssociationStatus.PENDING
        association.status_reason = ""
        association.status_changed_at = timezone.now()
        association.status_changed_by = actor
        fields += ["status", "status_reason", "status_changed_at", "status_changed_by"]
    association.save(update_fields=fields)
    if association.party.name != name:
        association.party.name = name
        association.party.save(update_fields=["name", "updated_at"])
    audit.record(
        actor=actor,
        action="associations.association.update",
        target=association,
        owner=association.party_id,
        renumbered=renumbered,
    )
    return association


@transaction.atomic
def set_logo(*, actor: User, association: Association, image=None) -> Association:
    """The board sets (or, with None, removes) the public logo; the image was checked by its bytes
    (`guichet.public_files.check_image`). The old file goes once the change is committed."""
    _check_board(actor, association)
    association = _lock(association)
    old_name = association.logo.name if association.logo else ""
    if image is not None:
        association.logo.save(image.name, image, save=False)
    else:
        association.logo = ""
    association.save(update_fields=["logo", "updated_at"])
    if old_name:
        storage = association.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    audit.record(
        actor=actor, action="associations.association.logo", target=association, owner=association.party_id
    )
    return association


@transaction.atomic
def set_bank_details(
    *, actor: User, association: Association, holder: str, iban: str, bic: str
) -> Association:
    """The board records the account subsidies are paid to (IBAN and BIC checked by python-stdnum).
    The RIB itself goes into the association's vault."""
    _check_board(actor, association)
    association = _lock(association)
    holder = _clean(holder)
    if not holder:
        raise AssociationRefused(_("Indiquez le titulaire du compte, tel qu'il figure sur le RIB."))
    try:
        iban = sepa.clean_iban(iban)
        bic = sepa.clean_bic(bic) if (bic or "").strip() else ""
    except InvalidMandate as error:
        raise AssociationRefused(error.message) from None
    association.bank_account_holder, association.iban, association.bic = holder, iban, bic
    association.save(update_fields=["bank_account_holder", "iban", "bic", "updated_at"])
    audit.record(
        actor=actor, action="associations.association.bank", target=association, owner=association.party_id
    )
    return association


@transaction.atomic
def set_subsidy_rule(*, actor: User, association: Association, board_only: bool) -> Association:
    """The board decides whether only its members may send the subsidy requests."""
    _check_board(actor, association)
    association = _lock(association)
    if association.subsidies_board_only != board_only:
        association.subsidies_board_only = board_only
        association.save(update_fields=["subsidies_board_only", "updated_at"])
        audit.record(
            actor=actor,
            action="associations.association.subsidy_rule",
            target=association,
            owner=association.party_id,
            board_only=board_only,
        )
    return association


# Members -------------------------------------------------------------------------------------------


def _check_role(role: str) -> None:
    if role not in MEMBER_ROLES:
        raise MembershipRefused(_("Choisissez un rôle : présidence, trésorerie, secrétariat ou membre."))


@transaction.atomic
def invite_member(
    *,
    actor: User,
    association: Association,
    email: str,
    role: str = PartyRole.MEMBER,
    now: datetime | None = None,
) -> tuple[AssociationInvitation, str]:
    """Invite someone by e-mail with a role; returns the invitation and the token sent (the link)."""
    now = now or timezone.now()
    _check_board(actor, association)
    _check_role(role)
    association = _lock(association)
    email = (email or "").strip().lower()
    if not email:
        raise MembershipRefused(_("Indiquez l'adresse électronique de la personne à inviter."))
    if PartyMembership.objects.filter(
        party_id=association.party_id, user__email__iexact=email, role__in=MEMBER_ROLES
    ).exists():
        raise MembershipRefused(_("Cette personne est déjà membre de l'association."))
    if pending_invitations(association, now=now).filter(email__iexact=email).exists():
        raise MembershipRefused(
            _("Une invitation est déjà en cours pour cette adresse : annulez-la pour en envoyer une autre.")
        )
    token = secrets.token_urlsafe(32)
    invitation = AssociationInvitation.objects.create(
        association=association,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=settings.ASSOCIATIONS_INVITATION_DAYS),
    )
    audit.record(
        actor=actor,
        action="associations.invitation.create",
        target=invitation,
        owner=association.party_id,
        role=role,
    )
    notify.queue_invitation_email(
        template="associations/email/invitation",
        to=email,
        context={
            "inviter": actor,
            "association": association,
            "role": PartyRole(role).label,
            "link": _absolute(reverse("associations:invitation_accept", args=[token])),
            "expires_at": invitation.expires_at,
        },
    )
    return invitation, token


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: AssociationInvitation) -> AssociationInvitation:
    """Cancel an invitation not yet accepted; cancelling twice changes nothing."""
    invitation = AssociationInvitation.objects.select_for_update().get(pk=invitation.pk)
    _check_board(actor, invitation.association)
    if invitation.accepted_at is not None:
        raise MembershipRefused(_("Cette invitation a déjà été acceptée."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="associations.invitation.revoke",
            target=invitation,
            owner=invitation.association.party_id,
        )
    return invitation


@transaction.atomic
def accept_invitation(*, actor: User, token: str, now: datetime | None = None) -> Association:
    """The invited person, signed in with the invited address, joins with the role they were invited to.
    Accepting twice changes nothing; a member already there keeps their role."""
    now = now or timezone.now()
    invitation = (
        AssociationInvitation.objects.select_for_update().filter(token_hash=hash_token(token or "")).first()
    )
    if invitation is None:
        raise MembershipRefused(_("Ce lien d'invitation n'est pas valable."))
    association = _lock(invitation.association)
    if invitation.accepted_by_id == actor.pk:
        return association
    if problem := invitation_problem(invitation=invitation, user=actor, now=now):
        raise MembershipRefused(problem)
    if perms.is_member(actor, association):
        raise MembershipRefused(_("Vous êtes déjà membre de cette association."))
    PartyMembership.objects.create(user=actor, party=association.party, role=invitation.role)
    invitation.accepted_at = now
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        actor=actor,
        action="associations.invitation.accept",
        target=invitation,
        owner=association.party_id,
        role=invitation.role,
    )
    return association


def _membership(rows: list[PartyMembership], user: User) -> PartyMembership:
    row = next((row for row in rows if row.user_id == user.pk), None)
    if row is None:
        raise MembershipRefused(_("Cette personne n'est pas membre de l'association."))
    return row


def _check_board_remains(rows: list[PartyMembership], *, without: PartyMembership) -> None:
    if not any(row.role in BOARD_ROLES for row in rows if row.pk != without.pk):
        raise MembershipRefused(
            _(
                "L'association doit garder au moins un membre du bureau : nommez d'abord quelqu'un "
                "d'autre à la présidence, à la trésorerie ou au secrétariat."
            )
        )


@transaction.atomic
def change_role(*, actor: User, association: Association, member: User, role: str) -> None:
    """The board gives a member another role (a new treasurer, a member who joins the board…)."""
    _check_board(actor, association)
    _check_role(role)
    association = _lock(association)
    rows = _memberships(association)
    row = _membership(rows, member)
    if row.role == role:
        return
    if row.role in BOARD_ROLES and role not in BOARD_ROLES:
        _check_board_remains(rows, without=row)
    previous = row.role
    row.role = role
    row.save(update_fields=["role"])
    audit.record(
        actor=actor,
        action="associations.member.role",
        target=f"accounts.user:{member.pk}",
        owner=association.party_id,
        previous=previous,
        role=role,
    )


def _remove(*, actor: User, association: Association, member: User, action: str) -> None:
    rows = _memberships(association)
    row = _membership(rows, member)
    if row.role in BOARD_ROLES:
        _check_board_remains(rows, without=row)
    row.delete()
    audit.record(actor=actor, action=action, target=f"accounts.user:{member.pk}", owner=association.party_id)


@transaction.atomic
def remove_member(*, actor: User, association: Association, member: User) -> None:
    """The board removes a member: they lose access to everything of the association at once."""
    _check_board(actor, association)
    if member.pk == actor.pk:
        raise MembershipRefused(_("Pour vous retirer vous-même, utilisez « Quitter l'association »."))
    association = _lock(association)
    _remove(actor=actor, association=association, member=member, action="associations.member.remove")


@transaction.atomic
def leave_association(*, actor: User, association: Association) -> None:
    """A member leaves: the association's things answer 404 to them from now on."""
    if not perms.is_member(actor, association):
        raise AssociationAccessDenied()
    association = _lock(association)
    _remove(actor=actor, association=association, member=actor, action="associations.member.leave")


# The vie associative service --------------------------------------------------------------------


def _set_status(*, actor: User, association: Association, status: str, reason: str) -> Association:
    """Lock the association, refuse a move to the state it is in already, move it and tell its members."""
    association = _lock(association)
    if association.status == status:
        raise StatusRefused(
            _("Cette association est déjà vérifiée.")
            if status == AssociationStatus.VERIFIED
            else _("Cette association est déjà suspendue.")
        )
    association.status = status
    association.status_reason = reason
    association.status_changed_at = timezone.now()
    association.status_changed_by = actor
    association.save(
        update_fields=["status", "status_reason", "status_changed_at", "status_changed_by", "updated_at"]
    )
    audit.record(
        actor=actor,
        action=f"associations.association.{status}",
        target=association,
        owner=association.party_id,
    )
    notify.notify_many(
        users=_member_users(association),
        kind=STATUS_NOTIFICATION_KIND,
        context={
            "name": association.party.name,
            "status": str(AssociationStatus(status).label),
            "reason": reason,
            "for_agents": False,
        },
        url=reverse("associations:association", args=[association.pk]),
    )
    return association


@transaction.atomic
def verify_association(*, actor: User, association: Association) -> Association:
    """An agent of the vie associative service checked the association (its numbers, its papers): it may
    now ask for subsidies, rooms and equipment. Verifying a suspended association reinstates it."""
    _check_agent(actor)
    return _set_status(actor=actor, association=association, status=AssociationStatus.VERIFIED, reason="")


@transaction.atomic
def suspend_association(*, actor: User, association: Association, reason: str) -> Association:
    """An agent refuses or suspends the association, with the reason its members read; its requests
    under way stay, it asks for nothing new until verified again."""
    _check_agent(actor)
    reason = (reason or "").strip()
    if not reason:
        raise StatusRefused(_("Expliquez à l'association pourquoi : le motif est obligatoire."))
    return _set_status(
        actor=actor, association=association, status=AssociationStatus.SUSPENDED, reason=reason
    )


__all__ = [
    "IDENTITY_FIELDS",
    "PROFILE_FIELDS",
    "STATUS_NOTIFICATION_KIND",
    "accept_invitation",
    "change_role",
    "create_association",
    "invite_member",
    "leave_association",
    "remove_member",
    "revoke_invitation",
    "set_bank_details",
    "set_logo",
    "set_subsidy_rule",
    "suspend_association",
    "update_association",
    "verify_association",
]
