"""Decided requests are pseudonymised (or deleted) at the end of their duration: 5 years by default, 10 for
civil status, or a procedure's own; once, and reported."""

from datetime import datetime, timedelta

import pytest

from coffre.models import Document, DocumentVersion
from demarches import services as demarches_services
from demarches.enums import EventKind, RequestStatus, Theme
from demarches.models import Request, RequestAttachment, RequestEvent, RequestMessage, RequestNote
from guichet.accounts.enums import PartyKind
from guichet.audit.models import AuditEvent
from guichet.retention import services
from guichet.retention.enums import RetentionAction
from guichet.retention.models import RetentionOverride, RetentionRule
from tests.factories import make_admin
from tests.retention.factories import decided, documents_of, draft, procedure, run

pytestmark = pytest.mark.django_db

DECIDED_ON = datetime.fromisoformat("2019-03-04T10:00:00+01:00")
FIVE_YEARS = timedelta(days=5 * 365)
TEN_YEARS = timedelta(days=10 * 365)
CLOSED = "demarches.closed_requests"
CIVIL = "demarches.civil_status_requests"


@pytest.fixture
def demarche(service):
    return procedure(service=service, title="Occupation du domaine public")


@pytest.fixture
def civil_demarche(service):
    return procedure(service=service, theme=Theme.CIVIL_STATUS, title="Copie d'acte de naissance")


def blob_exists(vault_storage, document_ids) -> list[bool]:
    names = DocumentVersion.objects.filter(document_id__in=document_ids).values_list("blob_name", flat=True)
    return [(vault_storage / name).exists() for name in names]


