"""PostgreSQL read replicas, for the pages that say so: `use_replica()`.

`DATABASE_REPLICA_URLS` (comma-separated) adds the aliases ``replica_1``, ``replica_2``…
(guichet/settings.py). Reads go to one of them only inside ``use_replica()``, a context
manager that is also a view decorator, and only outside a transaction: a replica lags the
primary by up to a second or so, so reading there in general would break read-your-writes
(a page showing the form just saved without its change). Writes always go to the primary,
and so do ``select_for_update()`` and ``get_or_create()``. Without replicas everything stays
on ``default``. Migrations run on ``default`` only: the replicas follow it by streaming.

Use it on heavy read-only pages where a second of staleness does not matter (statistics,
dashboards of figures); never where a user reads back what they just wrote.
"""

import random
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_PREFIX = "replica_"

_reading_from: ContextVar[str | None] = ContextVar("guichet_replica", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in connections.settings if alias.startswith(REPLICA_PREFIX)]


@contextmanager
def use_replica():
    """Reads inside go to a replica (one picked at random per block), if any is configured."""
    aliases = replica_aliases()
    token = _reading_from.set(random.choice(aliases) if aliases else None)  # noqa: S311 (load spreading)
    try:
        yield
    finally:
        _reading_from.reset(token)


class ReplicaRouter:
    """Primary for writes, migrations and anything inside a transaction; a replica for reads only
    inside `use_replica()`."""

    def db_for_read(self, model, **hints):
        alias = _reading_from.get()
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows everywhere

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
