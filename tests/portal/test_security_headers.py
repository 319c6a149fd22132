import pytest
from django.urls import reverse

from tests.factories import make_town

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().partition(" ")[::2] for part in policy.split(";"))


@pytest.fixture
def home(client):
    make_town()
    return client.get(reverse("portal:home"))


def test_pages_carry_a_content_security_policy_without_inline_scripts(home):
    policy = directives(home["Content-Security-Policy"])

    # No page uses the nonce, so no inline script may run: only the site's own files.
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "nonce-" not in home["Content-Security-Policy"]


def test_pages_cannot_be_framed_or_sniffed(home):
    assert home["X-Frame-Options"] == "DENY"
    assert home["X-Content-Type-Options"] == "nosniff"
    assert home["Referrer-Policy"] == "same-origin"
    assert home["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_town_stylesheet_carries_the_same_headers(client):
    make_town()

    response = client.get(reverse("portal:theme_css"))

    assert response["X-Content-Type-Options"] == "nosniff"
    assert directives(response["Content-Security-Policy"])["script-src"] == "'self'"
