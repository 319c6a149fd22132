"""Demo data of the démarches: the town's catalogue of 38 procedures, published.

Idempotent (entries already there are left alone). Called by `manage.py seed_demo`.
"""

from demarches.catalogue import load_catalogue


def seed() -> None:
    load_catalogue(actor=None)
