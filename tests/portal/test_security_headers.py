import re

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

    # Only the site's own files, each script tag with this response's nonce: no inline script may run.
    nonce = re.search(r"'nonce-([\w-]+)'", policy["script-src"]).group(1)
    assert policy["script-src"] == f"'self' 'nonce-{nonce}'"
    assert f'nonce="{nonce}"' in home.text
    assert policy["default-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'"


def test_pages_cannot_be_framed_or_sniffed(home):
    assert home["X-Frame-Options"] == "DENY"
    assert home["X-Content-Type-Options"] == "nosniff"
    assert home["Referrer-Policy"] == "same-origin"
    assert home["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_town_stylesheet_carries_the_same_headers(client):
    make_town()

    response = client.get(reverse("portal:theme_css"))

    assert response["X-Content-Type-Options"] == "nosniff"
    # Nothing in a stylesheet uses the nonce: none is given.
    assert directives(response["Content-Security-Policy"])["script-src"] == "'self'"
