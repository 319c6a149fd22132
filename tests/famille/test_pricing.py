"""Prices: the rule valid on a session's day, brackets, effort rates, per hour; figures computed by hand."""

from datetime import date, time
from decimal import Decimal

import pytest

from famille import pricing
from famille.enums import ActivityKind, EffortBase, PriceUnit, PricingMode
from famille.models import TariffBracket, TariffRule
from tests.famille.factories import (
    ActivityFactory,
    QuotientFactory,
    SessionFactory,
    bracket_rule,
    make_household,
)

CANTEEN_GRID = [(0, 500, 120), (501, 900, 320), (901, None, 480)]


def unsaved_bracket_rule(brackets=CANTEEN_GRID, **fields) -> TariffRule:
    """A rule in memory with its brackets in the prefetch cache: price() reads no table."""
    rule = TariffRule(**{"pk": 1, "mode": PricingMode.BRACKETS, "unit": PriceUnit.SESSION, **fields})
    rule._prefetched_objects_cache = {
        "brackets": [
            TariffBracket(pk=index, qf_min=low, qf_max=high, price_cents=cents)
            for index, (low, high, cents) in enumerate(brackets, start=1)
        ]
    }
    return rule


def effort_rule(**fields) -> TariffRule:
    defaults = {
        "pk": 2,
        "mode": PricingMode.EFFORT_RATE,
        "unit": PriceUnit.HOUR,
        "effort_base": EffortBase.INCOME,
    }
    return TariffRule(**{**defaults, **fields})


# Brackets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quotient", "expected"),
    [(0, 120), (500, 120), (501, 320), (850, 320), (900, 320), (901, 480), (5000, 480)],
)
def test_the_bracket_holding_the_quotient_gives_the_price(quotient, expected):
    price = pricing.price(unsaved_bracket_rule(), quotient=quotient)
    assert price.unit_price_cents == expected
    assert not price.without_quotient


def test_without_a_validated_quotient_the_highest_bracket_applies():
    price = pricing.price(unsaved_bracket_rule(), quotient=None)
    assert price.unit_price_cents == 480
    assert price.without_quotient


def test_a_non_resident_household_pays_the_non_resident_price_whatever_its_quotient():
    rule = unsaved_bracket_rule(non_resident_price_cents=650)
    assert pricing.price(rule, quotient=300, is_resident=False).unit_price_cents == 650
    assert pricing.price(rule, quotient=None, is_resident=False).non_resident
    # Without a non-resident price, the grid applies to them too.
    assert pricing.price(unsaved_bracket_rule(), quotient=300, is_resident=False).unit_price_cents == 120


def test_a_quotient_in_a_gap_of_the_grid_cannot_be_priced():
    rule = unsaved_bracket_rule([(0, 500, 120), (600, None, 480)])
    with pytest.raises(pricing.Unpriceable) as refusal:
        pricing.price(rule, quotient=550)
    assert refusal.value.code == "no_bracket"
    assert "tranche" in refusal.value.message


def test_a_bracket_price_per_hour_is_multiplied_by_the_hours_and_rounded_half_up():
    rule = unsaved_bracket_rule([(0, None, 185)], unit=PriceUnit.HOUR)
    # 1.85 € × 1 h 45 = 3.2375 € → 324 c (half up on 323.75).
    assert pricing.price(rule, quotient=400, hours=Decimal("1.75")).unit_price_cents == 324


# Effort rate (nurseries) --------------------------------------------------------------------------


def test_nursery_effort_rate_cnaf_one_child_per_hour():
    """CNAF barème, 1 child: 0.0619 % of the monthly income per hour.

    3,000.00 € a month: 300,000 c × 0.000619 = 185.7 c → 1.86 €/h (half up);
    a day of 8:30 → 17:00 is 8.5 h: 186 × 8.5 = 1,581 c = 15.81 €.
    """
    rule = effort_rule(effort_rate=Decimal("0.0619"))
    hours = pricing.session_hours(time(8, 30), time(17, 0))
    assert hours == Decimal("8.5")
    assert (
        pricing.price(rule, quotient=1100, monthly_income_cents=300_000, hours=Decimal(1)).unit_price_cents
        == 186
    )
    assert (
        pricing.price(rule, quotient=1100, monthly_income_cents=300_000, hours=hours).unit_price_cents == 1581
    )


def test_effort_rate_rounds_half_up_at_the_cent():
    rule = effort_rule(effort_rate=Decimal("0.0619"), unit=PriceUnit.SESSION)
    # 250,000 c × 0.000619 = 154.75 c → 155 c; 80,000 c × 0.000619 = 49.52 c → 50 c.
    assert pricing.price(rule, quotient=1, monthly_income_cents=250_000).unit_price_cents == 155
    assert pricing.price(rule, quotient=1, monthly_income_cents=80_000).unit_price_cents == 50
    # Exactly half a cent: 10,000 c × 0.005 % = 0.5 c → 1 c (half up; the banker's half-even gives 0).
    half = effort_rule(effort_rate=Decimal("0.005"), unit=PriceUnit.SESSION)
    assert pricing.price(half, quotient=1, monthly_income_cents=10_000).unit_price_cents == 1


