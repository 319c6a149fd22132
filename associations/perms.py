"""Who may do what in the associations' space. Each function's docstring lists who may.

Selectors and services call these; views never decide alone. The sub-apps (subsidies,
rooms, equipment) build on them.
"""

from django.conf import settings

from associations.enums import BOARD_ROLES, MEMBER_ROLES
from associations.models import Association
from guichet.accounts.models import AgentMembership, PartyMembership


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def role_of(user, association: Association) -> str | None:
    """The user's role in the association (president, treasurer, secretary, member), or None."""
    if not _active(user):
        return None
    return (
        PartyMembership.objects.filter(user=user, party_id=association.party_id, role__in=MEMBER_ROLES)
        .values_list("role", flat=True)
        .first()
    )


def is_member(user, association: Association) -> bool:
    """Any member of the association, whatever their role."""
    return role_of(user, association) is not None


def is_board_member(user, association: Association) -> bool:
    """The board (bureau): president, treasurer and secretary. They edit the profile and bank
    details, manage the members, open the association's vault and decide who files subsidies."""
    return role_of(user, association) in BOARD_ROLES


def can_request(user, association: Association) -> bool:
    """Ask the town for something in the association's name (a room, equipment, a subsidy draft):
    any member, once the vie associative service has verified the association."""
    return association.is_verified and is_member(user, association)


def can_submit_subsidy(user, association: Association) -> bool:
    """Send a subsidy request: the board; any member too when the association lets them
    (`Association.subsidies_board_only` off). The association must be verified."""
    if not association.is_verified:
        return False
    role = role_of(user, association)
    if role is None:
        return False
    return role in BOARD_ROLES or not association.subsidies_board_only


def is_associations_agent(user) -> bool:
    """Agents and managers of the vie associative service (settings.ASSOCIATIONS_SERVICE_SLUG), while it
    is active: they verify associations and instruct their subsidies, rooms and equipment."""
    if not _active(user):
        return False
    return AgentMembership.objects.filter(
        user=user, service__slug=settings.ASSOCIATIONS_SERVICE_SLUG, service__is_active=True
    ).exists()
