"""The "Ma famille" card of Mon espace (guichet.portal.dashboard): one query without a family file,
six with one, whatever the number of children."""

from django.utils.translation import gettext as _

from famille import selectors
from guichet.portal import dashboard


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
