"""Signing in and up with FranceConnect against the local provider: new person, known identity, an
existing e-mail linked only once its owner proved it, agents' second factor."""

import re
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessLog
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from guichet.accounts.models import DailyLogins, Party, User
from guichet.audit.models import AuditEvent
from guichet.franceconnect.models import FranceConnectIdentity
from guichet.notify.models import Notification
from tests.factories import PASSWORD, ServiceFactory, UserFactory, make_agent, make_town
from tests.franceconnect.factories import FranceConnectIdentityFactory
from tests.franceconnect.helpers import sign_in
from tests.franceconnect.provider import DEFAULT_IDENTITY
from tests.helpers import login

pytestmark = pytest.mark.django_db

EMAIL = DEFAULT_IDENTITY["email"]
SIGNUP = reverse("franceconnect:signup")
LINK = reverse("franceconnect:link")


def signed_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


# A new person --------------------------------------------------------------------------------------


def test_a_new_person_signs_up_with_the_certified_identity_and_the_terms(
    client, provider, django_capture_on_commit_callbacks
):
    make_town(terms_version="2026-11")

    response = sign_in(client)

    assert response.status_code == 302
    assert response.url == SIGNUP
    assert not User.objects.exists()  # nothing is created before the person agrees
    page = client.get(SIGNUP)
    assertContains(page, "<h1>Créer votre compte avec FranceConnect</h1>", html=True)
    assertContains(page, "<dd>Angela Claire Louise</dd>", html=True)
    assertContains(page, "<dd>Dubois</dd>", html=True)
    assertContains(page, "<dd>24 août 1962</dd>", html=True)
    assertContains(page, "<dd>Commune de code INSEE 75107</dd>", html=True)
    assertContains(page, f'value="{EMAIL}"')
    # The certified identity is shown, not offered for editing.
    assertNotContains(page, 'value="Angela Claire Louise"')

    anonymous_session = client.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SIGNUP, {"email": EMAIL, "accept_terms": "on"})

    assert done.status_code == 302
    assert done.url == reverse("portal:dashboard")
    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name) == (EMAIL, "Angela Claire Louise", "Dubois")
    assert user.terms_version == "2026-11"
    assert user.terms_accepted_at is not None
    assert not user.has_usable_password()
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == (EMAIL, True, True)
    identity = user.franceconnect_identity
    assert identity.sub == DEFAULT_IDENTITY["sub"]
    assert (identity.given_name, identity.family_name) == ("Angela Claire Louise", "Dubois")
    assert identity.birthdate == date(1962, 8, 24)
    assert (identity.birthplace, identity.birthcountry, identity.gender, identity.acr) == (
        "75107",
        "99100",
        "female",
        "eidas1",
    )
    assert Party.objects.get(person=user).name == "Angela Claire Louise Dubois"
    # Signed in through allauth's login: a new session key, the sign-in counted.
    assert signed_in_user_id(client) == user.pk
    assert client.session.session_key != anonymous_session
    assert sum(DailyLogins.objects.values_list("count", flat=True)) == 1
    assert AuditEvent.objects.filter(action="franceconnect.signup", actor_id=user.pk).count() == 1
    assert mail.outbox == []  # FranceConnect's address needs no confirmation
    assertContains(client.get(reverse("portal:dashboard")), "Bonjour Angela Claire Louise")


def test_a_changed_address_goes_through_allauths_confirmation(
    client, provider, django_capture_on_commit_callbacks
):
    sign_in(client)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SIGNUP, {"email": "Angela@Ailleurs.fr", "accept_terms": "on"})

    assert done.status_code == 302
    assert done.url == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.email == "angela@ailleurs.fr"
    assert not EmailAddress.objects.get(user=user).verified
    assert signed_in_user_id(client) is None
    assert [message.to for message in mail.outbox] == [["angela@ailleurs.fr"]]
    assert "/compte/confirm-email/" in mail.outbox[0].body
    assert user.franceconnect_identity.sub == DEFAULT_IDENTITY["sub"]


def test_the_next_page_survives_the_round_trip_but_not_an_outside_address(client, provider):
    FranceConnectIdentityFactory(user=UserFactory())
    assert sign_in(client, next_url="/mon-espace/profil/").url == "/mon-espace/profil/"
    client.logout()
    assert sign_in(client, next_url="https://attaquant.example/").url == reverse("portal:dashboard")


