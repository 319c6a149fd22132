"""Idle expiry of sessions: 30 minutes for citizens, 15 for agents and staff.

The time of the last activity is kept in the session from the login on, and
written again at most once a minute (each write is a database write of the
cached_db backend). So the session ends after the limit plus at most a minute
without activity, never before the limit. The idle limit is worked out again at
each write: a citizen made an agent gets the agents' limit within a minute.
"""

from django.conf import settings
from django.http import HttpRequest

LAST_ACTIVITY_KEY = "guichet_last_activity"
IDLE_LIMIT_KEY = "guichet_idle_limit"
# Seconds between two writes of the last activity: the expiry is exact to this much.
TOUCH_INTERVAL = 60


def limit_for(user) -> int:
    """Seconds of inactivity after which this user's session ends."""
    from guichet.accounts.services import is_agent

    if user.is_staff or user.is_superuser or is_agent(user):
        return settings.SESSION_IDLE_TIMEOUT_AGENT
    return settings.SESSION_IDLE_TIMEOUT_CITIZEN


def idle_limit(request: HttpRequest) -> int:
    limit = request.session.get(IDLE_LIMIT_KEY)
    if not isinstance(limit, int):
        limit = limit_for(request.user)
    return limit


def is_expired(request: HttpRequest, *, now: float, limit: int) -> bool:
    last = request.session.get(LAST_ACTIVITY_KEY)
    # Activity within TOUCH_INTERVAL after `last` was not written down: count it in.
    return isinstance(last, int | float) and now - last > limit + TOUCH_INTERVAL


def start(request: HttpRequest, user, *, now: float) -> None:
    """At login: the clock starts (saved with the login's own session write)."""
    request.session[LAST_ACTIVITY_KEY] = now
    request.session[IDLE_LIMIT_KEY] = limit_for(user)


def touch(request: HttpRequest, *, now: float) -> None:
    last = request.session.get(LAST_ACTIVITY_KEY)
    if isinstance(last, int | float) and now - last < TOUCH_INTERVAL:
        return
    request.session[LAST_ACTIVITY_KEY] = now
    request.session[IDLE_LIMIT_KEY] = limit_for(request.user)
