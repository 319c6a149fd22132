from datetime import date

import factory
from django.utils import timezone

from guichet.franceconnect.identity import CertifiedIdentity
from guichet.franceconnect.models import FranceConnectIdentity
from tests.factories import UserFactory
from tests.franceconnect.provider import DEFAULT_IDENTITY


def certified(**overrides) -> CertifiedIdentity:
    """The local provider's default person, as the callback hands it over (overrides win)."""
    claims = {**DEFAULT_IDENTITY, **overrides}
    return CertifiedIdentity.from_claims({"sub": claims.pop("sub"), "acr": "eidas1"}, claims)


class FranceConnectIdentityFactory(factory.django.DjangoModelFactory):
    """An account already linked to the local provider's default person (sub and pivot)."""

    class Meta:
        model = FranceConnectIdentity

    user = factory.SubFactory(UserFactory)
    sub = DEFAULT_IDENTITY["sub"]
    given_name = DEFAULT_IDENTITY["given_name"]
    family_name = DEFAULT_IDENTITY["family_name"]
    birthdate = date(1962, 8, 24)
    birthplace = DEFAULT_IDENTITY["birthplace"]
    birthcountry = DEFAULT_IDENTITY["birthcountry"]
    gender = DEFAULT_IDENTITY["gender"]
    acr = "eidas1"
    certified_at = factory.LazyFunction(timezone.now)
    last_used_at = factory.LazyFunction(timezone.now)
