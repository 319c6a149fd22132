"""Re-authentication before sensitive actions: disabling 2FA, changing the e-mail address, a refund, and
deleting one's account (the last test tries the four at their addresses in the matrix's world). The
password again, or the authenticator's code."""

from datetime import UTC, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains, assertRedirects

from guichet.security.reauth import reauthentication_required, recently_reauthenticated
from regie.models import Refund
from regie.services import LineDraft, issue_invoice, record_counter_payment
from tests.factories import (
    PASSWORD,
    ServiceFactory,
    UserFactory,
    add_backup_codes,
    make_agent,
    make_town,
    person_party,
)
from tests.helpers import login
from tests.matrix import AGENT, CITIZEN
from tests.security.helpers import reauthenticate
from tests.test_authorization_matrix import MATRIX

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REAUTH = reverse("account_reauthenticate")
BY_CODE = reverse("accounts:reauthenticate_code")
DISABLE = reverse("accounts:otp_disable")


@pytest.fixture(autouse=True)
def town(db):
    return make_town()


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def citizen_with_2fa(client):
    citizen = UserFactory(email="lea@exemple.fr")
    TOTPDevice.objects.create(user=citizen, name="téléphone", confirmed=True)
    login(client, citizen)
    return citizen


# Disabling the second factor ---------------------------------------------------------------------


def test_disabling_2fa_first_asks_for_the_password_then_does_it(client, clock, citizen_with_2fa):
    response = client.post(DISABLE)

    assert response.status_code == 302
    assert response.url == f"{REAUTH}?next=%2Fmon-espace%2Fsecurite%2Fdesactiver%2F"
    assert TOTPDevice.objects.filter(user=citizen_with_2fa).exists()
    page = client.get(response.url)
    assertContains(page, "<h1>Confirmez que c&#x27;est bien vous</h1>", html=True)
    assertContains(page, "Avec un code de mon application d&#x27;authentification")

    done = client.post(
        REAUTH, {"password": PASSWORD, "next": "/mon-espace/securite/desactiver/"}, follow=True
    )

    # The action waiting for the password is carried out as it was sent.
    assertRedirects(done, reverse("accounts:security"))
    assertContains(done, "La double authentification est désactivée.")
    assert not TOTPDevice.objects.filter(user=citizen_with_2fa).exists()


def test_a_wrong_password_is_refused_in_french_and_changes_nothing(client, clock, citizen_with_2fa):
    client.post(DISABLE)

    response = client.post(REAUTH, {"password": "pas-le-bon-mot-de-passe", "next": DISABLE})

    assert response.status_code == 200
    assertContains(response, "Mot de passe incorrect.")
    assert TOTPDevice.objects.filter(user=citizen_with_2fa).exists()


def test_the_code_of_the_authenticator_confirms_too(client, clock, citizen_with_2fa):
    client.post(DISABLE)
    device = TOTPDevice.objects.get(user=citizen_with_2fa)

    done = client.post(BY_CODE, {"token": current_code(device), "next": DISABLE}, follow=True)

    assertRedirects(done, reverse("accounts:security"))
    assert not TOTPDevice.objects.filter(user=citizen_with_2fa).exists()


def test_a_wrong_code_is_refused_and_keeps_what_was_typed(client, clock, citizen_with_2fa):
    client.post(DISABLE)

    response = client.post(BY_CODE, {"token": "000000", "next": DISABLE})

    assert response.status_code == 200
    assertContains(response, "Ce code n&#x27;est pas valable.")
    assertContains(response, 'value="000000"')
    assert TOTPDevice.objects.filter(user=citizen_with_2fa).exists()


def test_a_backup_code_confirms_once(client, clock, citizen_with_2fa):
    add_backup_codes(citizen_with_2fa, "24681357")
    client.post(DISABLE)

    assert (
        client.post(BY_CODE, {"token": "2468 1357", "next": reverse("accounts:security")}).status_code == 302
    )
    clock.shift(timedelta(minutes=6))
    assert client.post(BY_CODE, {"token": "24681357"}).status_code == 200


