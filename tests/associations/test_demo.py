"""The associations' demo (its core): two verified associations, their members, their papers; seeding twice
adds nothing. The sub-apps' demos are tested next to them."""

import pytest
from django.apps import apps
from pytest_django.asserts import assertContains

from associations import demo, perms
from guichet.accounts import demo as accounts_demo
from guichet.accounts.enums import PartyRole
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
    }


def _counts() -> dict[str, int]:
    labels = ("associations", "coffre", "accounts", "audit")
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


def test_two_verified_associations_with_their_members_and_papers_and_seeding_again_adds_nothing(client):
    accounts_demo.seed()
    seeded = demo.seed()
    counts = _counts()
    demo.seed()

    assert _counts() == counts
    assert seeded.parc.is_verified and seeded.basket.is_verified
    assert perms.role_of(seeded.president, seeded.parc) == PartyRole.PRESIDENT
    assert perms.role_of(seeded.president, seeded.basket) == PartyRole.MEMBER
    assert perms.role_of(seeded.treasurer, seeded.basket) == PartyRole.PRESIDENT
    assert perms.role_of(seeded.member, seeded.parc) == PartyRole.MEMBER

    login(client, seeded.president)
    page = client.get(f"/mon-espace/associations/{seeded.parc.pk}/")
    assertContains(page, "Les Amis du Parc de Villebelle")
    assert "Manquant" not in page.content.decode()
    home = client.get("/mon-espace/associations/")
    assertContains(home, "Basket Club de Villebelle")
