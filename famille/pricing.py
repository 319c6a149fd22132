"""Prices of the family activities: the tariff rule valid on a session's day, and a household's price.

A tariff rule (`TariffRule`) prices an activity between two dates, in one of two modes:

- BRACKETS: the price of the bracket holding the household's validated quotient
  familial on the session's day. Without a validated quotient, the highest
  bracket (the one starting highest); a non-resident household pays
  `non_resident_price_cents` when the rule sets one, whatever its quotient.
- EFFORT_RATE (as nurseries bill under the CNAF's barème): base × rate %, the base
  being the household's monthly income (in cents) or its quotient familial (in
  euros, so × 100 in cents), as `effort_base` says; the result is bounded by
  `floor_cents` and `ceiling_cents`. Without a validated quotient (or without the
  income it is based on), the ceiling: the price of a family that declared
  nothing, as a bracket grid's highest bracket. No ceiling either: not priced.

Either is a price per session or per hour of the session (× its duration).

Rounding (money is integer cents): the price per unit is computed exactly
(Decimal), rounded to the cent half up (ROUND_HALF_UP: 185.5 c → 186 c, as a
cashier rounds, not the banker's half-even), bounded by the floor and ceiling;
per hour, that hourly price × the session's hours is rounded half up again.
So a nursery at 0.0619 %/h for a 3,000.00 € income charges 1.86 €/h
(300,000 × 0.000619 = 185.7 c), and 15.81 € for a day of 8 h 30 (186 × 8.5).

`price()` is pure (no query: the rule's brackets are read from its prefetch
cache when present), so the billing run prices each distinct (rule, quotient,
residence, duration) once, never each booking.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from famille.enums import EffortBase, PriceUnit, PricingMode
from famille.models import Activity, Household, QuotientFamilial, Session, TariffBracket, TariffRule

__all__ = [
    "UNPRICEABLE_REASONS",
    "Price",
    "Unpriceable",
    "price",
    "round_cents",
    "rule_on",
    "rules_between",
    "session_hours",
    "session_price",
]


# Why a session cannot be priced: a code kept in the billing run's summary, and its French message.
UNPRICEABLE_REASONS = {
    "no_rule": _("Aucun tarif n'est en vigueur pour cette activité ce jour-là."),
    "no_brackets": _("Le tarif n'a aucune tranche de quotient."),
    "no_bracket": _("Aucune tranche du tarif ne contient le quotient familial du foyer."),
    "no_base": _(
        "Sans quotient validé (ou sans revenus déclarés) ni plafond, le taux d'effort ne s'applique pas."
    ),
}


class Unpriceable(Exception):
    """No price for this household on this day (no rule, no bracket, no base): listed, never billed."""

    def __init__(self, code: str):
        self.code = code
        self.message = str(UNPRICEABLE_REASONS[code])
        super().__init__(self.message)


@dataclass(frozen=True)
class Price:
    """The price of one session for one household, and how it was found."""

    unit_price_cents: int
    rule_id: int
    # Priced as a household without validated quotient (highest bracket, or the ceiling).
    without_quotient: bool = False
    non_resident: bool = False


def round_cents(value: Decimal) -> int:
    """Half up to the whole cent (ROUND_HALF_UP)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def session_hours(start: time, end: time) -> Decimal:
    """The session's length in hours, exactly (8:30 → 17:00 is 8.5)."""
    minutes = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds // 60
    return Decimal(minutes) / 60


def _valid_on(on: date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))


def _with_brackets(rules):
    return rules.prefetch_related(
        Prefetch("brackets", queryset=TariffBracket.objects.order_by("qf_min", "pk"))
    )


def rule_on(*, activity: Activity, on: date) -> TariffRule | None:
    """The activity's tariff rule valid on that day (the latest started, should two overlap)."""
    rules = TariffRule.objects.filter(_valid_on(on), activity=activity).order_by("-valid_from", "-pk")
    return _with_brackets(rules).first()


def rules_between(*, activity_ids, start: date, end: date) -> dict[int, TariffRule]:
    """Every rule of these activities valid some day between start and end (inclusive), by id."""
    rules = TariffRule.objects.filter(activity_id__in=activity_ids, valid_from__lte=end).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=start)
    )
    return {rule.pk: rule for rule in _with_brackets(rules)}


def _brackets(rule: TariffRule) -> list[TariffBracket]:
    return sorted(rule.brackets.all(), key=lambda bracket: (bracket.qf_min, bracket.pk))


def _bracket_price(rule: TariffRule, quotient: int | None) -> tuple[int, bool]:
    brackets = _brackets(rule)
    if not brackets:
        raise Unpriceable("no_brackets")
    if quotient is None:
        return brackets[-1].price_cents, True
    for bracket in brackets:
        if bracket.qf_min <= quotient and (bracket.qf_max is None or quotient <= bracket.qf_max):
            return bracket.price_cents, False
    raise Unpriceable("no_bracket")


def _effort_price(
    rule: TariffRule, quotient: int | None, monthly_income_cents: int | None
) -> tuple[int, bool]:
    if rule.effort_base == EffortBase.INCOME:
        base = monthly_income_cents
    else:
        base = quotient * 100 if quotient is not None else None
    if base is None:
        if rule.ceiling_cents is None:
            raise Unpriceable("no_base")
        return rule.ceiling_cents, True
    cents = round_cents(Decimal(base) * rule.effort_rate / 100)
    if rule.floor_cents is not None:
        cents = max(cents, rule.floor_cents)
    if rule.ceiling_cents is not None:
        cents = min(cents, rule.ceiling_cents)
    return cents, False


def price(
    rule: TariffRule,
    *,
    quotient: int | None,
    monthly_income_cents: int | None = None,
    is_resident: bool = True,
    hours: Decimal = Decimal(1),
) -> Price:
    """The price of one session under `rule`, for a household with this validated quotient (None: none)
    and income, resident or not, for a session of `hours` (used only by per-hour rules)."""
    non_resident = False
    if rule.mode == PricingMode.BRACKETS:
        if not is_resident and rule.non_resident_price_cents is not None:
            unit, without_quotient, non_resident = rule.non_resident_price_cents, False, True
        else:
            unit, without_quotient = _bracket_price(rule, quotient)
    else:
        unit, without_quotient = _effort_price(rule, quotient, monthly_income_cents)
    if rule.unit == PriceUnit.HOUR:
        unit = round_cents(Decimal(unit) * hours)
    return Price(
        unit_price_cents=unit, rule_id=rule.pk, without_quotient=without_quotient, non_resident=non_resident
    )


def session_price(*, session: Session, household: Household) -> Price:
    """What this household pays for this session (a few queries: for one page, not for a billing run)."""
    from famille.selectors.family import quotient_on

    rule = rule_on(activity=session.activity, on=session.date)
    if rule is None:
        raise Unpriceable("no_rule")
    quotient: QuotientFamilial | None = quotient_on(household=household, on=session.date)
    return price(
        rule,
        quotient=quotient.value if quotient else None,
        monthly_income_cents=quotient.monthly_income_cents if quotient else None,
        is_resident=household.is_resident,
        hours=session_hours(session.start_time, session.end_time),
    )
