"""Every attack and error on the way back from FranceConnect ends on a French page, logged without any
personal value, never a 500; and nothing is created, linked or signed in."""

import logging
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from guichet.accounts.models import User
from guichet.franceconnect import flow, oidc
from guichet.franceconnect.models import FranceConnectIdentity
from tests.factories import UserFactory
from tests.franceconnect.factories import FranceConnectIdentityFactory
from tests.franceconnect.helpers import authorize, local, query, sign_in, start
from tests.franceconnect.provider import DEFAULT_IDENTITY

pytestmark = pytest.mark.django_db

REFUSED = "FranceConnect n&#x27;a pas pu confirmer votre identité de façon sûre"
EXPIRED = "Cette tentative de connexion avec FranceConnect a expiré ou a déjà servi."
UNREACHABLE = "FranceConnect ne répond pas pour le moment."
CALLBACK = reverse("franceconnect:callback")


def assert_nothing_happened(client) -> None:
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists()
    assert not FranceConnectIdentity.objects.exists()
    assert flow.pending(client.session) is None


def assert_refused_page(page, text: str, status: int) -> None:
    assertContains(page, text, status_code=status)
    assertContains(page, f'href="{reverse("account_login")}"', status_code=status)  # the way back


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def assert_logs_hold_no_personal_value(logs, provider, *more: str) -> None:
    secrets = [DEFAULT_IDENTITY[name] for name in ("sub", "given_name", "family_name", "email", "birthdate")]
    secrets += provider.issued_id_tokens + [r.get("code", "") for r in provider.token_requests] + list(more)
    for secret in filter(None, secrets):
        assert secret not in logs.text


# The token and the userinfo -------------------------------------------------------------------------

MISBEHAVIOURS = {
    "wrong_nonce": "id_token_nonce",
    "bad_signature": "id_token_signature",
    "expired": "id_token_expired",
    "alg_none": "id_token_algorithm",
    "hs256": "id_token_algorithm",
    "wrong_audience": "id_token_audience",
    "wrong_issuer": "id_token_issuer",
    "weak_acr": "id_token_acr",
    "unknown_kid": "id_token_key_unknown",
    "userinfo_bad_signature": "userinfo_signature",
    "userinfo_other_sub": "userinfo_sub",
    "userinfo_plain_json": "userinfo_unsigned",
}


@pytest.mark.parametrize("misbehaviour", MISBEHAVIOURS)
def test_a_token_or_userinfo_that_fails_a_check_is_refused(client, provider, logs, misbehaviour):
    provider.misbehave.add(misbehaviour)

    page = sign_in(client)

    assert_refused_page(page, REFUSED, 400)
    assert f"FranceConnect sign-in refused: {MISBEHAVIOURS[misbehaviour]}" in logs.text
    assert_nothing_happened(client)
    assert_logs_hold_no_personal_value(logs, provider)


def test_a_known_identity_is_not_signed_in_with_a_forged_token(client, provider):
    FranceConnectIdentityFactory(user=UserFactory())
    provider.misbehave.add("bad_signature")

    assert sign_in(client).status_code == 400
    assert "_auth_user_id" not in client.session


def test_an_identity_without_names_is_refused(client, provider, logs):
    provider.identity["family_name"] = ""

    assert_refused_page(sign_in(client), REFUSED, 400)
    assert "identity_incomplete" in logs.text
    assert_nothing_happened(client)


# State, code, PKCE, nonce -------------------------------------------------------------------------


def test_pkce_state_and_nonce_are_sent_and_checked(client, provider):
    authorization_url = start(client)
    sent = query(authorization_url)
    [started] = client.session[flow.FLOWS_KEY].items()
    state, kept = started
    assert sent["state"] == state and len(state) >= 32
    assert sent["nonce"] == kept["nonce"] and len(kept["nonce"]) >= 32
    assert sent["code_challenge_method"] == "S256"
    assert sent["code_challenge"] == oidc.code_challenge(kept["verifier"])
    assert kept["verifier"] not in authorization_url  # the verifier never leaves the server

    client.get(local(authorize(authorization_url)))

    [token_request] = provider.token_requests
    assert token_request["code_verifier"] == kept["verifier"]
    assert token_request["client_secret"] == provider.settings()["FRANCECONNECT_CLIENT_SECRET"]


def test_the_provider_refuses_a_wrong_pkce_verifier(client, provider, logs):
    authorization_url = start(client)
    session = client.session
    flows = session[flow.FLOWS_KEY]
    for kept in flows.values():
        kept["verifier"] = "un-autre-verificateur-" + "x" * 40
    session[flow.FLOWS_KEY] = flows
    session.save()

    page = client.get(local(authorize(authorization_url)))

    assert_refused_page(page, REFUSED, 400)
    assert "token_refused" in logs.text
    assert_nothing_happened(client)


