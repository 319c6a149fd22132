"""A citizen creates an account from the home page and reaches "Mon espace", in a real browser."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import expect

from guichet.accounts.models import User
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import make_town

pytestmark = pytest.mark.e2e

EMAIL = "camille.martin@exemple.fr"
PASSWORD = "Une-phrase-de-passe-solide-42"
CONFIRMATION_LINK = re.compile(r"https?://\S+/compte/confirm-email/\S+/")


def focused_element(page) -> dict:
    return page.evaluate(
        "() => ({id: document.activeElement.id, name: document.activeElement.getAttribute('name'),"
        " text: document.activeElement.textContent.trim(), tag: document.activeElement.tagName})"
    )


def test_citizen_signs_up_confirms_the_address_and_reaches_my_space(page):
    make_town(name="Saint-Exemple", terms_version="2026-01")

    # Home page: the skip link is the first Tab stop and takes the focus to the main content.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bienvenue sur le guichet numérique de Saint-Exemple"
    )
    check_accessibility(page)
    page.keyboard.press("Tab")
    assert focused_element(page)["text"] == "Aller au contenu"
    page.keyboard.press("Enter")
    assert focused_element(page)["id"] == "contenu"
    take_screenshots(page, name="home")

    # Sign-up form, reached from the home page's call to action.
    page.get_by_role("main").get_by_role("link", name="Créer un compte").click()
    expect(page).to_have_url(re.compile(r"/compte/signup/$"))
    check_accessibility(page)
    take_screenshots(page, name="signup")
    first_name = page.get_by_role("textbox", name=re.compile(r"^Prénom"))
    first_name.focus()
    # The keyboard goes through the fields in the order they are read.
    visited = [focused_element(page)["name"]]
    for _ in range(6):
        page.keyboard.press("Tab")
        visited.append(focused_element(page)["name"])
    assert visited == ["first_name", "last_name", "email", "password1", "password2", "accept_terms", None]
    # Then the link to the terms, read with the box, then the button.
    assert focused_element(page)["tag"] == "A"
    page.keyboard.press("Tab")
    assert focused_element(page)["tag"] == "BUTTON"

    first_name.fill("Camille")
    page.get_by_role("textbox", name=re.compile(r"^Nom")).fill("Martin")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(EMAIL)
    page.get_by_label(re.compile(r"^Mot de passe \(obligatoire\)")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Mot de passe \(confirmation\)")).fill(PASSWORD)
    # The box is ticked and the form sent with the keyboard alone.
    terms = page.get_by_label(re.compile(r"conditions générales d'utilisation"))
    terms.focus()
    page.keyboard.press("Space")
    expect(terms).to_be_checked()
    page.keyboard.press("Tab")  # the link to the terms
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    # "Check your e-mail" page.
    expect(page).to_have_url(re.compile(r"/compte/confirm-email/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page)
    user = User.objects.get(email=EMAIL)
    assert (user.first_name, user.last_name, user.terms_version) == ("Camille", "Martin", "2026-01")
    assert not EmailAddress.objects.get(user=user).verified

    # The e-mail's link leads to a page that confirms the address with a button.
    [message] = [message for message in mail.outbox if message.to == [EMAIL]]
    link = CONFIRMATION_LINK.search(message.body)
    assert link is not None, message.body
    page.goto(link.group(0))
    check_accessibility(page)
    page.get_by_role("main").locator("form button[type=submit]").click()

    # Confirming in the browser that signed up logs in and opens "Mon espace".
    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    assert EmailAddress.objects.get(user=user).verified
    check_accessibility(page)

    # Signing out, then in again with the new password, comes back to "Mon espace".
    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    check_accessibility(page)
    page.get_by_role("banner").get_by_role("link", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/compte/login/$"))
    check_accessibility(page)
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(EMAIL)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    expect(page.get_by_role("main")).to_contain_text("Bonjour Camille.")
    check_accessibility(page)
    take_screenshots(page, name="dashboard")
