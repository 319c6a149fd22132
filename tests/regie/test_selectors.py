"""Reads scoped to the user: someone else's invoice does not exist for them."""

import pytest
from django.core.exceptions import PermissionDenied

from regie import selectors, services
from regie.enums import InvoiceState, PaymentMethod
from regie.models import Invoice, Payment
from tests.factories import UserFactory, make_agent, person_party
from tests.regie.conftest import bill, make_household

pytestmark = pytest.mark.django_db


def test_a_citizen_sees_their_parties_invoices_only(citizen, payer, billed_service, regie_agent):
    own = bill(payer, billed_service)
    household = make_household(citizen, UserFactory())
    family = bill(household, billed_service)
    stranger = person_party(UserFactory())
    theirs = bill(stranger, billed_service)
    services.create_draft_invoice(
        actor=None,
        payer=payer,
        lines=[{"label": "x", "service": billed_service, "unit_price_cents": 1}],
        due_date=own.due_date,
    )

    assert set(selectors.invoices_for_user(citizen)) == {own, family}
    assert selectors.invoice_for_user(citizen, own.pk) == own
    with pytest.raises(Invoice.DoesNotExist):
        selectors.invoice_for_user(citizen, theirs.pk)

    payment = services.record_counter_payment(
        actor=regie_agent, payer=stranger, invoices=[theirs], method=PaymentMethod.CASH, amount_cents=100
    )
    with pytest.raises(Payment.DoesNotExist):
        selectors.payment_for_user(citizen, payment.pk)
    assert list(selectors.payments_for_user(stranger.person)) == [payment]


def test_an_anonymous_visitor_sees_nothing(invoice):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.invoices_for_user(AnonymousUser()).exists()


def test_the_list_carries_balances_and_lines_in_a_fixed_number_of_queries(
    citizen, payer, billed_service, regie_agent, django_assert_max_num_queries
):
    for index in range(15):
        invoice = bill(payer, billed_service, cents=1000 + index)
        if index % 3 == 0:
            services.record_counter_payment(
                actor=regie_agent,
                payer=payer,
                invoices=[invoice],
                method=PaymentMethod.CASH,
                amount_cents=500,
            )
    with django_assert_max_num_queries(2):
        rows = [
            (
                invoice.number,
                invoice.state,
                invoice.amount_due_cents,
                [line.label for line in invoice.lines.all()],
            )
            for invoice in selectors.invoices_for_user(citizen)
        ]
    assert len(rows) == 15
    assert sum(1 for row in rows if row[1] == InvoiceState.PARTIALLY_PAID) == 5


def test_the_regie_lists_are_for_regie_agents_only(invoice, regie_agent, billed_service, citizen):
    assert list(selectors.invoices_for_regie(regie_agent)) == [invoice]
    for user in (citizen, make_agent(billed_service)):
        with pytest.raises(PermissionDenied):
            selectors.invoices_for_regie(user)
        with pytest.raises(PermissionDenied):
            selectors.payments_for_regie(user)
