"""Gapless numbers per year, from django-sequences.

The sequence row stays locked until the caller's transaction ends: a rolled
back invoice gives its number back, and concurrent issuers wait in line. So
take numbers last, just before the insert, and keep those transactions short.
"""

from datetime import date

from django.db import transaction
from sequences import get_next_value, get_next_values

PREFIXES = {"invoice": "F", "credit_note": "A", "receipt": "R", "mandate": "RUM"}


def next_numbers(kind: str, *, on: date, count: int = 1) -> list[str]:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Gapless numbers must be taken inside the transaction that uses them.")
    name = f"regie.{kind}.{on.year}"
    values = [get_next_value(name)] if count == 1 else list(get_next_values(count, name))
    return [f"{PREFIXES[kind]}{on.year}-{value:06d}" for value in values]


def next_number(kind: str, *, on: date) -> str:
    return next_numbers(kind, on=on)[0]
