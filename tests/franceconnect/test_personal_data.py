"""The certified identity in the personal-data registry: exported to its owner, erased with the account."""

import json

import pytest

from guichet.accounts import registry
from guichet.franceconnect.models import FranceConnectIdentity
from tests.factories import UserFactory
from tests.franceconnect.factories import FranceConnectIdentityFactory

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_certified_identity_of_its_owner_only():
    user, other = UserFactory(), UserFactory()
    FranceConnectIdentityFactory(user=user)
    FranceConnectIdentityFactory(user=other, sub="autre-sub", given_name="Zoé")

    export = registry.export_user_data(user)["franceconnect"]

    identity = export["identité_certifiée"]
    assert identity["sub"] == "b6048e95bb134ec5b1d1e1fa69f287172e91722b9354d637a1bcf2ebb0fd2ef5v1"
    assert (identity["given_name"], identity["family_name"]) == ("Angela Claire Louise", "Dubois")
    assert identity["birthdate"] == "1962-08-24"
    assert "Zoé" not in json.dumps(export, ensure_ascii=False)
    assert registry.export_user_data(UserFactory())["franceconnect"] == {"identité_certifiée": None}


def test_the_erasure_deletes_the_identity_and_leaves_others_untouched():
    user, other = UserFactory(), UserFactory()
    FranceConnectIdentityFactory(user=user)
    kept = FranceConnectIdentityFactory(user=other, sub="autre-sub")

    registry.erase_user_data(user)

    assert list(FranceConnectIdentity.objects.all()) == [kept]
    user.refresh_from_db()
    assert not user.is_active
