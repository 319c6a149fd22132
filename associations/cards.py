"""The "Mes associations" card of Mon espace, and the associations' tool on the agents' home."""

from django.urls import reverse
from django.utils.translation import gettext as _

from associations import perms, selectors
from guichet.portal import agent_tools, dashboard


def associations_card(user) -> dashboard.Card | None:
    """The user's associations (one query, whatever their number), or how to register one."""
    if not user.is_authenticated:
        return None
    associations = list(selectors.associations_for_user(user=user))
    return dashboard.Card(
        title=_("Mes associations"),
        template="associations/card.html",
        context={"associations": associations},
        order=14,
    )


def associations_tool(user) -> agent_tools.Tool | None:
    if not perms.is_associations_agent(user):
        return None
    return agent_tools.Tool(
        title=_("Vie associative"),
        url=reverse("associations:agent_associations"),
        description=_("Associations à vérifier, subventions, réservations de salles, prêts de matériel."),
        order=30,
    )


def register() -> None:
    dashboard.register("associations.associations", associations_card)
    agent_tools.register("associations.agent", associations_tool)
