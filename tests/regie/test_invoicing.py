"""Issuing, crediting and cancelling invoices; states derived from the ledger."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from guichet.audit.models import AuditEvent
from regie import services
from regie.enums import InvoiceState, InvoiceStatus, PaymentMethod
from regie.exceptions import CreditNoteRefused, InvalidInvoice
from regie.models import CreditNote, Invoice
from regie.services import InvoiceDraft, LineDraft
from tests.factories import UserFactory, make_agent, person_party
from tests.regie.conftest import bill

pytestmark = pytest.mark.django_db


def test_an_issued_invoice_is_numbered_for_the_year_with_its_lines(payer, billed_service):
    due = timezone.localdate() + timedelta(days=30)
    invoice = services.issue_invoice(
        actor=None,
        payer=payer,
        lines=[
            LineDraft(
                label="Repas",
                service=billed_service,
                unit_price_cents=345,
                quantity=20,
                source="famille.booking:1",
            ),
            {"label": "Goûter", "service": billed_service, "unit_price_cents": 80, "quantity": 3},
        ],
        due_date=due,
        source="famille.billing:7",
    )
    year = timezone.localdate().year
    assert invoice.number == f"F{year}-000001"
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.total_cents == 20 * 345 + 3 * 80
    assert [(line.label, line.amount_cents, line.source) for line in invoice.lines.order_by("position")] == [
        ("Repas", 6900, "famille.booking:1"),
        ("Goûter", 240, ""),
    ]
    event = AuditEvent.objects.get(action="invoice.issue")
    assert (event.target_id, event.owner_party_id) == (str(invoice.pk), payer.pk)
    assert event.details == {"number": invoice.number, "total_cents": 7140}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "au moins une ligne"),
        ([{"label": " ", "unit_price_cents": 100}], "libellé"),
        ([{"label": "Repas", "unit_price_cents": 100, "quantity": 0}], "quantité"),
        ([{"label": "Repas", "unit_price_cents": -5}], "prix unitaire"),
        ([{"label": "Repas", "unit_price_cents": 1.5}], "prix unitaire"),
        ([{"label": "Gratuit", "unit_price_cents": 0}], "montant total"),
    ],
)
def test_invalid_lines_are_refused_in_french_and_use_no_number(payer, billed_service, lines, message):
    lines = [{"service": billed_service, **line} for line in lines]
    with pytest.raises(InvalidInvoice, match=message):
        services.issue_invoice(actor=None, payer=payer, lines=lines, due_date=timezone.localdate(), source="")
    assert bill(payer, billed_service).number.endswith("-000001")


def test_a_due_date_in_the_past_is_refused(payer, billed_service):
    with pytest.raises(InvalidInvoice, match="échéance"):
        bill(payer, billed_service, due_in_days=-1)


def test_a_billing_run_is_all_or_nothing(payer, billed_service):
    other = person_party(UserFactory())
    good = InvoiceDraft(
        payer=payer,
        lines=[LineDraft(label="Repas", service=billed_service, unit_price_cents=100)],
        due_date=timezone.localdate(),
    )
    bad = InvoiceDraft(payer=other, lines=[], due_date=timezone.localdate())
    with pytest.raises(InvalidInvoice):
        services.issue_invoices(actor=None, invoices=[good, bad])
    assert not Invoice.objects.exists()
    issued = services.issue_invoices(actor=None, invoices=[good, good, good])
    assert [invoice.number[-6:] for invoice in issued] == ["000001", "000002", "000003"]
    assert all(invoice.lines.count() == 1 for invoice in issued)


def test_who_may_bill_a_party(payer, billed_service, citizen, regie_agent):
    line = [LineDraft(label="Acte", service=billed_service, unit_price_cents=500)]
    due = timezone.localdate()
    # The payer's own member (a fee for something they order), an agent of the billed service, the régie.
    services.issue_invoice(actor=citizen, payer=payer, lines=line, due_date=due)
    services.issue_invoice(actor=make_agent(billed_service), payer=payer, lines=line, due_date=due)
    services.issue_invoice(actor=regie_agent, payer=payer, lines=line, due_date=due)
    with pytest.raises(PermissionDenied):
        services.issue_invoice(actor=UserFactory(), payer=payer, lines=line, due_date=due)
    with pytest.raises(PermissionDenied):
        services.issue_invoice(actor=make_agent(), payer=payer, lines=line, due_date=due)


def test_a_draft_has_no_number_until_it_is_issued(payer, billed_service, regie_agent):
    first = bill(payer, billed_service)
    draft = services.create_draft_invoice(
        actor=regie_agent,
        payer=payer,
        lines=[LineDraft(label="Repas", service=billed_service, unit_price_cents=100)],
        due_date=timezone.localdate(),
    )
    assert (draft.number, draft.status, draft.state) == (None, InvoiceStatus.DRAFT, InvoiceState.DRAFT)
    issued = services.issue_draft_invoice(actor=regie_agent, invoice=draft)
    assert int(issued.number[-6:]) == int(first.number[-6:]) + 1
    with pytest.raises(InvalidInvoice, match="déjà émise"):
        services.issue_draft_invoice(actor=regie_agent, invoice=draft)


def test_states_are_derived_from_the_ledger(payer, billed_service, regie_agent):
    invoice = bill(payer, billed_service, cents=3000, due_in_days=10)
    assert invoice.state == InvoiceState.TO_PAY
    assert invoice.amount_due_cents == 3000

    services.record_counter_payment(
        actor=regie_agent, payer=payer, invoices=[invoice], method=PaymentMethod.CASH, amount_cents=1000
    )
    invoice = Invoice.objects.with_balance().get(pk=invoice.pk)
    assert (invoice.paid_cents, invoice.balance_cents, invoice.state) == (
        1000,
        2000,
        InvoiceState.PARTIALLY_PAID,
    )

    with time_machine.travel(timezone.now() + timedelta(days=11)):
        assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.OVERDUE
        assert list(Invoice.objects.with_balance().overdue()) == [invoice]

    services.record_counter_payment(
        actor=regie_agent, payer=payer, invoices=[invoice], method=PaymentMethod.CHEQUE, amount_cents=2000
    )
    invoice = Invoice.objects.with_balance().get(pk=invoice.pk)
    assert (invoice.paid_cents, invoice.balance_cents, invoice.state, invoice.is_paid) == (
        3000,
        0,
        InvoiceState.PAID,
        True,
    )
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.PAID
    # Never stored: the table holds only the document's own status.
    assert (
        Invoice.objects.filter(pk=invoice.pk).values_list("status", flat=True).get() == InvoiceStatus.ISSUED
    )


def test_with_balance_sums_do_not_multiply_across_payments_refunds_and_credit_notes(
    payer, billed_service, regie_agent
):
    invoice = bill(payer, billed_service, cents=1000, quantity=6)
    for amount in (1000, 2000, 1500):
        services.record_counter_payment(
            actor=regie_agent, payer=payer, invoices=[invoice], method=PaymentMethod.CASH, amount_cents=amount
        )
    payment = invoice.payments.order_by("pk").last()
    services.refund_payment(actor=regie_agent, payment=payment, amount_cents=500, reason="Erreur de saisie")
    services.issue_credit_note(
        actor=regie_agent, invoice=invoice, amount_cents=700, reason="Absence justifiée"
    )
    services.issue_credit_note(
        actor=regie_agent, invoice=invoice, amount_cents=300, reason="Absence justifiée"
    )
    row = Invoice.objects.with_balance().get(pk=invoice.pk)
    assert (row.allocated_cents, row.refunded_cents, row.credited_cents) == (4500, 500, 1000)
    assert (row.paid_cents, row.balance_cents) == (4000, 6000 - 1000 - 4000)


def test_a_partial_credit_note_lowers_what_is_due_and_a_full_one_cancels(payer, billed_service, regie_agent):
    invoice = bill(payer, billed_service, cents=5000)
    note = services.issue_credit_note(
        actor=regie_agent, invoice=invoice, amount_cents=2000, reason="Séance annulée"
    )
    assert note.number == f"A{timezone.localdate().year}-000001"
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.status, invoice.amount_due_cents) == (InvoiceStatus.ISSUED, 3000)
    with pytest.raises(CreditNoteRefused, match="dépasser"):
        services.issue_credit_note(actor=regie_agent, invoice=invoice, amount_cents=3001, reason="Trop")

    second = services.cancel_invoice(actor=regie_agent, invoice=invoice, reason="Inscription annulée")
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (second.amount_cents, invoice.status, invoice.state) == (
        3000,
        InvoiceStatus.CANCELLED,
        InvoiceState.CANCELLED,
    )
    assert invoice.amount_due_cents == 0
    with pytest.raises(CreditNoteRefused, match="émise et non annulée"):
        services.cancel_invoice(actor=regie_agent, invoice=invoice, reason="Encore")
    assert CreditNote.objects.count() == 2


def test_cancelling_a_paid_invoice_leaves_a_credit_to_refund(payer, billed_service, regie_agent):
    invoice = bill(payer, billed_service, cents=2000)
    services.record_counter_payment(
        actor=regie_agent, payer=payer, invoices=[invoice], method=PaymentMethod.CASH, amount_cents=2000
    )
    services.cancel_invoice(actor=regie_agent, invoice=invoice, reason="Activité annulée")
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.state == InvoiceState.OVERPAID
    services.refund_payment(
        actor=regie_agent, payment=invoice.payments.get(), amount_cents=2000, reason="Activité annulée"
    )
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.CANCELLED


def test_only_regie_agents_issue_credit_notes(payer, billed_service, citizen):
    invoice = bill(payer, billed_service)
    for actor in (citizen, make_agent(billed_service)):
        with pytest.raises(PermissionDenied):
            services.cancel_invoice(actor=actor, invoice=invoice, reason="Non")
