"""Exports for the public accountant: payments and invoices of a period, as CSV or XLSX.

The rows stream from a server-side cursor, so a year of payments never sits in
memory; guichet.spreadsheets writes them (CSV for French spreadsheets, or XLSX,
amounts as numbers formatted in euros).
"""

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.spreadsheets import Column, csv_stream, xlsx_file
from regie.enums import InvoiceState, PaymentMethod, PaymentStatus, Provider

# The writers are guichet.spreadsheets' (shared with the other back-offices); the views use them from here.
__all__ = [
    "Column",
    "csv_stream",
    "invoice_columns",
    "invoice_rows",
    "payment_columns",
    "payment_rows",
    "xlsx_file",
]

CHUNK = 2000


def _euros(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents) / 100


def payment_columns() -> list[Column]:
    return [
        Column(_("Quittance")),
        Column(_("Encaissé le"), "datetime"),
        Column(_("Payeur")),
        Column(_("Moyen de paiement")),
        Column(_("Prestataire")),
        Column(_("Référence du prestataire")),
        Column(_("Montant"), "euros"),
        Column(_("Remboursé"), "euros"),
        Column(_("Factures réglées")),
        Column(_("Statut")),
    ]


def payment_rows(payments: QuerySet) -> Iterator[list]:
    for payment in payments.iterator(chunk_size=CHUNK):
        yield [
            payment.receipt_number or "",
            timezone.localtime(payment.succeeded_at) if payment.succeeded_at else None,
            payment.payer.name,
            str(PaymentMethod(payment.method).label),
            str(Provider(payment.provider).label),
            payment.provider_payment_reference or payment.provider_reference,
            _euros(payment.amount_cents),
            _euros(payment.refunded_cents),
            " ".join(
                f"{allocation.invoice.number}:{allocation.amount_cents / 100:.2f}".replace(".", ",")
                for allocation in payment.allocations.all()
            ),
            str(PaymentStatus(payment.status).label),
        ]


def invoice_columns() -> list[Column]:
    return [
        Column(_("Numéro")),
        Column(_("Émise le"), "date"),
        Column(_("Échéance"), "date"),
        Column(_("Payeur")),
        Column(_("Montant"), "euros"),
        Column(_("Avoirs"), "euros"),
        Column(_("Payé"), "euros"),
        Column(_("Reste à payer"), "euros"),
        Column(_("État")),
        Column(_("Origine")),
    ]


def invoice_rows(invoices: QuerySet) -> Iterator[list]:
    today = timezone.localdate()
    for invoice in invoices.iterator(chunk_size=CHUNK):
        yield [
            invoice.number,
            invoice.issue_date,
            invoice.due_date,
            invoice.payer.name,
            _euros(invoice.total_cents),
            _euros(invoice.credited_cents),
            _euros(invoice.paid_cents),
            _euros(invoice.amount_due_cents),
            str(InvoiceState(invoice.state_on(today)).label),
            invoice.source,
        ]