def test_effort_rate_is_bounded_by_the_floor_and_the_ceiling():
    rule = effort_rule(effort_rate=Decimal("0.0619"), floor_cents=50, ceiling_cents=433)
    # 600 € → 37.14 c → 37 c, below the floor: 50 c/h; × 8.5 h = 425 c.
    assert (
        pricing.price(rule, quotient=1, monthly_income_cents=60_000, hours=Decimal("8.5")).unit_price_cents
        == 425
    )
    # 9,000 € → 557.1 c → 557 c, above the ceiling: 433 c/h; × 2 h = 866 c.
    assert (
        pricing.price(rule, quotient=1, monthly_income_cents=900_000, hours=Decimal(2)).unit_price_cents
        == 866
    )


def test_effort_rate_on_the_quotient_counts_it_in_euros():
    rule = effort_rule(effort_rate=Decimal("0.5"), effort_base=EffortBase.QUOTIENT, unit=PriceUnit.SESSION)
    # QF 850 € × 0.5 % = 4.25 € = 425 c.
    assert pricing.price(rule, quotient=850).unit_price_cents == 425


def test_effort_rate_without_quotient_takes_the_ceiling_or_cannot_be_priced():
    with_ceiling = effort_rule(effort_rate=Decimal("0.0619"), ceiling_cents=433)
    price = pricing.price(with_ceiling, quotient=None, hours=Decimal(3))
    assert (price.unit_price_cents, price.without_quotient) == (1299, True)
    # A quotient without the income the rule is based on: the ceiling too.
    assert pricing.price(with_ceiling, quotient=700, monthly_income_cents=None).unit_price_cents == 433
    with pytest.raises(pricing.Unpriceable) as refusal:
        pricing.price(effort_rule(effort_rate=Decimal("0.0619")), quotient=None)
    assert refusal.value.code == "no_base"


# Rules by date, from the database ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_rule_valid_on_the_session_day_applies_across_a_mid_month_change():
    canteen = ActivityFactory(kind=ActivityKind.CANTEEN)
    old = bracket_rule(canteen, CANTEEN_GRID, valid_from=date(2026, 9, 1), valid_until=date(2026, 11, 15))
    new = bracket_rule(
        canteen, [(0, 500, 130), (501, 900, 340), (901, None, 500)], valid_from=date(2026, 11, 16)
    )
    household = make_household()
    QuotientFactory(household=household, value=850)

    assert pricing.rule_on(activity=canteen, on=date(2026, 8, 31)) is None
    assert pricing.rule_on(activity=canteen, on=date(2026, 11, 15)) == old
    assert pricing.rule_on(activity=canteen, on=date(2026, 11, 16)) == new
    assert pricing.rule_on(activity=canteen, on=date(2027, 6, 1)) == new

    before = SessionFactory(activity=canteen, date=date(2026, 11, 13))
    after = SessionFactory(activity=canteen, date=date(2026, 11, 17), site=before.site)
    assert pricing.session_price(session=before, household=household).unit_price_cents == 320
    assert pricing.session_price(session=after, household=household).unit_price_cents == 340
    assert set(
        pricing.rules_between(activity_ids=[canteen.pk], start=date(2026, 11, 1), end=date(2026, 11, 30))
    ) == {
        old.pk,
        new.pk,
    }


@pytest.mark.django_db
def test_a_day_without_rule_cannot_be_priced():
    session = SessionFactory(date=date(2026, 11, 2))
    with pytest.raises(pricing.Unpriceable) as refusal:
        pricing.session_price(session=session, household=make_household())
    assert refusal.value.code == "no_rule"


@pytest.mark.django_db
def test_nursery_session_price_uses_the_quotient_income_valid_that_day():
    nursery = ActivityFactory(kind=ActivityKind.NURSERY, start_time=time(8, 30), end_time=time(17, 0))
    TariffRule.objects.create(
        activity=nursery,
        valid_from=date(2026, 1, 1),
        mode=PricingMode.EFFORT_RATE,
        unit=PriceUnit.HOUR,
        effort_base=EffortBase.INCOME,
        effort_rate=Decimal("0.0619"),
        floor_cents=50,
        ceiling_cents=433,
    )
    household = make_household()
    QuotientFactory(
        household=household, value=1100, monthly_income_cents=300_000, valid_until=date(2026, 11, 15)
    )
    QuotientFactory(
        household=household, value=900, monthly_income_cents=250_000, valid_from=date(2026, 11, 16)
    )
    first = SessionFactory(activity=nursery, date=date(2026, 11, 10))
    second = SessionFactory(activity=nursery, date=date(2026, 11, 20), site=first.site)
    # 186 c/h × 8.5 = 1,581 c; then 2,500 € → 154.75 → 155 c/h × 8.5 = 1,317.5 → 1,318 c.
    assert pricing.session_price(session=first, household=household).unit_price_cents == 1581
    assert pricing.session_price(session=second, household=household).unit_price_cents == 1318
