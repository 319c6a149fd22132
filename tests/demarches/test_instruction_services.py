"""The service's side of a request through its services: every move of the table and no other, each
writing one timeline line, one audit event and one notification; reopening by a manager; the declarative
procedure; the deadline clock paused while waiting for the applicant; assignment, labels, notes, messages;
an agent opening a document, seen by the applicant."""

from datetime import date, datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from demarches import services, workflow
from demarches.enums import EventKind, RequestStatus, SilenceRule
from demarches.exceptions import IllegalTransition
from demarches.models import Label, Request, RequestEvent, RequestNote
from guichet.accounts.enums import AgentRole
from guichet.audit.models import AuditEvent
from guichet.audit.selectors import data_accesses_page
from guichet.notify.models import Notification
from tests.demarches.factories import DemarcheFactory, add_page, fill, publish, submitted
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party

pytestmark = pytest.mark.django_db

S = RequestStatus
PARIS = ZoneInfo("Europe/Paris")
STATUSES = list(S.values)
PAIRS = list(product(STATUSES, STATUSES))


@pytest.fixture
def demarche(service):
    demarche = DemarcheFactory(service=service, title="Carte de stationnement", processing_days=10)
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    return demarche


@pytest.fixture
def manager(service):
    return make_agent(service, role=AgentRole.MANAGER, first_name="Maud", last_name="Responsable")


def request_in(status: str, *, citizen, demarche, manager) -> Request:
    """A request of `citizen` brought to `status` through the services (a manager moves it)."""
    if status == S.DRAFT:
        return fill(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    if status != S.SUBMITTED:
        services.change_status(actor=manager, request=request, status=status, motivation="Pour le test.")
    return Request.objects.get(pk=request.pk)


def counts(request: Request) -> tuple[int, int, int]:
    return (
        RequestEvent.objects.filter(request=request).count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


# The table of moves ------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_an_agent_makes_every_move_of_the_table_and_no_other(
    source, target, citizen, agent, manager, demarche
):
    request = request_in(source, citizen=citizen, demarche=demarche, manager=manager)
    before = counts(request)

    if (source, target) in workflow.BY_SERVICE:
        services.change_status(actor=agent, request=request, status=target, motivation="Motif du service.")

        request.refresh_from_db()
        assert request.status == target
        assert counts(request) == tuple(count + 1 for count in before)
        event = RequestEvent.objects.filter(request=request).latest("pk")
        assert (event.kind, event.from_status, event.to_status, event.actor, event.by_applicant) == (
            EventKind.STATUS,
            source,
            target,
            agent,
            False,
        )
        assert event.motivation == "Motif du service."
        audit = AuditEvent.objects.latest("id")
        assert (audit.action, audit.actor_id, audit.owner_party_id) == (
            "demarches.request.status",
            agent.pk,
            request.applicant_id,
        )
        assert audit.details == {"source": source, "status": target}
        notification = Notification.objects.latest("pk")
        assert (notification.user, notification.kind) == (citizen, "demarche_status")
        assert request.reference in notification.subject
    else:
        with pytest.raises(IllegalTransition):
            services.change_status(
                actor=agent, request=request, status=target, motivation="Motif du service."
            )

        request.refresh_from_db()
        assert request.status == source
        assert counts(request) == before


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_a_manager_also_reopens_and_makes_no_other_move(source, target, citizen, manager, demarche):
    request = request_in(source, citizen=citizen, demarche=demarche, manager=manager)
    before = counts(request)
    allowed = (source, target) in workflow.BY_SERVICE | workflow.BY_MANAGER

    if allowed:
        services.change_status(actor=manager, request=request, status=target, motivation="Réexamen.")
        request.refresh_from_db()
        assert request.status == target
        assert counts(request) == tuple(count + 1 for count in before)
    else:
        with pytest.raises(IllegalTransition):
            services.change_status(actor=manager, request=request, status=target, motivation="Réexamen.")
        request.refresh_from_db()
        assert request.status == source
        assert counts(request) == before


@pytest.mark.parametrize("final", [S.ACCEPTED, S.REFUSED, S.CLOSED])
def test_only_a_manager_reopens_a_decided_request_and_says_why(final, citizen, agent, manager, demarche):
    request = request_in(final, citizen=citizen, demarche=demarche, manager=manager)

    with pytest.raises(IllegalTransition, match="Seul un responsable du service peut rouvrir"):
        services.change_status(actor=agent, request=request, status=S.IN_REVIEW, motivation="Erreur.")
    with pytest.raises(IllegalTransition, match="le motif est obligatoire"):
        services.change_status(actor=manager, request=request, status=S.IN_REVIEW)
    services.change_status(actor=manager, request=request, status=S.IN_REVIEW, motivation="Pièce retrouvée.")

    request.refresh_from_db()
    assert (request.status, request.decided_at, request.silence_date) == (S.IN_REVIEW, None, None)


def test_an_agent_of_another_service_moves_nothing(citizen, manager, demarche):
    stranger = make_agent(ServiceFactory(name="Urbanisme", slug="urbanisme"))
    request = request_in(S.SUBMITTED, citizen=citizen, demarche=demarche, manager=manager)

    with pytest.raises(PermissionDenied):
        services.change_status(actor=stranger, request=request, status=S.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        services.change_status(actor=citizen, request=request, status=S.IN_REVIEW)
    assert Request.objects.get(pk=request.pk).status == S.SUBMITTED


def test_a_declarative_procedure_is_accepted_on_submission(citizen, service):
    demarche = DemarcheFactory(service=service, is_declarative=True, title="Déclaration de chantier")
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)

    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})

    request.refresh_from_db()
    assert request.status == S.ACCEPTED
    assert request.decided_at is not None
    submitted_event, accepted = RequestEvent.objects.filter(request=request).order_by("pk")
    assert (submitted_event.kind, accepted.from_status, accepted.to_status, accepted.actor) == (
        EventKind.SUBMITTED,
        S.SUBMITTED,
        S.ACCEPTED,
        None,
    )
    assert "déclarative" in accepted.motivation
    assert Notification.objects.filter(user=citizen, kind="demarche_status").count() == 1


