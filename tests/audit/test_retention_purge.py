"""The audit log's retention: whole old stretches of the chain go, a checkpoint keeps the hash the
chain goes on from, `verify_audit` starts there, and the database lets this deletion through and no other.

The database's clock is the real one (time-machine only moves Python's): these tests write their
events years in the past, so that the trigger's floor of 180 days is behind them."""

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from guichet import audit
from guichet.audit import services
from guichet.audit.models import AppendOnlyError, AuditCheckpoint, AuditEvent, AuditSeal
from tests.audit.helpers import record_events, triggers_disabled

pytestmark = pytest.mark.django_db

OLD = datetime.fromisoformat("2022-01-10T10:00:00+01:00")
CUTOFF = datetime.fromisoformat("2023-01-01T00:00:00+01:00")


def write(count: int, *, at: datetime) -> None:
    """`count` events written at `at`, sealed as one batch (one seal)."""
    with time_machine.travel(at, tick=False):
        record_events(count)
        services.seal_pending()


def purge(cutoff: datetime = CUTOFF) -> int:
    return sum(services.purge_sealed_before(cutoff=cutoff))


def verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue().strip()


def raw(sql: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_old_stretches_go_once_and_the_chain_verifies_from_the_checkpoint():
    write(3, at=OLD)
    write(2, at=OLD + timedelta(days=30))
    write(4, at=CUTOFF + timedelta(days=1))

    assert purge() == 5

    assert sorted(AuditEvent.objects.values_list("seal_seq", flat=True)) == [6, 7, 8, 9]
    checkpoint = AuditCheckpoint.objects.get()
    seal = AuditSeal.objects.get(up_to_seq=5)
    assert (checkpoint.up_to_seq, checkpoint.last_hash, checkpoint.purged_count) == (5, seal.last_hash, 5)
    result = services.verify_chain()
    assert (result.ok, result.checked, result.last_seq, result.purged_up_to) == (True, 4, 9, 5)
    assert verify_audit() == (
        "Journal d'audit intact : 4 événements scellés vérifiés (du n° 6 au n° 9), 0 en attente de "
        "scellement ; les événements jusqu'au n° 5 ont été supprimés à la fin de leur durée de conservation."
    )

    assert purge() == 0
    assert AuditCheckpoint.objects.count() == 1


def test_a_stretch_holding_one_event_too_recent_waits_whole():
    # One batch sealed the old events with one written just after the limit: the batch stays.
    with time_machine.travel(OLD, tick=False):
        record_events(3)
    with time_machine.travel(CUTOFF, tick=False):
        record_events(1)
        services.seal_pending()

    assert purge() == 0
    assert AuditEvent.objects.count() == 4
    assert not AuditCheckpoint.objects.exists()


def test_unsealed_events_are_never_purged():
    with time_machine.travel(OLD, tick=False):
        record_events(2)

    assert purge() == 0
    assert AuditEvent.objects.count() == 2


def test_the_chain_goes_on_after_a_purge_and_later_stretches_go_in_turn():
    write(2, at=OLD)
    write(2, at=OLD + timedelta(days=200))
    purge(cutoff=OLD + timedelta(days=100))
    write(1, at=OLD + timedelta(days=300))

    assert purge(cutoff=OLD + timedelta(days=250)) == 2
    assert list(AuditCheckpoint.objects.order_by("up_to_seq").values_list("up_to_seq", flat=True)) == [2, 4]
    result = services.verify_chain()
    assert (result.ok, result.checked, result.purged_up_to) == (True, 1, 4)


@pytest.mark.parametrize(
    ("tampering", "seq", "message"),
    [
        (
            "UPDATE audit_auditevent SET action = 'user.delete' WHERE seal_seq = 4",
            4,
            "altéré au n° 4 : le contenu de l'événement a été modifié",
        ),
        ("DELETE FROM audit_auditevent WHERE seal_seq = 3", 3, "n° 3 : l'événement n° 3 a été supprimé"),
    ],
    ids=["an-event-edited", "the-first-event-after-the-checkpoint-deleted"],
)
def test_tampering_with_what_remains_is_still_caught(tampering, seq, message):
    write(2, at=OLD)
    write(3, at=CUTOFF + timedelta(days=1))
    purge()

    with triggers_disabled() as cursor:
        cursor.execute(tampering)

    assert services.verify_chain().first_bad_seq == seq
    with pytest.raises(CommandError, match=message):
        verify_audit()


def test_a_checkpoint_that_no_seal_backs_is_caught():
    write(2, at=OLD)
    write(3, at=CUTOFF + timedelta(days=1))
    purge()

    with triggers_disabled() as cursor:
        cursor.execute("ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditcheckpoint SET last_hash = %s", ["b" * 64])
        cursor.execute("ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER USER")

    result = services.verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "le point de reprise n° 2 ne correspond à aucun sceau" in result.message


def test_events_left_below_the_checkpoint_by_an_interrupted_run_go_at_the_next_and_do_not_break_the_chain():
    write(3, at=OLD)
    write(1, at=CUTOFF + timedelta(days=1))
    seal = AuditSeal.objects.get(up_to_seq=3)
    # A run that stopped once its checkpoint was written, before deleting anything.
    AuditCheckpoint.objects.create(
        up_to_seq=3, last_hash=seal.last_hash, purged_count=3, purged_before=CUTOFF
    )

    assert services.verify_chain().ok
    assert services.verify_chain().checked == 1

    assert sum(services.purge_sealed_before(cutoff=CUTOFF, batch_size=2)) == 3
    assert list(AuditEvent.objects.values_list("seal_seq", flat=True)) == [4]
    assert AuditCheckpoint.objects.count() == 1
    assert services.verify_chain().ok


# The database's guard -------------------------------------------------------------------------


def test_the_database_refuses_to_delete_an_event_no_checkpoint_covers():
    write(2, at=OLD)

    with pytest.raises(DatabaseError, match="append-only: DELETE"):
        raw("DELETE FROM audit_auditevent WHERE seal_seq = 1")


def test_the_database_refuses_to_delete_an_event_past_the_checkpoint_or_unsealed():
    write(2, at=OLD)
    write(2, at=CUTOFF + timedelta(days=1))
    audit.record(actor=None, action="test.pending")
    purge()

    with pytest.raises(DatabaseError, match="append-only: DELETE"):
        raw("DELETE FROM audit_auditevent WHERE seal_seq = 3")
    with pytest.raises(DatabaseError, match="append-only: DELETE"):
        raw("DELETE FROM audit_auditevent WHERE seal_seq IS NULL")
    assert AuditEvent.objects.count() == 3


def test_the_orm_still_refuses_every_deletion():
    write(2, at=OLD)
    purge()
    write(1, at=CUTOFF + timedelta(days=1))
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditCheckpoint.objects.all().delete()


def checkpoint_sql(up_to_seq: int, last_hash: str, purged_before: str = "2023-01-01") -> None:
    raw(
        "INSERT INTO audit_auditcheckpoint (up_to_seq, last_hash, purged_count, purged_before, created_at) "
        "VALUES (%s, %s, 0, %s, now())",
        [up_to_seq, last_hash, purged_before],
    )


def test_the_database_refuses_a_checkpoint_that_does_not_end_a_seal():
    write(3, at=OLD)
    with pytest.raises(DatabaseError, match="no seal ends at n° 2"):
        checkpoint_sql(2, AuditEvent.objects.get(seal_seq=2).hash)
    with pytest.raises(DatabaseError, match="no seal ends at n° 3"):
        checkpoint_sql(3, "c" * 64)


def test_the_database_refuses_a_checkpoint_over_recent_events():
    # Written now by the real clock: within the 180 days every audit event is kept.
    record_events(2)
    services.seal_pending()
    seal = AuditSeal.objects.get()
    with pytest.raises(DatabaseError, match="kept 180 days at least"):
        checkpoint_sql(seal.up_to_seq, seal.last_hash, purged_before="now()")
    with pytest.raises(DatabaseError, match="newer than its limit"):
        checkpoint_sql(seal.up_to_seq, seal.last_hash, purged_before="2023-01-01")
    assert not AuditCheckpoint.objects.exists()


def test_the_database_refuses_a_checkpoint_going_backwards_and_any_change_to_one():
    write(1, at=OLD)
    write(1, at=OLD + timedelta(days=10))
    purge(cutoff=OLD + timedelta(days=20))
    first = AuditSeal.objects.get(up_to_seq=1)

    with pytest.raises(DatabaseError, match="past the previous one"):
        checkpoint_sql(1, first.last_hash)
    with pytest.raises(DatabaseError, match="append-only: UPDATE"):
        raw("UPDATE audit_auditcheckpoint SET purged_count = 0")
    with pytest.raises(DatabaseError, match="append-only: DELETE"):
        raw("DELETE FROM audit_auditcheckpoint")
    assert AuditCheckpoint.objects.count() == 1
