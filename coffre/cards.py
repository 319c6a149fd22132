"""The "Mon coffre-fort" card of Mon espace (guichet.portal.dashboard)."""

from django.utils.translation import gettext as _

from coffre import selectors
from guichet.portal import dashboard


def vault_card(user) -> dashboard.Card | None:
    if not user.is_authenticated:
        return None
    return dashboard.Card(
        title=_("Mon coffre-fort"),
        template="coffre/card.html",
        context={"summary": selectors.vault_summary(user=user)},
        order=20,
    )


def register() -> None:
    dashboard.register("coffre.vault", vault_card)
