"""The audit log in the nightly run: whole stretches older than a year go, once, reported with the others;
`verify_audit` then starts from the checkpoint, passes, and still catches tampering with what remains.

The database's clock is the real one (time-machine only moves Python's) and its trigger keeps every audit
event 180 days by that clock: these tests write and purge in 2023-2025, well behind it.
"""

import io
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from guichet import audit
from guichet.audit import services as audit_services
from guichet.audit.models import AuditCheckpoint, AuditEvent, AuditSeal
from tests.audit.helpers import table_rows, triggers_disabled
from tests.factories import make_town, person_party
from tests.helpers import login
from tests.retention.factories import run

pytestmark = pytest.mark.django_db

AUDIT = "audit.events"
NIGHT = datetime.fromisoformat("2025-06-01T02:40:00+02:00")
CUTOFF = NIGHT - timedelta(days=365)


def views(time_machine, *, agent, citizen, count: int, at: datetime) -> None:
    """`count` reads of the citizen's data by the agent at `at`, sealed as one stretch of the chain."""
    time_machine.move_to(at, tick=False)
    for _n in range(count):
        audit.record(actor=agent, action="user.view", target=citizen, owner=person_party(citizen))
    audit_services.seal_pending()


def verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def chain(time_machine, agent, citizen):
    """Three stretches: two past the year (3 + 2 events, the last just before the limit), one just inside."""
    views(time_machine, agent=agent, citizen=citizen, count=3, at=CUTOFF - timedelta(days=300))
    views(time_machine, agent=agent, citizen=citizen, count=2, at=CUTOFF - timedelta(minutes=1))
    views(time_machine, agent=agent, citizen=citizen, count=4, at=CUTOFF + timedelta(minutes=1))
    assert list(AuditSeal.objects.order_by("up_to_seq").values_list("up_to_seq", flat=True)) == [3, 5, 9]


def test_the_stretches_past_a_year_are_purged_once_and_reported(time_machine, chain):
    time_machine.move_to(NIGHT, tick=False)
    first = run()

    assert first.counts[AUDIT] == 5
    assert first.total >= 5
    # What is not a year old stays, seal numbers and all; the run's own trace waits for its sealing.
    assert sorted(AuditEvent.objects.exclude(seal_seq=None).values_list("seal_seq", flat=True)) == [
        6,
        7,
        8,
        9,
    ]
    assert AuditEvent.objects.filter(seal_seq=None, action="retention.run", target_id=str(first.pk)).exists()
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.up_to_seq, checkpoint.purged_count, checkpoint.purged_before) == (5, 5, CUTOFF)
    assert checkpoint.last_hash == AuditSeal.objects.get(up_to_seq=5).last_hash
    assert AuditEvent.objects.get(action="retention.run", target_id=str(first.pk)).details[AUDIT] == 5

    # Run again the same night (a retried task): nothing more is a year old.
    time_machine.move_to(NIGHT + timedelta(seconds=30), tick=False)
    second = run()

    assert second.counts[AUDIT] == 0
    assert AuditCheckpoint.objects.count() == 1
    assert AuditEvent.objects.exclude(seal_seq=None).count() == 4


def test_the_stretch_just_inside_the_year_goes_as_soon_as_it_is_past_it(time_machine, chain):
    time_machine.move_to(NIGHT, tick=False)
    run()
    audit_services.seal_pending()  # the first run's own trace, sealed in the morning (seq 10)

    time_machine.move_to(NIGHT + timedelta(minutes=2), tick=False)
    assert run().counts[AUDIT] == 4

    assert list(AuditCheckpoint.objects.order_by("up_to_seq").values_list("up_to_seq", flat=True)) == [5, 9]
    assert sorted(AuditEvent.objects.exclude(seal_seq=None).values_list("seal_seq", flat=True)) == [10]
    assert audit_services.verify_chain().ok


def test_verify_audit_passes_after_the_run_from_the_checkpoint(time_machine, chain):
    time_machine.move_to(NIGHT, tick=False)
    run()

    assert verify_audit() == (
        "Journal d'audit intact : 4 événements scellés vérifiés (du n° 6 au n° 9), 1 en attente de "
        "scellement ; les événements jusqu'au n° 5 ont été supprimés à la fin de leur durée de conservation."
    )
    # Sealing goes on from the checkpoint's chain, and the whole of it still verifies.
    audit_services.seal_pending()
    result = audit_services.verify_chain()
    assert (result.ok, result.checked, result.last_seq, result.purged_up_to) == (True, 5, 10, 5)


def test_verify_audit_still_catches_tampering_after_the_run(time_machine, chain):
    time_machine.move_to(NIGHT, tick=False)
    run()

    with triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_id = NULL WHERE seal_seq = 7")

    with pytest.raises(CommandError, match="altéré au n° 7 : le contenu de l'événement a été modifié"):
        verify_audit()


def test_verify_audit_catches_the_first_event_after_the_checkpoint_deleted(time_machine, chain):
    time_machine.move_to(NIGHT, tick=False)
    run()

    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seal_seq = 6")

    with pytest.raises(CommandError, match="n° 6 : l'événement n° 6 a été supprimé"):
        verify_audit()


def test_who_saw_my_data_then_shows_the_accesses_of_the_last_year_only(time_machine, client, chain, citizen):
    make_town()
    time_machine.move_to(NIGHT, tick=False)
    run()

    response = login(client, citizen).get(reverse("audit:data_access"))

    assert len(table_rows(response.text)) == 4
