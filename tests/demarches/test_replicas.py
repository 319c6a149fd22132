"""Read replicas (guichet.db_router): the statistics pages read from a replica, writes and every
other page stay on the primary. The replica is an alias of the test database (TEST MIRROR), added
for these tests only; transactional tests, so that its own connection sees the rows."""

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demarches.models import Request
from guichet.accounts.models import User
from guichet.db_router import ReplicaRouter, replica_aliases, use_replica
from tests.factories import UserFactory, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica_1"])

STATS = reverse("demarches:agent_stats")
STATS_CSV = reverse("demarches:agent_stats_csv")


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup):
    """replica_1, the test database under another alias and connection, for this module's tests
    (module-scoped: the alias must exist before each test's database access is set up)."""
    alias = "replica_1"
    connections.settings[alias] = {
        **connections["default"].settings_dict,
        "TEST": {**connections["default"].settings_dict["TEST"], "MIRROR": "default"},
    }
    yield connections[alias]
    connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


def selects(captured) -> list[str]:
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_without_a_replica_everything_stays_on_the_primary(replica):
    assert replica_aliases() == ["replica_1"]
    configured = connections.settings.pop("replica_1")
    try:
        assert replica_aliases() == []
        with use_replica():
            assert ReplicaRouter().db_for_read(User) == "default"
    finally:
        connections.settings["replica_1"] = configured
    with use_replica():
        assert ReplicaRouter().db_for_read(User) == "replica_1"
    assert ReplicaRouter().db_for_read(User) == "default"


def test_inside_use_replica_reads_go_to_the_replica_and_writes_to_the_primary(replica):
    default = connections["default"]
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(default) as on_default:
        with use_replica():
            user = UserFactory()
            assert User.objects.filter(pk=user.pk).exists()
            with transaction.atomic():  # inside a transaction: read your writes on the primary
                User.objects.filter(pk=user.pk).update(first_name="Alix")
                assert User.objects.get(pk=user.pk).first_name == "Alix"
        assert User.objects.filter(pk=user.pk).count() == 1  # outside: the primary

    assert len(selects(on_replica)) == 1
    assert not [
        sql for sql in on_replica.captured_queries if not sql["sql"].lstrip().upper().startswith("SELECT")
    ]
    assert any(query["sql"].startswith("INSERT") for query in on_default.captured_queries)
    assert any(query["sql"].startswith("UPDATE") for query in on_default.captured_queries)
    assert len(selects(on_default)) >= 2


def test_migrations_run_on_the_primary_only(replica):
    router = ReplicaRouter()
    assert router.allow_migrate("default", "demarches")
    assert not router.allow_migrate("replica_1", "demarches")


@pytest.mark.parametrize("page", [STATS, STATS_CSV])
def test_the_statistics_pages_read_from_the_replica(client, replica, page):
    from tests.factories import ServiceFactory, make_agent

    make_town()
    agent = make_agent(ServiceFactory(name="État civil", slug="etat-civil"))
    login(client, agent)
    default = connections["default"]

    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(default) as on_default:
        response = client.get(page, {"du": "2026-03-01", "au": "2026-06-15"})
        b"".join(response.streaming_content) if response.streaming else response.content

    assert response.status_code == 200
    assert any("demarches_request" in sql for sql in selects(on_replica))
    # The primary still answers who is asking (session, user, second factor) and takes any write.
    assert not any("demarches_request" in sql for sql in selects(on_default))
    assert any("django_session" in sql or "accounts_user" in sql for sql in selects(on_default))
    assert all(sql["sql"].lstrip().upper().startswith("SELECT") for sql in on_replica.captured_queries)


def test_other_pages_read_from_the_primary(client, replica):
    make_town()
    user = UserFactory()
    login(client, user)

    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(reverse("coffre:home"))

    assert response.status_code in (200, 302)
    assert on_replica.captured_queries == []
    assert Request.objects.count() == 0
