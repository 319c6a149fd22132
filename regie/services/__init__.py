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
    reconcile_day(*, day, provider=None) -> ReconciliationResult (daily, provider report vs ledger)
    requeue_unsent_receipts(*, now=None) -> int
    retry_pending_refunds(*, now=None) -> int
Direct debit (SEPA):
    sign_mandate(*, actor, payer, holder_name, iban, bic) -> Mandate, revoke_mandate(*, actor, mandate)
    create_direct_debit_batch(*, actor, collection_date) -> DirectDebitBatch (the pain.008 file)
    reject_debit_item(*, actor, item, reason), mark_batch_collected(*, actor, batch)
Reminders:
    send_payment_reminders(*, today=None) -> dict (beat, daily), send_reminder(*, invoice_id, level)
Documents:
    send_receipt(*, payment_id) -> Receipt | None, receipt_pdf(*, payment_id) -> bytes
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
from regie.services.receipts import receipt_pdf, render_invoice_pdf, render_receipt_pdf, send_receipt
from regie.services.reconciliation import ReconciliationResult, reconcile_day
from regie.services.refunds import refund_payment, refundable_cents, retry_pending_refunds
from regie.services.reminders import send_payment_reminders, send_reminder
from regie.services.sepa import (
    create_direct_debit_batch,
    mark_batch_collected,
    reject_debit_item,
    revoke_mandate,
    sign_mandate,
)

__all__ = [
    "InvoiceDraft",
    "LineDraft",
    "PaymentRedirect",
    "ReconciliationResult",
    "cancel_invoice",
    "close_payment",
    "create_direct_debit_batch",
    "create_draft_invoice",
    "handle_provider_event",
    "issue_credit_note",
    "issue_draft_invoice",
    "issue_invoice",
    "issue_invoices",
    "mark_batch_collected",
    "receipt_pdf",
    "recheck_pending_payments",
    "reconcile_day",
    "record_counter_payment",
    "refund_payment",
    "refundable_cents",
    "reject_debit_item",
    "render_invoice_pdf",
    "render_receipt_pdf",
    "requeue_unsent_receipts",
    "retry_pending_refunds",
    "revoke_mandate",
    "send_payment_reminders",
    "send_receipt",
    "send_reminder",
    "settle_payment",
    "sign_mandate",
    "start_online_payment",
]
