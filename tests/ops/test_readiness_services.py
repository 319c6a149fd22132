"""/readyz follows the services it checks: a Redis and a PostgreSQL of the test's own, stopped and started.

The suite's own Redis and PostgreSQL are never stopped: the checks are pointed at these instead
(settings.REDIS_URL, and a second alias of the databases).
"""

import pytest
from django.db import connections
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("ops")]


def readiness(client) -> tuple[int, dict]:
    response = client.get(reverse("ops:readyz"))
    return response.status_code, response.json()["checks"]


def test_readyz_fails_while_redis_is_down_and_recovers_when_it_is_back(client, settings, redis_server):
    settings.REDIS_URL = redis_server.url
    assert readiness(client) == (200, {**readiness(client)[1], "redis": "ok"})

    redis_server.stop()
    status, results = readiness(client)
    assert (status, results["redis"]) == (503, "fail")
    assert {name for name, result in results.items() if result == "fail"} == {"redis"}

    redis_server.start()
    status, results = readiness(client)
    assert (status, results["redis"]) == (200, "ok")


@pytest.fixture(scope="module")
def probe_database(postgres_server):
    """A second alias of the databases, on the test's own PostgreSQL server (registered before the test's
    database set-up, which must allow it)."""
    configured = {"default": dict(connections.settings["default"]), "probe": postgres_server.database}
    connections.settings["probe"] = connections.configure_settings(configured)["probe"]
    try:
        yield postgres_server
    finally:
        connections["probe"].close()
        del connections["probe"]
        del connections.settings["probe"]


@pytest.mark.django_db(transaction=True, databases=["default", "probe"])
def test_readyz_checks_every_database_alias_and_recovers_when_the_server_is_back(probe_database, client):
    assert readiness(client) == (200, {**readiness(client)[1], "database": "ok"})
    # The check's connection stays open between probes (persistent connections).
    assert connections["probe"].connection is not None

    probe_database.stop()
    status, results = readiness(client)
    assert (status, results["database"]) == (503, "fail")
    assert readiness(client)[0] == 503

    probe_database.start()
    status, results = readiness(client)
    assert (status, results["database"]) == (200, "ok")
    with connections["probe"].cursor() as cursor:
        cursor.execute("SELECT current_setting('port')")
        assert cursor.fetchone()[0] == str(probe_database.port)
