"""Reads for audit's pages.

Audit imports only Django (house plan), so accounts' models come through the
app registry and the user model through get_user_model().
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guichet.audit.actions import action_label
from guichet.audit.models import AuditEvent

ACCESSES_PER_PAGE = 20


@dataclass(frozen=True)
class DataAccess:
    """One line of "who saw my data": names resolved, ready for the template."""

    created_at: datetime
    agent_name: str
    service: str
    action: str


def party_ids_for(*, user) -> QuerySet:
    """The parties this user acts for, as a subquery: it costs no query of its own."""
    membership = apps.get_model("accounts", "PartyMembership")
    return membership.objects.filter(user=user).values("party_id")


def data_accesses_page(*, viewer, party_ids: QuerySet | list[int], page: str | int | None) -> Page:
    """Who in the town hall touched the data of the viewer's parties, newest first.

    Shown: actors other than the viewer who are agents or administrators, or who
    share none of these parties (an agent who has since left still shows).
    Hidden: the viewer's own actions and those of the people they share a party
    with (family, association), and the system's.
    """
    user_model = get_user_model()
    party_membership = apps.get_model("accounts", "PartyMembership")
    agent_membership = apps.get_model("accounts", "AgentMembership")
    co_members = party_membership.objects.filter(party_id__in=party_ids).values("user_id")
    town_staff = Q(actor_id__in=agent_membership.objects.values("user_id")) | Q(
        actor_id__in=user_model.objects.filter(is_staff=True).values("pk")
    )
    events = (
        AuditEvent.objects.for_owner(party_ids)
        .filter(actor_id__isnull=False)
        .exclude(actor_id=viewer.pk)
        .filter(town_staff | ~Q(actor_id__in=co_members))
        .only("created_at", "actor_id", "action")
        .order_by("-created_at", "-id")
    )
    page_obj = Paginator(events, ACCESSES_PER_PAGE).get_page(page)
    page_obj.object_list = _describe(list(page_obj.object_list))
    return page_obj


def _describe(events: list[AuditEvent]) -> list[DataAccess]:
    # Two queries for the whole page, however many agents it names.
    actor_ids = {event.actor_id for event in events}
    if not actor_ids:
        return []
    agent_membership = apps.get_model("accounts", "AgentMembership")
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=actor_ids)}
    services: dict[int, list[str]] = defaultdict(list)
    for user_id, name in (
        agent_membership.objects.filter(user_id__in=actor_ids)
        .order_by("service__name")
        .values_list("user_id", "service__name")
    ):
        services[user_id].append(name)

    def service_of(actor_id: int) -> str:
        if services[actor_id]:
            return ", ".join(services[actor_id])
        user = users.get(actor_id)
        return _("Administration du guichet") if user and user.is_staff else _("Service non précisé")

    return [
        DataAccess(
            created_at=event.created_at,
            agent_name=(users[event.actor_id].get_full_name() if event.actor_id in users else "")
            or _("Agent de la mairie"),
            service=service_of(event.actor_id),
            action=action_label(event.action),
        )
        for event in events
    ]
