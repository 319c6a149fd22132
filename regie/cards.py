"""The "Mes factures" card of "Mon espace": what is left to pay and by when (one query)."""

from django.utils.translation import gettext as _

from guichet.portal import dashboard
from regie import selectors


def invoices_card(user) -> dashboard.Card:
    return dashboard.Card(
        title=_("Mes factures"),
        template="regie/cards/invoices.html",
        context=selectors.dashboard_summary(user),
        order=20,
    )
