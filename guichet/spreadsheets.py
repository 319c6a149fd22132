"""Spreadsheet files for the back-office's exports: CSV and XLSX, written row by row.

CSV is what French spreadsheets open as is: UTF-8 with a byte order mark,
semicolons, decimal commas. It streams row by row, so a large export never
sits in memory. XLSX is written by openpyxl in write-only mode (rows go to a
temporary file, not a tree in memory), amounts as numbers formatted in euros.

A cell starting with =, +, - or @ is a formula to a spreadsheet: both writers
neutralise it (CSV injection), since exports carry what citizens typed.

    columns = [Column("Référence"), Column("Déposée le", "datetime")]
    for piece in csv_stream(columns, rows): ...           # str pieces (a StreamingHttpResponse's)
    write_xlsx(columns, rows, title="Demandes", out=f)    # into any writable binary stream
    handle = xlsx_file(columns, rows, title="Paiements")  # a rewound temporary file
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

EURO_FORMAT = '#,##0.00\\ "€"'
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text, euros, date, datetime


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
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_stream(columns: list[Column], rows: Iterable[list]) -> Iterator[str]:
    """The CSV text, one line at a time (the first one starts with the byte order mark)."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([column.title for column in columns])
    for row in rows:
        yield writer.writerow([_csv_value(value, column) for value, column in zip(row, columns, strict=True)])


# XLSX --------------------------------------------------------------------------------------


def write_xlsx(columns: list[Column], rows: Iterable[list], *, title: str, out: BinaryIO) -> None:
    """Write the workbook into `out`, which may be a stream that cannot seek (an encryptor's)."""
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
            elif isinstance(value, str) and value[:1] in FORMULA_STARTS:
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    workbook.save(out)


def xlsx_file(columns: list[Column], rows: Iterable[list], *, title: str):
    """A temporary file holding the workbook, rewound: hand it to a FileResponse, which closes it."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the FileResponse that streams it)
    write_xlsx(columns, rows, title=title, out=handle)
    handle.seek(0)
    return handle
