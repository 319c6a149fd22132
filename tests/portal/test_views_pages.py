"""Help, the legal pages written by the town, and the town's stylesheet."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from guichet.accounts.enums import AccessibilityStatus
from tests.factories import make_town

pytestmark = pytest.mark.django_db

LEGAL_PAGES = ["portal:legal", "portal:privacy", "portal:terms", "portal:accessibility", "portal:contact"]


def test_help_answers_the_frequent_questions(client):
    make_town()

    response = client.get(reverse("portal:help"))

    assert response.status_code == 200
    assertContains(response, "<h1>Aide</h1>", html=True)
    assertContains(response, "<summary>Comment créer un compte ?</summary>", html=True)
    assertContains(response, "<summary>J'ai oublié mon mot de passe</summary>", html=True)
    assertContains(
        response, f'<a href="{reverse("portal:contact")}">Coordonnées et horaires de la mairie</a>', html=True
    )


def test_legal_notice_shows_the_towns_text(client):
    make_town(legal_notice="Éditeur : commune de Saint-Exemple.\n\nHébergeur : une société en France.")

    response = client.get(reverse("portal:legal"))

    assertContains(response, "<h1>Mentions légales</h1>", html=True)
    assertContains(response, "<p>Éditeur : commune de Saint-Exemple.</p>", html=True)
    assertContains(response, "<p>Hébergeur : une société en France.</p>", html=True)


def test_privacy_page_shows_the_towns_text_and_its_data_protection_officer(client):
    make_town(
        privacy_notice="Vos données servent à instruire vos demandes.",
        dpo_contact="Délégué à la protection des données, dpd@saint-exemple.fr",
    )

    response = client.get(reverse("portal:privacy"))

    assertContains(response, "<h1>Données personnelles</h1>", html=True)
    assertContains(response, "<p>Vos données servent à instruire vos demandes.</p>", html=True)
    assertContains(response, "<p>Délégué à la protection des données, dpd@saint-exemple.fr</p>", html=True)


def test_terms_page_shows_the_towns_text_and_its_version(client):
    make_town(terms_of_use="Le guichet est un service gratuit.", terms_version="2026-03")

    response = client.get(reverse("portal:terms"))

    assertContains(response, "<h1>Conditions générales d'utilisation</h1>", html=True)
    assertContains(response, '<p class="terms-version">Version 2026-03.</p>', html=True)
    assertContains(response, "<p>Le guichet est un service gratuit.</p>", html=True)


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (AccessibilityStatus.NONE, "non conforme"),
        (AccessibilityStatus.PARTIAL, "partiellement conforme"),
        (AccessibilityStatus.FULL, "totalement conforme"),
    ],
)
def test_accessibility_page_states_the_rgaa_status(client, status, label):
    make_town(
        name="Saint-Exemple",
        accessibility_status=status,
        accessibility_statement="Audit réalisé en janvier 2026.",
    )

    response = client.get(reverse("portal:accessibility"))

    assertContains(
        response,
        f'<p class="lead">Le guichet numérique de Saint-Exemple est {label} avec le référentiel '
        "général d'amélioration de l'accessibilité (RGAA 4.1).</p>",
        html=True,
    )
    assertContains(response, "<p>Audit réalisé en janvier 2026.</p>", html=True)
    # Every page's footer states it too (RGAA asks for it on each page).
    assertContains(
        response, f'<a href="{reverse("portal:accessibility")}">Accessibilité : {label}</a>', html=True
    )


def test_contact_page_shows_the_towns_details(client):
    make_town(
        address="1 place de la Mairie\n12345 Saint-Exemple",
        phone="01 23 45 67 89",
        email="mairie@saint-exemple.fr",
        opening_hours="Du lundi au vendredi, de 8 h 30 à 17 h",
    )

    response = client.get(reverse("portal:contact"))

    assertContains(response, "<h1>Contacter la mairie</h1>", html=True)
    assertContains(response, "<dd>1 place de la Mairie<br>12345 Saint-Exemple</dd>", html=True)
    assertContains(response, '<dd><a href="tel:0123456789">01 23 45 67 89</a></dd>', html=True)
    assertContains(
        response, '<dd><a href="mailto:mairie@saint-exemple.fr">mairie@saint-exemple.fr</a></dd>', html=True
    )
    assertContains(response, "<dd>Du lundi au vendredi, de 8 h 30 à 17 h</dd>", html=True)


@pytest.mark.parametrize(
    "url_name", ["portal:legal", "portal:privacy", "portal:terms", "portal:accessibility"]
)
def test_a_legal_text_not_yet_written_says_so(client, url_name):
    make_town(legal_notice="", privacy_notice="", terms_of_use="", accessibility_statement="")

    response = client.get(reverse(url_name))

    assertContains(response, "La mairie n'a pas encore publié ce texte.")
    assertNotContains(response, 'class="prose"')


def test_contact_page_without_details_says_so(client):
    make_town()

    response = client.get(reverse("portal:contact"))

    assertContains(response, "La mairie n'a pas encore publié ses coordonnées.")
    assertNotContains(response, "<dl")


@pytest.mark.parametrize("url_name", LEGAL_PAGES)
def test_legal_pages_are_public(client, url_name):
    make_town()
    assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("url_name", [*LEGAL_PAGES, "portal:help", "portal:theme_css"])
def test_public_pages_refuse_post(client, url_name):
    assert client.post(reverse(url_name)).status_code == 405


def test_theme_stylesheet_carries_the_towns_colours(client):
    make_town(primary_color="#00557f", secondary_color="#eef3f7")

    response = client.get(reverse("portal:theme_css"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert "--town-primary: #00557f;" in response.text
    assert "--town-secondary: #eef3f7;" in response.text
    assert response["Cache-Control"] == "public, max-age=300"


def test_theme_stylesheet_replaces_a_colour_that_is_not_a_hex_code(client):
    # An administrator's typo must not be able to write CSS into every page.
    make_town(primary_color="x}*{a:", secondary_color="#EEF3F7")

    response = client.get(reverse("portal:theme_css"))

    assert "--town-primary: #1f4e79;" in response.text
    assert "--town-secondary: #EEF3F7;" in response.text
    assert "}*{" not in response.text
