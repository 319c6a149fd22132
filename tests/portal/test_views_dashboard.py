""" "Mon espace": the cards other apps register, and the account links."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from guichet.portal import dashboard
from guichet.portal.dashboard import Card
from tests.factories import UserFactory, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db

CARD_TEMPLATE = "portal_tests/card.html"


@pytest.fixture
def register(test_templates):
    """Register card providers for one test; they are removed afterwards."""
    names = []

    def add(name: str, provider) -> None:
        names.append(name)
        dashboard.register(name, provider)

    yield add
    for name in names:
        dashboard.unregister(name)


@pytest.fixture(autouse=True)
def town():
    return make_town()


def test_my_space_greets_the_user_and_links_to_their_account(client):
    login(client, UserFactory(first_name="Camille"))

    response = client.get(reverse("portal:dashboard"))

    assert response.status_code == 200
    assertContains(response, "<h1>Mon espace</h1>", html=True)
    assertContains(response, '<p class="lead">Bonjour Camille.</p>', html=True)
    assertContains(response, f'<a href="{reverse("accounts:profile")}">Mes coordonnées</a>', html=True)
    assertContains(
        response,
        f'<a href="{reverse("accounts:security")}">Sécurité et double authentification</a>',
        html=True,
    )


def test_my_space_shows_a_registered_card(client, register):
    register(
        "tests.requests",
        lambda user: Card(title="Mes demandes", template=CARD_TEMPLATE, context={"count": 2}),
    )
    login(client, UserFactory())

    response = client.get(reverse("portal:dashboard"))

    assertContains(response, '<h2 class="card__title">Mes demandes</h2>', html=True)
    assertContains(response, '<p class="card__count">2 demande(s) en cours</p>', html=True)


def test_my_space_shows_nothing_for_a_provider_returning_none(client, register):
    login(client, UserFactory())
    cards_before = client.get(reverse("portal:dashboard")).text.count('<li class="card">')
    asked = []

    def nothing_to_show(user):
        asked.append(user)

    register("tests.nothing", nothing_to_show)
    response = client.get(reverse("portal:dashboard"))

    assert len(asked) == 1
    assert response.text.count('<li class="card">') == cards_before


def test_my_space_asks_each_provider_about_the_signed_in_user(client, register):
    parent = UserFactory(first_name="Parent")
    register(
        "tests.family",
        lambda user: (
            Card(title="Famille de test", template=CARD_TEMPLATE, context={"count": 3})
            if user == parent
            else None
        ),
    )

    login(client, UserFactory())
    other = client.get(reverse("portal:dashboard"))
    login(client, parent)
    own = client.get(reverse("portal:dashboard"))

    assertNotContains(other, "Famille de test")
    assertContains(own, '<h2 class="card__title">Famille de test</h2>', html=True)


def test_my_space_orders_cards_by_their_order(client, register):
    register(
        "tests.second",
        lambda user: Card(title="Factures", template=CARD_TEMPLATE, context={"count": 0}, order=20),
    )
    register(
        "tests.first",
        lambda user: Card(title="Mes demandes", template=CARD_TEMPLATE, context={"count": 0}, order=10),
    )
    login(client, UserFactory())

    response = client.get(reverse("portal:dashboard"))

    assert response.text.index("Mes demandes") < response.text.index("Factures")


def test_my_space_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("portal:dashboard"))

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={reverse('portal:dashboard')}"


def test_my_space_refuses_post(client):
    login(client, UserFactory())
    assert client.post(reverse("portal:dashboard")).status_code == 405


def test_my_space_shows_the_latest_notifications_and_the_unread_count(client):
    from guichet.notify import services as notify_services

    user = UserFactory()
    for number in range(5):
        notify_services.notify(
            user=user, kind="message", context={"subject": f"Objet {number}", "message": "Texte."}
        )
    login(client, user)

    response = client.get(reverse("portal:dashboard"))

    assertContains(response, '<h2 class="card__title">Mes notifications</h2>', html=True)
    assertContains(response, "5 notifications non lues.")
    assertContains(response, "Objet 4")
    assertNotContains(response, "Objet 1")
    assertContains(
        response, f'<a href="{reverse("audit:data_access")}">Qui a consulté mes données</a>', html=True
    )


# What "Mon espace" may cost, for a parent with a family file, notifications and documents: the
# budget bench/city.py checks again at a city's size (100,000 accounts, 20,000 households).
DASHBOARD_BUDGET = 15


def test_my_space_costs_the_same_queries_whatever_the_amount_of_data(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from famille.enums import ReviewStatus
    from guichet.notify import services as notify_services
    from tests.famille.factories import QuotientFactory, family

    def queries_for(user) -> int:
        login(client, user)
        client.get(reverse("portal:dashboard"))  # warms the town cache
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("portal:dashboard")).status_code == 200
        return len(captured)

    def parent(children: int, notifications: int):
        user, household, _kids = family(children=children)
        QuotientFactory(household=household)
        QuotientFactory(household=household, status=ReviewStatus.PENDING, value=700)
        for number in range(notifications):
            notify_services.notify(
                user=user, kind="message", context={"subject": f"Objet {number}", "message": "."}
            )
        return user

    light, heavy = parent(children=1, notifications=1), parent(children=6, notifications=30)

    # Every card costs a fixed number of queries: no N+1 as a family's data grows.
    assert queries_for(heavy) == queries_for(light)
    assert queries_for(heavy) <= DASHBOARD_BUDGET
    # Without a family file the card costs one query only.
    assert queries_for(UserFactory()) < queries_for(light)
