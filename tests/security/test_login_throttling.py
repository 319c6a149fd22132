"""Every form that checks a secret is throttled: allauth's login (per account and per address), the
second factor (application codes and backup codes), the re-authentication by password or by code, the
password change (its current password), and the admin's login, which is no form at all: it hands over to
allauth's. The last test reads every page of the authorization matrix as every role and finds no other
form with a password or a code field."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import resolve, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains

from tests.factories import PASSWORD, UserFactory, add_backup_codes, make_admin, make_agent, make_town
from tests.helpers import login
from tests.matrix import ANONYMOUS, ROLES
from tests.test_authorization_matrix import MATRIX

pytestmark = pytest.mark.django_db

THROTTLED = "Trop de tentatives de connexion échouées. Veuillez réessayer ultérieurement."
CODES_THROTTLED = "Trop de codes erronés. Patientez quelques secondes avant de réessayer."


@pytest.fixture(autouse=True)
def town(db):
    return make_town()


def sign_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_login_form_is_throttled_per_address_of_the_visitor_across_accounts(client):
    # Ten accounts tried once each from one address (password spraying), then even the right password
    # of an eleventh is refused from there.
    for number in range(10):
        sign_in(client, f"inconnu{number}@exemple.fr", "Un-mot-de-passe-au-hasard")
    UserFactory(email="lea@exemple.fr")

    response = sign_in(client, "lea@exemple.fr", PASSWORD)

    assert response.status_code in (200, 429)
    assertContains(response, THROTTLED, status_code=response.status_code)
    assert client.get(reverse("portal:dashboard")).status_code == 302


def test_the_login_form_is_throttled_per_account(client):
    UserFactory(email="lea@exemple.fr")
    for _attempt in range(5):
        sign_in(client, "lea@exemple.fr", "pas-le-bon")

    response = sign_in(client, "lea@exemple.fr", PASSWORD)

    assertContains(response, THROTTLED, status_code=response.status_code)
    assert client.get(reverse("portal:dashboard")).status_code == 302


def test_application_codes_are_throttled(client):
    agent = make_agent()
    login(client, agent, verified=False)
    for _attempt in range(3):
        client.post(reverse("accounts:otp_verify"), {"token": "000000"})

    response = client.post(
        reverse("accounts:otp_verify"), {"token": current_code(TOTPDevice.objects.get(user=agent))}
    )

    assertContains(response, CODES_THROTTLED)
    assert client.get("/agent/").status_code == 302


def test_backup_codes_are_throttled_too(client):
    agent = make_agent()
    add_backup_codes(agent, "13572468")
    login(client, agent, verified=False)
    for _attempt in range(3):
        client.post(reverse("accounts:otp_verify"), {"token": "00000000"})

    response = client.post(reverse("accounts:otp_verify"), {"token": "13572468"})

    assertContains(response, CODES_THROTTLED)
    assert StaticToken.objects.filter(token="13572468").exists()  # not used up
    assert client.get("/agent/").status_code == 302


def test_the_re_authentication_by_password_is_throttled(client):
    user = UserFactory(email="lea@exemple.fr")
    login(client, user)
    for _attempt in range(5):
        client.post(reverse("account_reauthenticate"), {"password": "pas-le-bon"})

    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    assert response.status_code in (200, 429)
    assertContains(response, THROTTLED, status_code=response.status_code)
    assert "account_authentication_methods" not in client.session or not any(
        record.get("reauthenticated") for record in client.session["account_authentication_methods"]
    )


def test_the_re_authentication_by_code_is_throttled(client):
    citizen = UserFactory()
    device = TOTPDevice.objects.create(user=citizen, name="téléphone", confirmed=True)
    login(client, citizen)
    for _attempt in range(3):
        client.post(reverse("accounts:reauthenticate_code"), {"token": "000000"})

    response = client.post(reverse("accounts:reauthenticate_code"), {"token": current_code(device)})

    assertContains(response, CODES_THROTTLED)


def test_the_admin_login_takes_no_password_it_hands_over_to_the_throttled_one(client):
    make_admin(email="admin@mairie.fr")

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin@mairie.fr", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_changing_the_password_is_throttled_so_the_current_one_cannot_be_guessed(client):
    user = UserFactory(email="lea@exemple.fr")
    login(client, user)
    for _attempt in range(5):
        client.post(
            reverse("account_change_password"),
            {
                "oldpassword": "pas-le-bon",
                "password1": "Une-phrase-nouvelle-42",
                "password2": "Une-phrase-nouvelle-42",
            },
        )

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "Une-phrase-nouvelle-42",
            "password2": "Une-phrase-nouvelle-42",
        },
    )

    assert response.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# Every form that checks a secret (a password, a code), by the view it is sent to, and the test above that
# shows it throttled. Sign-up and the password reset's new password check none: they are rate-limited by
# allauth per address of the visitor (ACCOUNT_RATE_LIMITS), like every allauth form.
THROTTLED_FORMS = {
    "account_login": "test_the_login_form_is_throttled_per_account (and per address of the visitor)",
    "account_reauthenticate": "test_the_re_authentication_by_password_is_throttled",
    "accounts:reauthenticate_code": "test_the_re_authentication_by_code_is_throttled",
    "accounts:otp_verify": "test_application_codes_are_throttled, test_backup_codes_are_throttled_too",
    "account_change_password": "test_changing_the_password_is_throttled_so_the_current_one_cannot_be_guessed",
}
NOT_CHECKING_A_SECRET = {
    "account_signup": "chooses a password",
    "account_reset_password_from_key": "chooses a password (the secret is the link's key)",
    "account_set_password": "chooses a password",
    # The code that confirms a new authenticator proves the secret shown on the same page was copied.
    "accounts:otp_setup": "confirms a new authenticator",
}


class SecretFields(HTMLParser):
    """The forms of a page that hold a password or a one-time code, by action."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.actions: list[str] = []
        self._action: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._action = attributes.get("action", "")
        elif (
            tag == "input"
            and self._action is not None
            and (
                attributes.get("type") == "password"
                or attributes.get("autocomplete") == "one-time-code"
                or attributes.get("name") in ("token", "otp_token", "code")
            )
        ):
            self.actions.append(self._action)
            self._action = None  # once per form

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None


def test_every_form_that_checks_a_secret_is_one_of_those_throttled_here(world):
    """Each page of the authorization matrix, as each role: a form with a password or a code field must
    go to a view whose throttling is tested above, so a new login form cannot ship unthrottled."""
    found = {}
    for role in ROLES:
        for key, row in MATRIX.items():
            if row.method != "get" or row.expect[role] != 200:
                continue
            client = Client()
            if role != ANONYMOUS:
                login(client, world["users"][role])
            url = row.url(world)
            page = client.get(url)
            if not page.get("Content-Type", "").startswith("text/html"):
                continue
            parser = SecretFields()
            parser.feed(page.content.decode())
            for action in parser.actions:
                path = urlsplit(urljoin(f"http://testserver{url}", action or url)).path
                found.setdefault(resolve(path).view_name, set()).add(f"{key} as {role}")

    unthrottled = {name: pages for name, pages in found.items() if name not in THROTTLED_FORMS}
    assert {name: pages for name, pages in unthrottled.items() if name not in NOT_CHECKING_A_SECRET} == {}
    # The login forms are among those found: the sweep does read the pages.
    assert {"account_login", "account_reauthenticate", "account_change_password"} <= set(found), found
