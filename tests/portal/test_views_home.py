import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import UserFactory, make_town
from tests.helpers import login
from tests.portal.factories import NewsItemFactory

pytestmark = pytest.mark.django_db


def news_link(item) -> str:
    return f'<a href="{item.get_absolute_url()}">{item.title}</a>'


def test_home_shows_the_town_name_and_sign_in_links(client):
    make_town(name="Saint-Exemple")
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assertContains(
        response,
        '<h1 id="hero-title">Bienvenue sur le guichet numérique de Saint-Exemple</h1>',
        html=True,
    )
    assertContains(response, "<title>Accueil – Saint-Exemple</title>", html=True)
    assertContains(
        response, f'<a class="button" href="{reverse("account_login")}">Se connecter</a>', html=True
    )
    assertContains(
        response,
        f'<a class="button button--secondary" href="{reverse("account_signup")}">Créer un compte</a>',
        html=True,
    )


def test_home_follows_a_change_of_the_town_name(client):
    town = make_town(name="Ancien-Nom")
    client.get(reverse("portal:home"))
    town.name = "Nouveau-Nom"
    town.save()

    response = client.get(reverse("portal:home"))

    assertContains(response, "Bienvenue sur le guichet numérique de Nouveau-Nom")
    assertNotContains(response, "Ancien-Nom")


def test_home_lists_the_three_latest_published_news_newest_first(client):
    make_town()
    older = NewsItemFactory(title="Brocante de printemps", days_ago=30)
    latest = [
        NewsItemFactory(title="Conseil municipal", days_ago=1),
        NewsItemFactory(title="Rentrée scolaire", days_ago=2),
        NewsItemFactory(title="Vœux du maire", days_ago=3),
    ]

    response = client.get(reverse("portal:home"))

    for item in latest:
        assertContains(response, news_link(item), html=True)
    assertNotContains(response, older.title)
    positions = [response.text.index(item.title) for item in latest]
    assert positions == sorted(positions)
    assertContains(response, f'<a href="{reverse("portal:news")}">Toutes les actualités</a>', html=True)


def test_home_hides_unpublished_and_future_news(client):
    make_town()
    published = NewsItemFactory(title="Fête de la musique")
    NewsItemFactory(title="Brouillon du service communication", unpublished=True)
    NewsItemFactory(title="Annonce programmée pour demain", future=True)

    response = client.get(reverse("portal:home"))

    assertContains(response, news_link(published), html=True)
    assertNotContains(response, "Brouillon du service communication")
    assertNotContains(response, "Annonce programmée pour demain")


def test_home_without_news_has_no_news_section(client):
    make_town()
    NewsItemFactory(unpublished=True)

    response = client.get(reverse("portal:home"))

    assertNotContains(response, '<h2 id="news-title">Actualités</h2>', html=True)
    assertNotContains(response, "Toutes les actualités")


def test_home_sends_a_signed_in_user_to_their_space(client):
    make_town()
    login(client, UserFactory())

    response = client.get(reverse("portal:home"))

    assertContains(
        response, f'<a class="button" href="{reverse("portal:dashboard")}">Aller à mon espace</a>', html=True
    )
    assertNotContains(response, "Créer un compte")


def test_home_refuses_post(client):
    response = client.post(reverse("portal:home"))
    assert response.status_code == 405
