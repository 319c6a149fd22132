"""TOTP codes are single-use (django-otp's real devices): a code accepted once is refused the second time,
even in the same 30-second window, and the next window's code is accepted."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains

from tests.factories import PASSWORD, make_agent, make_town

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def town(db):
    return make_town()


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in_with(client, email: str, token: str):
    client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    return client.post(reverse("accounts:otp_verify"), {"token": token, "next": "/agent/"})


def test_a_code_accepted_once_is_refused_the_second_time(client, time_machine):
    time_machine.move_to(START, tick=False)
    agent = make_agent(email="agent@mairie.fr")
    device = TOTPDevice.objects.get(user=agent)
    token = code(device)

    assert sign_in_with(client, "agent@mairie.fr", token).status_code == 302
    assert client.get("/agent/").status_code == 200
    client.post(reverse("account_logout"))

    time_machine.shift(timedelta(seconds=10))  # same 30-second window: the phone still shows it
    assert code(device) == token
    replayed = sign_in_with(client, "agent@mairie.fr", token)
    assert replayed.status_code == 200
    assertContains(replayed, "Ce code n&#x27;est pas valable.")
    assert client.get("/agent/").status_code == 302

    time_machine.shift(timedelta(seconds=65))  # clear of the throttling delay, a new code
    assert sign_in_with(client, "agent@mairie.fr", code(device)).status_code == 302
    assert client.get("/agent/").status_code == 200


def test_the_code_that_confirmed_enrolment_cannot_sign_in(client, time_machine):
    time_machine.move_to(START, tick=False)
    agent = make_agent(email="nouvel.agent@mairie.fr", otp=False)
    client.post(reverse("account_login"), {"login": "nouvel.agent@mairie.fr", "password": PASSWORD})
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=agent)
    token = code(device)
    assert client.post(reverse("accounts:otp_setup"), {"token": token}).status_code == 200
    client.post(reverse("account_logout"))

    replayed = sign_in_with(client, "nouvel.agent@mairie.fr", token)

    assertContains(replayed, "Ce code n&#x27;est pas valable.")
    assert client.get("/agent/").status_code == 302


def test_an_old_code_is_refused(client, time_machine):
    time_machine.move_to(START, tick=False)
    agent = make_agent(email="agent@mairie.fr")
    old = code(TOTPDevice.objects.get(user=agent))

    time_machine.shift(timedelta(minutes=3))

    assertContains(sign_in_with(client, "agent@mairie.fr", old), "Ce code n&#x27;est pas valable.")