def test_a_request_decided_just_over_five_years_ago_is_pseudonymised_once(
    time_machine, citizen, agent, demarche, vault_storage, django_capture_on_commit_callbacks
):
    time_machine.move_to(DECIDED_ON, tick=False)
    request = decided(user=citizen, agent=agent, demarche=demarche, status=RequestStatus.REFUSED)
    copies = [document.pk for document in documents_of(request)]
    blobs = list(DocumentVersion.objects.filter(document_id__in=copies).values_list("blob_name", flat=True))
    original = request.attachments.get().source_document_id
    assert copies and all((vault_storage / name).exists() for name in blobs)
    applicant = request.applicant_id

    time_machine.move_to(DECIDED_ON + FIVE_YEARS + timedelta(minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        first = run()

    assert first.counts[CLOSED] == 1
    request.refresh_from_db()
    # What the statistics need stays: the reference, the procedure, the status and the dates.
    assert request.reference and request.status == RequestStatus.REFUSED
    assert request.submitted_at and request.decided_at
    # Nothing names the applicant any more.
    assert request.applicant.kind == PartyKind.SERVICE
    assert (request.answers, request.created_by_id, request.assignee_id, request.search_vector) == (
        {},
        None,
        None,
        None,
    )
    assert not RequestMessage.objects.filter(request=request).exists()
    assert not RequestNote.objects.filter(request=request).exists()
    assert not RequestAttachment.objects.filter(request=request).exists()
    assert not Document.objects.filter(pk__in=copies).exists()
    assert not any((vault_storage / name).exists() for name in blobs)
    # The citizen's own paper is theirs: it stays in their vault.
    assert Document.objects.filter(pk=original).exists()
    # The timeline keeps its bare steps, without authors nor words.
    events = list(RequestEvent.objects.filter(request=request))
    assert events and all(event.actor_id is None and event.motivation == "" for event in events)
    assert all(event.kind not in (EventKind.MESSAGE, EventKind.DOCUMENT) for event in events)
    # The audit log still links it to its applicant (the pseudonym's key), for as long as it is kept.
    trace = AuditEvent.objects.get(action="demarches.request.pseudonymise", target_id=str(request.pk))
    assert (trace.actor_id, trace.owner_party_id) == (None, applicant)
    # The citizen no longer sees it among their requests.
    assert not Request.objects.for_user(citizen).filter(pk=request.pk).exists()

    second = run()
    assert second.counts[CLOSED] == 0


def test_a_request_decided_just_under_five_years_ago_is_kept_whole(time_machine, citizen, agent, demarche):
    time_machine.move_to(DECIDED_ON, tick=False)
    request = decided(user=citizen, agent=agent, demarche=demarche)

    time_machine.move_to(DECIDED_ON + FIVE_YEARS - timedelta(minutes=1), tick=False)
    report = run()

    assert report.counts[CLOSED] == 0
    request.refresh_from_db()
    assert request.answers["nom"] == "Martin"
    assert request.applicant.kind == PartyKind.PERSON
    assert RequestMessage.objects.filter(request=request).exists()


def test_a_request_still_being_processed_is_never_touched(time_machine, citizen, agent, demarche):
    time_machine.move_to(DECIDED_ON, tick=False)
    in_review = demarches_services.submit_request(
        actor=citizen, request=draft(user=citizen, demarche=demarche)
    )
    demarches_services.change_status(actor=agent, request=in_review, status=RequestStatus.IN_REVIEW)

    time_machine.move_to(DECIDED_ON + TEN_YEARS + timedelta(days=1), tick=False)
    run()

    in_review.refresh_from_db()
    assert in_review.status == RequestStatus.IN_REVIEW
    assert in_review.answers["nom"] == "Martin"


def test_civil_status_requests_are_kept_ten_years(time_machine, citizen, agent, demarche, civil_demarche):
    time_machine.move_to(DECIDED_ON, tick=False)
    civil = decided(user=citizen, agent=agent, demarche=civil_demarche, document=False)
    other = decided(user=citizen, agent=agent, demarche=demarche, document=False)

    time_machine.move_to(DECIDED_ON + FIVE_YEARS + timedelta(days=1), tick=False)
    report = run()
    assert (report.counts[CLOSED], report.counts[CIVIL]) == (1, 0)
    civil.refresh_from_db()
    assert civil.answers["nom"] == "Martin"

    time_machine.move_to(DECIDED_ON + TEN_YEARS + timedelta(minutes=1), tick=False)
    report = run()
    assert (report.counts[CLOSED], report.counts[CIVIL]) == (0, 1)
    civil.refresh_from_db()
    other.refresh_from_db()
    assert civil.answers == {} and other.answers == {}


def test_the_rule_set_to_delete_deletes_the_request_and_its_copies(
    time_machine, citizen, agent, demarche, django_capture_on_commit_callbacks, vault_storage
):
    RetentionRule.objects.filter(code=CLOSED).update(action=RetentionAction.DELETE)
    time_machine.move_to(DECIDED_ON, tick=False)
    request = decided(user=citizen, agent=agent, demarche=demarche)
    copies = [document.pk for document in documents_of(request)]
    blobs = list(DocumentVersion.objects.filter(document_id__in=copies).values_list("blob_name", flat=True))

    time_machine.move_to(DECIDED_ON + FIVE_YEARS + timedelta(days=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert run().counts[CLOSED] == 1

    assert not Request.objects.filter(pk=request.pk).exists()
    assert not RequestEvent.objects.filter(request_id=request.pk).exists()
    assert not Document.objects.filter(pk__in=copies).exists()
    assert not any((vault_storage / name).exists() for name in blobs)
    assert AuditEvent.objects.filter(action="demarches.request.purge", target_id=str(request.pk)).exists()
    assert run().counts[CLOSED] == 0


def test_a_pseudonymised_request_is_deleted_once_the_rule_says_delete(time_machine, citizen, agent, demarche):
    time_machine.move_to(DECIDED_ON, tick=False)
    request = decided(user=citizen, agent=agent, demarche=demarche, document=False)
    time_machine.move_to(DECIDED_ON + FIVE_YEARS + timedelta(days=1), tick=False)
    run()
    request.refresh_from_db()
    assert request.applicant.kind == PartyKind.SERVICE

    RetentionRule.objects.filter(code=CLOSED).update(action=RetentionAction.DELETE)
    assert run().counts[CLOSED] == 1
    assert not Request.objects.filter(pk=request.pk).exists()


def test_a_procedure_s_own_duration_replaces_the_rule_s(
    time_machine, citizen, agent, demarche, civil_demarche
):
    admin = make_admin()
    rule = RetentionRule.objects.get(code=CLOSED)
    services.save_override(
        actor=admin,
        override=RetentionOverride(rule=rule, demarche=demarche, days=365, action=RetentionAction.DELETE),
    )
    # Filed under the general rule, a civil-status procedure's own duration is applied all the same.
    services.save_override(
        actor=admin,
        override=RetentionOverride(
            rule=rule, demarche=civil_demarche, days=2 * 365, action=RetentionAction.PSEUDONYMISE
        ),
    )
    time_machine.move_to(DECIDED_ON, tick=False)
    short = decided(user=citizen, agent=agent, demarche=demarche, document=False)
    civil = decided(user=citizen, agent=agent, demarche=civil_demarche, document=False)

    time_machine.move_to(DECIDED_ON + timedelta(days=365, minutes=1), tick=False)
    report = run()
    assert (report.counts[CLOSED], report.counts[CIVIL]) == (1, 0)
    assert not Request.objects.filter(pk=short.pk).exists()

    time_machine.move_to(DECIDED_ON + timedelta(days=2 * 365, minutes=1), tick=False)
    report = run()
    assert (report.counts[CLOSED], report.counts[CIVIL]) == (1, 0)
    civil.refresh_from_db()
    assert civil.applicant.kind == PartyKind.SERVICE
    assert AuditEvent.objects.filter(action="retention.override.create", actor_id=admin.pk).count() == 2


def test_a_subsidy_request_follows_its_application_not_the_rule(time_machine, citizen):
    """A subsidy's request is the application's record (PROTECT): it is kept with the subsidy."""
    import importlib

    from django.apps import apps

    from tests.associations.factories import associations_agent, make_association
    from tests.associations.subsidies.factories import grant, make_campaign, submitted

    importlib.import_module("associations.migrations.0002_document_types").seed(apps, None)
    time_machine.move_to(DECIDED_ON, tick=False)
    agent = associations_agent()
    association = make_association(citizen, agent=agent)
    application = submitted(actor=citizen, campaign=make_campaign(), association=association)
    application = grant(agent=agent, application=application)
    assert application.request.status == RequestStatus.ACCEPTED

    time_machine.move_to(DECIDED_ON + FIVE_YEARS + timedelta(days=1), tick=False)
    report = run()

    assert report.counts[CLOSED] == 0
    application.request.refresh_from_db()
    assert application.request.answers["montant"] == 150_000
