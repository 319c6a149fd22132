"""The "Mes réservations de salles" card of Mon espace: the next bookings (one query)."""

from django.utils.translation import gettext as _

from associations.rooms import selectors
from guichet.portal import dashboard


def rooms_card(user) -> dashboard.Card | None:
    """Shown to those with a booking to come (theirs or their associations')."""
    if not user.is_authenticated:
        return None
    upcoming = selectors.upcoming_for_card(user=user)
    if not upcoming:
        return None
    return dashboard.Card(
        title=_("Mes réservations de salles"),
        template="associations/rooms/card.html",
        context={"bookings": upcoming},
        order=15,
    )


def register() -> None:
    dashboard.register("associations.rooms", rooms_card)
