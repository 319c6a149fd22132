from functools import cached_property

from django.http import HttpRequest

from guichet.notify import selectors


class UnreadNotifications:
    """The header's unread count: one small query, only on pages that show it."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def count(self) -> int:
        if self._user is None or not self._user.is_authenticated:
            return 0
        return selectors.unread_count(user=self._user)


def unread_count(request: HttpRequest) -> dict:
    # No user on pages answered before the authentication middleware ran (some error pages).
    return {"unread_notifications": UnreadNotifications(getattr(request, "user", None))}