# The deadline clock ---------------------------------------------------------------------------------


def test_a_declarative_procedure_with_a_fee_is_billed_once_on_submission(citizen, service):
    demarche = DemarcheFactory(
        service=service, is_declarative=True, fee_cents=1250, title="Déclaration payante"
    )
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)

    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})

    request.refresh_from_db()
    assert request.status == S.ACCEPTED
    assert request.invoice is not None
    assert request.invoice.payer_id == request.applicant_id
    assert request.invoice.total_cents == 1250


def test_the_deadline_clock_pauses_while_the_service_waits_for_the_applicant(
    citizen, agent, service, time_machine
):
    demarche = DemarcheFactory(
        service=service, processing_days=10, silence_rule=SilenceRule.ACCEPT, silence_days=20
    )
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    time_machine.move_to(datetime(2026, 3, 2, 10, tzinfo=PARIS), tick=False)
    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    assert (request.due_date, request.silence_date) == (date(2026, 3, 12), date(2026, 3, 22))

    time_machine.move_to(datetime(2026, 3, 5, 9, tzinfo=PARIS), tick=False)
    services.request_information(actor=agent, request=request, missing="Le justificatif de domicile.")
    request.refresh_from_db()
    assert request.status == S.AWAITING_INFORMATION
    assert request.paused_since == date(2026, 3, 5)
    assert request.information_due_date == date(2026, 3, 5) + timedelta(days=demarche.information_days)
    # Past the processing deadline while paused: not late, the service is not the one waiting.
    assert not request.is_overdue(date(2026, 3, 20))

    time_machine.move_to(datetime(2026, 3, 10, 16, tzinfo=PARIS), tick=False)
    services.answer_information_request(actor=citizen, request=request, body="Le voici.")

    request.refresh_from_db()
    # Five days waited: both deadlines move back by five days.
    assert request.status == S.IN_REVIEW
    assert (request.due_date, request.silence_date) == (date(2026, 3, 17), date(2026, 3, 27))
    assert (request.paused_since, request.information_due_date) == (None, None)
    assert not request.is_overdue(date(2026, 3, 17))
    assert request.is_overdue(date(2026, 3, 18))


def test_asking_for_information_needs_to_say_what_is_missing(citizen, agent, demarche):
    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})

    with pytest.raises(IllegalTransition, match="le motif est obligatoire"):
        services.request_information(actor=agent, request=request, missing="  ")
    assert Request.objects.get(pk=request.pk).status == S.SUBMITTED


# Assignment, labels, notes, messages ---------------------------------------------------------------


