"""Who may do what with the démarches."""

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
