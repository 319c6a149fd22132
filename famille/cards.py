"""The "Ma famille" card of Mon espace (guichet.portal.dashboard): one query without a family file,
six with one, whatever the number of children."""

from django.urls import reverse
from django.utils.translation import gettext as _

from famille import perms, selectors
from guichet.portal import agent_tools, dashboard


def family_card(user) -> dashboard.Card | None:
    if not user.is_authenticated:
        return None
    return dashboard.Card(
        title=_("Ma famille"),
        template="famille/family/card.html",
        context={"summary": selectors.family_card(user=user)},
        order=12,
    )


def register() -> None:
    dashboard.register("famille.family", family_card)
    agent_tools.register("famille.agent", famille_tool)


def famille_tool(user) -> agent_tools.Tool | None:
    """The family back-office on the agents' home."""
    if not perms.is_famille_agent(user):
        return None
    return agent_tools.Tool(
        title=_("Famille"),
        url=reverse("famille:agent_households"),
        description=_("Dossiers famille, pièces et quotients à vérifier, inscriptions, appel, facturation."),
        order=20,
    )
