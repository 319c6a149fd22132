"""Demo data in every state, idempotent; the régie's part of RGPD export and erasure."""

import pytest
from django.utils import timezone

from guichet.accounts import demo as accounts_demo
from guichet.accounts import registry
from regie import demo, services
from regie.enums import InvoiceState, PaymentMethod
from regie.models import Invoice, Payment, Receipt
from tests.regie.conftest import bill

pytestmark = pytest.mark.django_db


def test_the_demo_has_invoices_in_every_state_and_seeding_twice_changes_nothing(
    django_capture_on_commit_callbacks,
):
    accounts_demo.seed()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    counts = (Invoice.objects.count(), Payment.objects.count(), Receipt.objects.count())
    demo.seed()
    assert (Invoice.objects.count(), Payment.objects.count(), Receipt.objects.count()) == counts

    def states(email):
        return sorted(invoice.state for invoice in Invoice.objects.filter(payer__person__email=email))

    assert states("parent@demo.guichet.fr") == sorted(
        [
            InvoiceState.TO_PAY,
            InvoiceState.PARTIALLY_PAID,
            InvoiceState.PAID,
            InvoiceState.OVERDUE,
            InvoiceState.CANCELLED,
        ]
    )
    assert states("association@demo.guichet.fr") == sorted(
        [InvoiceState.TO_PAY, InvoiceState.PAID, InvoiceState.OVERDUE]
    )
    assert Receipt.objects.count() == Payment.objects.count() == 3
    overdue = Invoice.objects.get(source="regie.demo:parent-music-school")
    assert overdue.issue_date < overdue.due_date < timezone.localdate()


def test_the_export_lists_the_persons_invoices_and_payments_and_erasure_drops_receipts(
    citizen, payer, billed_service, regie_agent
):
    invoice = bill(payer, billed_service, label="Cantine de Léa")
    payment = services.record_counter_payment(
        actor=regie_agent, payer=payer, invoices=[invoice], method=PaymentMethod.CASH, amount_cents=1250
    )
    services.send_receipt(payment_id=payment.pk)

    exported = registry.export_user_data(citizen)["regie"]
    assert exported["factures"][0]["numéro"] == invoice.number
    assert exported["factures"][0]["lignes"][0]["libellé"] == "Cantine de Léa"
    assert exported["paiements"][0]["quittance"] == payment.receipt_number

    registry.erase_user_data(citizen)
    assert not Receipt.objects.exists()
    # The accounting records stay (the town must keep them), under the anonymised party name.
    assert Invoice.objects.filter(pk=invoice.pk).exists() and Payment.objects.filter(pk=payment.pk).exists()
