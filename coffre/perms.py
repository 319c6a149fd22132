"""Who may do what in a vault. Each function's docstring lists who may."""

from django.utils import timezone

from coffre.models import VAULT_ROLES, Document, Grant
from guichet.accounts.enums import PartyKind
from guichet.accounts.models import Party, PartyMembership


def _has_vault_role(user, party: Party) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return PartyMembership.objects.filter(user=user, party=party, role__in=VAULT_ROLES).exists()


def can_read_documents(user, party: Party) -> bool:
    """Members of the party whose role opens its vault: the holder of a person's account, a
    household's guardians, an association's president, treasurer and secretary."""
    return _has_vault_role(user, party)


def can_manage_documents(user, party: Party) -> bool:
    """Upload, rename, replace, delete and share: the same people as `can_read_documents`.

    `user=None` is the system (a Celery task storing a generated receipt), which may.
    """
    return user is None or _has_vault_role(user, party)


def can_shred_vault(user, party: Party) -> bool:
    """Destroy a whole vault: the system (account erasure), an administrator, or the person
    themselves for their own vault. Nobody destroys a household's or an association's vault
    alone: an administrator does, on request."""
    if user is None:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return party.kind == PartyKind.PERSON and party.person_id == user.pk


def active_grant(user, document: Document, *, now=None) -> Grant | None:
    """The active grant through which this agent may read the document, if any: the agent
    works for an active service that the owner shared the document with, and the grant has
    neither expired nor been revoked."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return (
        Grant.objects.active(now=now or timezone.now())
        .filter(document=document, service__is_active=True, service__agent_memberships__user=user)
        .order_by("-expires_at")
        .first()
    )
