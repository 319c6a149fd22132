"""Every public page, the login errors and the agent's 2FA enrolment pass axe's WCAG 2.1 A/AA rules."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guichet.portal.models import NewsItem, NewsTopic
from tests.e2e.helpers import check_accessibility
from tests.factories import PASSWORD, ServiceFactory, make_agent, make_town

pytestmark = pytest.mark.e2e


@pytest.fixture
def town():
    return make_town(
        name="Saint-Exemple",
        address="1 place de la Mairie\n12345 Saint-Exemple",
        phone="01 23 45 67 89",
        email="mairie@saint-exemple.fr",
        opening_hours="Du lundi au vendredi, de 8 h 30 à 17 h",
        legal_notice="Éditeur : commune de Saint-Exemple.\n\nHébergeur : un hébergeur en France.",
        privacy_notice="La mairie traite vos données pour instruire vos demandes.",
        terms_of_use="Le guichet est un service gratuit.",
        accessibility_statement="Ce guichet a été audité en 2026.",
        dpo_contact="dpd@saint-exemple.fr",
    )


def test_public_pages_have_no_accessibility_violation(page, town):
    now = timezone.now()
    for number in range(12):
        NewsItem.objects.create(
            title=f"Conseil municipal n° {number}",
            slug=f"conseil-{number}",
            topic=NewsTopic.TOWN if number % 2 else NewsTopic.SCHOOL,
            summary="Ordre du jour et comptes rendus.",
            body="Premier paragraphe.\n\nSecond paragraphe.",
            is_published=True,
            published_at=now - timezone.timedelta(days=number),
        )
    pages = {
        "/": "Bienvenue sur le guichet numérique de Saint-Exemple",
        "/aide/": "Aide",
        "/actualites/": "Actualités",
        "/actualites/?rubrique=school&page=2": "Actualités",
        "/actualites/conseil-0/": "Conseil municipal n° 0",
        "/mentions-legales/": "Mentions légales",
        "/confidentialite/": "Données personnelles",
        "/conditions-utilisation/": "Conditions générales d'utilisation",
        "/accessibilite/": "Accessibilité",
        "/contact/": "Contacter la mairie",
    }
    for path, heading in pages.items():
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_accessibility(page)

    # The help's questions open with the keyboard.
    page.goto("/aide/")
    question = page.get_by_text("J'ai oublié mon mot de passe")
    question.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Sur la page de connexion, choisissez « Mot de passe oublié »")).to_be_visible()
    check_accessibility(page)


def test_login_page_with_errors_has_no_accessibility_violation(page, town):
    page.goto("/compte/login/")
    check_accessibility(page)
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill("personne@exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("pas-le-bon-mot-de-passe")
    page.get_by_role("main").locator("form button[type=submit]").click()

    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient des erreurs")
    check_accessibility(page)

    # An empty form: each field's error is tied to its input.
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill("")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("")
    page.get_by_role("main").locator("form button[type=submit]").click()
    expect(page.locator("#id_login")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_login")).to_have_accessible_description(re.compile("obligatoire"))
    check_accessibility(page)


def test_agent_without_second_factor_is_sent_to_an_accessible_enrolment_page(page, town):
    make_agent(ServiceFactory(name="État civil"), otp=False, email="agent@saint-exemple.fr")

    page.goto("/agent/")
    expect(page).to_have_url(re.compile(r"/compte/login/\?next=/agent/$"))
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill("agent@saint-exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/compte/2fa/activer/\?next=(/|%2F)agent(/|%2F)$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
    expect(page.get_by_role("img", name=re.compile("Code QR"))).to_be_visible()
    check_accessibility(page)

    # A wrong code shows the error on the same, still accessible, page.
    page.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill("000000")
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("alert")).to_contain_text("Code de vérification")
    check_accessibility(page)


def test_accessibility_check_reports_each_violation_with_its_target(page):
    # The harness itself: a page with a known fault makes the check fail, with a readable report.
    page.set_content(
        '<!DOCTYPE html><html lang="fr"><head><title>Essai</title></head>'
        '<body><main><h1>Essai</h1><img id="sans-alternative" src="data:,"></main></body></html>'
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        check_accessibility(page)
    report = str(failure.value)
    assert "image-alt (critical)" in report
    assert "#sans-alternative" in report
