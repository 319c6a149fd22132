"""The "Mes factures" card of "Mon espace": what is left to pay and by when (one query); and the
régisseur's tool on the agents' home."""

from django.urls import reverse
from django.utils.translation import gettext as _

from guichet.portal import agent_tools, dashboard
from regie import perms, selectors


def invoices_card(user) -> dashboard.Card:
    return dashboard.Card(
        title=_("Mes factures"),
        template="regie/cards/invoices.html",
        context=selectors.dashboard_summary(user),
        order=20,
    )


def regie_tool(user) -> agent_tools.Tool | None:
    """The régisseur's pages on the agents' home."""
    if not perms.is_regie_agent(user):
        return None
    return agent_tools.Tool(
        title=_("Régie"),
        url=reverse("regie_pages:agent_home"),
        description=_("Factures, paiements, encaissements au guichet, impayés et exports comptables."),
        order=30,
    )
