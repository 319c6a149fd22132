"""Every state change of the régie. Other apps call these; they never write regie's models.

Billing (for other apps):
    issue_invoice(*, actor, payer, lines, due_date, source="") -> Invoice
    issue_invoices(*, actor, invoices: list[InvoiceDraft]) -> list[Invoice]
    create_draft_invoice(...) / issue_draft_invoice(*, actor, invoice)
    issue_credit_note(*, actor, invoice, amount_cents, reason) -> CreditNote
    cancel_invoice(*, actor, invoice, reason) -> CreditNote
Paying:
    start_online_payment(*, actor, payer, invoices, success_url=None, cancel_url=None) -> PaymentRedirect
    record_counter_payment(*, actor, payer, invoices, method, amount_cents, idempotency_key=None) -> Payment
    refund_payment(*, actor, payment, amount_cents, reason, invoice=None, idempotency_key=None) -> Refund
Provider side (webhooks, reconciliation, tasks):
    handle_provider_event(*, provider, event) -> str
    settle_payment(*, payment_id, status, event_id="") -> Payment
    close_payment(*, payment_id, state) -> Payment
    recheck_pending_payments(*, now=None) -> dict
    requeue_unsent_receipts(*, now=None) -> int
    retry_pending_refunds(*, now=None) -> int
Documents:
    send_receipt(*, payment_id) -> Receipt | None
    render_receipt_pdf(payment) -> bytes, render_invoice_pdf(invoice) -> bytes
Other apps learn what was paid from regie.signals.invoice_paid.
"""

from regie.services.invoicing import (
    InvoiceDraft,
    LineDraft,
    cancel_invoice,
    create_draft_invoice,
    issue_credit_note,
    issue_draft_invoice,
    issue_invoice,
    issue_invoices,
)
from regie.services.payments import (
    PaymentRedirect,
    close_payment,
    handle_provider_event,
    recheck_pending_payments,
    record_counter_payment,
    requeue_unsent_receipts,
    settle_payment,
    start_online_payment,
)
from regie.services.receipts import render_invoice_pdf, render_receipt_pdf, send_receipt
from regie.services.refunds import refund_payment, refundable_cents, retry_pending_refunds

__all__ = [
    "InvoiceDraft",
    "LineDraft",
    "PaymentRedirect",
    "cancel_invoice",
    "close_payment",
    "create_draft_invoice",
    "handle_provider_event",
    "issue_credit_note",
    "issue_draft_invoice",
    "issue_invoice",
    "issue_invoices",
    "recheck_pending_payments",
    "record_counter_payment",
    "refund_payment",
    "refundable_cents",
    "render_invoice_pdf",
    "render_receipt_pdf",
    "requeue_unsent_receipts",
    "retry_pending_refunds",
    "send_receipt",
    "settle_payment",
    "start_online_payment",
]
