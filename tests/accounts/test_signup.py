import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import Party, User
from tests.factories import PASSWORD, UserFactory, make_town

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Camille",
    "last_name": "Martin",
    "email": "Camille.Martin@Exemple.fr",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "accept_terms": "on",
}


def confirmation_link(message) -> str:
    return re.search(r"https?://[^\s]+/compte/confirm-email/[^\s/]+/", message.body).group(0)


def test_signup_sends_a_french_verification_email_and_creates_the_person_party(
    client, django_capture_on_commit_callbacks
):
    make_town(terms_version="2026-11")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), SIGNUP)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.email == "camille.martin@exemple.fr"
    assert (user.first_name, user.last_name) == ("Camille", "Martin")
    assert user.terms_version == "2026-11"
    assert user.terms_accepted_at is not None
    party = Party.objects.get(person=user)
    assert party.kind == PartyKind.PERSON
    assert party.name == "Camille Martin"
    assert list(party.memberships.values_list("user_id", "role")) == [(user.pk, PartyRole.HOLDER)]

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille.martin@exemple.fr"]
    assert "Confirmez" in message.subject or "confirm" in message.subject.lower()
    assert "/compte/confirm-email/" in message.body


def test_an_unverified_account_cannot_sign_in_until_the_link_is_followed(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), SIGNUP)
    client.logout()

    response = client.post(reverse("account_login"), {"login": SIGNUP["email"], "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("portal:dashboard")).status_code == 302

    link = confirmation_link(mail.outbox[-1])
    page = client.get(link)
    assert page.status_code == 200
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="camille.martin@exemple.fr").verified

    response = client.post(reverse("account_login"), {"login": SIGNUP["email"], "password": PASSWORD})
    assert response.status_code == 302
    dashboard = client.get(reverse("portal:dashboard"))
    assert dashboard.status_code == 200
    assert "Bonjour Camille" in dashboard.text


def test_signup_without_accepting_the_terms_keeps_what_was_typed(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), {**SIGNUP, "accept_terms": ""})

    assert response.status_code == 200
    assert "Vous devez accepter les conditions générales d&#x27;utilisation." in response.text
    assert 'value="Camille"' in response.text
    assert 'value="Martin"' in response.text
    assert "Le formulaire contient des erreurs" in response.text
    assert not User.objects.exists()
    assert mail.outbox == []


def test_signup_with_an_address_already_used_reveals_nothing_and_warns_the_owner(
    client, django_capture_on_commit_callbacks
):
    # Account enumeration is prevented: the page answers as for a new address,
    # and the owner of the address is told by e-mail that someone tried.
    UserFactory(email="camille.martin@exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), SIGNUP)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["camille.martin@exemple.fr"]
    assert "/compte/confirm-email/" not in mail.outbox[0].body


def test_signup_refuses_a_weak_password_in_french(client):
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "password1": "12345678", "password2": "12345678"}
    )

    assert response.status_code == 200
    assert "Ce mot de passe est trop court" in response.text
    assert not User.objects.exists()


def test_the_page_title_says_error_when_the_form_failed(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "accept_terms": ""})
    assert "<title>Erreur : " in response.text
    assert reverse("portal:terms") in response.text
