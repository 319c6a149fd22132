"""Drafts without activity for 100 days are deleted, once, and the run reports them."""

from datetime import datetime, timedelta

import pytest

from demarches.models import Request
from guichet.audit.models import AuditEvent
from guichet.retention.models import RetentionRule
from tests.demarches.factories import fill
from tests.retention.factories import draft, procedure, run, vault_document

pytestmark = pytest.mark.django_db

PARIS_MORNING = datetime.fromisoformat("2025-01-10T09:00:00+01:00")
DRAFTS = "demarches.drafts"


@pytest.fixture
def demarche(service):
    return procedure(service=service)


def test_a_draft_just_past_100_days_is_deleted_once_and_reported(time_machine, citizen, demarche):
    time_machine.move_to(PARIS_MORNING, tick=False)
    old = draft(user=citizen, demarche=demarche)
    time_machine.move_to(PARIS_MORNING + timedelta(days=1), tick=False)
    recent = draft(user=citizen, demarche=demarche)

    time_machine.move_to(PARIS_MORNING + timedelta(days=100, minutes=1), tick=False)
    first = run()

    assert first.counts[DRAFTS] == 1
    assert not Request.objects.filter(pk=old.pk).exists()
    assert Request.objects.filter(pk=recent.pk).exists()
    deletion = AuditEvent.objects.get(action="demarches.request.delete", target_id=str(old.pk))
    assert (deletion.actor_id, deletion.owner_party_id, deletion.details) == (
        None,
        old.applicant_id,
        {"reason": "retention"},
    )

    second = run()
    assert second.counts[DRAFTS] == 0
    assert Request.objects.filter(pk=recent.pk).exists()


def test_a_draft_just_before_its_limit_is_kept(time_machine, citizen, demarche):
    time_machine.move_to(PARIS_MORNING, tick=False)
    kept = draft(user=citizen, demarche=demarche)

    time_machine.move_to(PARIS_MORNING + timedelta(days=100) - timedelta(minutes=1), tick=False)
    report = run()

    assert report.counts[DRAFTS] == 0
    assert Request.objects.filter(pk=kept.pk).exists()


def test_saving_a_page_of_a_draft_starts_its_100_days_again(time_machine, citizen, demarche):
    time_machine.move_to(PARIS_MORNING, tick=False)
    started = draft(user=citizen, demarche=demarche)
    time_machine.move_to(PARIS_MORNING + timedelta(days=60), tick=False)
    fill(user=citizen, demarche=demarche, answers={"nom": "Martin"})  # another draft, of no interest
    from demarches import services

    services.save_page_answers(actor=citizen, request=started, page_number=1, page_answers={"nom": "Dupont"})

    time_machine.move_to(PARIS_MORNING + timedelta(days=101), tick=False)
    run()

    assert Request.objects.filter(pk=started.pk).exists()


def test_a_deleted_draft_leaves_the_documents_it_pointed_at_in_the_vault(time_machine, citizen, demarche):
    time_machine.move_to(PARIS_MORNING, tick=False)
    document = vault_document(user=citizen)
    old = draft(user=citizen, demarche=demarche, justificatif=document.pk)

    time_machine.move_to(PARIS_MORNING + timedelta(days=101), tick=False)
    run()

    assert not Request.objects.filter(pk=old.pk).exists()
    document.refresh_from_db()  # still there: it is the citizen's own paper, not the draft's


def test_an_administrator_s_longer_duration_is_applied(time_machine, citizen, demarche):
    RetentionRule.objects.filter(code=DRAFTS).update(days=200)
    time_machine.move_to(PARIS_MORNING, tick=False)
    kept = draft(user=citizen, demarche=demarche)

    time_machine.move_to(PARIS_MORNING + timedelta(days=150), tick=False)
    assert run().counts[DRAFTS] == 0
    time_machine.move_to(PARIS_MORNING + timedelta(days=201), tick=False)
    assert run().counts[DRAFTS] == 1
    assert not Request.objects.filter(pk=kept.pk).exists()


def test_a_submitted_request_is_not_a_draft(time_machine, citizen, demarche):
    from demarches import services

    time_machine.move_to(PARIS_MORNING, tick=False)
    sent = services.submit_request(actor=citizen, request=draft(user=citizen, demarche=demarche))

    time_machine.move_to(PARIS_MORNING + timedelta(days=101), tick=False)
    assert run().counts[DRAFTS] == 0
    assert Request.objects.filter(pk=sent.pk).exists()
