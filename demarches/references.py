"""Request references: GN-2026-000123, gapless per year, from django-sequences.

The sequence row stays locked until the caller's transaction ends: a rolled
back submission gives its number back and concurrent submissions wait in line,
so take the number last, just before saving, and keep that transaction short.
"""

from datetime import date

from django.db import transaction
from sequences import get_next_value

PREFIX = "GN"


def next_reference(*, on: date) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Gapless references must be taken inside the transaction that uses them.")
    value = get_next_value(f"demarches.request.{on.year}")
    return f"{PREFIX}-{on.year}-{value:06d}"
