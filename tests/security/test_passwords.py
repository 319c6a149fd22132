"""Passwords of 12 characters at least, checked against a list of common passwords, disguised or not."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains

from guichet.accounts.demo import DEMO_PASSWORD
from guichet.accounts.models import User
from guichet.security.passwords import disguises
from tests.factories import PASSWORD, UserFactory, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db

TOO_SHORT = "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."
TOO_COMMON = "Ce mot de passe est trop courant, même avec des chiffres ou des symboles ajoutés."
SIGNUP = {
    "first_name": "Camille",
    "last_name": "Martin",
    "email": "camille.martin@exemple.fr",
    "accept_terms": "on",
}


def errors_of(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.parametrize(
    "password",
    [
        "Motdepasse2024!",
        "azertyuiop123",
        "P@ssw0rd-1234",
        "soleilsoleil12",
        "Marseille13013",
        "123jetaime456",
        "mot-de-passe-2026",
        "AZERTYUIOPQSDF",
        "bonjour.bonjour",
    ],
)
def test_a_common_password_is_refused_even_disguised(password):
    assert any(message.startswith(TOO_COMMON) for message in errors_of(password))


@pytest.mark.parametrize("password", ["Court-1!", "Onze-carac1"])
def test_fewer_than_12_characters_is_refused(password):
    assert TOO_SHORT in errors_of(password)


@pytest.mark.parametrize(
    "password",
    [DEMO_PASSWORD, PASSWORD, "Une-phrase-de-passe-solide-42", "cheval agrafe batterie correcte"],
)
def test_long_uncommon_passwords_are_accepted(password):
    assert len(password) >= 12
    assert errors_of(password) == []


def test_only_digits_or_the_users_own_name_are_refused():
    user = User(email="camille.martin@exemple.fr", first_name="Camille", last_name="Martinez")
    assert errors_of("738194652018")  # digits only
    assert errors_of("camille.martin", user)


def test_disguises_undo_what_people_add_to_a_common_word():
    assert {"motdepasse", "mot-de-passe"} <= disguises("Mot-de-Passe-2026!")
    assert "password" in disguises("P@ssw0rd!!")
    assert "soleil" in disguises("SoleilSoleil")


def test_the_signup_form_refuses_a_disguised_common_password_in_french(client):
    make_town()
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "password1": "Azertyuiop2026!", "password2": "Azertyuiop2026!"}
    )

    assert response.status_code == 200
    assertContains(response, TOO_COMMON)
    assertContains(response, 'value="camille.martin@exemple.fr"')
    assert not User.objects.exists()


def test_the_signup_form_refuses_11_characters(client):
    make_town()
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "password1": "Onze-carac1", "password2": "Onze-carac1"}
    )

    assertContains(response, TOO_SHORT)
    assert not User.objects.exists()


def test_changing_ones_password_checks_the_new_one_too(client):
    make_town()
    user = UserFactory()
    login(client, user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "Motdepasse2026", "password2": "Motdepasse2026"},
    )

    assertContains(response, TOO_COMMON)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
