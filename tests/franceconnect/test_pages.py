"""FranceConnect's pages: off unless configured, the button on the login and sign-up pages, the profile's
certified identity, methods, and who reaches what."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import ServiceFactory, UserFactory, make_admin, make_agent
from tests.franceconnect.factories import FranceConnectIdentityFactory
from tests.franceconnect.helpers import sign_in
from tests.helpers import login
from tests.matrix import ADMIN, AGENT, AGENT_OTHER_SERVICE, ANONYMOUS, CITIZEN, OTHER_CITIZEN, ROLES

pytestmark = pytest.mark.django_db

BUTTON = "S'identifier avec FranceConnect"
PAGES = {
    "franceconnect:start": "post",
    "franceconnect:callback": "get",
    "franceconnect:signup": "get",
    "franceconnect:link": "get",
    "franceconnect:cancel": "post",
    "franceconnect:logout_return": "get",
}


# Off unless configured --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method"), PAGES.items())
def test_franceconnect_off_its_pages_are_not_found(client, franceconnect_off, name, method):
    assert getattr(client, method)(reverse(name)).status_code == 404
    login(client, UserFactory())
    assert getattr(client, method)(reverse(name)).status_code == 404


def test_franceconnect_off_no_button_shows(client, franceconnect_off):
    for name in ("account_login", "account_signup"):
        assertNotContains(client.get(reverse(name)), "FranceConnect")
    login(client, UserFactory())
    assertNotContains(client.get(reverse("accounts:profile")), "FranceConnect")


def test_franceconnect_off_a_certified_identity_still_shows_on_the_profile(client, franceconnect_off):
    user = UserFactory()
    FranceConnectIdentityFactory(user=user)
    login(client, user)

    assertContains(client.get(reverse("accounts:profile")), "Identité certifiée par FranceConnect")


# The button ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("account_login", "Ou connectez-vous avec FranceConnect"),
        ("account_signup", "Ou créez votre compte avec FranceConnect"),
    ],
)
def test_the_login_and_signup_pages_offer_franceconnect(client, provider, name, heading):
    page = client.get(reverse(name), {"next": "/mon-espace/factures/"})

    assertContains(page, f"<h2 id='franceconnect-titre'>{heading}</h2>", html=True)
    assertContains(page, BUTTON)
    assertContains(page, f'action="{reverse("franceconnect:start")}"')
    assertContains(page, '<input type="hidden" name="next" value="/mon-espace/factures/">', html=True)
    assertContains(page, 'href="https://franceconnect.gouv.fr/"')
    assertContains(page, "Qu'est-ce que FranceConnect ?")
    # The password form is still there, first.
    assert page.text.index('type="password"') < page.text.index(BUTTON)


def test_the_profile_offers_to_certify_then_shows_the_certified_identity(
    client, provider, django_assert_max_num_queries
):
    user = UserFactory(first_name="Angie")
    login(client, user)
    page = client.get(reverse("accounts:profile"))
    assertContains(page, "<h2 id='identite-certifiee'>Certifier votre identité</h2>", html=True)
    assertContains(page, BUTTON)

    sign_in(client, next_url=reverse("accounts:profile"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("accounts:profile"))

    assertContains(page, "<h2 id='identite-certifiee'>Identité certifiée par FranceConnect</h2>", html=True)
    assertContains(page, "<dt>Prénoms</dt><dd>Angela Claire Louise</dd>", html=True)
    assertContains(page, "<dt>Date de naissance</dt><dd>24 août 1962</dd>", html=True)
    assertContains(page, "elles ne se modifient pas ici")
    assertNotContains(page, BUTTON)
    # The contact details stay the person's own, editable.
    assertContains(page, 'value="Angie"')


def test_someone_elses_identity_never_shows(client, provider):
    FranceConnectIdentityFactory(user=UserFactory())
    login(client, UserFactory())

    page = client.get(reverse("accounts:profile"))

    assertNotContains(page, "Angela Claire Louise")
    assertContains(page, "Certifier votre identité")


def test_a_pending_identity_belongs_to_its_browser_only(client, provider):
    sign_in(client)
    other = Client()

    assert other.get(reverse("franceconnect:signup")).url == reverse("account_login")
    assert other.get(reverse("franceconnect:link")).url == reverse("account_login")
    assertContains(client.get(reverse("franceconnect:signup")), "Angela Claire Louise")


def test_a_signed_in_person_is_sent_on_from_the_signup(client, provider):
    login(client, UserFactory())
    assert client.get(reverse("franceconnect:signup")).url == reverse("portal:dashboard")


# Methods ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("franceconnect:start", "get"),
        ("franceconnect:callback", "post"),
        ("franceconnect:signup", "put"),
        ("franceconnect:link", "delete"),
        ("franceconnect:cancel", "get"),
        ("franceconnect:logout_return", "post"),
    ],
)
def test_the_wrong_method_is_refused(client, provider, name, method):
    assert getattr(client, method)(reverse(name)).status_code == 405


# Who reaches what, FranceConnect on (the authorization matrix runs with it off) ------------------------

# No sign-in under way: the pages send everyone on; the callback refuses an answer it did not ask for.
EXPECTED = {
    "franceconnect:start": ("post", dict.fromkeys(ROLES, 302)),
    "franceconnect:callback": ("get", dict.fromkeys(ROLES, 400)),
    "franceconnect:signup": ("get", dict.fromkeys(ROLES, 302)),
    "franceconnect:link": ("get", dict.fromkeys(ROLES, 302)),
    "franceconnect:cancel": ("post", dict.fromkeys(ROLES, 302)),
    "franceconnect:logout_return": ("get", dict.fromkeys(ROLES, 302)),
    "franceconnect:logout": ("get", {**dict.fromkeys(ROLES, 200), ANONYMOUS: 302}),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_page_answers_each_role(provider, role):
    service = ServiceFactory()
    users = {
        CITIZEN: UserFactory(),
        OTHER_CITIZEN: UserFactory(),
        AGENT: make_agent(service),
        AGENT_OTHER_SERVICE: make_agent(ServiceFactory()),
        ADMIN: make_admin(),
    }
    for name, (method, expected) in EXPECTED.items():
        client = Client()
        if role != ANONYMOUS:
            login(client, users[role])
        response = getattr(client, method)(reverse(name))
        assert response.status_code == expected[role], (name, role, response.status_code)