def test_the_code_that_signed_in_cannot_confirm_again(client, clock):
    agent = make_agent(email="agent@mairie.fr")
    client.post(reverse("account_login"), {"login": "agent@mairie.fr", "password": PASSWORD})
    code = current_code(TOTPDevice.objects.get(user=agent))
    assert client.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 302

    response = client.post(BY_CODE, {"token": code})

    assert response.status_code == 200
    assertContains(response, "Ce code n&#x27;est pas valable.")


def test_the_code_page_sends_whoever_has_no_authenticator_to_the_password(client):
    login(client, UserFactory())
    response = client.get(BY_CODE, {"next": DISABLE})
    assert response.status_code == 302
    assert response.url == f"{REAUTH}?next=%2Fmon-espace%2Fsecurite%2Fdesactiver%2F"


def test_a_confirmation_lasts_five_minutes(client, clock, citizen_with_2fa):
    client.post(REAUTH, {"password": PASSWORD})
    clock.shift(timedelta(minutes=4))
    # Within five minutes: done at once.
    assert client.post(DISABLE).url == reverse("accounts:security")
    assert not TOTPDevice.objects.filter(user=citizen_with_2fa).exists()

    TOTPDevice.objects.create(user=citizen_with_2fa, name="nouveau téléphone", confirmed=True)
    clock.shift(timedelta(minutes=2))
    assert client.post(DISABLE).url.startswith(REAUTH)
    assert TOTPDevice.objects.filter(user=citizen_with_2fa).exists()


def test_a_fresh_login_does_not_count_as_a_confirmation(client, clock):
    citizen = UserFactory(email="noe@exemple.fr")
    TOTPDevice.objects.create(user=citizen, name="téléphone", confirmed=True)
    client.post(reverse("account_login"), {"login": "noe@exemple.fr", "password": PASSWORD})
    client.post(reverse("accounts:otp_verify"), {"token": current_code(TOTPDevice.objects.get(user=citizen))})

    assert client.post(DISABLE).url.startswith(REAUTH)


# Changing the e-mail address (allauth's page) ---------------------------------------------------


def test_adding_an_address_asks_for_the_password_then_sends_the_verification(
    client, clock, django_capture_on_commit_callbacks
):
    user = UserFactory(email="lea@exemple.fr")
    login(client, user)

    response = client.post(reverse("account_email"), {"action_add": "", "email": "lea.nouvelle@exemple.fr"})

    assert response.status_code == 302
    assert response.url.startswith(REAUTH)
    assert not EmailAddress.objects.filter(email="lea.nouvelle@exemple.fr").exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(REAUTH, {"password": PASSWORD, "next": reverse("account_email")})
    assert done.status_code == 302
    added = EmailAddress.objects.get(email="lea.nouvelle@exemple.fr")
    assert added.user == user and not added.verified
    assert [message.to for message in mail.outbox] == [["lea.nouvelle@exemple.fr"]]


def test_making_another_address_primary_asks_for_the_password(client, clock):
    user = UserFactory(email="lea@exemple.fr")
    EmailAddress.objects.create(user=user, email="lea.autre@exemple.fr", verified=True, primary=False)
    login(client, user)

    response = client.post(reverse("account_email"), {"action_primary": "", "email": "lea.autre@exemple.fr"})

    assert response.url.startswith(REAUTH)
    user.refresh_from_db()
    assert user.email == "lea@exemple.fr"
    client.post(REAUTH, {"password": PASSWORD, "next": reverse("account_email")})
    user.refresh_from_db()
    assert user.email == "lea.autre@exemple.fr"


# A refund (régie) -------------------------------------------------------------------------------


