"""The "Mes demandes" card of Mon espace (guichet.portal.dashboard): two queries; and the back-office's
tool on the agents' home (guichet.portal.agent_tools)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from demarches import perms, selectors
from guichet.portal import agent_tools, dashboard


def requests_card(user) -> dashboard.Card | None:
    if not user.is_authenticated:
        return None
    return dashboard.Card(
        title=_("Mes demandes"),
        template="demarches/card.html",
        context={"summary": selectors.requests_summary(user=user)},
        order=15,
    )


def instruction_tool(user) -> agent_tools.Tool | None:
    if not perms.is_any_service_agent(user):
        return None
    return agent_tools.Tool(
        title=_("Démarches"),
        url=reverse("demarches:agent_queue"),
        description=_("Les dossiers de vos services à instruire, l'accueil au guichet, les statistiques."),
        order=10,
    )


def register() -> None:
    dashboard.register("demarches.requests", requests_card)
    agent_tools.register("demarches.instruction", instruction_tool)
