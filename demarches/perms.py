"""Who may do what with the démarches."""

from guichet.accounts.enums import AgentRole
from guichet.accounts.models import AgentMembership, Party


def can_configure_demarches(user) -> bool:
    """Administrators (staff) with the right to change procedures; superusers have it."""
    return bool(user.is_authenticated and user.is_staff and user.has_perm("demarches.change_demarche"))


def can_act_for(user, party_id: int) -> bool:
    """File and follow requests for a party: its members (the person themself, a household's
    guardians, an association's members), as `Party.objects.for_user` scopes them."""
    if user is None or not user.is_authenticated:
        return False
    return Party.objects.for_user(user).filter(pk=party_id).exists()


def is_service_agent(user, service_id: int) -> bool:
    """Instruct the requests of a procedure: the agents and managers of its service, while it is active."""
    if user is None or not user.is_authenticated:
        return False
    return AgentMembership.objects.filter(user=user, service_id=service_id, service__is_active=True).exists()


def is_service_manager(user, service_id: int) -> bool:
    """Reopen a decided request and receive the deadline escalations of a service."""
    if user is None or not user.is_authenticated:
        return False
    return AgentMembership.objects.filter(
        user=user, service_id=service_id, service__is_active=True, role=AgentRole.MANAGER
    ).exists()


def can_fill(user, request) -> bool:
    """Fill and submit a draft: the applicant's members; at the counter, an agent of the procedure's
    service too (the applicant consented, `Request.consent_recorded_at`)."""
    if can_act_for(user, request.applicant_id):
        return True
    return request.is_counter and is_service_agent(user, request.demarche.service_id)


def is_any_service_agent(user) -> bool:
    """Reach the démarches' back-office: an agent or manager of at least one active service."""
    if user is None or not user.is_authenticated:
        return False
    return AgentMembership.objects.filter(user=user, service__is_active=True).exists()
