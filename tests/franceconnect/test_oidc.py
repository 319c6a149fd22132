"""The relying party's details, against the local provider: discovery, the request it sends, client
authentication, algorithms, key rotation, levels, the access token's hash, userinfo as JSON."""

import time
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from guichet.franceconnect import oidc
from guichet.franceconnect.checks import check_settings
from guichet.franceconnect.exceptions import TokenRejected
from guichet.franceconnect.identity import CertifiedIdentity, parse_birthdate
from guichet.franceconnect.models import FranceConnectIdentity
from tests.franceconnect.helpers import query, sign_in, start
from tests.franceconnect.provider import CLIENT_ID, FakeFranceConnect

pytestmark = pytest.mark.django_db


def test_the_authorization_request_asks_for_the_identity_pivot_at_eidas1(client, provider):
    sent = query(start(client))

    assert sent["response_type"] == "code"
    assert sent["client_id"] == CLIENT_ID
    assert sent["redirect_uri"] == "http://testserver/franceconnect/retour/"
    assert set(sent["scope"].split()) == {
        "openid",
        "given_name",
        "family_name",
        "preferred_username",
        "birthdate",
        "birthplace",
        "birthcountry",
        "gender",
        "email",
    }
    assert sent["acr_values"] == "eidas1"
    assert sent["prompt"] == "login consent"
    assert sent["code_challenge_method"] == "S256"
    # A new state and nonce each time.
    again = query(start(client))
    assert again["state"] != sent["state"] and again["nonce"] != sent["nonce"]


def test_the_discovery_document_is_read_once_and_cached(client, provider):
    start(client)
    start(client)
    sign_in(client)

    assert provider.discovery_requests == 1


def test_a_discovery_document_for_another_issuer_is_refused(provider, settings):
    settings.FRANCECONNECT_ISSUER = provider.issuer + "/"

    with pytest.raises(TokenRejected) as refused:
        oidc.discover(oidc.config())
    assert refused.value.code == "discovery_issuer"


def test_basic_client_authentication_and_rs256_work_too(client, settings):
    fake = FakeFranceConnect(algorithm="RS256", auth_method="client_secret_basic").start()
    try:
        for name, value in fake.settings().items():
            setattr(settings, name, value)
        settings.SITE_URL = "http://testserver"

        assert sign_in(client).url == reverse("franceconnect:signup")
        [token_request] = fake.token_requests
        assert token_request["authorization"].startswith("Basic ")
        assert "client_secret" not in token_request
    finally:
        fake.stop()


def test_new_signing_keys_are_fetched_again_once(client, provider):
    assert sign_in(client).status_code == 302
    client.post(reverse("franceconnect:cancel"))
    # The provider rotates its key: the cached keys no longer hold its new key id.
    provider._keys["ES256"] = ("es-2", ec.generate_private_key(ec.SECP256R1()))

    assert sign_in(client).url == reverse("franceconnect:signup")


def test_userinfo_as_plain_json_is_accepted_when_the_provider_announces_no_signing(client, provider):
    provider.userinfo_signed = False

    assert sign_in(client).url == reverse("franceconnect:signup")


@pytest.mark.parametrize(
    ("asked", "given", "accepted"),
    [
        ("eidas1", "eidas1", True),
        ("eidas1", "eidas2", True),
        ("eidas1", "eidas3", True),
        ("eidas2", "eidas1", False),
        ("eidas1", "faible", False),
        ("eidas1", None, False),
        ("niveau-maison", "niveau-maison", True),
        ("", "eidas1", True),
        ("", None, False),
    ],
)
def test_the_eidas_level_must_be_at_least_the_one_asked(provider, settings, asked, given, accepted):
    settings.FRANCECONNECT_ACR_VALUES = asked
    assert oidc._acr_accepted(oidc.config(), given) is accepted


def test_an_id_token_whose_access_token_hash_does_not_match_is_refused(provider):
    conf = oidc.config()
    now = int(time.time())
    token = provider.sign(
        {
            "iss": provider.issuer,
            "aud": CLIENT_ID,
            "sub": "abc",
            "exp": now + 60,
            "iat": now,
            "nonce": "n" * 43,
            "acr": "eidas1",
            "at_hash": "pas-le-bon-hachage",
        }
    )

    with pytest.raises(TokenRejected) as refused:
        oidc.verify_id_token(conf, token, nonce="n" * 43, access_token="un-jeton")
    assert refused.value.code == "id_token_at_hash"
    assert oidc.verify_id_token(conf, token, nonce="n" * 43)["sub"] == "abc"  # without an access token


def test_an_id_token_for_several_audiences_needs_us_as_authorized_party(provider):
    conf = oidc.config()
    now = int(time.time())
    claims = {"iss": provider.issuer, "aud": [CLIENT_ID, "autre"], "sub": "abc", "exp": now + 60, "iat": now}
    claims |= {"nonce": "n" * 43, "acr": "eidas1"}

    with pytest.raises(TokenRejected) as refused:
        oidc.verify_id_token(conf, provider.sign(claims), nonce="n" * 43)
    assert refused.value.code == "id_token_azp"
    assert oidc.verify_id_token(conf, provider.sign({**claims, "azp": CLIENT_ID}), nonce="n" * 43)


def test_a_partial_birthdate_is_kept_as_unknown(client, provider):
    provider.identity["birthdate"] = "1962-08-00"
    sign_in(client)
    client.post(reverse("franceconnect:signup"), {"email": "angela@exemple.fr", "accept_terms": "on"})

    assert FranceConnectIdentity.objects.get().birthdate is None
    assert parse_birthdate("1962-08-24") == date(1962, 8, 24)
    assert parse_birthdate("1962-02-30") is None
    assert parse_birthdate(19620824) is None


def test_the_pivot_is_cleaned_of_what_it_should_not_hold():
    identity = CertifiedIdentity.from_claims(
        {"sub": "abc", "acr": "eidas1"},
        {
            "given_name": "  Jean   Pierre ",
            "family_name": "Martin",
            "birthplace": "pas un code",
            "birthcountry": "99100",
            "email": "Jean@Exemple.FR",
            "sub": "ignored: the ID token's sub wins",
        },
    )

    assert identity.sub == "abc"
    assert identity.given_name == "Jean Pierre"
    assert (identity.birthplace, identity.birthcountry, identity.email) == ("", "99100", "jean@exemple.fr")
    assert CertifiedIdentity.from_session(identity.to_session()) == identity


def test_settings_checks_say_nothing_while_franceconnect_is_off(settings):
    settings.FRANCECONNECT_ISSUER = settings.FRANCECONNECT_CLIENT_ID = (
        settings.FRANCECONNECT_CLIENT_SECRET
    ) = ""
    assert check_settings(None) == []
    assert not oidc.is_enabled()

    settings.FRANCECONNECT_ISSUER = "http://fc.example/api/v2"
    settings.DEBUG = False
    assert [error.id for error in check_settings(None)] == ["franceconnect.E001", "franceconnect.E002"]

    settings.FRANCECONNECT_ISSUER = "https://fcp-low.sbx.dev-franceconnect.fr/api/v2"
    settings.FRANCECONNECT_CLIENT_ID, settings.FRANCECONNECT_CLIENT_SECRET = "id", "secret"
    assert check_settings(None) == []
    assert oidc.is_enabled()
