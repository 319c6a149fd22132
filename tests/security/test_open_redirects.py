"""Open redirects: every view that reads `next` (allauth's login, logout, sign-up, re-authentication and
password pages, the 2FA pages, the re-authentication by code, the language switch, the admin's login
hand-over) is given an address off the site in every spelling browsers follow, and never goes there; and
every URL of the authorization matrix, as every role, is given one too (the last test), so that a view
that starts reading `next` is tried without anyone listing it here."""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, UserFactory, make_agent, make_town
from tests.helpers import login
from tests.matrix import ROLES
from tests.test_authorization_matrix import MATRIX

pytestmark = pytest.mark.django_db

EVIL = [
    "https://evil.example/",
    "http://evil.example/vol",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https:evil.example",
    " //evil.example",
    "https://testserver@evil.example/",
    "javascript:alert(1)",
    "/%09/evil.example",
]


def off_site(url: str) -> bool:
    """Would a browser leave the site following this address (as Location, or as a link's href)?"""
    # Browsers drop tabs and new lines, read "\" as "/", and strip leading blanks.
    cleaned = "".join(char for char in url if char not in "\t\r\n").strip().replace("\\", "/")
    # Any number of slashes after the scheme (or instead of it) still starts a host name.
    cleaned = re.sub(r"^(https?:)?/{2,}", lambda match: (match.group(1) or "") + "//", cleaned)
    parts = urlsplit(cleaned)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return True
    if parts.scheme and not parts.netloc:
        return True  # "https:evil.example" is read as https://evil.example
    return bool(parts.netloc) and parts.hostname != "testserver"


def test_the_detector_knows_the_spellings():
    # "/%09/…" is a path of this site: browsers do not decode it into a host name.
    assert [url for url in EVIL if not off_site(url)] == ["/%09/evil.example"]
    assert not off_site("/mon-espace/")
    assert not off_site("/compte/login/?next=https://evil.example/")
    assert not off_site("http://testserver/mon-espace/")


@pytest.fixture(autouse=True)
def town(db):
    return make_town()


def assert_stays(response, where: str, target: str) -> None:
    if response.status_code in (301, 302, 303, 307, 308):
        assert not off_site(response["Location"]), (
            f"{where} followed next={target!r} to {response['Location']}"
        )
    # Nor is the address offered as a link to follow.
    if off_site(target):
        assert f'href="{target}"' not in response.content.decode(errors="replace"), where


@pytest.mark.parametrize("target", EVIL)
def test_login(target):
    UserFactory(email="lea@exemple.fr")
    client = Client()
    assert_stays(client.get(reverse("account_login"), {"next": target}), "login page", target)
    response = client.post(
        reverse("account_login"), {"login": "lea@exemple.fr", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert_stays(response, "login", target)
    # Already signed in: the login page sends the visitor on.
    assert_stays(client.get(reverse("account_login"), {"next": target}), "login when signed in", target)


@pytest.mark.parametrize("target", EVIL)
def test_logout(client, target):
    login(client, UserFactory())
    response = client.post(reverse("account_logout"), {"next": target})
    assert response.status_code == 302
    assert_stays(response, "logout", target)


@pytest.mark.parametrize("target", EVIL)
def test_signup(client, target):
    response = client.post(
        reverse("account_signup") + "?next=" + target,
        {
            "first_name": "Camille",
            "last_name": "Martin",
            "email": "camille@exemple.fr",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_terms": "on",
            "next": target,
        },
    )
    assert response.status_code == 302
    assert_stays(response, "signup", target)


@pytest.mark.parametrize("target", EVIL)
def test_reauthentication_by_password(client, target):
    login(client, UserFactory())
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert_stays(response, "reauthenticate", target)


@pytest.mark.parametrize("target", EVIL)
def test_reauthentication_by_code(client, target):
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="téléphone", confirmed=True)
    login(client, user)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(reverse("accounts:reauthenticate_code"), {"token": code, "next": target})
    assert response.status_code == 302
    assert_stays(response, "reauthenticate by code", target)


@pytest.mark.parametrize("target", EVIL)
def test_password_change(client, target):
    login(client, UserFactory())
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "Une-nouvelle-phrase-42",
            "password2": "Une-nouvelle-phrase-42",
            "next": target,
        },
    )
    assert response.status_code == 302
    assert_stays(response, "password change", target)


