"""Sessions: idle expiry (30 minutes for citizens, 15 for agents and staff) flushed server-side, with a
French message and `next` kept; the key rotated at login and at the second factor; logout kills it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains

from tests.factories import PASSWORD, UserFactory, make_admin, make_agent, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EXPIRED = "Votre session a expiré : après {} minutes sans activité, vous avez été déconnecté par sécurité."


@pytest.fixture(autouse=True)
def town(db):
    return make_town()


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def session_exists(key: str) -> bool:
    from django.contrib.sessions.backends.cached_db import SessionStore

    return Session.objects.filter(session_key=key).exists() or SessionStore().exists(key)


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# Idle expiry ---------------------------------------------------------------------------------------


def test_a_citizen_idle_29_minutes_is_still_signed_in(client, clock):
    login(client, UserFactory())
    clock.shift(timedelta(minutes=29))

    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_a_citizen_idle_more_than_30_minutes_is_signed_out_server_side_and_told_so(client, clock):
    login(client, UserFactory())
    client.get(reverse("portal:dashboard"))
    old_key = session_key(client)
    clock.shift(timedelta(minutes=32))

    response = client.get(reverse("accounts:profile"), {"onglet": "adresse"})

    # Sent to sign in again, coming back to the same page afterwards.
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=/mon-espace/profil/%3Fonglet%3Dadresse"
    assert not session_exists(old_key)
    page = client.get(response.url)
    assertContains(page, EXPIRED.format(30).replace("'", "&#x27;"))
    assertContains(page, "Reconnectez-vous pour reprendre où vous en étiez.")
    assertContains(
        page, '<input type="hidden" name="next" value="/mon-espace/profil/?onglet=adresse">', html=True
    )
    # The message is said once.
    assert "Votre session a expiré" not in client.get(response.url).text


def test_signing_in_again_after_expiry_leads_back_to_the_page(client, clock):
    UserFactory(email="lea@exemple.fr")
    sign_in(client, "lea@exemple.fr")
    clock.shift(timedelta(minutes=45))
    login_page = client.get(reverse("accounts:profile")).url

    response = client.post(
        login_page, {"login": "lea@exemple.fr", "password": PASSWORD, "next": "/mon-espace/profil/"}
    )

    assert response.status_code == 302
    assert response.url == "/mon-espace/profil/"
    assert client.get(response.url).status_code == 200


def test_the_old_cookie_of_an_expired_session_opens_nothing(client, clock):
    login(client, UserFactory())
    stolen = session_key(client)
    clock.shift(timedelta(minutes=40))
    client.get(reverse("portal:home"))  # the owner comes back: the session is flushed

    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert thief.get(reverse("portal:dashboard")).status_code == 302


def test_activity_keeps_a_session_open_past_30_minutes(client, clock):
    login(client, UserFactory())
    for _step in range(8):  # two hours, a page every quarter
        clock.shift(timedelta(minutes=15))
        assert client.get(reverse("portal:dashboard")).status_code == 200


@pytest.mark.parametrize("make_user", [make_agent, make_admin], ids=["agent", "administrator"])
def test_agents_and_staff_are_signed_out_after_15_idle_minutes(client, clock, make_user):
    login(client, make_user())
    assert client.get(reverse("portal:agent_home")).status_code == 200

    clock.shift(timedelta(minutes=14))
    assert client.get(reverse("portal:agent_home")).status_code == 200

    clock.shift(timedelta(minutes=17))
    response = client.get(reverse("portal:agent_home"))
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=/agent/"
    assertContains(client.get(response.url), EXPIRED.format(15).replace("'", "&#x27;"))


def test_a_citizen_made_an_agent_gets_the_agents_limit(client, clock):
    from guichet.accounts.models import AgentMembership
    from tests.factories import ServiceFactory

    citizen = UserFactory()
    login(client, citizen)
    AgentMembership.objects.create(user=citizen, service=ServiceFactory())
    clock.shift(timedelta(minutes=2))
    client.get(reverse("portal:home"))  # the clock and the limit are written down again

    clock.shift(timedelta(minutes=17))
    assert client.get(reverse("portal:dashboard")).status_code == 302


def test_on_a_public_page_the_message_offers_to_sign_in_again_to_come_back(client, clock):
    login(client, UserFactory())
    clock.shift(timedelta(minutes=31 + 2))

    page = client.get(reverse("portal:news"))

    assert page.status_code == 200
    assert not page.context["user"].is_authenticated
    assertContains(page, '<a href="/compte/login/?next=%2Factualites%2F">Me reconnecter</a>', html=True)


def test_an_htmx_request_after_expiry_sends_the_whole_tab_to_the_login_page(client, clock):
    login(client, UserFactory())
    clock.shift(timedelta(hours=1))

    response = client.get(
        reverse("notify:list"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/mon-espace/?x=1"},
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/compte/login/?next=%2Fmon-espace%2F%3Fx%3D1"


def test_the_idle_clock_is_written_at_most_once_a_minute(client, clock):
    login(client, UserFactory())
    clock.shift(timedelta(seconds=30))
    # Within a minute of the last write, the session is not saved again (no write, no Set-Cookie).
    assert settings.SESSION_COOKIE_NAME not in client.get(reverse("portal:dashboard")).cookies

    clock.shift(timedelta(seconds=40))
    assert settings.SESSION_COOKIE_NAME in client.get(reverse("portal:dashboard")).cookies


# Rotation and logout -------------------------------------------------------------------------------


def test_the_session_key_changes_at_login_and_the_old_one_is_gone(client):
    UserFactory(email="lea@exemple.fr")
    session = client.session
    session["visite"] = "avant la connexion"  # a session planted before login (fixation)
    session.save()
    planted = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted

    assert sign_in(client, "lea@exemple.fr").status_code == 302

    assert session_key(client) != planted
    assert not session_exists(planted)
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_the_session_key_changes_again_once_the_second_factor_is_given(client):
    agent = make_agent(email="agent@mairie.fr")
    sign_in(client, "agent@mairie.fr")
    after_password = session_key(client)

    response = client.post(
        reverse("accounts:otp_verify"),
        {"token": current_code(TOTPDevice.objects.get(user=agent)), "next": "/agent/"},
    )

    assert response.status_code == 302
    assert session_key(client) != after_password
    assert not session_exists(after_password)
    assert client.get("/agent/").status_code == 200


def test_logout_kills_the_session_server_side(client):
    UserFactory(email="lea@exemple.fr")
    sign_in(client, "lea@exemple.fr")
    key = session_key(client)
    assert session_exists(key)

    assert client.post(reverse("account_logout")).status_code == 302

    assert not session_exists(key)
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    response = replay.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
