"""The equipment's demo data: the five items and three loans, seeded through the services, once."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from associations import demo as associations_demo
from associations.equipment import demo, selectors
from associations.equipment.enums import LoanStatus
from associations.equipment.models import Item, Loan
from guichet.accounts import demo as accounts_demo
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


def test_the_demo_seeds_the_items_and_three_loans_once(client, clock):
    accounts_demo.seed()
    associations_demo.seed()

    demo.seed()
    demo.seed()

    assert dict(Item.objects.values_list("unit_plural", "stock")) == {
        "chaises": 200,
        "tables": 40,
        "stands": 6,
        "sonorisations": 1,
        "barrières": 30,
    }
    statuses = sorted(Loan.objects.values_list("status", flat=True))
    assert statuses == sorted([LoanStatus.RETURNED, LoanStatus.APPROVED, LoanStatus.PENDING])
    past = Loan.objects.get(status=LoanStatus.RETURNED)
    assert past.lines.get(item__unit_singular="chaise").damage_note
    people = associations_demo.demo_associations()
    # Lucas Dupont belongs to both associations, Camille Martin to the park's only.
    assert {loan.association_id for loan in selectors.loans_for_user(user=people.president)} == {
        people.parc.pk,
        people.basket.pk,
    }
    assert {loan.association_id for loan in selectors.loans_for_user(user=people.member)} == {people.parc.pk}
    login(client, people.member)
    assertContains(
        client.get(reverse("associations:equipment_loans")), "Journée portes ouvertes du jardin partagé"
    )
