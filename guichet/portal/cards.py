"""The cards of "Mon espace" that the foundation itself provides."""

from django.utils.translation import gettext as _

from guichet.notify import selectors as notify_selectors
from guichet.portal import dashboard


def notifications_card(user) -> dashboard.Card:
    latest = notify_selectors.latest_for_user(user=user, limit=3)
    return dashboard.Card(
        title=_("Mes notifications"),
        template="portal/cards/notifications.html",
        # The unread count is the header's (unread_notifications in the page's context): one query.
        context={"latest": latest},
        order=10,
    )


def register() -> None:
    dashboard.register("notify.notifications", notifications_card)
