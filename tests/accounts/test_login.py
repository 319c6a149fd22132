import re

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from guichet.accounts.models import User
from tests.factories import PASSWORD, UserFactory, make_agent

pytestmark = pytest.mark.django_db


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_a_citizen_signs_in_and_reaches_their_space(client):
    user = UserFactory(email="lea@exemple.fr", first_name="Léa")
    response = login(client, "LEA@exemple.fr", PASSWORD)

    assert response.status_code == 302
    page = client.get(reverse("portal:dashboard"))
    assert page.status_code == 200
    assert page.context["user"] == user


def test_a_wrong_password_shows_a_french_error_and_keeps_the_address(client):
    UserFactory(email="lea@exemple.fr")
    response = login(client, "lea@exemple.fr", "pas-le-bon")

    assert response.status_code == 200
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in response.text
    assert 'value="lea@exemple.fr"' in response.text


def test_repeated_failures_on_one_account_are_throttled_with_a_french_message(client):
    UserFactory(email="lea@exemple.fr")
    for _attempt in range(5):
        login(client, "lea@exemple.fr", "pas-le-bon")

    # Even the right password is refused while the account is throttled.
    response = login(client, "lea@exemple.fr", PASSWORD)
    assert response.status_code in (200, 429)
    assert "Trop de tentatives de connexion échouées. Veuillez réessayer ultérieurement." in response.text
    assert client.get(reverse("portal:dashboard")).status_code == 302


def test_throttling_of_one_account_does_not_block_another(client):
    UserFactory(email="lea@exemple.fr")
    UserFactory(email="noe@exemple.fr")
    for _attempt in range(5):
        login(client, "lea@exemple.fr", "pas-le-bon")

    assert login(client, "noe@exemple.fr", PASSWORD).status_code == 302


def test_axes_locks_an_account_and_address_after_ten_failures_whatever_the_form_limits(client, settings):
    # django-axes is the second lock, under allauth's own limits: loosen those to reach it.
    settings.ACCOUNT_RATE_LIMITS = False
    UserFactory(email="lea@exemple.fr")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "lea@exemple.fr", "pas-le-bon")

    response = login(client, "lea@exemple.fr", PASSWORD)
    assert response.status_code == 429
    assert "la connexion à ce compte est suspendue pendant 15 minutes" in response.text
    assert client.get(reverse("portal:dashboard")).status_code == 302


def test_an_agent_gives_their_second_factor_after_the_password(client):
    agent = make_agent(email="agent@mairie.fr")
    response = login(client, "agent@mairie.fr", PASSWORD)
    assert response.status_code == 302

    page = client.get(reverse("portal:agent_home"))
    assert page.status_code == 302
    assert page.url.startswith(reverse("accounts:otp_verify"))
    assert agent.is_authenticated


def test_password_reset_by_email_sets_a_new_password(client, django_capture_on_commit_callbacks):
    UserFactory(email="lea@exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "lea@exemple.fr"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/compte/password/reset/key/[^\s]+/", mail.outbox[0].body).group(0)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = "Un-nouveau-mot-de-passe-77"
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302

    client.logout()
    assert login(client, "lea@exemple.fr", PASSWORD).status_code == 200
    assert login(client, "lea@exemple.fr", new_password).status_code == 302


def test_password_reset_for_an_unknown_address_reveals_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "personne@exemple.fr"})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    # The same answer as for a known address; the unknown address is told so by e-mail.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["personne@exemple.fr"]
    assert "/compte/password/reset/key/" not in mail.outbox[0].body


def test_the_sign_in_finds_the_account_through_the_index_whatever_the_case():
    # email__iexact would read the whole table at each sign-in (UPPER(email) has no index).
    user = UserFactory(email="camille.martin@example.fr")
    assert User.objects.get_by_natural_key("Camille.Martin@Example.FR") == user

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = User.objects.with_email("CAMILLE.MARTIN@example.fr").explain()
    assert "accounts_user_email_ci_unique" in plan
