"""Pure parsing and formatting of the answers' values: no Django form, no database.

Each `parse_*` takes what a person typed and returns the stored value, or raises
ValueError; each `format_*` turns a stored value back into what a French reader
expects. The engine's field kinds and the prefill registry both use them.
"""

import calendar
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

# Spaces a person may type or paste: ordinary, no-break and narrow no-break.
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PHONE_SEPARATORS = re.compile(r"[\s\u00a0\u202f.\-/()]+")


def _compact(value: str) -> str:
    return _SPACES.sub("", value or "")


# Phone ---------------------------------------------------------------------------------------


def parse_phone(raw: str) -> str:
    """A French phone number, stored in E.164 (+33612345678).

    Accepts 06 12 34 56 78, 06.12.34.56.78, +33 6 12 34 56 78, +33 (0)6 12 34 56 78
    and 0033 6 12 34 56 78.
    """
    value = _PHONE_SEPARATORS.sub("", raw or "")
    if value.startswith("+330"):
        value = "+33" + value[4:]
    if value.startswith("0033"):
        value = "+33" + value[4:]
    if re.fullmatch(r"0[1-9]\d{8}", value):
        return "+33" + value[1:]
    if re.fullmatch(r"\+33[1-9]\d{8}", value):
        return value
    raise ValueError("not a French phone number")


def format_phone(value: str) -> str:
    """+33612345678 → 06 12 34 56 78; anything else unchanged."""
    if re.fullmatch(r"\+33[1-9]\d{8}", value or ""):
        national = "0" + value[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return value or ""


# Numbers and amounts -------------------------------------------------------------------------


def parse_number(raw: str) -> Decimal:
    """12, 12,5, 12.5, 1 234,5 or -3 (a comma or a point for decimals)."""
    value = _compact(raw).replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise ValueError("not a number")
    try:
        return Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the regex already refused it
        raise ValueError("not a number") from error


def number_to_json(value: Decimal) -> int | float:
    """Whole numbers stay integers; others become floats (JSON has no decimals)."""
    return int(value) if value == value.to_integral_value() else float(value)


def format_number(value: int | float | Decimal) -> str:
    """1234.5 → 1 234,5 (narrow no-break space for thousands)."""
    number = Decimal(str(value))
    text = f"{int(number):,}" if number == number.to_integral_value() else f"{number.normalize():,f}"
    return text.replace(",", "\u202f").replace(".", ",")


def parse_amount(raw: str) -> int:
    """An amount in euros, stored as integer cents: 12, 12,5, 12,50 €, 1 234,56 EUR."""
    value = _compact(raw).removesuffix("€").removesuffix("EUR").removesuffix("eur")
    value = value.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", value):
        raise ValueError("not an amount")
    return int(Decimal(value) * 100)


def format_amount(cents: int) -> str:
    """1250 → 12,50 € (French formatting, like the treasury's)."""
    euros, rest = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{euros:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


def amount_to_input(cents: int) -> str:
    """1250 → 12,50: what the amount's text box shows again."""
    euros, rest = divmod(int(cents), 100)
    return f"{euros},{rest:02d}"


def decimal_to_input(value: Decimal | int | float) -> str:
    return format_number(value).replace("\u202f", "")


# Identifiers ---------------------------------------------------------------------------------


def parse_siret(raw: str) -> str:
    """14 digits, Luhn-checked by python-stdnum (La Poste's special rule included)."""
    value = _compact(raw)
    if not re.fullmatch(r"\d{14}", value):
        raise ValueError("format")
    try:
        return stdnum_siret.validate(value)
    except StdnumError as error:
        raise ValueError("checksum") from error


def format_siret(value: str) -> str:
    """73282932000074 → 732 829 320 00074."""
    return stdnum_siret.format(value) if re.fullmatch(r"\d{14}", value or "") else value or ""


def parse_iban(raw: str) -> str:
    """Any country's IBAN, checked by python-stdnum; stored compact and upper case."""
    value = _compact(raw).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", value):
        raise ValueError("format")
    try:
        return stdnum_iban.validate(value)
    except StdnumError as error:
        raise ValueError("checksum") from error


def format_iban(value: str) -> str:
    """FR7630006000011234567890189 → FR76 3000 6000 0112 3456 7890 189."""
    return stdnum_iban.format(value) if value else ""


def parse_rna(raw: str) -> str:
    """An association's number in the national register: W and 9 digits (W751234567)."""
    value = _compact(raw).upper()
    if not re.fullmatch(r"W\d{9}", value):
        raise ValueError("format")
    return value


def parse_postal_code(raw: str) -> str:
    value = _compact(raw)
    if not re.fullmatch(r"\d{5}", value):
        raise ValueError("format")
    return value


# Dates ---------------------------------------------------------------------------------------

# A date bound: an ISO date, or today shifted by days, weeks, months or years ("today-18y").
DATE_BOUND = re.compile(
    r"^(?:(?P<iso>\d{4}-\d{2}-\d{2})|today(?:(?P<sign>[+-])(?P<n>\d{1,4})(?P<unit>[dwmy]))?)$"
)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def resolve_date_bound(expression: str, *, today: date) -> date:
    """'2026-09-01' → that day; 'today' → today; 'today+30d', 'today-18y', 'today+2w', 'today-6m'."""
    match = DATE_BOUND.match((expression or "").strip())
    if match is None:
        raise ValueError(f"not a date bound: {expression!r}")
    if match["iso"]:
        return date.fromisoformat(match["iso"])
    if not match["sign"]:
        return today
    n = int(match["n"]) * (1 if match["sign"] == "+" else -1)
    unit = match["unit"]
    if unit == "d":
        return today + timedelta(days=n)
    if unit == "w":
        return today + timedelta(weeks=n)
    return _add_months(today, n if unit == "m" else 12 * n)


def is_date_bound(expression: str) -> bool:
    try:
        resolve_date_bound(expression, today=date(2000, 1, 1))
    except ValueError:
        return False
    return True
