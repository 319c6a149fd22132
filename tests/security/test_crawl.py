"""The crawl: the portal as each role of the authorization matrix, with production-like security settings
(HTTPS, HSTS, secure cookies). Every GET URL of the matrix is visited (so a new URL is crawled as soon as it
has its row), then every same-site link from them and from the home page, Mon espace, the agents' home and
the admin (bounded), with the assets the pages name; then every POST row of the matrix is sent, signed in
again before each (a POST may sign out or change the account). The security headers and cookie flags are
on 100% of responses, and none answers 500. Each role signs in through the real forms first (password,
then the code for agents), so the session cookie's flags are checked as the browser gets them."""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD
from tests.helpers import login
from tests.matrix import ROLES
from tests.security.crawl import Crawler, check_response, cookie_problems
from tests.test_authorization_matrix import MATRIX

START = ["/", "/mon-espace/", "/agent/", "/admin/"]


@pytest.fixture
def crawl_settings(production_security, settings):
    # Static files through WhiteNoise's finders, as collected in production.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    return settings


def sign_in(client: Client, user) -> list[str]:
    """Through the forms, over HTTPS; what is wrong with the responses that set the cookies."""
    problems = []
    page = client.get(reverse("account_login"), secure=True)
    problems += cookie_problems(page)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}, secure=True)
    assert response.status_code == 302, response.content[:500]
    assert "sessionid" in response.cookies
    problems += check_response(response, path=reverse("account_login"), signed_in=True, body=None)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        verified = client.post(reverse("accounts:otp_verify"), {"token": code}, secure=True)
        assert verified.status_code == 302
        problems += check_response(verified, path=reverse("accounts:otp_verify"), signed_in=True, body=None)
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_response_carries_the_headers_and_none_answers_500(world, crawl_settings, role):
    client = Client(raise_request_exception=False)
    user = world["users"].get(role)
    login_problems = [] if user is None else sign_in(client, user)
    matrix_urls = [row.url(world) for row in MATRIX.values() if row.method == "get"]

    crawler = Crawler(client, signed_in=user is not None).crawl(START, required=matrix_urls)
    # The crawl signed out of nothing: every page above was seen as this role.
    assert client.session.get("_auth_user_id") == (None if user is None else str(user.pk))
    posts = [(row.url(world), row.data) for row in MATRIX.values() if row.method == "post"]
    for url, data in posts:
        if user is not None:
            login(client, user)
        crawler.post(url, data)

    assert login_problems == []
    assert crawler.problems == {}, (
        f"{len(crawler.problems)} of {crawler.checked} responses: {crawler.problems}"
    )
    assert 500 not in crawler.statuses
    # Every URL of the matrix was checked, and the links led further: pages, redirects and assets.
    assert crawler.required_checked == len(set(matrix_urls)) > 150
    assert crawler.checked > crawler.required_checked + len(posts) + 20, crawler.statuses
    print(
        f"\n{role}: {crawler.checked} responses ({len(set(matrix_urls))} matrix GET URLs, {len(posts)} POSTs)"
    )


def test_the_language_cookie_is_secure_http_only_and_same_site(crawl_settings, db):
    response = Client().post(reverse("set_language"), {"language": "en", "next": "/"}, secure=True)

    assert response.status_code == 302
    morsel = response.cookies["django_language"]
    assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Lax"
    assert cookie_problems(response) == []


def test_the_checks_catch_each_missing_header_and_flag():
    """The crawl can fail: a bare response is found wanting on every count."""
    response = HttpResponse('<p style="color: red">x</p><script>run()</script>', content_type="text/html")
    response.set_cookie("sessionid", "abc", samesite="None")

    problems = " | ".join(
        check_response(response, path="/mon-espace/", signed_in=True, body=response.content.decode())
    )

    for expected in (
        "no Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Strict-Transport-Security",
        "Permissions-Policy",
        "personal response without no-store",
        "cookie sessionid without Secure",
        "cookie sessionid without HttpOnly",
        "cookie sessionid without SameSite",
        "an inline script the CSP would block",
        "inline style",
    ):
        assert expected in problems
    response.status_code = 500
    assert "answers 500" in check_response(response, path="/", signed_in=False, body=None)
