import io

import pytest
from django.core.management import CommandError, call_command

from guichet import audit
from guichet.audit import services
from guichet.audit.models import AuditEvent
from tests.audit.helpers import sealed_chain, triggers_disabled

pytestmark = pytest.mark.django_db


def verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue().strip()


def rehash(cursor, seq: int) -> None:
    """Recompute one row's hash after changing it, as a careful forger would."""
    row = AuditEvent.objects.filter(seal_seq=seq).values(*services.CONTENT_FIELDS, "prev_hash").get()
    digest = services.event_hash(prev_hash=row["prev_hash"], row=row)
    cursor.execute("UPDATE audit_auditevent SET hash = %s WHERE seal_seq = %s", [digest, seq])


def test_an_untouched_log_verifies_with_a_one_line_summary():
    sealed_chain(5, batch_size=2)
    audit.record(actor=None, action="test.pending")

    result = services.verify_chain(chunk_size=2)

    assert (result.ok, result.checked, result.last_seq, result.pending) == (True, 5, 5, 1)
    assert verify_audit() == (
        "Journal d'audit intact : 5 événements scellés vérifiés (jusqu'au n° 5), 1 en attente de scellement."
    )


def test_an_empty_log_verifies():
    assert services.verify_chain().ok
    assert verify_audit().startswith("Journal d'audit intact : 0 événements")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "'user.delete'"),
        ("actor_id", "999"),
        ("owner_party_id", "999"),
        ("ip", "'198.51.100.1'"),
        ("details", """'{"number": 99}'"""),
        ("created_at", "created_at - interval '1 day'"),
    ],
)
def test_a_modified_row_is_named_by_its_seal_number(column, value):
    sealed_chain(5)

    with triggers_disabled() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {column} = {value} WHERE seal_seq = 3")  # noqa: S608

    result = services.verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    with pytest.raises(CommandError, match="altéré au n° 3 : le contenu de l'événement a été modifié"):
        verify_audit()


def test_a_modified_row_with_a_recomputed_hash_breaks_the_link_to_the_next_one():
    sealed_chain(5)

    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'user.delete' WHERE seal_seq = 3")
        rehash(cursor, 3)

    assert services.verify_chain().first_bad_seq == 4
    with pytest.raises(CommandError, match="n° 4 : le lien avec l'événement précédent est rompu"):
        verify_audit()


def test_a_modified_last_row_with_a_recomputed_hash_no_longer_matches_its_seal():
    sealed_chain(5)

    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'user.delete' WHERE seal_seq = 5")
        rehash(cursor, 5)

    assert services.verify_chain().first_bad_seq == 5
    with pytest.raises(CommandError, match="n° 5 : l'empreinte ne correspond plus à celle du sceau"):
        verify_audit()


def test_a_deleted_row_in_the_middle_is_named():
    sealed_chain(5)

    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seal_seq = 3")

    assert services.verify_chain().first_bad_seq == 3
    with pytest.raises(CommandError, match="n° 3 : l'événement n° 3 a été supprimé"):
        verify_audit()


def test_a_deleted_first_row_is_named():
    sealed_chain(3)

    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seal_seq = 1")

    assert services.verify_chain().first_bad_seq == 1


def test_rows_deleted_at_the_end_are_caught_by_the_last_seal():
    sealed_chain(5)

    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seal_seq >= 4")

    assert services.verify_chain().first_bad_seq == 4
    with pytest.raises(
        CommandError,
        match="n° 4 : les événements n° 4 à 5 ont été supprimés. Le dernier sceau va jusqu'au n° 5.",
    ):
        verify_audit()


def test_rows_deleted_at_the_end_stay_caught_once_newer_rows_are_sealed():
    sealed_chain(5)
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seal_seq >= 4")

    audit.record(actor=None, action="test.later")
    services.seal_pending()

    assert AuditEvent.objects.get(action="test.later").seal_seq == 6
    assert services.verify_chain().first_bad_seq == 4


def test_every_row_deleted_is_caught():
    sealed_chain(3)

    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")

    assert services.verify_chain().first_bad_seq == 1
    with pytest.raises(CommandError, match="n° 1 : les événements n° 1 à 3 ont été supprimés"):
        verify_audit()


def test_seals_deleted_along_with_the_rows_leave_sealed_rows_without_a_seal():
    sealed_chain(3)

    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditseal")

    assert services.verify_chain().first_bad_seq == 1
    with pytest.raises(CommandError, match="aucun sceau"):
        verify_audit()
