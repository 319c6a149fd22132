"""Confirming a sensitive action with FranceConnect: the only way for an account opened through it (it has
no password), an alternative for the others; only the account's own identity confirms."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from guichet.privacy.models import DeletionRequest
from tests.factories import UserFactory, make_town
from tests.franceconnect.factories import FranceConnectIdentityFactory
from tests.franceconnect.helpers import authorize, local
from tests.helpers import login

pytestmark = pytest.mark.django_db

CONFIRM = reverse("franceconnect:reauthenticate")
DELETE = reverse("privacy:delete")


@pytest.fixture
def opened_with_franceconnect(client, provider):
    """Angela opened her account with FranceConnect: no password, her identity linked."""
    make_town()
    user = UserFactory(email="angela@exemple.fr")
    user.set_unusable_password()
    user.save()
    FranceConnectIdentityFactory(user=user)
    login(client, user)
    return user


def test_an_account_without_password_confirms_its_deletion_with_franceconnect(
    client, provider, opened_with_franceconnect
):
    asked = client.post(DELETE, {"understood": "on"})

    assert asked.status_code == 302
    assert asked.url == f"{CONFIRM}?next={DELETE.replace('/', '%2F')}"
    assert not DeletionRequest.objects.exists()
    page = client.get(local(asked.url))
    assertContains(page, "<h1>Confirmez que c&#x27;est bien vous</h1>", html=True)
    assertContains(page, "Confirmer avec FranceConnect")
    assertNotContains(page, 'type="password"')

    to_provider = client.post(CONFIRM, {"next": DELETE})
    assert to_provider.status_code == 302
    assert to_provider.url.startswith(provider.origin)
    done = client.get(local(authorize(to_provider.url)))

    # The deletion asked before the confirmation goes on, with what was sent (the box ticked).
    assert done.status_code == 302
    assert done.url == reverse("privacy:deleted")
    deletion = DeletionRequest.objects.get()
    assert deletion.user == opened_with_franceconnect
    opened_with_franceconnect.refresh_from_db()
    assert not opened_with_franceconnect.is_active


def test_another_identity_confirms_nothing(client, provider, opened_with_franceconnect):
    client.post(DELETE, {"understood": "on"})
    provider.identity["sub"] = "une-autre-personne"
    provider.identity["given_name"] = "Bernard"

    refused = client.get(local(authorize(client.post(CONFIRM, {"next": DELETE}).url)))

    assert refused.status_code == 400
    assertContains(refused, "n&#x27;est pas celle de ce compte", status_code=400)
    assert not DeletionRequest.objects.exists()
    # Still not confirmed: the next try asks again.
    again = client.post(DELETE, {"understood": "on"})
    assert again.url.startswith(CONFIRM)


def test_an_account_with_a_password_is_offered_franceconnect_as_another_way(client, provider):
    make_town()
    user = UserFactory()
    FranceConnectIdentityFactory(user=user)
    login(client, user)

    asked = client.post(DELETE, {"understood": "on"})

    assert asked.url.startswith(reverse("account_reauthenticate"))
    page = client.get(local(asked.url))
    assertContains(page, 'type="password"')
    assertContains(page, f'href="{CONFIRM}?next=')
    assertContains(page, "Avec FranceConnect")


def test_an_account_not_linked_is_sent_to_its_own_way(client, provider):
    make_town()
    login(client, UserFactory())

    response = client.get(CONFIRM, {"next": DELETE})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


def test_the_page_is_not_there_while_franceconnect_is_off(client, franceconnect_off):
    make_town()
    user = UserFactory()
    FranceConnectIdentityFactory(user=user)
    login(client, user)

    assert client.get(CONFIRM).status_code == 404
    assert client.post(DELETE, {"understood": "on"}).url.startswith(reverse("account_reauthenticate"))
