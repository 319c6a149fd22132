"""The cards of "Mon espace" that the foundation itself provides."""

from django.utils.translation import gettext as _

from guichet.notify import selectors as notify_selectors
from guichet.portal import dashboard


def notifications_card(user) -> dashboard.Card:
    latest = notify_selectors.latest_for_user(user=user, limit=3)
    return dashboard.Card(
        title=_("Mes notifications"),
        template="portal/cards/notifications.html",
        context={"latest": latest, "unread": notify_selectors.unread_count(user=user)},
        order=10,
    )


def register() -> None:
    dashboard.register("notify.notifications", notifications_card)