# A known identity -----------------------------------------------------------------------------------


def test_a_known_identity_signs_its_account_in_and_refreshes_the_certified_data(client, provider):
    user = UserFactory(email="ancienne@exemple.fr")
    old = timezone.now() - timedelta(days=90)
    FranceConnectIdentityFactory(user=user, given_name="Angela", certified_at=old, last_used_at=old)

    response = sign_in(client)

    assert response.status_code == 302
    assert response.url == reverse("portal:dashboard")
    assert signed_in_user_id(client) == user.pk
    identity = FranceConnectIdentity.objects.get()
    assert identity.given_name == "Angela Claire Louise"
    assert identity.certified_at > old
    assert identity.last_used_at > old
    assert User.objects.count() == 1
    assert AuditEvent.objects.filter(action="franceconnect.sign_in", actor_id=user.pk).count() == 1
    # As after a password: counted, and django-axes logged the access and forgot earlier failures.
    assert sum(DailyLogins.objects.values_list("count", flat=True)) == 1
    assert AccessLog.objects.filter(username=user.email).count() == 1


def test_an_account_whose_address_is_not_confirmed_gets_the_confirmation_first(
    client, provider, django_capture_on_commit_callbacks
):
    user = UserFactory(email="pas-confirmee@exemple.fr", verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    FranceConnectIdentityFactory(user=user)

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(client)

    assert response.url == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_an_inactive_account_is_not_signed_in(client, provider):
    FranceConnectIdentityFactory(user=UserFactory(is_active=False))

    response = sign_in(client)

    assert response.status_code == 302
    assert response.url == reverse("account_inactive")
    assert signed_in_user_id(client) is None
    assert not AuditEvent.objects.filter(action="franceconnect.sign_in").exists()


def test_an_agent_still_gives_the_second_factor(client, provider):
    agent = make_agent(ServiceFactory())
    FranceConnectIdentityFactory(user=agent)

    response = sign_in(client, next_url="/agent/")

    assert response.url == "/agent/"
    assert signed_in_user_id(client) == agent.pk
    for path in ("/agent/", reverse("portal:dashboard")):
        page = client.get(path)
        assert page.status_code == 302
        assert page.url.startswith(reverse("accounts:otp_verify"))


# An existing e-mail ---------------------------------------------------------------------------------


def test_an_existing_address_is_linked_only_once_its_owner_signed_in_with_the_password(
    client, provider, django_capture_on_commit_callbacks
):
    owner = UserFactory(email=EMAIL)

    response = sign_in(client)

    assert response.url == LINK
    assert signed_in_user_id(client) is None
    assert not FranceConnectIdentity.objects.exists()
    page = client.get(LINK)
    assertContains(page, "<h1>Vous avez déjà un compte</h1>", html=True)
    login_url = f"{reverse('account_login')}?next=%2Ffranceconnect%2Flier%2F"
    assertContains(page, f'href="{login_url}"')
    # Posting the page without being signed in links nothing.
    assert client.post(LINK).status_code == 200
    # Nor does a wrong password.
    wrong = client.post(login_url, {"login": EMAIL, "password": "pas-le-bon-mot-de-passe", "next": LINK})
    assert wrong.status_code == 200
    assert not FranceConnectIdentity.objects.exists()

    signed = client.post(login_url, {"login": EMAIL, "password": PASSWORD, "next": LINK})
    assert signed.status_code == 302
    assert signed.url == LINK
    assert not FranceConnectIdentity.objects.exists()  # the person confirms first
    confirm = client.get(LINK)
    assertContains(confirm, "Lier FranceConnect à mon compte")
    with django_capture_on_commit_callbacks(execute=True):
        linked = client.post(LINK)

    assert linked.status_code == 302
    assert linked.url == reverse("accounts:profile")
    identity = FranceConnectIdentity.objects.get()
    assert identity.user == owner
    assert identity.given_name == "Angela Claire Louise"
    event = AuditEvent.objects.get(action="franceconnect.link")
    assert (event.actor_id, event.target_id) == (owner.pk, str(identity.pk))
    assert Notification.objects.get(user=owner).kind == "franceconnect_linked"
    assert [message.to for message in mail.outbox] == [[EMAIL]]
    # From now on FranceConnect signs this account in directly.
    client.post(reverse("account_logout"))
    assert sign_in(client).url == reverse("portal:dashboard")
    assert signed_in_user_id(client) == owner.pk


def test_an_existing_address_is_not_linked_when_the_owner_does_not_prove_it(client, provider, time_machine):
    UserFactory(email=EMAIL)
    time_machine.move_to(timezone.now(), tick=False)
    sign_in(client)

    # Abandoned: nothing linked, nothing to link any more.
    cancelled = client.post(reverse("franceconnect:cancel"))
    assert cancelled.url == reverse("account_login")
    assert client.get(LINK).url == reverse("account_login")

    # Or left there: the pending identity expires.
    sign_in(client)
    time_machine.shift(timedelta(minutes=16))
    expired = client.get(LINK)
    assert expired.status_code == 302
    assert expired.url == reverse("account_login")
    assert not FranceConnectIdentity.objects.exists()


def test_another_account_signed_in_meanwhile_does_not_get_the_identity(client, provider):
    UserFactory(email=EMAIL)
    someone_else = UserFactory(email="quelquun@exemple.fr")
    sign_in(client)

    client.post(reverse("account_login"), {"login": someone_else.email, "password": PASSWORD, "next": LINK})
    page = client.post(LINK)

    assertContains(page, "Vous êtes connecté à un autre compte", status_code=400)
    assert not FranceConnectIdentity.objects.exists()
    assert client.get(LINK).url == reverse("accounts:profile")  # the pending identity is gone


def test_a_disabled_account_with_the_address_is_not_offered_for_linking(client, provider):
    UserFactory(email=EMAIL, is_active=False)

    assert sign_in(client).url == SIGNUP
    page = client.post(SIGNUP, {"email": EMAIL, "accept_terms": "on"})

    assertContains(page, "Un compte utilise déjà cette adresse électronique.")
    assert User.objects.count() == 1


# Certifying a signed-in account ---------------------------------------------------------------------


def test_a_signed_in_person_certifies_their_account_from_the_profile(
    client, provider, django_capture_on_commit_callbacks
):
    user = UserFactory(email="camille@exemple.fr")
    login(client, user)

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(client, next_url=reverse("accounts:profile"))

    assert response.url == reverse("accounts:profile")
    assert FranceConnectIdentity.objects.get().user == user
    profile = client.get(reverse("accounts:profile"))
    assertContains(
        profile, "<h2 id='identite-certifiee'>Identité certifiée par FranceConnect</h2>", html=True
    )
    assertContains(profile, "<dd>Angela Claire Louise</dd>", html=True)
    assert Notification.objects.filter(user=user, kind="franceconnect_linked").count() == 1


def test_an_identity_linked_to_another_account_is_refused(client, provider):
    FranceConnectIdentityFactory(user=UserFactory())
    user = UserFactory()
    login(client, user)

    page = sign_in(client)

    assertContains(page, "déjà liée à un autre compte", status_code=400)
    assert FranceConnectIdentity.objects.get().user != user


def test_an_account_has_one_identity_only(client, provider):
    user = UserFactory()
    FranceConnectIdentityFactory(user=user, sub="une-autre-identite")
    login(client, user)

    page = sign_in(client)

    assertContains(page, "déjà lié à une autre identité FranceConnect", status_code=400)
    assert list(FranceConnectIdentity.objects.values_list("sub", flat=True)) == ["une-autre-identite"]


def test_the_signup_page_keeps_what_was_typed_and_says_what_is_wrong(client, provider):
    sign_in(client)

    page = client.post(SIGNUP, {"email": "camille@autre.fr", "accept_terms": ""})

    assertContains(page, "Vous devez accepter les conditions générales d&#x27;utilisation.")
    assertContains(page, "Le formulaire contient des erreurs")
    assertContains(page, 'value="camille@autre.fr"')
    assert re.search(r"<title>Erreur : ", page.text)
    assert not User.objects.exists()

    page = client.post(SIGNUP, {"email": "pas-une-adresse", "accept_terms": "on"})
    assertContains(page, "Saisissez une adresse de courriel valide.")
    assertContains(page, 'value="pas-une-adresse"')

    taken = UserFactory(email="prise@exemple.fr")
    page = client.post(SIGNUP, {"email": "Prise@Exemple.fr", "accept_terms": "on"})
    assertContains(page, "Un compte utilise déjà cette adresse électronique.")
    assertContains(page, 'value="Prise@Exemple.fr"')
    assert list(User.objects.all()) == [taken]