def test_a_refund_shows_its_form_but_records_only_after_the_agent_confirms(client, clock):
    regie = ServiceFactory(slug="regie", name="Régie unique")
    agent = make_agent(regie)
    payer = person_party(UserFactory())
    invoice = issue_invoice(
        actor=None,
        payer=payer,
        lines=[LineDraft(label="Cantine", service=ServiceFactory(slug="education"), unit_price_cents=1250)],
        due_date=START.date() + timedelta(days=30),
    )
    payment = record_counter_payment(
        actor=agent, payer=payer, invoices=[invoice], method="cash", amount_cents=1250
    )
    login(client, agent)
    url = reverse("regie_pages:agent_refund", args=[payment.pk])
    form = client.get(url)
    assert form.status_code == 200
    data = {
        "invoice": invoice.pk,
        "amount": "4,50",
        "reason": "Repas non pris",
        "idempotency_key": form.context["form"]["idempotency_key"].value(),
    }

    asked = client.post(url, data)

    assert asked.status_code == 302
    assert asked.url == f"{REAUTH}?next={url.replace('/', '%2F')}"
    assert not Refund.objects.exists()
    done = client.post(REAUTH, {"password": PASSWORD, "next": url}, follow=True)
    assertRedirects(done, reverse("regie_pages:agent_payment_detail", args=[payment.pk]))
    assertContains(done, "Remboursement de 4,50\u00a0€ enregistré.")
    assert list(Refund.objects.values_list("amount_cents", "reason")) == [(450, "Repas non pris")]


# The decorator ----------------------------------------------------------------------------------


def guarded_request(user, *, method: str = "post", records: list | None = None):
    request = getattr(RequestFactory(), method)("/action/")
    request.user = user
    request.session = SessionStore()
    if records is not None:
        request.session["account_authentication_methods"] = records
        request.session["account_authentication_methods_user"] = str(user.pk)
    return request


@reauthentication_required
def guarded(request):
    return HttpResponse("fait")


@reauthentication_required(allow_get=True)
def guarded_post(request):
    return HttpResponse("fait")


def test_the_decorator_refuses_without_a_recent_confirmation(clock):
    user = UserFactory()
    now = START.timestamp()

    with pytest.raises(ReauthenticationRequired):
        guarded(guarded_request(user))
    with pytest.raises(ReauthenticationRequired):
        guarded(guarded_request(user, records=[{"method": "password", "at": now}]))  # the login itself
    with pytest.raises(ReauthenticationRequired):
        guarded(
            guarded_request(user, records=[{"method": "password", "at": now - 301, "reauthenticated": True}])
        )
    with pytest.raises(ReauthenticationRequired):
        guarded(guarded_request(AnonymousUser()))
    recent = [{"method": "totp", "at": now - 10, "reauthenticated": True}]
    assert guarded(guarded_request(user, records=recent)).content == b"fait"
    assert recently_reauthenticated(guarded_request(user, records=recent))


def test_allow_get_lets_the_page_show_and_guards_the_rest(clock):
    user = UserFactory()
    assert guarded_post(guarded_request(user, method="get")).status_code == 200
    with pytest.raises(ReauthenticationRequired):
        guarded_post(guarded_request(user, method="post"))
    with pytest.raises(ReauthenticationRequired):
        guarded(guarded_request(user, method="get"))


def test_a_user_with_no_way_to_confirm_is_not_let_through(clock):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    with pytest.raises(ReauthenticationRequired):
        guarded(guarded_request(user))


# The four sensitive actions of the issue, at their real addresses ----------------------------------

SENSITIVE = {
    # matrix key: (who does it, what the form sends)
    "privacy:delete": (CITIZEN, {"confirm": "on"}),
    "account_email": (CITIZEN, {"action_add": "", "email": "nouvelle@exemple.fr"}),
    "accounts:otp_disable": (CITIZEN, {}),
    "regie_pages:agent_refund": (AGENT, {"amount": "5,00", "reason": "Trop-perçu"}),
}


@pytest.mark.parametrize("key", sorted(SENSITIVE))
def test_each_sensitive_action_asks_for_the_password_first_whoever_is_signed_in(client, world, key):
    role, data = SENSITIVE[key]
    login(client, world["users"][role])  # signed in (and verified), yet not confirmed in the last 5 minutes
    url = MATRIX[key].url(world)

    response = client.post(url, data)

    assert response.status_code == 302, key
    assert response.url.startswith(REAUTH), (key, response.url)
    # Confirmed, the same form is no longer sent to the password page.
    reauthenticate(client)
    again = client.post(url, data)
    assert not (again.status_code == 302 and again.url.startswith(REAUTH)), key
