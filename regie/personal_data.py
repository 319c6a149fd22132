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


registry.declare(
    app_label="regie",
    personal_fields={
        Invoice: (),
        # A line may name a child or a place booked ("Cantine — Léa").
        InvoiceLine: ("label",),
        Payment: (),
        PaymentAllocation: (),
        # An agent's free text about the payer's situation.
        Refund: ("reason",),
        CreditNote: ("reason",),
        # The PDF prints the payer's name and address.
        Receipt: ("pdf",),
        ProcessedWebhookEvent: (),
        Discrepancy: (),
        Mandate: ("holder_name", "iban", "bic"),
        # The pain.008 file prints the debtors' names and IBANs.
        DirectDebitBatch: ("xml",),
        DirectDebitItem: (),
        Reminder: (),
    },
    exporter=export,
    eraser=erase,
    not_personal={
        # A date, not an address.
        Receipt: ("emailed_at",),
        # A random identifier of the file for the bank, not a message someone wrote.
        DirectDebitBatch: ("message_id",),
    },
)
