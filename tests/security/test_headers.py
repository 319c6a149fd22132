"""The security headers: CSP with a nonce, Permissions-Policy, framing, sniffing, referrer, COOP, HSTS,
and `Cache-Control: no-store` on every personal response, never on static files and public images."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.test import Client
from django.urls import path, reverse

from guichet.public_files import public_storage
from tests.associations.factories import png_upload
from tests.factories import UserFactory, make_agent, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db

FEATURES_OFF = ("camera", "microphone", "geolocation", "payment", "usb", "display-capture")


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().partition(" ")[::2] for part in policy.split(";"))


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture(autouse=True)
def town(db):
    return make_town()


def test_every_page_turns_off_the_powerful_browser_features(client):
    response = client.get(reverse("portal:home"))

    policy = dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    for feature in FEATURES_OFF:
        assert policy[feature] == "()", feature


def test_pages_cannot_be_framed_sniffed_or_leak_their_address(client, production_security):
    response = client.get(reverse("portal:home"), secure=True)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == "'none'"


def test_a_plain_http_request_is_sent_to_https_in_production(client, production_security):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 301
    assert response.url.startswith("https://")


def test_the_scripts_run_by_this_responses_nonce_and_nothing_inline_may(client):
    response = client.get(reverse("portal:home"))

    policy = directives(response["Content-Security-Policy"])
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]{16,})'", policy["script-src"]).group(1)
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts and all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts)
    assert policy["style-src"] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]
    # A new nonce for every response.
    assert nonce not in client.get(reverse("portal:home"))["Content-Security-Policy"]


def test_htmx_is_told_not_to_inject_its_indicator_styles_nor_to_eval(client):
    response = client.get(reverse("portal:home"))

    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", response.text)
    assert json.loads(meta.group(1)) == {"includeIndicatorStyles": False, "allowEval": False}
    # The vendored htmx reads that option before adding its <style> element (and the browser test
    # tests/e2e/test_security_csp.py finds no such element on the pages).
    htmx = (Path(settings.BASE_DIR) / "static" / "js" / "htmx.min.js").read_text()
    assert "includeIndicatorStyles" in htmx


def test_a_signed_in_visitors_pages_are_never_stored(client):
    login(client, UserFactory())

    for url in (reverse("portal:home"), reverse("portal:dashboard"), reverse("accounts:profile")):
        response = client.get(url)
        assert response.status_code == 200
        assert {"no-store", "private"} <= cache_control(response), url


def test_the_back_office_is_never_stored_even_when_it_refuses(client):
    login(client, make_agent())
    assert "no-store" in cache_control(client.get(reverse("portal:agent_home")))

    login(client, UserFactory())
    refused = client.get(reverse("portal:agent_home"))
    assert refused.status_code == 403
    assert "no-store" in cache_control(refused)


def test_a_response_that_sets_a_cookie_is_never_stored(client):
    # Every page with a form renews the CSRF cookie: no copy of it in any cache, shared or not.
    for url in (reverse("account_login"), reverse("portal:news")):
        response = client.get(url)
        assert "csrftoken" in response.cookies
        assert "no-store" in cache_control(response), url


def test_static_files_keep_their_caching_and_get_the_headers_too(settings, db):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client = login(Client(), UserFactory())  # a fresh handler, WhiteNoise set up with the settings above

    response = client.get("/static/css/guichet.css")

    assert response.status_code == 200
    assert "public" in cache_control(response)
    assert "no-store" not in cache_control(response)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "Content-Security-Policy" in response


def test_public_images_and_the_town_stylesheet_stay_cacheable_for_a_signed_in_visitor(
    client, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/public/"},
        },
    }
    name = public_storage().save("logos/logo.png", png_upload())
    login(client, UserFactory())

    image = client.get(reverse("portal:public_media", args=[name]))
    theme = client.get(reverse("portal:theme_css"))

    assert image.status_code == theme.status_code == 200
    assert cache_control(image) == {"public", "max-age=86400"}
    assert "public" in cache_control(theme) and "no-store" not in cache_control(theme)
    # Public responses carry no cookie a shared cache could hand to someone else.
    assert not image.cookies and not theme.cookies


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", login_not_required(boom))]


def test_an_error_page_carries_the_headers_too(settings, production_security):
    settings.ROOT_URLCONF = "tests.security.test_headers"
    client = Client(raise_request_exception=False)

    response = client.get("/boom/", secure=True)

    assert response.status_code == 500
    assert "Une erreur technique est survenue" in response.text
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "Content-Security-Policy" in response
    assert response["Strict-Transport-Security"].startswith("max-age=63072000")
