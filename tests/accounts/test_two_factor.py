import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.audit.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, add_backup_codes, make_admin, make_agent
from tests.helpers import login
from tests.security.helpers import reauthenticate

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    """The code the agent's phone shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def backoffice_paths() -> list[str]:
    """Every back-office URL of the URLconf that can be reversed without arguments, plus samples."""
    paths = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(("agent/", "admin/")):
                concrete = re.sub(r"<[^>]+>", "1", route).replace("^", "").replace("$", "")
                concrete = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", concrete)
                paths.append("/" + concrete.replace("\\", ""))

    walk(get_resolver().url_patterns)
    return sorted({path for path in paths if "login" not in path})


def test_the_urlconf_has_back_office_pages_to_protect():
    paths = backoffice_paths()
    assert "/agent/" in paths
    assert "/admin/" in paths


@pytest.mark.parametrize("path", backoffice_paths())
def test_staff_without_a_device_is_sent_to_enrolment_from_every_back_office_url(client, path):
    # Agents work under /agent/, administrators also under /admin/.
    user = make_admin(otp=False) if path.startswith("/admin/") else make_agent(otp=False)
    login(client, user)

    response = client.get(path)

    assert response.status_code == 302, path
    assert response.url.startswith(reverse("accounts:otp_setup"))


@pytest.mark.parametrize("path", ["/agent/", "/admin/"])
def test_an_administrator_without_a_device_is_sent_to_enrolment(client, path):
    login(client, make_admin(otp=False))
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_setup"))


def test_an_agent_with_a_device_must_give_a_code_before_the_back_office(client):
    agent = make_agent()
    login(client, agent, verified=False)

    response = client.get("/agent/")
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:otp_verify')}?next=%2Fagent%2F"

    device = TOTPDevice.objects.get(user=agent)
    response = client.post(response.url, {"token": current_code(device), "next": "/agent/"})
    assert response.status_code == 302
    assert response.url == "/agent/"
    assert client.get("/agent/").status_code == 200


def test_a_citizen_on_the_back_office_is_refused(client):
    login(client, UserFactory())
    assert client.get("/agent/").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_an_agent_is_refused_on_the_admin(client):
    login(client, make_agent())
    assert client.get("/admin/").status_code == 403


def test_enrolment_with_the_right_code_turns_2fa_on_and_shows_backup_codes_once(client):
    agent = make_agent(otp=False)
    login(client, agent)

    page = client.get(reverse("accounts:otp_setup"), {"next": "/agent/"})
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text
    device = TOTPDevice.objects.get(user=agent, confirmed=False)

    response = client.post(reverse("accounts:otp_setup"), {"token": current_code(device), "next": "/agent/"})
    assert response.status_code == 200
    assert "La double authentification est activée." in response.text
    codes = re.findall(r"<code>(\d{8})</code>", response.text)
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=agent).values_list("token", flat=True)
    )
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/agent/").status_code == 200
    assert AuditEvent.objects.filter(action="otp.enrol", actor_id=agent.pk).exists()


def test_enrolment_with_a_wrong_code_explains_in_french(client):
    agent = make_agent(otp=False)
    login(client, agent)
    client.get(reverse("accounts:otp_setup"))

    response = client.post(reverse("accounts:otp_setup"), {"token": "000000"})
    assert response.status_code == 200
    assert "Ce code ne correspond pas." in response.text
    assert 'value="000000"' in response.text
    assert not TOTPDevice.objects.filter(user=agent, confirmed=True).exists()


def test_a_password_alone_cannot_replace_an_enrolled_device(client):
    agent = make_agent()
    login(client, agent, verified=False)

    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:otp_verify")
    assert TOTPDevice.objects.filter(user=agent).count() == 1


def test_a_backup_code_works_once(client):
    agent = make_agent()
    add_backup_codes(agent, "12345678")
    login(client, agent, verified=False)

    response = client.post(reverse("accounts:otp_verify"), {"token": "1234 5678", "next": "/agent/"})
    assert response.status_code == 302
    assert client.get("/agent/").status_code == 200
    assert not StaticToken.objects.filter(token="12345678").exists()

    client.logout()
    login(client, agent, verified=False)
    response = client.post(reverse("accounts:otp_verify"), {"token": "12345678"})
    assert response.status_code == 200
    assert "Ce code n&#x27;est pas valable." in response.text


def test_repeated_wrong_codes_are_throttled(client):
    agent = make_agent()
    login(client, agent, verified=False)
    device = TOTPDevice.objects.get(user=agent)
    for _attempt in range(3):
        client.post(reverse("accounts:otp_verify"), {"token": "000000"})

    response = client.post(reverse("accounts:otp_verify"), {"token": current_code(device)})
    assert response.status_code == 200
    assert "Trop de codes erronés." in response.text
    assert client.get("/agent/").status_code == 302


def test_a_citizen_can_turn_2fa_on_and_must_then_give_a_code_at_each_login(client):
    citizen = UserFactory(email="lea@exemple.fr")
    client.post(reverse("account_login"), {"login": "lea@exemple.fr", "password": PASSWORD})
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=citizen)
    client.post(reverse("accounts:otp_setup"), {"token": current_code(device)})
    client.post(reverse("account_logout"))

    client.post(reverse("account_login"), {"login": "lea@exemple.fr", "password": PASSWORD})
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_verify"))


def test_a_citizen_can_turn_2fa_off_but_an_agent_cannot(client):
    citizen = UserFactory()
    TOTPDevice.objects.create(user=citizen, name="t", confirmed=True)
    login(client, citizen)
    reauthenticate(client)  # a sensitive action (tests/security/test_reauthentication.py)
    client.post(reverse("accounts:otp_disable"))
    assert not TOTPDevice.objects.filter(user=citizen).exists()

    agent = make_agent()
    login(client, agent)
    reauthenticate(client)
    response = client.post(reverse("accounts:otp_disable"), follow=True)
    assert "La double authentification est obligatoire pour les agents" in response.text
    assert TOTPDevice.objects.filter(user=agent).exists()


def test_an_administrator_resets_a_lost_device_and_it_is_audited(client):
    admin = make_admin()
    agent = make_agent()
    login(client, admin)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [agent.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=agent).exists()
    event = AuditEvent.objects.get(action="otp.reset")
    assert (event.actor_id, event.target_id) == (admin.pk, str(agent.pk))

    client.logout()
    login(client, agent)
    response = client.get("/agent/")
    assert response.url.startswith(reverse("accounts:otp_setup"))


def test_regenerating_backup_codes_replaces_the_old_ones(client):
    agent = make_agent()
    add_backup_codes(agent, "11111111")
    login(client, agent)
    response = client.post(reverse("accounts:otp_backup_codes"))
    codes = re.findall(r"<code>(\d{8})</code>", response.text)
    assert len(codes) == 10
    assert not StaticToken.objects.filter(token="11111111").exists()


def test_security_page_says_whether_2fa_is_on(client):
    citizen = UserFactory()
    login(client, citizen)
    assert "Désactivée" in client.get(reverse("accounts:security")).text
    assert client.post(reverse("accounts:security")).status_code == 405