@pytest.mark.parametrize("target", EVIL)
def test_second_factor_verification(client, target):
    agent = make_agent()
    login(client, agent, verified=False)
    device = TOTPDevice.objects.get(user=agent)
    assert_stays(client.get(reverse("accounts:otp_verify"), {"next": target}), "otp page", target)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post(reverse("accounts:otp_verify"), {"token": code, "next": target})
    assert response.status_code == 302
    assert_stays(response, "otp verify", target)
    # Already verified: sent on, never off the site.
    assert_stays(client.get(reverse("accounts:otp_verify"), {"next": target}), "otp verified", target)


@pytest.mark.parametrize("target", EVIL)
def test_second_factor_enrolment_and_its_continue_link(client, target):
    agent = make_agent(otp=False)
    login(client, agent)
    assert_stays(client.get(reverse("accounts:otp_setup"), {"next": target}), "otp setup page", target)
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page = client.post(reverse("accounts:otp_setup"), {"token": code, "next": target})
    assert page.status_code == 200
    assert_stays(page, "otp codes page", target)


@pytest.mark.parametrize("target", EVIL)
def test_language_switch_by_next_and_by_referer(client, target):
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert_stays(response, "set_language", target)
    response = client.post(reverse("set_language"), {"language": "fr"}, headers={"Referer": target})
    assert_stays(response, "set_language referer", target)


@pytest.mark.parametrize("target", EVIL)
def test_the_admin_login_hands_over_to_the_portals_login_only(client, target):
    response = client.get("/admin/login/", {"next": target})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert_stays(response, "admin login", target)


@pytest.mark.parametrize("target", EVIL)
def test_a_sensitive_action_resumed_after_re_authentication(client, target):
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="téléphone", confirmed=True)
    login(client, user)
    client.post(reverse("accounts:otp_disable"))  # waits for the password
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert_stays(response, "resumed action", target)


def with_next(url: str, target: str) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode({"next": target})]))
    return parts._replace(query=query).geturl()


@pytest.mark.parametrize("role", ROLES)
def test_no_url_of_the_matrix_sends_anyone_off_site_by_its_next(world, role):
    """Every URL of the authorization matrix, as each role, given `next` in its query (GET) and in its
    form (POST): no answer sends the browser off the site (Location, htmx's HX-Redirect) or links there.
    A new view that reads `next` is tried here as soon as it has its row. The spellings rotate over the
    URLs; the views known to read `next` get every spelling above."""
    client = Client(raise_request_exception=False)
    user = world["users"].get(role)
    followed, errors, tried = {}, {}, 0
    for number, (key, row) in enumerate(MATRIX.items()):
        target = EVIL[(number + ROLES.index(role)) % len(EVIL)]
        url = row.url(world)
        attempts = [("post", url, {**row.data, "next": target})]
        if row.method == "get":
            attempts.insert(0, ("get", with_next(url, target), {}))
        for method, address, data in attempts:
            client.logout()
            if user is not None:
                login(client, user)
            response = getattr(client, method)(address, data)
            tried += 1
            if response.status_code >= 500:
                errors[f"{method} {key}"] = response.status_code
            body = b"".join(response.streaming_content) if response.streaming else response.content
            leaving = [
                response.get(header)
                for header in ("Location", "HX-Redirect", "HX-Location", "Refresh")
                if response.get(header) and off_site(response[header].split("url=")[-1])
            ]
            if off_site(target) and f'href="{target}"'.encode() in body:
                leaving.append(f"a link to {target}")
            if leaving:
                followed[f"{method} {key} next={target!r}"] = leaving
    assert followed == {}
    assert errors == {}
    assert tried > 300
