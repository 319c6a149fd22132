"""Helpers of the security tests, also used by other apps' tests of sensitive actions."""

from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


def reauthenticate(client: Client, password: str = PASSWORD) -> None:
    """Confirm the password again on allauth's page, as a sensitive action asks (guichet.security.reauth)."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
