"""Transparency in a real browser: the register of processing activities, the retention schedule and
"who saw my data" pass axe's WCAG 2.1 A/AA rules, reached by following the site's own links.
Screenshots go to /tmp/screens/transparency-*.png."""

import re

import pytest
from playwright.sync_api import expect

from guichet import audit
from tests.demarches.factories import DemarcheFactory, add_page, publish
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, ServiceFactory, UserFactory, make_agent, make_town, person_party
from tests.famille.factories import ActivityFactory

pytestmark = pytest.mark.e2e

EMAIL = "camille@exemple.fr"


@pytest.fixture(autouse=True)
def town():
    return make_town(
        name="Saint-Exemple",
        address="1 place de la Mairie\n12345 Saint-Exemple",
        email="mairie@saint-exemple.fr",
        dpo_contact="dpd@saint-exemple.fr",
    )


@pytest.fixture
def configured():
    """One published procedure and one open activity, so that every part of the register has an entry."""
    service = ServiceFactory(name="Voirie", slug="voirie")
    demarche = DemarcheFactory(title="Occupation du domaine public", service=service)
    add_page(demarche, "Vous", {"key": "nom", "kind": "short_text", "label": "Votre nom"})
    publish(demarche)
    ActivityFactory(name="Cantine de l'école Jules-Ferry", slug="cantine-jules-ferry")
    return demarche


def test_the_register_and_the_schedule_are_accessible_and_linked(page, configured):
    page.goto("/confidentialite/")
    page.get_by_role("main").get_by_role("link", name="Lire le registre des traitements").click()

    expect(page).to_have_url(re.compile(r"/registre-des-traitements/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Registre des activités de traitement")
    expect(page.get_by_role("heading", level=3, name="Occupation du domaine public")).to_be_visible()
    expect(page.get_by_role("heading", level=3, name="Cantine de l'école Jules-Ferry")).to_be_visible()
    check_accessibility(page)
    take_screenshots(page, name="transparency-register")

    # The table of contents leads to its section (an in-page link, keyboard-reachable).
    page.get_by_role("navigation", name="Sommaire").get_by_role("link", name="Coffre-fort numérique").click()
    expect(page).to_have_url(re.compile(r"#traitements-coffre$"))

    page.get_by_role("link", name="Les durées de conservation").click()
    expect(page).to_have_url(re.compile(r"/durees-de-conservation/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Durées de conservation des données")
    expect(page.get_by_role("heading", level=2, name="Brouillons de démarches")).to_be_visible()
    expect(page.get_by_text("Suppression au bout de 100 jours sans modification.")).to_be_visible()
    check_accessibility(page)
    take_screenshots(page, name="transparency-schedule")


def test_who_saw_my_data_is_reached_from_the_footer_and_is_accessible(page):
    citizen = UserFactory(email=EMAIL, first_name="Camille", last_name="Martin")
    agent = make_agent(ServiceFactory(name="État civil"), first_name="Alix", last_name="Agent")
    audit.record(actor=agent, action="user.view", target=citizen, owner=person_party(citizen))
    audit.record(actor=agent, action="user.update", target=citizen, owner=person_party(citizen))

    page.goto("/compte/login/?next=/mon-espace/")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(EMAIL)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mon-espace/$"))

    footer_link = page.get_by_role("contentinfo").get_by_role("link", name="Qui a consulté mes données")
    footer_link.focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/mon-espace/acces-a-mes-donnees/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Qui a accédé à mes données")
    expect(page.get_by_role("row").filter(has_text="Alix Agent")).to_have_count(2)
    expect(page.get_by_text("Ces traces sont gardées 1 an, puis supprimées.")).to_be_visible()
    check_accessibility(page)
    take_screenshots(page, name="transparency-data-access")
