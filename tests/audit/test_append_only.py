import pytest
from django.db import DatabaseError, connection, transaction

from guichet import audit
from guichet.audit import services
from guichet.audit.models import AppendOnlyError, AuditEvent, AuditSeal

pytestmark = pytest.mark.django_db

SOME_HASH = "a" * 64


def raw(sql: str, params: list | None = None) -> None:
    # In a savepoint, so that the refusal leaves the test's transaction usable.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def event() -> AuditEvent:
    return audit.record(actor=3, action="user.view", target="accounts.user:5", owner=8, field_count=2)


def test_saving_an_event_again_is_refused(event):
    event.action = "user.delete"
    with pytest.raises(AppendOnlyError):
        event.save()
    event.refresh_from_db()
    assert event.action == "user.view"


def test_deleting_an_event_through_the_orm_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_updating_events_through_the_orm_is_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="user.delete")
    event.action = "user.delete"
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    event.refresh_from_db()
    assert event.action == "user.view"


def test_seals_cannot_be_changed_nor_deleted_through_the_orm(event):
    services.seal_pending()
    seal = AuditSeal.objects.get()
    with pytest.raises(AppendOnlyError):
        seal.save()
    with pytest.raises(AppendOnlyError):
        seal.delete()
    with pytest.raises(AppendOnlyError):
        AuditSeal.objects.update(count=0)
    with pytest.raises(AppendOnlyError):
        AuditSeal.objects.all().delete()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "user.delete"),
        ("actor_id", 4),
        ("owner_party_id", 9),
        ("ip", "198.51.100.1"),
        ("request_id", "forged-request"),
        ("details", '{"field_count": 3}'),
        ("created_at", "2020-01-01T00:00:00Z"),
    ],
)
def test_the_database_refuses_to_change_a_content_column(event, column, value):
    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, event.pk])  # noqa: S608
    assert AuditEvent.objects.filter(pk=event.pk, action="user.view", owner_party_id=8).exists()


def test_the_database_refuses_to_delete_an_event(event):
    with pytest.raises(DatabaseError, match="append-only: DELETE"):
        raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_database_lets_the_sealing_update_through(event):
    raw(
        "UPDATE audit_auditevent SET seal_seq = 1, prev_hash = '', hash = %s WHERE id = %s",
        [SOME_HASH, event.pk],
    )
    event.refresh_from_db()
    assert (event.seal_seq, event.prev_hash, event.hash) == (1, "", SOME_HASH)


def test_the_database_refuses_a_sealing_update_that_also_changes_content(event):
    with pytest.raises(DatabaseError, match="append-only"):
        raw(
            "UPDATE audit_auditevent SET seal_seq = 1, hash = %s, action = 'user.delete' WHERE id = %s",
            [SOME_HASH, event.pk],
        )


def test_the_database_refuses_to_seal_an_event_twice(event):
    services.seal_pending()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE audit_auditevent SET seal_seq = 99, hash = %s WHERE id = %s", [SOME_HASH, event.pk])
    event.refresh_from_db()
    assert event.seal_seq == 1


def test_the_database_refuses_to_change_or_delete_a_seal(event):
    services.seal_pending()
    with pytest.raises(DatabaseError, match="audit_auditseal is append-only"):
        raw("UPDATE audit_auditseal SET last_hash = %s", [SOME_HASH])
    with pytest.raises(DatabaseError, match="audit_auditseal is append-only"):
        raw("DELETE FROM audit_auditseal")
    assert AuditSeal.objects.get().up_to_seq == 1
