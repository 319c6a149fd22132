"""FranceConnect in a real browser, against the local provider (its authorize page is a small HTML page
with a button, so the browser really goes there and back):

1. A new person presses "S'identifier avec FranceConnect" on the login page, confirms at the provider,
   comes back to the sign-up page showing the certified identity, accepts the terms, reaches "Mon espace",
   sees "Identité certifiée par FranceConnect" on the profile, and signs out through the provider.
2. A person whose e-mail is an existing account's is asked for that account's password, signs in with it,
   then confirms the link.
3. The error pages: an answer this browser did not ask for, and a sign-in cancelled at the provider.

Every page passes axe's WCAG 2.1 A/AA rules; screenshots at 360 and 1280 px go to
/tmp/screens/franceconnect-*.png.
"""

import copy
import re

import pytest
from playwright.sync_api import expect

from guichet.accounts.models import User
from guichet.franceconnect.models import FranceConnectIdentity
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, UserFactory, make_town
from tests.franceconnect.provider import FakeFranceConnect

pytestmark = pytest.mark.e2e

BUTTON = "S'identifier avec FranceConnect"


@pytest.fixture
def provider(settings, live_server):
    fake = FakeFranceConnect(interactive=True).start()
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    settings.SITE_URL = live_server.url
    # What settings.py adds when FRANCECONNECT_ISSUER is set: the forms may lead to the provider.
    csp = copy.deepcopy(settings.SECURE_CSP)
    csp["form-action"].append(fake.origin)
    settings.SECURE_CSP = csp
    fake.redirect_uri = f"{live_server.url}/franceconnect/retour/"
    fake.post_logout_redirect_uri = f"{live_server.url}/franceconnect/deconnexion/retour/"
    yield fake
    fake.stop()


def press_the_button_and_confirm(page, provider) -> None:
    page.get_by_role("main").get_by_role("button", name=BUTTON).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(provider.issuer)}/authorize\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("FranceConnect de test")
    page.get_by_role("button", name="Continuer sur le guichet").click()


def test_a_new_person_signs_up_with_franceconnect_and_signs_out_through_it(page, provider):
    make_town(name="Saint-Exemple", terms_version="2026-01")

    page.goto("/compte/login/")
    franceconnect = page.get_by_role("region", name="Ou connectez-vous avec FranceConnect")
    expect(franceconnect.get_by_role("button", name=BUTTON)).to_be_visible()
    expect(
        franceconnect.get_by_role("link", name=re.compile(r"^Qu'est-ce que FranceConnect \?"))
    ).to_have_attribute("href", "https://franceconnect.gouv.fr/")
    check_accessibility(page)
    take_screenshots(page, name="franceconnect-login")
    page.goto("/compte/signup/")
    expect(page.get_by_role("region", name="Ou créez votre compte avec FranceConnect")).to_be_visible()
    check_accessibility(page)

    press_the_button_and_confirm(page, provider)

    expect(page).to_have_url(re.compile(r"/franceconnect/inscription/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer votre compte avec FranceConnect")
    expect(page.get_by_role("main")).to_contain_text("Angela Claire Louise")
    expect(page.get_by_role("textbox", name=re.compile(r"^Adresse électronique"))).to_have_value(
        "angela.dubois@exemple.fr"
    )
    check_accessibility(page)
    take_screenshots(page, name="franceconnect-signup")
    # Sent without the terms: the page says so, the address kept.
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("alert")).to_contain_text("Vous devez accepter les conditions générales")
    check_accessibility(page)
    take_screenshots(page, name="franceconnect-signup-error")
    page.get_by_label(re.compile(r"conditions générales d'utilisation")).check()
    page.get_by_role("button", name="Créer mon compte").click()

    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    expect(page.get_by_role("main")).to_contain_text("Bonjour Angela Claire Louise")
    user = User.objects.get()
    assert user.franceconnect_identity.family_name == "Dubois"
    assert not user.has_usable_password()

    page.goto("/mon-espace/profil/")
    certified = page.get_by_role("region", name="Identité certifiée par FranceConnect")
    expect(certified).to_contain_text("24 août 1962")
    check_accessibility(page)
    take_screenshots(page, name="franceconnect-profile")

    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    [ended] = provider.end_session_requests
    assert ended["id_token_hint"] == provider.issued_id_tokens[-1]
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()


def test_an_existing_account_is_linked_after_its_password(page, provider):
    make_town(name="Saint-Exemple")
    owner = UserFactory(email="angela.dubois@exemple.fr")

    page.goto("/compte/login/")
    press_the_button_and_confirm(page, provider)

    expect(page).to_have_url(re.compile(r"/franceconnect/lier/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous avez déjà un compte")
    check_accessibility(page)
    take_screenshots(page, name="franceconnect-link-sign-in")
    page.get_by_role("link", name="Me connecter avec mon mot de passe").click()
    expect(page).to_have_url(re.compile(r"/compte/login/\?next=%2Ffranceconnect%2Flier%2F$"))
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(owner.email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Connexion").click()

    expect(page).to_have_url(re.compile(r"/franceconnect/lier/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lier FranceConnect à votre compte")
    assert not FranceConnectIdentity.objects.exists()
    check_accessibility(page)
    take_screenshots(page, name="franceconnect-link-confirm")
    page.get_by_role("button", name="Lier FranceConnect à mon compte").click()

    expect(page).to_have_url(re.compile(r"/mon-espace/profil/$"))
    expect(page.get_by_role("region", name="Identité certifiée par FranceConnect")).to_be_visible()
    assert FranceConnectIdentity.objects.get().user == owner


def test_the_error_pages(page, provider):
    make_town(name="Saint-Exemple")

    page.goto("/franceconnect/retour/?state=inconnu&code=inconnu")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "La connexion avec FranceConnect n'a pas abouti"
    )
    expect(page.get_by_role("alert")).to_contain_text("a expiré ou a déjà servi")
    check_accessibility(page)
    take_screenshots(page, name="franceconnect-error")
    page.get_by_role("link", name="Aller à la page de connexion").click()
    expect(page).to_have_url(re.compile(r"/compte/login/$"))

    provider.misbehave.add("access_denied")
    press_the_button_and_confirm(page, provider)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion avec FranceConnect annulée")
    check_accessibility(page)
    take_screenshots(page, name="franceconnect-cancelled")