def test_a_state_that_does_not_match_is_refused(client, provider, logs):
    callback = authorize(start(client))
    forged = query(callback) | {"state": "un-etat-fabrique-par-un-attaquant-0123456789"}

    page = client.get(CALLBACK, forged)

    assert_refused_page(page, EXPIRED, 400)
    assert "FranceConnect sign-in refused: state" in logs.text
    assert provider.token_requests == []  # the code was not even tried
    assert_nothing_happened(client)


def test_an_answer_without_state_is_refused(client, provider):
    callback = authorize(start(client))

    page = client.get(CALLBACK, {"code": query(callback)["code"]})

    assert_refused_page(page, EXPIRED, 400)
    assert provider.token_requests == []


def test_an_answer_meant_for_another_browser_is_refused(client, provider):
    callback = authorize(start(client))

    page = Client().get(local(callback))

    assert_refused_page(page, EXPIRED, 400)
    assert provider.token_requests == []


def test_a_replayed_answer_is_refused(client, provider):
    callback = authorize(start(client))
    assert client.get(local(callback)).url == reverse("franceconnect:signup")
    client.post(reverse("franceconnect:cancel"))

    page = client.get(local(callback))

    assert_refused_page(page, EXPIRED, 400)
    assert len(provider.token_requests) == 1
    assert_nothing_happened(client)


def test_a_replayed_code_is_refused_by_the_provider(client, provider, logs):
    first = query(authorize(start(client)))
    client.get(CALLBACK, first)
    client.post(reverse("franceconnect:cancel"))
    # A new sign-in of this browser, whose answer carries the old code.
    second = query(authorize(start(client)))

    page = client.get(CALLBACK, {"state": second["state"], "code": first["code"]})

    assert_refused_page(page, REFUSED, 400)
    assert "token_refused" in logs.text
    assert_nothing_happened(client)


def test_an_expired_sign_in_is_refused(client, provider, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    callback = authorize(start(client))
    time_machine.shift(timedelta(minutes=11))

    assert_refused_page(client.get(local(callback)), EXPIRED, 400)
    assert provider.token_requests == []


# The provider's errors and absence --------------------------------------------------------------------


def test_the_person_cancelling_at_franceconnect_is_told_calmly(client, provider):
    provider.misbehave.add("access_denied")

    page = sign_in(client)

    assertContains(page, "<h1>Connexion avec FranceConnect annulée</h1>", html=True)
    assertContains(page, "Vous avez annulé la connexion avec FranceConnect.")
    assertContains(page, f'href="{reverse("account_login")}"')
    assert_nothing_happened(client)


def test_another_provider_error_is_refused(client, provider, logs):
    provider.misbehave.add("server_error")

    page = sign_in(client)

    assert_refused_page(page, "La connexion avec FranceConnect n&#x27;a pas abouti.", 400)
    assert "provider_server_error" in logs.text


def test_a_provider_error_code_of_its_own_is_not_logged_as_it_is(client, provider, logs):
    callback = query(authorize(start(client)))

    page = client.get(CALLBACK, {"state": callback["state"], "error": "<script>Angela Dubois</script>"})

    assert page.status_code == 400
    assert "provider_other" in logs.text
    assert "Angela" not in logs.text


def test_an_unreachable_provider_is_said_so(client, provider, logs):
    callback = authorize(start(client))
    provider.stop()

    page = client.get(local(callback))

    assert_refused_page(page, UNREACHABLE, 503)
    assert "token_unreachable" in logs.text
    assert_nothing_happened(client)


def test_a_provider_down_before_the_start_is_said_so(client, provider):
    provider.stop()

    page = client.post(reverse("franceconnect:start"))

    assert_refused_page(page, UNREACHABLE, 503)


def test_a_failing_token_endpoint_is_said_so(client, provider):
    provider.misbehave.add("token_down")

    assert_refused_page(sign_in(client), UNREACHABLE, 503)


def test_the_error_pages_are_never_a_server_error(client, provider):
    # Garbage in every parameter the callback reads.
    for params in (
        {},
        {"state": ""},
        {"state": "x" * 5000, "code": "y" * 5000},
        {"error": "", "state": "z"},
        {"code": "\x00", "state": "\x00"},
    ):
        response = client.get(f"{CALLBACK}?{urlencode(params)}")
        assert response.status_code == 400
