"""The shell in English, the second language, and the English catalogue kept complete."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import UserFactory, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def read_catalogue(path: Path) -> list[dict]:
    """The entries of a .po file, header first: keywords to strings, plus the set of flags."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def switch_to_english(client):
    """What the footer's language form does: post the choice to Django's set_language view."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def assert_english_shell(response):
    assert response.status_code == 200
    assertContains(response, '<html lang="en">')
    assertContains(response, '<a class="skip-link" href="#contenu">Skip to main content</a>', html=True)
    assertContains(response, '<nav class="site-nav" aria-label="Main menu">')
    assertContains(response, '<span class="site-header__tagline">Online services</span>', html=True)
    for link in [
        f'<a href="{reverse("portal:home")}" aria-current="page">Home</a>',
        f'<a href="{reverse("portal:news")}">News</a>',
        f'<a href="{reverse("portal:help")}">Help</a>',
    ]:
        assertContains(response, link, html=True)
    for url, label in [
        (reverse("portal:accessibility"), "Accessibility: partially compliant"),
        (reverse("portal:legal"), "Legal notice"),
        (reverse("portal:privacy"), "Personal data"),
        (reverse("portal:terms"), "Terms of use"),
        (reverse("portal:contact"), "Contact"),
    ]:
        assertContains(response, f'<li><a href="{url}">{label}</a></li>', html=True)
    assertContains(response, '<label for="language">Language</label>', html=True)
    assertContains(
        response,
        '<button type="submit" class="button button--small button--secondary">Change</button>',
        html=True,
    )
    for french in ["Aller au contenu", "Menu principal", "Actualités", "Mentions légales", "Accessibilité"]:
        assertNotContains(response, french)


def test_the_shell_is_in_english_once_chosen(client):
    make_town(name="Saint-Exemple")
    login(client, UserFactory())

    switch_to_english(client)
    response = client.get(reverse("portal:home"))

    assert_english_shell(response)
    assertContains(response, f'<a href="{reverse("portal:dashboard")}">My account</a>', html=True)
    assertContains(response, '<button type="submit" class="link-button">Sign out</button>', html=True)
    assertContains(
        response, f'<a class="button" href="{reverse("portal:dashboard")}">Go to my account</a>', html=True
    )
    assertContains(response, "<title>Home – Saint-Exemple</title>", html=True)
    assertNotContains(response, "Se déconnecter")


def test_a_visitor_sees_the_shell_in_english_with_the_language_cookie(client):
    make_town(name="Saint-Exemple")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("portal:home"))

    assert_english_shell(response)
    assertContains(response, f'<a href="{reverse("account_login")}">Sign in</a>', html=True)
    assertContains(response, f'<a href="{reverse("account_signup")}">Create an account</a>', html=True)
    assertContains(
        response,
        '<h1 id="hero-title">Welcome to the online services of Saint-Exemple</h1>',
        html=True,
    )
    assertNotContains(response, "Se connecter")


def test_a_visitor_can_switch_to_english(client):
    make_town()

    switch_to_english(client)
    response = client.get(reverse("portal:home"))

    assertContains(response, '<html lang="en">')
    assertContains(response, '<a class="skip-link" href="#contenu">Skip to main content</a>', html=True)


def test_the_shell_stays_in_french_by_default(client):
    make_town(name="Saint-Exemple")

    response = client.get(reverse("portal:home"))

    assertContains(response, '<html lang="fr">')
    assertContains(response, '<a class="skip-link" href="#contenu">Aller au contenu</a>', html=True)
    assertContains(response, '<nav class="site-nav" aria-label="Menu principal">')
    assertContains(response, f'<li><a href="{reverse("portal:legal")}">Mentions légales</a></li>', html=True)
    assertNotContains(response, "Skip to main content")
    assertNotContains(response, "Legal notice")


def test_the_english_catalogue_has_no_untranslated_or_fuzzy_entry():
    header, *entries = read_catalogue(CATALOGUE)

    assert "fuzzy" not in header["flags"]
    assert entries
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    untranslated = [
        entry["msgid"]
        for entry in entries
        if not all(entry[key] for key in entry if key.startswith("msgstr"))
    ]
    assert fuzzy == []
    assert untranslated == []


def test_the_compiled_english_catalogue_matches_the_po_file():
    """The committed .mo is what Django reads: it must hold every translation of the .po."""
    _, *entries = read_catalogue(CATALOGUE)

    stale = []
    with translation.override("en"):
        for entry in entries:
            if "msgid_plural" in entry:
                pairs = [
                    (translation.ngettext(entry["msgid"], entry["msgid_plural"], 1), entry["msgstr[0]"]),
                    (translation.ngettext(entry["msgid"], entry["msgid_plural"], 2), entry["msgstr[1]"]),
                ]
            elif "msgctxt" in entry:
                pairs = [(translation.pgettext(entry["msgctxt"], entry["msgid"]), entry["msgstr"])]
            else:
                pairs = [(translation.gettext(entry["msgid"]), entry["msgstr"])]
            stale += [entry["msgid"] for shown, expected in pairs if shown != expected]
    assert stale == []
