"""Administrators configure tariffs in the admin: brackets inline, no overlap (part F3)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from famille.enums import PriceUnit, PricingMode
from famille.models import BillingRun, TariffRule
from tests.factories import make_admin, make_town
from tests.famille.factories import ActivityFactory, bracket_rule
from tests.helpers import login

pytestmark = pytest.mark.django_db
ADD = reverse("admin:famille_tariffrule_add")


@pytest.fixture
def admin_client(client):
    make_town()
    return login(client, make_admin())


@pytest.fixture
def canteen(db):
    return ActivityFactory(name="Restauration scolaire")


def rule_data(activity, brackets, **fields) -> dict:
    data = {
        "activity": activity.pk,
        "valid_from": "2026-09-01",
        "valid_until": "",
        "mode": PricingMode.BRACKETS,
        "unit": PriceUnit.SESSION,
        "non_resident_price_cents": "",
        "effort_base": "income",
        "effort_rate": "",
        "floor_cents": "",
        "ceiling_cents": "",
        "brackets-TOTAL_FORMS": str(len(brackets)),
        "brackets-INITIAL_FORMS": "0",
        "brackets-MIN_NUM_FORMS": "0",
        "brackets-MAX_NUM_FORMS": "1000",
    }
    for index, (low, high, cents) in enumerate(brackets):
        data |= {
            f"brackets-{index}-qf_min": str(low),
            f"brackets-{index}-qf_max": "" if high is None else str(high),
            f"brackets-{index}-price_cents": str(cents),
        }
    return {**data, **fields}


def test_an_administrator_adds_a_rule_with_its_brackets(admin_client, canteen):
    response = admin_client.post(ADD, rule_data(canteen, [(0, 500, 120), (501, 900, 320), (901, None, 480)]))
    assert response.status_code == 302
    rule = TariffRule.objects.get()
    assert list(rule.brackets.values_list("qf_min", "qf_max", "price_cents")) == [
        (0, 500, 120),
        (501, 900, 320),
        (901, None, 480),
    ]


def test_overlapping_brackets_are_refused(admin_client, canteen):
    response = admin_client.post(ADD, rule_data(canteen, [(0, 500, 120), (400, None, 480)]))
    assert response.status_code == 200
    assertContains(
        response,
        "Les tranches de quotient « 0 à 500 » et « 400 et plus » se chevauchent : "
        "un quotient doit tomber dans une seule tranche.",
    )
    assert not TariffRule.objects.exists()


def test_a_rule_by_brackets_needs_one(admin_client, canteen):
    response = admin_client.post(ADD, rule_data(canteen, []))
    assertContains(response, "Un tarif par tranches de quotient doit avoir au moins une tranche.")
    assert not TariffRule.objects.exists()


def test_two_rules_of_one_activity_may_not_overlap(admin_client, canteen):
    bracket_rule(canteen, [(0, None, 300)], valid_from=date(2026, 9, 1), valid_until=date(2026, 12, 31))
    response = admin_client.post(ADD, rule_data(canteen, [(0, None, 320)], valid_from="2026-11-16"))
    assertContains(
        response, "Ce tarif chevauche celui de la même activité en vigueur du 1 septembre 2026 au 31"
    )
    # Starting the day after the first one ends is fine, and so is another activity on any date.
    assert (
        admin_client.post(ADD, rule_data(canteen, [(0, None, 340)], valid_from="2027-01-01")).status_code
        == 302
    )
    other = ActivityFactory(name="Accueil du soir")
    assert (
        admin_client.post(ADD, rule_data(other, [(0, None, 250)], valid_from="2026-11-16")).status_code == 302
    )
    assert TariffRule.objects.count() == 3


def test_an_effort_rate_rule_needs_its_rate_and_a_ceiling_above_its_floor(admin_client, canteen):
    data = rule_data(
        canteen, [], mode=PricingMode.EFFORT_RATE, unit=PriceUnit.HOUR, floor_cents="60", ceiling_cents="50"
    )
    response = admin_client.post(ADD, data)
    assertContains(response, "Indiquez le taux d&#x27;effort d&#x27;un tarif au taux d&#x27;effort.")
    assertContains(response, "Le plafond ne peut pas être inférieur au plancher.")
    ok = admin_client.post(
        ADD, {**data, "effort_rate": "0.0619", "floor_cents": "50", "ceiling_cents": "433"}
    )
    assert ok.status_code == 302
    assert TariffRule.objects.get().effort_rate == Decimal("0.0619")


def test_billing_runs_are_read_only_in_the_admin(admin_client):
    run = BillingRun.objects.create(month=date(2026, 11, 1))
    assert admin_client.get(reverse("admin:famille_billingrun_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:famille_billingrun_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:famille_billingrun_delete", args=[run.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert BillingRun.objects.filter(pk=run.pk).exists()
