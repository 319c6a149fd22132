"""The "Mes demandes" card of Mon espace (guichet.portal.dashboard): two queries."""

from django.utils.translation import gettext as _

from demarches import selectors
from guichet.portal import dashboard


def requests_card(user) -> dashboard.Card | None:
    if not user.is_authenticated:
        return None
    return dashboard.Card(
        title=_("Mes demandes"),
        template="demarches/card.html",
        context={"summary": selectors.requests_summary(user=user)},
        order=15,
    )


def register() -> None:
    dashboard.register("demarches.requests", requests_card)
