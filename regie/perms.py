"""Who may do what in the régie. Object-level: selectors and services call these."""

from django.conf import settings

from guichet.accounts.models import AgentMembership, Party


def is_regie_agent(user) -> bool:
    """Agents and managers of the régie service (settings.REGIE_SERVICE_SLUG)."""
    if user is None or not user.is_authenticated:
        return False
    return AgentMembership.objects.filter(
        user=user, service__slug=settings.REGIE_SERVICE_SLUG, service__is_active=True
    ).exists()


def can_act_for(user, party: Party) -> bool:
    """Members of the party: the person themself, a household's guardians, an association's members."""
    if user is None or not user.is_authenticated:
        return False
    return Party.objects.for_user(user).filter(pk=party.pk).exists()


def can_issue_for(user, *, payer: Party, service_ids: set[int]) -> bool:
    """Who may bill a party through issue_invoice.

    The system (None: billing runs, Celery), régie agents, agents of every
    service billed, and the payer's own members (a fee for something they order).
    """
    if user is None:
        return True
    if is_regie_agent(user):
        return True
    agent_of = set(
        AgentMembership.objects.filter(user=user, service__is_active=True).values_list(
            "service_id", flat=True
        )
    )
    if service_ids <= agent_of:
        return True
    return can_act_for(user, payer)
