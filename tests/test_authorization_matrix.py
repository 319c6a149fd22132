"""Every URL of the URLconf, for every kind of visitor: the status they get.

A URL without a row here fails the test, so a new page cannot ship without
deciding who may see it. Someone else's object answers 404, a page that needs
a role the visitor lacks answers 403, an anonymous visitor is sent to login.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from guichet.notify import services as notify_services
from guichet.portal.models import NewsItem
from tests.factories import ServiceFactory, UserFactory, make_admin, make_agent, make_town
from tests.helpers import login

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


MATRIX: dict[str, Row] = {
    # Portal
    "portal:home": Row(named("portal:home"), PUBLIC),
    "portal:help": Row(named("portal:help"), PUBLIC),
    "portal:news": Row(named("portal:news"), PUBLIC),
    "portal:news_detail": Row(lambda w: w["news"].get_absolute_url(), PUBLIC),
    "portal:theme_css": Row(named("portal:theme_css"), PUBLIC),
    "portal:legal": Row(named("portal:legal"), PUBLIC),
    "portal:privacy": Row(named("portal:privacy"), PUBLIC),
    "portal:terms": Row(named("portal:terms"), PUBLIC),
    "portal:accessibility": Row(named("portal:accessibility"), PUBLIC),
    "portal:contact": Row(named("portal:contact"), PUBLIC),
    "portal:dashboard": Row(named("portal:dashboard"), SIGNED_IN),
    "portal:agent_home": Row(named("portal:agent_home"), BACK_OFFICE),
    # Accounts
    "accounts:profile": Row(named("accounts:profile"), SIGNED_IN),
    "accounts:security": Row(named("accounts:security"), SIGNED_IN),
    "accounts:otp_backup_codes": Row(
        named("accounts:otp_backup_codes"),
        {**SIGNED_IN, **dict.fromkeys([CITIZEN, OTHER_CITIZEN], 302)},
        method="post",
    ),
    "accounts:otp_disable": Row(
        named("accounts:otp_disable"), {**everyone(302), ANONYMOUS: LOGIN}, method="post"
    ),
    "accounts:otp_setup": Row(
        named("accounts:otp_setup"), {**SIGNED_IN, **dict.fromkeys([AGENT_OTHER_SERVICE, AGENT, ADMIN], 200)}
    ),
    # Already verified: sent on to where they were going.
    "accounts:otp_verify": Row(named("accounts:otp_verify"), {**everyone(302), ANONYMOUS: LOGIN}),
    # Notifications: someone else's notification is a 404.
    "notify:list": Row(named("notify:list"), SIGNED_IN),
    "notify:mark_read": Row(
        lambda w: reverse("notify:mark_read", args=[w["notification"].pk]),
        {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 302},
        method="post",
    ),
    "notify:mark_all_read": Row(
        named("notify:mark_all_read"), {**everyone(302), ANONYMOUS: LOGIN}, method="post"
    ),
    "notify:preferences": Row(named("notify:preferences"), SIGNED_IN),
    # Audit
    "audit:data_access": Row(named("audit:data_access"), SIGNED_IN),
    # Régie: provider callbacks answer every caller the same way; a call without a
    # valid signature or payment reference is refused whoever sends it.
    "regie:stripe_webhook": Row(named("regie:stripe_webhook"), everyone(400), method="post"),
    "regie:payfip_webhook": Row(named("regie:payfip_webhook"), everyone(400), method="post"),
    # The demo payment page knows no such session: it has nothing to show anyone.
    "regie:demo_provider_root": Row(named("regie:demo_provider_root"), everyone(404)),
    "regie:demo_provider": Row(
        lambda w: reverse("regie:demo_provider", args=["pay/cs_unknown"]), everyone(404)
    ),
    # allauth
    "account_login": Row(named("account_login"), ANONYMOUS_ONLY),
    "account_signup": Row(named("account_signup"), ANONYMOUS_ONLY),
    "account_logout": Row(named("account_logout"), {**everyone(200), ANONYMOUS: 302}),
    "account_inactive": Row(named("account_inactive"), PUBLIC),
    "account_reauthenticate": Row(named("account_reauthenticate"), SIGNED_IN),
    "account_email": Row(named("account_email"), SIGNED_IN),
    "account_email_verification_sent": Row(named("account_email_verification_sent"), PUBLIC),
    "account_change_password": Row(named("account_change_password"), SIGNED_IN),
    "account_set_password": Row(named("account_set_password"), {**everyone(302), ANONYMOUS: LOGIN}),
    "account_reset_password": Row(named("account_reset_password"), PUBLIC),
    "account_reset_password_done": Row(named("account_reset_password_done"), PUBLIC),
    "account_reset_password_from_key": Row(
        lambda w: reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad"}), PUBLIC
    ),
    "account_reset_password_from_key_done": Row(named("account_reset_password_from_key_done"), PUBLIC),
    "account_confirm_email": Row(lambda w: reverse("account_confirm_email", args=["unknown-key"]), PUBLIC),
    # Login by code is off: allauth answers with a redirect to the login page.
    "account_confirm_login_code": Row(named("account_confirm_login_code"), {**everyone(302)}),
    "set_language": Row(named("set_language"), everyone(302), method="post", data={"language": "fr"}),
}

# Third-party route families answered the same way for every page in them.
PREFIX_RULES: dict[str, Row] = {
    "admin/": Row(lambda w: "", ADMIN_ONLY),
}


def url_patterns() -> list[tuple[str, str]]:
    """(key, route) for every pattern: 'namespace:name', or the route when unnamed."""
    found = []

    def walk(patterns, route_prefix="", namespace=""):
        for pattern in patterns:
            route = route_prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                key = f"{namespace}:{pattern.name}".strip(":") if pattern.name else route
                found.append((key, route))

    walk(get_resolver().url_patterns)
    return found


def test_every_url_has_a_row_in_the_matrix():
    missing = [
        key
        for key, route in url_patterns()
        if key not in MATRIX and not route.startswith(tuple(PREFIX_RULES))
    ]
    assert missing == [], f"Add these URLs to the authorization matrix: {missing}"


def test_the_matrix_has_no_row_for_a_url_that_is_gone():
    keys = {key for key, _route in url_patterns()}
    assert sorted(set(MATRIX) - keys) == []


@pytest.fixture
def world(db):
    make_town()
    service = ServiceFactory(name="État civil", slug="etat-civil")
    other_service = ServiceFactory(name="Urbanisme", slug="urbanisme")
    users = {
        CITIZEN: UserFactory(),
        OTHER_CITIZEN: UserFactory(),
        AGENT: make_agent(service),
        AGENT_OTHER_SERVICE: make_agent(other_service),
        ADMIN: make_admin(),
    }
    news = NewsItem.objects.create(
        title="Fête de l'école", slug="fete-ecole", summary="Samedi.", body="Texte.", is_published=True
    )
    notification = notify_services.notify(
        user=users[CITIZEN], kind="message", context={"subject": "Objet", "message": "Texte."}
    )
    return {"users": users, "service": service, "news": news, "notification": notification}


def check(client, world, key: str, row: Row, role: str) -> None:
    if role != ANONYMOUS:
        login(client, world["users"][role])
    url = row.url(world)
    response = getattr(client, row.method)(url, row.data)
    expected = row.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302, f"{key} {url} as {role}: {response.status_code}"
        # The admin's own login URL only hands over to the portal's login page.
        assert response.url.startswith((reverse("account_login"), "/admin/login/")), (
            f"{key} as {role}: {response.url}"
        )
    else:
        assert response.status_code == expected, f"{key} {url} as {role}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_each_url_answers_each_role_as_the_matrix_says(client, world, role):
    for key, row in MATRIX.items():
        client.logout()
        check(client, world, key, row, role)


def test_the_admin_login_hands_over_to_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Fadmin%2Faccounts%2Fuser%2F"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/accounts/user/", "/admin/accounts/town/", "/admin/portal/newsitem/add/"]
)
def test_admin_pages_answer_each_role_as_the_prefix_rule_says(client, world, role, path):
    check(client, world, path, Row(lambda w: path, PREFIX_RULES["admin/"].expect), role)
