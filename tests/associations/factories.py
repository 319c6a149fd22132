"""Associations built through the associations' own services, as their members and agents make them."""

import io
import itertools

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from associations import services
from associations.models import Association
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import PartyMembership, Service
from tests.factories import ServiceFactory, UserFactory, make_agent

_numbers = itertools.count(100001)


def associations_service() -> Service:
    """The vie associative service (its agents verify associations and instruct what they ask for)."""
    return ServiceFactory(name="Vie associative", slug=settings.ASSOCIATIONS_SERVICE_SLUG)


def associations_agent(**kwargs):
    """A verified-2FA agent of the vie associative service."""
    return make_agent(associations_service(), **kwargs)


def make_association(
    president=None, *, name: str = "", verified: bool = True, agent=None, **profile
) -> Association:
    """An association whose president is `president` (a new user if None), verified by an agent unless
    verified=False. Its RNA number is unique in the test run."""
    president = president or UserFactory()
    number = next(_numbers)
    profile.setdefault("rna", f"W{number:09d}")
    profile.setdefault("purpose", "Animer la vie du quartier.")
    association = services.create_association(
        actor=president, name=name or f"Association n° {number}", **profile
    )
    if verified:
        association = services.verify_association(
            actor=agent or associations_agent(), association=association
        )
    return Association.objects.select_related("party").get(pk=association.pk)


def add_member(association: Association, user=None, *, role: str = PartyRole.MEMBER):
    """A member joining directly (as accepting an invitation would make them)."""
    user = user or UserFactory()
    PartyMembership.objects.create(user=user, party=association.party, role=role)
    return user


def png_upload(name: str = "logo.png", size: tuple[int, int] = (8, 8)) -> SimpleUploadedFile:
    """A real PNG image, as a browser uploads it (named by its real type, as check_image does)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 78, 121)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