def test_a_request_is_assigned_to_an_agent_of_its_service_only(citizen, agent, service, demarche):
    colleague = make_agent(service, first_name="Claude", last_name="Collègue")
    outsider = make_agent(ServiceFactory(name="Urbanisme", slug="urbanisme"))
    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})

    for refused in (citizen, outsider, UserFactory()):
        with pytest.raises(IllegalTransition, match="n'est pas agent du service"):
            services.assign_request(actor=agent, request=request, assignee=refused)
    assert Request.objects.get(pk=request.pk).assignee is None

    services.assign_request(actor=agent, request=request, assignee=colleague)
    assert Request.objects.get(pk=request.pk).assignee == colleague
    notification = Notification.objects.get(user=colleague)
    assert notification.kind == "demarche_assigned"
    assert notification.url == f"/agent/demarches/demandes/{request.pk}/"
    event = AuditEvent.objects.get(action="demarches.request.assign")
    assert event.details == {"previous": None, "assignee": colleague.pk}

    services.assign_request(actor=agent, request=request, assignee=agent)
    services.assign_request(actor=agent, request=request, assignee=None)
    assert Request.objects.get(pk=request.pk).assignee is None
    # Taking it oneself tells nobody; each change is audited.
    assert Notification.objects.filter(kind="demarche_assigned").count() == 1
    assert AuditEvent.objects.filter(action="demarches.request.assign").count() == 3


def test_labels_notes_and_messages_need_an_agent_of_the_service(citizen, agent, demarche):
    outsider = make_agent(ServiceFactory(name="Urbanisme", slug="urbanisme"))
    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    urgent = Label.objects.get(name="Urgent")

    for actor in (outsider, citizen):
        with pytest.raises(PermissionDenied):
            services.set_labels(actor=actor, request=request, labels=[urgent])
        with pytest.raises(PermissionDenied):
            services.add_note(actor=actor, request=request, body="Note.")
        with pytest.raises(PermissionDenied):
            services.send_agent_message(actor=actor, request=request, body="Bonjour.")
        with pytest.raises(PermissionDenied):
            services.assign_request(actor=actor, request=request, assignee=agent)

    services.set_labels(actor=agent, request=request, labels=[urgent])
    note = services.add_note(actor=agent, request=request, body="Rappeler le demandeur.")
    message = services.send_agent_message(actor=agent, request=request, body="Votre dossier est complet.")

    assert list(request.labels.all()) == [urgent]
    assert list(RequestNote.objects.filter(request=request)) == [note]
    assert (message.from_applicant, message.author) == (False, agent)
    assert Notification.objects.filter(user=citizen, kind="demarche_message").count() == 1


def test_no_message_to_the_applicant_once_the_request_is_closed(citizen, agent, manager, demarche):
    request = request_in(S.ACCEPTED, citizen=citizen, demarche=demarche, manager=manager)

    with pytest.raises(IllegalTransition, match="rouvrez-la"):
        services.send_agent_message(actor=agent, request=request, body="Bonjour.")


# Opening a document: the applicant sees who did ---------------------------------------------------------


def test_an_agent_opening_a_document_is_shown_to_the_applicant(citizen, agent, service):
    from coffre.models import DocumentType
    from tests.coffre.factories import pdf_bytes, store
    from tests.demarches.factories import document_demarche

    rich = document_demarche(service=service)
    proof = store(
        user=citizen,
        content=pdf_bytes(3000, marker=b"FACTURE"),
        document_type=DocumentType.objects.get(code="justificatif-domicile"),
        title="Facture d'eau",
    )
    request = submitted(
        user=citizen,
        demarche=rich,
        answers={"nom": "Martin", "justificatif": proof.document_id, "telephone": "+33612345678"},
    )
    copy = request.attachments.get().document

    stream = services.open_request_document(actor=agent, request=request, version=copy.current_version)
    assert b"FACTURE" in b"".join(stream)

    event = AuditEvent.objects.get(action="demarches.attachment.read")
    assert (event.actor_id, event.owner_party_id, event.target_id) == (
        agent.pk,
        person_party(citizen).pk,
        str(request.pk),
    )
    accesses = data_accesses_page(viewer=citizen, party_ids=[person_party(citizen).pk], page=1)
    assert "Consultation par un agent d'un document joint à une de vos demandes" in [
        access.action for access in accesses.object_list
    ]
    # A document that is not one of this request's is refused, even in the service's space.
    other = submitted(
        user=citizen,
        demarche=rich,
        answers={"nom": "Martin", "justificatif": proof.document_id, "telephone": "+33612345678"},
    )
    with pytest.raises(PermissionDenied):
        services.open_request_document(
            actor=agent, request=request, version=other.attachments.get().document.current_version
        )
