"""What the authorization matrix is made of, shared by its rows in each app's tests.

The matrix itself is tests/test_authorization_matrix.py; apps whose tests keep their
rows next to them (tests/associations/*/matrix.py) build them from these.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

ANONYMOUS = "anonymous"
CITIZEN = "citizen"
OTHER_CITIZEN = "other_citizen"
AGENT_OTHER_SERVICE = "agent_other_service"
AGENT = "agent"
ADMIN = "administrator"
ROLES = [ANONYMOUS, CITIZEN, OTHER_CITIZEN, AGENT_OTHER_SERVICE, AGENT, ADMIN]

LOGIN = "login"  # a redirect to the login page


@dataclass(frozen=True)
class Row:
    """How one URL answers each role. `url` builds the URL from the world's objects."""

    url: Callable[[dict], str]
    expect: dict[str, int | str]
    method: str = "get"
    data: dict = field(default_factory=dict)


def everyone(status: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, status)


PUBLIC = everyone(200)
SIGNED_IN = {**everyone(200), ANONYMOUS: LOGIN}
BACK_OFFICE = {
    ANONYMOUS: LOGIN,
    CITIZEN: 403,
    OTHER_CITIZEN: 403,
    AGENT_OTHER_SERVICE: 200,
    AGENT: 200,
    ADMIN: 200,
}
ADMIN_ONLY = {**BACK_OFFICE, AGENT_OTHER_SERVICE: 403, AGENT: 403}
# allauth sends signed-in visitors away from its anonymous-only pages.
ANONYMOUS_ONLY = {**everyone(302), ANONYMOUS: 200}


def named(name: str, *args) -> Callable[[dict], str]:
    return lambda world: reverse(name, args=args)
