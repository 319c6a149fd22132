"""What the régie holds about a person, how it is exported and what erasure may touch.

Invoices, payments, refunds, credit notes and SEPA mandates are public accounting records that
the town must keep (pièces justificatives of the public accountant), so erasure
leaves the ledger; it deletes the stored receipt PDFs, which print the payer's
name and can be rendered again from the ledger (with the anonymised name).
"""

from django.utils import timezone

from guichet.accounts import registry
from guichet.accounts.models import Party
from regie.models import (
    CreditNote,
    DirectDebitBatch,
    DirectDebitItem,
    Discrepancy,
    Invoice,
    InvoiceLine,
    Mandate,
    Payment,
    PaymentAllocation,
    ProcessedWebhookEvent,
    Receipt,
    Refund,
    Reminder,
)


def export(user) -> dict:
    parties = Party.objects.for_user(user)
    invoices = Invoice.objects.for_parties(parties).exclude(number=None).with_balance().order_by("pk")
    payments = Payment.objects.filter(payer__in=parties).order_by("pk")
    return {
        "factures": [
            {
                "numéro": invoice.number,
                "titulaire": invoice.payer_id,
                "émise le": invoice.issue_date,
                "échéance": invoice.due_date,
                "montant_centimes": invoice.total_cents,
                "reste_à_payer_centimes": invoice.amount_due_cents,
                "état": invoice.state,
                "lignes": [
                    {"libellé": line.label, "quantité": line.quantity, "montant_centimes": line.amount_cents}
                    for line in invoice.lines.all()
                ],
            }
            for invoice in invoices.prefetch_related("lines")
        ],
        "paiements": [
            {
                "quittance": payment.receipt_number,
                "titulaire": payment.payer_id,
                "moyen": payment.method,
                "montant_centimes": payment.amount_cents,
                "statut": payment.status,
                "encaissé le": payment.succeeded_at,
            }
            for payment in payments
        ],
        "remboursements": list(
            Refund.objects.filter(payment__payer__in=parties).values(
                "payment_id", "invoice_id", "amount_cents", "reason", "status", "created_at"
            )
        ),
        "mandats": [
            {
                "référence": mandate.reference,
                "titulaire": mandate.holder_name,
                "iban": mandate.iban,
                "bic": mandate.bic,
                "signé le": mandate.signed_on,
                "révoqué le": mandate.revoked_at,
            }
            for mandate in Mandate.objects.filter(payer__in=parties).order_by("pk")
        ],
        "avoirs": list(
            CreditNote.objects.filter(invoice__payer__in=parties).values(
                "number", "invoice_id", "amount_cents", "reason", "issue_date"
            )
        ),
    }


def erase(user) -> None:
    Receipt.objects.filter(payment__payer__person=user).delete()
    # Mandates are kept for the bank (14 months after the last debit), but no longer used.
    Mandate.objects.active().filter(payer__person=user).update(revoked_at=timezone.now())


_NUMBER = "A number the treasury gives (gapless per year), naming nobody."
_CURRENCY = "A currency code ('EUR')."
_REFERENCE = "A random or provider-made identifier of a payment operation, naming nobody."
_ACCOUNTS = (
    "A public accounting record (pièce justificative of the public accountant), kept 10 years after its year."
)

registry.declare(
    app_label="regie",
    personal_fields={
        # Who pays, and the agent who issued it by hand.
        Invoice: ("payer", "created_by"),
        # A line may name a child or a place booked ("Cantine — Léa").
        InvoiceLine: ("label",),
        Payment: ("payer", "created_by"),
        PaymentAllocation: (),
        # An agent's free text about the payer's situation.
        Refund: ("reason", "created_by"),
        CreditNote: ("reason", "created_by"),
        # The PDF prints the payer's name and address.
        Receipt: ("pdf",),
        ProcessedWebhookEvent: (),
        # The agent who settled a difference with the provider.
        Discrepancy: ("resolved_by",),
        Mandate: ("payer", "holder_name", "iban", "bic", "signed_by", "revoked_by"),
        # The pain.008 file prints the debtors' names and IBANs.
        DirectDebitBatch: ("xml", "created_by"),
        DirectDebitItem: (),
        Reminder: (),
    },
    exporter=export,
    eraser=erase,
    kept={
        InvoiceLine: {"label": _ACCOUNTS},
        Refund: {"reason": _ACCOUNTS},
        CreditNote: {"reason": _ACCOUNTS},
        Mandate: dict.fromkeys(
            ("holder_name", "iban", "bic"),
            "Revoked at once, kept for the bank: the proof of the mandate, 14 months after the last debit.",
        ),
        DirectDebitBatch: {"xml": _ACCOUNTS},
    },
    not_personal={
        Invoice: {
            "number": _NUMBER,
            "currency": _CURRENCY,
            "source": "Which app's object the invoice bills, by type and id ('famille.booking:12').",
        },
        InvoiceLine: {"source": "Which app's object the line bills, by type and id ('famille.booking:12')."},
        Payment: {
            "currency": _CURRENCY,
            **dict.fromkeys(
                ("provider_reference", "provider_payment_reference", "idempotency_key", "invoice_key"),
                _REFERENCE,
            ),
            "redirect_url": "The payment provider's page for this payment, a random address.",
            "receipt_number": _NUMBER,
        },
        Refund: dict.fromkeys(("idempotency_key", "provider_reference"), _REFERENCE),
        CreditNote: {"number": _NUMBER, "idempotency_key": _REFERENCE},
        Receipt: {"emailed_at": "A date, not an address.", "sha256": "The digest of the receipt's PDF."},
        ProcessedWebhookEvent: dict.fromkeys(("event_id", "event_type"), _REFERENCE),
        Discrepancy: {
            **dict.fromkeys(("provider_reference", "event_id"), _REFERENCE),
            **dict.fromkeys(("expected_currency", "received_currency"), _CURRENCY),
        },
        Mandate: {"reference": "The mandate's unique reference (RUM), a number the town gives."},
        DirectDebitBatch: {
            "message_id": "A random identifier of the file for the bank, not a message someone wrote."
        },
        DirectDebitItem: {
            "end_to_end_id": _REFERENCE,
            "reject_reason": "The bank's code for a rejected debit (ISO 20022 'AC04'), not free text.",
        },
    },
)
