import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction

from guichet import audit
from guichet.audit import services, tasks
from guichet.audit.models import AuditEvent, AuditSeal
from tests.audit.helpers import open_transaction_in_other_thread, record_events

PARIS = ZoneInfo("Europe/Paris")


def chain() -> list[tuple[int, int, str, str]]:
    return list(AuditEvent.objects.order_by("seal_seq").values_list("id", "seal_seq", "prev_hash", "hash"))


@pytest.mark.django_db
def test_sealing_chains_new_events_in_id_order_and_records_a_checkpoint():
    events = record_events(3)

    assert services.seal_pending() == 3

    rows = chain()
    assert [(event_id, seq) for event_id, seq, _prev, _hash in rows] == [
        (e.pk, n) for n, e in enumerate(events, 1)
    ]
    assert [prev for _id, _seq, prev, _hash in rows] == ["", rows[0][3], rows[1][3]]
    seal = AuditSeal.objects.get()
    assert (seal.up_to_seq, seal.last_hash, seal.count) == (3, rows[2][3], 3)


@pytest.mark.django_db
def test_the_hash_is_sha256_of_the_previous_hash_and_the_rows_canonical_json():
    # The format is a contract: anyone may recompute the chain from a dump without Guichet.
    audit.record(actor=None, action="test.first")
    with time_machine.travel(datetime(2026, 3, 10, 10, 30, 0, 123456, tzinfo=PARIS), tick=False):
        event = audit.record(
            actor=12, action="user.view", target="accounts.user:5", owner=8, fields=["b", "a"]
        )
    services.seal_pending()
    first = AuditEvent.objects.get(seal_seq=1)
    event.refresh_from_db()

    canonical = (
        '{"action":"user.view","actor_id":12,"created_at":"2026-03-10T09:30:00.123456+00:00",'
        f'"details":{{"fields":["b","a"]}},"id":{event.pk},"ip":null,"owner_party_id":8,'
        '"request_id":"","target_id":"5","target_type":"accounts.user"}'
    )
    assert event.prev_hash == first.hash
    assert event.hash == hashlib.sha256((first.hash + canonical).encode()).hexdigest()


@pytest.mark.django_db
def test_sealing_again_with_nothing_new_changes_nothing():
    record_events(2)
    services.seal_pending()

    assert services.seal_pending() == 0
    assert AuditSeal.objects.count() == 1


@pytest.mark.django_db
def test_sealing_in_batches_continues_the_sequence():
    record_events(5)

    assert [services.seal_pending(batch_size=2) for _ in range(4)] == [2, 2, 1, 0]

    rows = chain()
    assert [seq for _id, seq, _prev, _hash in rows] == [1, 2, 3, 4, 5]
    assert all(rows[n][2] == rows[n - 1][3] for n in range(1, 5))
    assert list(AuditSeal.objects.order_by("up_to_seq").values_list("up_to_seq", "count")) == [
        (2, 2),
        (4, 2),
        (5, 1),
    ]
    assert services.verify_chain().ok


@pytest.mark.django_db
def test_the_beat_task_seals_everything_and_is_safe_to_run_twice():
    record_events(3)

    first = tasks.seal_audit_events.apply()
    second = tasks.seal_audit_events.apply()

    assert (first.get(), second.get()) == (3, 0)
    assert not AuditEvent.objects.filter(seal_seq__isnull=True).exists()
    assert AuditSeal.objects.count() == 1
    assert tasks.seal_audit_events.name == settings.CELERY_BEAT_SCHEDULE["seal-audit-events"]["task"]


@pytest.mark.django_db(transaction=True)
def test_a_second_sealer_leaves_the_work_to_the_one_at_work():
    record_events(2)

    with open_transaction_in_other_thread(services.seal_pending) as sealed_there:
        audit.record(actor=None, action="test.late")
        assert services.seal_pending() == 0

    assert sealed_there == 2
    assert services.seal_pending() == 1
    assert [seq for _id, seq, _prev, _hash in chain()] == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_writes_do_not_wait_for_a_sealer_at_work():
    record_events(2)

    with open_transaction_in_other_thread(services.seal_pending), transaction.atomic():
        with connection.cursor() as cursor:
            # Would fail if the insert queued behind the sealer's locks.
            cursor.execute("SET LOCAL statement_timeout = '2s'")
        event = audit.record(actor=None, action="test.during_sealing")

    assert AuditEvent.objects.get(pk=event.pk).seal_seq is None


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_with_a_lower_id_is_sealed_in_a_later_batch():
    def slow_writer() -> AuditEvent:
        return audit.record(actor=None, action="test.slow")

    with open_transaction_in_other_thread(slow_writer) as slow:
        quick = audit.record(actor=None, action="test.quick")
        assert services.seal_pending() == 1

    assert slow.pk < quick.pk
    assert services.seal_pending() == 1
    assert [(event_id, seq) for event_id, seq, _prev, _hash in chain()] == [(quick.pk, 1), (slow.pk, 2)]
    assert services.verify_chain().ok
