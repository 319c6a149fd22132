"""CSRF on every POST: every URL of the authorization matrix, sent a POST without the token (and the POST
rows with a wrong one) by a visitor the page would serve, is refused with 403 by the CSRF check, and
changes nothing. Only the payment providers' callbacks are exempt: they are signed server to server."""

import logging

import pytest
from django.test import Client

from tests.helpers import login
from tests.matrix import ADMIN, AGENT, AGENT_OTHER_SERVICE, ANONYMOUS, CITIZEN, LOGIN, OTHER_CITIZEN
from tests.test_authorization_matrix import MATRIX

CSRF_EXEMPT = {
    # Called by Stripe and PayFiP, never by a browser: authenticated by their signature instead
    # (tests/regie/test_webhook.py, test_payfip.py).
    "regie:stripe_webhook": "signed callback",
    "regie:payfip_webhook": "signed callback",
    # The demo's stand-in for Stripe's own site (REGIE_FAKE_PROVIDER): a third party cannot hold our
    # token; without the fake (production) it answers 404 to everything.
    "regie:demo_provider_root": "demo only",
    "regie:demo_provider": "demo only",
}
# The first role each page serves: its CSRF check is the one that matters.
ROLE_ORDER = [CITIZEN, AGENT, ADMIN, AGENT_OTHER_SERVICE, OTHER_CITIZEN, ANONYMOUS]


def serving_role(key: str) -> str:
    expect = MATRIX[key].expect
    return next((role for role in ROLE_ORDER if expect[role] not in (403, 404, LOGIN)), CITIZEN)


@pytest.fixture
def clients(world):
    made = {}

    def client_for(role: str) -> Client:
        if role not in made:
            client = Client(enforce_csrf_checks=True)
            if role != ANONYMOUS:
                login(client, world["users"][role])
            made[role] = client
        return made[role]

    return client_for


def csrf_refusals(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "django.security.csrf"]


def test_every_url_refuses_a_post_without_the_token(world, clients, caplog):
    accepted = {}
    for key, row in MATRIX.items():
        if key in CSRF_EXEMPT:
            continue
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = clients(serving_role(key)).post(row.url(world), row.data)
        if response.status_code != 403 or not csrf_refusals(caplog):
            accepted[key] = response.status_code
    assert accepted == {}


def test_the_post_forms_refuse_a_wrong_token_with_a_real_cookie(world, clients, caplog):
    accepted = {}
    for key, row in MATRIX.items():
        if row.method != "post" or key in CSRF_EXEMPT:
            continue
        client = clients(serving_role(key))
        client.get("/")  # the CSRF cookie of this browser
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = client.post(row.url(world), {**row.data, "csrfmiddlewaretoken": "a" * 64})
        if response.status_code != 403 or not csrf_refusals(caplog):
            accepted[key] = response.status_code
    assert accepted == {}
    assert sum(1 for row in MATRIX.values() if row.method == "post") > 30


def test_the_exempt_urls_refuse_an_unsigned_post_anyway_and_the_demo_one_is_gone_in_production(
    world, settings
):
    settings.REGIE_FAKE_PROVIDER = False
    client = Client(enforce_csrf_checks=True)
    answers = {key: client.post(MATRIX[key].url(world), {}).status_code for key in CSRF_EXEMPT}
    assert answers == {
        "regie:stripe_webhook": 400,
        "regie:payfip_webhook": 400,
        "regie:demo_provider_root": 404,
        "regie:demo_provider": 404,
    }
