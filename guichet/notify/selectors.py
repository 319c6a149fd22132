"""Reads the notification pages need, scoped to the user."""

from django.core.paginator import Page, Paginator

from guichet.notify.enums import Channel
from guichet.notify.models import Notification, NotificationPreference

PER_PAGE = 20


def notifications_page(*, user, page: str | int | None) -> Page:
    """Newest first. The HTML copy is for e-mails only, so the list does not load it."""
    notifications = Notification.objects.for_user(user).defer("body_html")
    return Paginator(notifications, PER_PAGE).get_page(page)


def unread_count(*, user) -> int:
    return Notification.objects.for_user(user).unread().count()


def email_enabled(*, user) -> bool:
    """No stored choice means yes."""
    return not NotificationPreference.objects.filter(user=user, channel=Channel.EMAIL, enabled=False).exists()


def latest_for_user(*, user, limit: int = 3) -> list[Notification]:
    """The most recent notifications, for the card of "Mon espace"."""
    return list(
        Notification.objects.for_user(user).defer("body", "body_html").order_by("-created_at")[:limit]
    )
