"""The "Mes prêts de matériel" card of Mon espace (two queries for a member of an association,
one for anyone else)."""

from django.utils.translation import gettext as _

from associations.equipment import selectors
from guichet.portal import dashboard


def loans_card(user) -> dashboard.Card | None:
    """Shown to members of an association: its loans under way, and how to ask for more."""
    is_member, loans = selectors.loans_card(user=user)
    if not is_member:
        return None
    return dashboard.Card(
        title=_("Mes prêts de matériel"),
        template="associations/equipment/card.html",
        context={"loans": loans},
        order=16,
    )


def register() -> None:
    dashboard.register("associations.equipment", loans_card)
