"""In Chromium: the pages break no rule of their CSP (no inline style or script blocked, htmx injects no
<style>), the Permissions-Policy header is understood, and the new pages of this part (re-authentication
by password and by code, the expired session's message) are accessible; screenshots for review."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, UserFactory, make_agent, make_town

pytestmark = pytest.mark.e2e

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error"
            and re.search(r"Content.Security.Policy|Permissions-Policy", message.text)
            else None
        ),
    )
    page.console_errors = errors
    return page


def assert_clean(tab) -> None:
    tab.wait_for_load_state("load")
    assert tab.evaluate("window.__violations") == [], tab.url
    assert tab.console_errors == [], tab.url
    # htmx was told not to add its indicator styles (the CSP would block them): no <style> at all.
    assert tab.evaluate("document.querySelectorAll('style').length") == 0, tab.url
    assert tab.evaluate("typeof htmx") == "object", tab.url  # htmx did load, by its nonce


def look(tab, name: str) -> None:
    assert_clean(tab)
    check_accessibility(tab)
    take_screenshots(tab, name=f"security-{name}")


def log_in(tab, email: str, *, next_path: str = "/mon-espace/") -> None:
    tab.goto(f"/compte/login/?next={next_path}")
    tab.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(email)
    password = tab.get_by_label(re.compile(r"^Mot de passe"))
    password.fill(PASSWORD)
    password.press("Enter")


def code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_citizens_pages_break_no_rule_and_the_sensitive_action_asks_again(watched, time_machine):
    tab = watched
    time_machine.move_to(timezone.now(), tick=True)
    make_town(name="Villebelle")
    citizen = UserFactory(email="lea@exemple.fr", first_name="Léa", last_name="Martin")
    TOTPDevice.objects.create(user=citizen, name="Téléphone", confirmed=True)

    for path in ("/", "/demarches/", "/actualites/", "/aide/", "/compte/login/", "/compte/signup/"):
        assert tab.goto(path).ok, path
        assert_clean(tab)

    log_in(tab, citizen.email)
    tab.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(code(citizen))
    tab.get_by_role("button", name="Valider").click()
    expect(tab).to_have_url(re.compile(r"/mon-espace/$"))
    for path in ("/mon-espace/", "/mon-espace/profil/", "/mon-espace/coffre/", "/mon-espace/demandes/"):
        assert tab.goto(path).ok, path
        assert_clean(tab)

    # Turning 2FA off asks for the password again, then for the code instead.
    tab.goto("/mon-espace/securite/")
    assert_clean(tab)
    tab.get_by_role("button", name="Désactiver la double authentification").click()
    expect(tab).to_have_url(re.compile(r"/compte/reauthenticate/\?next="))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Confirmez que c'est bien vous")
    look(tab, "reauthenticate")
    tab.get_by_role("link", name="Avec un code de mon application d'authentification").click()
    expect(tab).to_have_url(re.compile(r"/mon-espace/securite/confirmer/\?next="))
    look(tab, "reauthenticate-code")
    time_machine.shift(timedelta(seconds=31))  # the login's code is spent: the next one
    tab.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(code(citizen))
    tab.get_by_role("button", name="Confirmer").click()
    expect(tab).to_have_url(re.compile(r"/mon-espace/securite/$"))
    expect(tab.get_by_role("main")).to_contain_text("La double authentification est désactivée.")
    assert not TOTPDevice.objects.filter(user=citizen).exists()

    # Forty minutes away: the next page says the session expired, and signing in comes back to it.
    time_machine.shift(timedelta(minutes=40))
    tab.goto("/mon-espace/profil/")
    expect(tab).to_have_url(re.compile(r"/compte/login/\?next=/mon-espace/profil/"))
    expect(tab.get_by_role("main")).to_contain_text("Votre session a expiré")
    look(tab, "session-expired")
    log_in(tab, citizen.email, next_path="/mon-espace/profil/")
    expect(tab).to_have_url(re.compile(r"/mon-espace/profil/$"))


def test_the_back_office_breaks_no_rule(watched, time_machine):
    tab = watched
    time_machine.move_to(timezone.now(), tick=True)
    make_town(name="Villebelle")
    agent = make_agent(email="agent@mairie.fr", first_name="Alex", last_name="Durand")

    log_in(tab, agent.email, next_path="/agent/")
    tab.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(code(agent))
    tab.get_by_role("button", name="Valider").click()
    expect(tab).to_have_url(re.compile(r"/agent/$"))
    for path in ("/agent/", "/agent/coffre/", "/agent/demarches/", "/agent/demarches/statistiques/"):
        assert tab.goto(path).ok, path
        assert_clean(tab)
