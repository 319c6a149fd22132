"""After submission: documents become the service's copies, statuses move through one table,
the timeline only grows, the applicant answers, writes and withdraws."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from coffre import services as vault
from coffre.models import Document, DocumentType
from demarches import services, workflow
from demarches.enums import EventKind, RequestStatus
from demarches.exceptions import IllegalTransition
from demarches.models import EventsAreAppendOnly, Request, RequestAttachment, RequestEvent, ServiceSpace
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from regie.models import Invoice
from tests.coffre.factories import read_back, store
from tests.demarches.factories import DemarcheFactory, add_page, document_demarche, publish, submitted
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party

pytestmark = pytest.mark.django_db

S = RequestStatus


def proof_of_address(user, title="Facture d'eau"):
    return store(user=user, title=title, document_type=DocumentType.objects.get(code="justificatif-domicile"))


@pytest.fixture
def rich(service):
    return document_demarche(service=service, title="Inscription")


def send_rich(user, demarche):
    proof = proof_of_address(user)
    request = submitted(
        user=user,
        demarche=demarche,
        answers={"nom": "Martin", "justificatif": proof.document_id, "telephone": "+33612345678"},
    )
    return request, proof


# Submission --------------------------------------------------------------------------------------


def test_submitted_documents_are_copied_into_the_service_s_space_and_answered_by_their_copies(
    citizen, rich, service
):
    request, proof = send_rich(citizen, rich)

    space = ServiceSpace.objects.get(service=service).party
    [attachment] = RequestAttachment.objects.filter(request=request)
    copy = attachment.document
    assert (copy.owner, copy.title, attachment.source_document_id, attachment.field_key) == (
        space,
        "Facture d'eau",
        proof.document_id,
        "justificatif",
    )
    assert request.answers["justificatif"] == copy.pk
    assert copy.current_version.sha256 == proof.sha256
    assert copy.current_version.blob_name != proof.blob_name
    # The citizen's own document is theirs to delete: the town's record stays readable.
    vault.delete_document(actor=citizen, document=proof.document)
    stream = vault.open_space_plaintext(
        actor=citizen, version=copy.current_version, purpose=request.vault_purpose
    )
    assert b"".join(stream).startswith(b"%PDF-")
    assert space.memberships.count() == 0


def test_one_space_per_service_whatever_the_number_of_requests(citizen, stranger, rich, service):
    send_rich(citizen, rich)
    send_rich(stranger, rich)

    assert ServiceSpace.objects.filter(service=service).count() == 1
    assert Document.objects.filter(owner=ServiceSpace.objects.get().party).count() == 2


def test_submission_writes_its_timeline_line_its_audit_event_and_a_notification(citizen):
    request = submitted(user=citizen)

    [event] = request.events.all()
    assert (event.kind, event.from_status, event.to_status, event.actor, event.by_applicant) == (
        EventKind.SUBMITTED,
        S.DRAFT,
        S.SUBMITTED,
        citizen,
        True,
    )
    assert AuditEvent.objects.filter(action="demarches.request.submit", target_id=str(request.pk)).exists()
    notification = Notification.objects.get(user=citizen, kind="demarche_submitted")
    assert request.reference in notification.subject
    assert notification.url == f"/mon-espace/demandes/{request.pk}/"


def test_a_draft_is_deleted_but_a_submitted_request_is_not(citizen, stranger):
    demarche = DemarcheFactory()
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    draft = services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    sent = submitted(user=citizen)

    with pytest.raises(PermissionDenied):
        services.delete_draft(actor=stranger, request=draft)
    with pytest.raises(IllegalTransition):
        services.delete_draft(actor=citizen, request=sent)
    services.delete_draft(actor=citizen, request=draft)

    assert list(Request.objects.filter(created_by=citizen)) == [sent]
    assert AuditEvent.objects.filter(action="demarches.request.delete", target_id=str(draft.pk)).exists()


# The table of moves ------------------------------------------------------------------------------


def test_the_table_gives_the_applicant_only_answering_and_withdrawing():
    applicant_moves = set(workflow.BY_APPLICANT)
    assert applicant_moves == {
        (S.AWAITING_INFORMATION, S.IN_REVIEW),
        (S.SUBMITTED, S.CLOSED),
        (S.IN_REVIEW, S.CLOSED),
        (S.AWAITING_INFORMATION, S.CLOSED),
    }
    assert all(workflow.is_allowed(*move) for move in workflow.BY_APPLICANT | workflow.BY_SERVICE)
    for final in (S.ACCEPTED, S.REFUSED, S.CLOSED):
        # Only a manager of the service reopens a decided request; nobody else moves it.
        assert workflow.ALLOWED[final] == frozenset({S.IN_REVIEW})
        assert not workflow.service_may(final, S.IN_REVIEW)
        assert not workflow.applicant_may(final, S.IN_REVIEW)
        assert workflow.manager_may(final, S.IN_REVIEW)
    assert not any(source == S.DRAFT for source, _target in workflow.BY_SERVICE)


def test_the_service_s_agents_move_a_request_and_explain_why(citizen, agent, service):
    demarche = DemarcheFactory(service=service)
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})

    with pytest.raises(IllegalTransition, match="motif est obligatoire"):
        services.change_status(actor=agent, request=request, status=S.AWAITING_INFORMATION)
    services.change_status(actor=agent, request=request, status=S.IN_REVIEW)
    services.change_status(
        actor=agent, request=request, status=S.AWAITING_INFORMATION, motivation="Il manque le livret."
    )

    request.refresh_from_db()
    assert request.status == S.AWAITING_INFORMATION
    moves = list(
        request.events.filter(kind=EventKind.STATUS).values_list(
            "from_status", "to_status", "by_applicant", "motivation"
        )
    )
    assert moves == [
        (S.SUBMITTED, S.IN_REVIEW, False, ""),
        (S.IN_REVIEW, S.AWAITING_INFORMATION, False, "Il manque le livret."),
    ]
    assert AuditEvent.objects.filter(action="demarches.request.status").count() == 2


def test_nobody_but_the_service_s_agents_moves_a_request(citizen, service):
    request = submitted(user=citizen, demarche=document_demarche_without_documents(service))
    other_agent = make_agent(ServiceFactory())

    for actor in (citizen, other_agent, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.change_status(actor=actor, request=request, status=S.IN_REVIEW)


def document_demarche_without_documents(service):
    demarche = DemarcheFactory(service=service)
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    return demarche


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([S.ACCEPTED], S.IN_REVIEW),
        ([S.REFUSED], S.ACCEPTED),
        ([S.CLOSED], S.AWAITING_INFORMATION),
        ([], S.DRAFT),
    ],
)
def test_a_move_outside_the_table_is_refused(citizen, agent, service, path, target):
    request = submitted(
        user=citizen, demarche=document_demarche_without_documents(service), answers={"nom": "M"}
    )
    for status in path:
        services.change_status(actor=agent, request=request, status=status, motivation="Motif.")

    with pytest.raises(IllegalTransition):
        services.change_status(actor=agent, request=request, status=target, motivation="Motif.")


def test_accepting_a_procedure_with_a_fee_bills_it_once_through_the_regie(citizen, agent, service):
    demarche = DemarcheFactory(service=service, fee_cents=3000, title="Composteur")
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    assert Invoice.objects.count() == 0

    services.change_status(actor=agent, request=request, status=S.ACCEPTED)

    request.refresh_from_db()
    invoice = Invoice.objects.get()
    assert (request.invoice, invoice.payer, invoice.total_cents, invoice.source) == (
        invoice,
        person_party(citizen),
        3000,
        f"demarches.request:{request.pk}",
    )
    assert request.decided_at is not None


def test_a_decision_document_is_a_document_of_the_service_s_space(citizen, agent, service):
    request = submitted(
        user=citizen, demarche=document_demarche_without_documents(service), answers={"nom": "M"}
    )
    letter = store(user=agent, title="Arrêté")

    with pytest.raises(IllegalTransition):
        services.change_status(
            actor=agent, request=request, status=S.ACCEPTED, decision_document=letter.document
        )
    copy = vault.copy_to_space(actor=agent, version=letter, space=services.service_space(service=service))
    services.change_status(actor=agent, request=request, status=S.ACCEPTED, decision_document=copy.document)

    request.refresh_from_db()
    assert request.decision_document == copy.document


# The applicant ---------------------------------------------------------------------------------------


def test_answering_a_request_for_information_sends_the_documents_and_resumes_instruction(
    citizen, agent, rich
):
    request, _proof = send_rich(citizen, rich)
    services.change_status(actor=agent, request=request, status=S.AWAITING_INFORMATION, motivation="Le RIB ?")
    rib = store(user=citizen, title="RIB", document_type=DocumentType.objects.get(code="rib"))

    services.answer_information_request(
        actor=citizen, request=request, body="Voici mon RIB.", documents=[rib.document]
    )

    request.refresh_from_db()
    assert request.status == S.IN_REVIEW
    event = request.events.latest("pk")
    assert (event.kind, event.to_status, event.by_applicant, event.message.body) == (
        EventKind.STATUS,
        S.IN_REVIEW,
        True,
        "Voici mon RIB.",
    )
    [attachment] = event.message.attachments.all()
    assert attachment.source_document_id == rib.document_id
    assert attachment.document.owner == services.service_space(service=rich.service)
    # The applicant keeps their own: the copy is another document.
    assert read_back(actor=citizen, version=rib).startswith(b"%PDF-")
    assert attachment.document_id != rib.document_id
    with pytest.raises(IllegalTransition):
        services.answer_information_request(actor=citizen, request=request, body="Encore")


def test_only_the_applicant_s_own_vault_documents_are_attached(citizen, stranger, agent, rich):
    request, _proof = send_rich(citizen, rich)
    theirs = store(user=stranger)

    with pytest.raises(Document.DoesNotExist):
        services.send_message(actor=citizen, request=request, body="Tenez", documents=[theirs.document])
    with pytest.raises(PermissionDenied):
        services.send_message(actor=stranger, request=request, body="Bonjour")
    with pytest.raises(IllegalTransition, match="Écrivez votre message"):
        services.send_message(actor=citizen, request=request, body="   ")
    assert request.messages.count() == 0


def test_a_request_is_withdrawn_while_in_progress_only(citizen, agent, service):
    demarche = document_demarche_without_documents(service)
    first = submitted(user=citizen, demarche=demarche, answers={"nom": "M"})
    second = submitted(user=citizen, demarche=demarche, answers={"nom": "M"})
    services.change_status(actor=agent, request=second, status=S.REFUSED, motivation="Hors délai.")

    services.withdraw_request(actor=citizen, request=first, reason="Je déménage.")
    with pytest.raises(IllegalTransition):
        services.withdraw_request(actor=citizen, request=second)

    first.refresh_from_db()
    assert (first.status, first.decided_at is not None) == (S.CLOSED, True)
    event = first.events.latest("pk")
    assert (event.by_applicant, event.motivation) == (True, "Je déménage.")
    with pytest.raises(IllegalTransition):
        services.send_message(actor=citizen, request=first, body="Finalement…")


# The timeline only grows ---------------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted(citizen):
    request = submitted(user=citizen)
    event = request.events.get()

    event.motivation = "réécrit"
    with pytest.raises(EventsAreAppendOnly):
        event.save()
    with pytest.raises(EventsAreAppendOnly):
        RequestEvent.objects.filter(pk=event.pk).update(motivation="réécrit")
    with pytest.raises(EventsAreAppendOnly):
        RequestEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(EventsAreAppendOnly):
        event.delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE demarches_requestevent SET to_status = 'accepted' WHERE id = %s", [event.pk])

    assert RequestEvent.objects.get(pk=event.pk).to_status == S.SUBMITTED


def test_deleting_the_author_s_account_keeps_the_timeline_without_them(citizen, agent, service):
    request = submitted(
        user=citizen, demarche=document_demarche_without_documents(service), answers={"nom": "M"}
    )
    services.change_status(actor=agent, request=request, status=S.IN_REVIEW)

    agent.delete()

    moved = RequestEvent.objects.get(request=request, kind=EventKind.STATUS)
    assert (moved.actor_id, moved.from_status, moved.to_status, moved.by_applicant) == (
        None,
        S.SUBMITTED,
        S.IN_REVIEW,
        False,
    )
