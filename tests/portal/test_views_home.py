import pytest
from django.urls import reverse

from tests.factories import make_town

pytestmark = pytest.mark.django_db


def test_home_shows_the_town_name_and_sign_in_links(client):
    make_town(name="Saint-Exemple")
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "Bienvenue sur le guichet numérique de Saint-Exemple" in response.text
    assert reverse("account_login") in response.text
