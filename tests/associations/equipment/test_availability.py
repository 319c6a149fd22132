"""The arithmetic of availability: the peak of overlapping holds, checked against counting day by day,
on its own and on loans in the database; and the French of the periods and refusals."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from associations.equipment import selectors
from associations.equipment.availability import Hold, available, peak, period_label, shortage_message
from associations.equipment.enums import HOLDING_STATUSES, LoanStatus
from associations.equipment.models import Item, Loan, LoanLine
from tests.associations.equipment.factories import ItemFactory
from tests.associations.factories import make_association

ORIGIN = date(2026, 6, 1)
DAYS = 40


def day(offset: int) -> date:
    return ORIGIN + timedelta(days=offset)


def by_counting(holds: list[Hold], start: date, end: date) -> int:
    """The most held on one day, counted day by day: what `peak` must always give."""
    days = (end - start).days + 1
    return max(
        (sum(hold.quantity for hold in holds if hold.covers(start + timedelta(days=n))) for n in range(days)),
        default=0,
    )


holds_strategy = st.lists(
    st.builds(
        lambda first, length, quantity, open_ended: Hold(
            day(first), None if open_ended else day(first + length), quantity
        ),
        st.integers(0, DAYS),
        st.integers(0, 10),
        st.integers(1, 50),
        st.booleans(),
    ),
    max_size=12,
)
period_strategy = st.tuples(st.integers(0, DAYS), st.integers(0, 15)).map(
    lambda pair: (day(pair[0]), day(pair[0] + pair[1]))
)


@given(holds=holds_strategy, period=period_strategy)
def test_the_peak_is_the_most_held_on_any_single_day_of_the_period(holds, period):
    start, end = period
    assert peak(holds, start, end) == by_counting(holds, start, end)


@given(holds=holds_strategy, period=period_strategy, stock=st.integers(0, 200))
def test_what_is_left_is_the_stock_minus_the_peak_never_below_zero(holds, period, stock):
    start, end = period
    left = available(stock, holds, start, end)
    assert left == max(stock - by_counting(holds, start, end), 0)
    # Whatever is left can be lent on every day of the period without going beyond the stock.
    extra = Hold(start, end, left)
    assert left == 0 or by_counting([*holds, extra], start, end) <= stock


def test_two_loans_that_do_not_meet_never_add_up_even_inside_the_period():
    holds = [Hold(date(2026, 6, 1), date(2026, 6, 3), 150), Hold(date(2026, 6, 5), date(2026, 6, 7), 150)]
    assert peak(holds, date(2026, 6, 1), date(2026, 6, 7)) == 150
    assert available(200, holds, date(2026, 6, 1), date(2026, 6, 7)) == 50


def test_loans_that_only_touch_do_not_overlap_and_one_shared_day_does():
    first = Hold(date(2026, 6, 12), date(2026, 6, 14), 200)
    assert available(200, [first], date(2026, 6, 15), date(2026, 6, 16)) == 200
    assert available(200, [first], date(2026, 6, 14), date(2026, 6, 16)) == 0


def test_a_hold_with_no_end_covers_every_later_day():
    missing = Hold(date(2026, 5, 1), None, 3)
    assert available(10, [missing], date(2027, 1, 10), date(2027, 1, 12)) == 7
    assert available(10, [missing], date(2026, 4, 1), date(2026, 4, 30)) == 10


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (date(2026, 6, 12), date(2026, 6, 12), "le 12 juin"),
        (date(2026, 6, 12), date(2026, 6, 14), "du 12 au 14 juin"),
        (date(2026, 6, 1), date(2026, 6, 3), "du 1er au 3 juin"),
        (date(2026, 6, 30), date(2026, 7, 1), "du 30 juin au 1er juillet"),
        (date(2026, 12, 30), date(2027, 1, 2), "du 30 décembre 2026 au 2 janvier 2027"),
    ],
)
def test_periods_read_as_french_says_them(start, end, label):
    assert period_label(start, end) == label


def test_the_refusal_says_exactly_what_is_left_and_what_was_asked():
    chairs = Item(name="Chaise pliante", unit_singular="chaise", unit_plural="chaises", stock=200)
    assert (
        shortage_message(item=chairs, left=4, requested=10, start=date(2026, 6, 12), end=date(2026, 6, 14))
        == "Il reste 4 chaises disponibles du 12 au 14 juin : vous en demandez 10."
    )
    assert (
        shortage_message(item=chairs, left=1, requested=3, start=date(2026, 6, 12), end=date(2026, 6, 12))
        == "Il reste 1 chaise disponible le 12 juin : vous en demandez 3."
    )
    assert (
        shortage_message(item=chairs, left=0, requested=3, start=date(2026, 6, 12), end=date(2026, 6, 13))
        == "Il ne reste plus de chaises disponibles du 12 au 13 juin : vous en demandez 3."
    )


# The same arithmetic on loans in the database: every status, late loans and incomplete returns included.

loan_strategy = st.lists(
    st.tuples(
        st.integers(0, DAYS),  # first day
        st.integers(0, 6),  # length
        st.integers(1, 40),  # quantity
        st.sampled_from(LoanStatus.values),
        st.integers(0, 40),  # returned (incomplete only, capped by the quantity)
    ),
    max_size=10,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(loans=loan_strategy, period=period_strategy)
def test_what_the_selector_leaves_matches_counting_the_loans_day_by_day(loans, period):
    start, end = period
    today = day(20)
    with transaction.atomic():
        association = make_association(verified=False)
        item = ItemFactory(stock=100)
        holds = []
        for first, length, quantity, status, returned in loans:
            loan = Loan.objects.create(
                association=association,
                status=status,
                start_date=day(first),
                end_date=day(first + length),
                purpose="Fête",
            )
            returned = min(returned, quantity - 1) if status == LoanStatus.INCOMPLETE else 0
            LoanLine.objects.create(loan=loan, item=item, quantity=quantity, returned_quantity=returned)
            if status == LoanStatus.HANDED_OVER and day(first + length) < today:
                # Late back: out of the workshop from its first day on, with no end.
                holds.append(Hold(day(first), None, quantity))
            elif status in HOLDING_STATUSES:
                holds.append(Hold(day(first), day(first + length), quantity))
            elif status == LoanStatus.INCOMPLETE:
                holds.append(Hold(day(first), None, quantity - returned))
        left = selectors.left_for(items=[item], start=start, end=end, today=today)[item.pk]
        assert left == max(100 - by_counting(holds, start, end), 0)
        transaction.set_rollback(True)
