"""Signing out of a session that came from FranceConnect goes through the provider's end_session."""

import pytest
import requests
from django.urls import reverse

from guichet.franceconnect import oidc
from tests.factories import UserFactory
from tests.franceconnect.factories import FranceConnectIdentityFactory
from tests.franceconnect.helpers import local, query, sign_in
from tests.helpers import login

pytestmark = pytest.mark.django_db

LOGOUT = reverse("account_logout")


@pytest.fixture
def signed_in(client, provider):
    user = UserFactory()
    FranceConnectIdentityFactory(user=user)
    assert sign_in(client).status_code == 302
    assert "_auth_user_id" in client.session
    return user


def test_logout_goes_through_franceconnects_end_session(client, provider, signed_in):
    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response.url.startswith(f"{provider.issuer}/session/end?")
    sent = query(response.url)
    assert sent["id_token_hint"] == provider.issued_id_tokens[-1]
    assert sent["post_logout_redirect_uri"] == "http://testserver/franceconnect/deconnexion/retour/"
    assert len(sent["state"]) >= 32
    # Signed out here already, whatever the provider does next.
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:dashboard")).url.startswith(reverse("account_login"))

    back = requests.get(response.url, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    assert provider.end_session_requests[-1]["state"] == sent["state"]
    home = client.get(local(back.headers["Location"]))
    assert home.status_code == 302
    assert home.url == reverse("portal:home")


def test_the_logout_keeps_a_next_page_through_the_provider(client, provider, signed_in):
    response = client.post(LOGOUT, {"next": "/aide/"})

    back = requests.get(response.url, allow_redirects=False, timeout=5)
    assert client.get(local(back.headers["Location"])).url == "/aide/"


def test_a_password_session_signs_out_as_before(client, provider):
    login(client, UserFactory())

    response = client.post(LOGOUT)

    assert response.url == reverse("portal:home")
    assert provider.end_session_requests == []
    assert "_auth_user_id" not in client.session


def test_the_logout_page_is_allauths(client, provider, signed_in):
    page = client.get(LOGOUT)

    assert page.status_code == 200
    assert f'action="{LOGOUT}"' in page.text


def test_an_unreachable_provider_does_not_keep_anyone_signed_in(client, provider, signed_in):
    from django.core.cache import cache

    cache.clear()  # the discovery document has to be read again
    provider.stop()

    response = client.post(LOGOUT)

    assert response.url == reverse("portal:home")
    assert "_auth_user_id" not in client.session


def test_a_return_with_a_foreign_state_just_goes_home(client, provider, signed_in):
    client.post(LOGOUT, {"next": "/aide/"})

    response = client.get(reverse("franceconnect:logout_return"), {"state": "pas-le-bon"})

    assert response.url == reverse("portal:home")


def test_franceconnect_off_the_logout_is_allauths(client, franceconnect_off):
    login(client, UserFactory())

    assert not oidc.is_enabled()
    assert client.post(LOGOUT).url == reverse("portal:home")
    assert client.get(LOGOUT).status_code == 302  # signed out: sent on


def test_the_next_page_after_logout_stays_on_the_portal(client, provider, signed_in):
    response = client.post(LOGOUT, {"next": "https://attaquant.example/"})

    back = requests.get(response.url, allow_redirects=False, timeout=5)
    assert client.get(local(back.headers["Location"])).url == reverse("portal:home")
