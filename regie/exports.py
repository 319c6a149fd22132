"""Exports for the public accountant: payments and invoices of a period, as CSV or XLSX.

CSV is what French spreadsheets open as is: UTF-8 with a byte order mark,
semicolons, decimal commas. It streams row by row from a server-side cursor, so
a year of payments never sits in memory. XLSX is written by openpyxl in
write-only mode (rows go to a temporary file, not a tree in memory), amounts as
numbers formatted in euros.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from regie.enums import InvoiceState, PaymentMethod, PaymentStatus, Provider

CHUNK = 2000
EURO_FORMAT = '#,##0.00\\ "€"'
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text, euros, date, datetime


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


# CSV ---------------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "euros":
        return f"{value:.2f}".replace(".", ",")
    if column.kind == "date":
        return value.strftime("%d/%m/%Y")
    if column.kind == "datetime":
        return value.strftime("%d/%m/%Y %H:%M")
    text = str(value)
    # A cell starting with =, +, - or @ is a formula to a spreadsheet: neutralised (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_stream(columns: list[Column], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([column.title for column in columns])
    for row in rows:
        yield writer.writerow([_csv_value(value, column) for value, column in zip(row, columns, strict=True)])


# XLSX --------------------------------------------------------------------------------------


def xlsx_file(columns: list[Column], rows: Iterable[list], *, title: str):
    """A temporary file holding the workbook, rewound: hand it to a FileResponse, which closes it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = {"euros": EURO_FORMAT, "date": DATE_FORMAT, "datetime": DATETIME_FORMAT}
    for row in rows:
        cells = []
        for value, column in zip(row, columns, strict=True):
            if column.kind == "datetime" and value is not None:
                value = value.replace(tzinfo=None)  # spreadsheets know no time zones: Paris time
            cell = WriteOnlyCell(sheet, value=value)
            if column.kind in formats:
                cell.number_format = formats[column.kind]
            elif isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the FileResponse that streams it)
    workbook.save(handle)
    handle.seek(0)
    return handle
