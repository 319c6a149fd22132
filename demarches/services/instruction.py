"""The service's side of a request: its agents move it on, and its managers reopen it.

    change_status(*, actor, request, status, motivation="", decision_document=None, letter=False) -> Request
    request_information(*, actor, request, missing) -> Request
    assign_request(*, actor, request, assignee=None) -> Request
    set_labels(*, actor, request, labels) -> Request
    add_note(*, actor, request, body) -> RequestNote
    send_agent_message(*, actor, request, body) -> RequestMessage
    open_request_document(*, actor, request, version) -> PlaintextStream   (audited for the applicant)
    bill_fee(*, actor, request) -> None   (an accepted request's fee, once; the silence rule's too)

Each checks that `actor` is an agent of the procedure's service (PermissionDenied
otherwise) and refuses what the request's state does not allow (IllegalTransition,
with a French message).
"""

from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coffre import services as vault
from coffre.models import Document, DocumentVersion
from coffre.services import PlaintextStream
from demarches import hooks, perms, workflow
from demarches.enums import EventKind, RequestStatus
from demarches.exceptions import IllegalTransition
from demarches.models import Label, Request, RequestAttachment, RequestEvent, RequestMessage, RequestNote
from demarches.services.requests import (
    applicant_users,
    clean_body,
    lock_request,
    move,
    request_url,
    service_space,
)
from guichet import audit
from guichet.notify import services as notify
from regie import services as regie
from regie.services import LineDraft

# Days the applicant has to pay a procedure's fee once the request is accepted.
FEE_DUE_DAYS = 30
ASSIGNED_NOTIFICATION_KIND = "demarche_assigned"
MESSAGE_NOTIFICATION_KIND = "demarche_message"


def _check_agent(actor, request: Request) -> None:
    if not perms.is_service_agent(actor, request.demarche.service_id):
        raise PermissionDenied


def _check_move(actor, request: Request, status: str) -> None:
    source = request.status
    manager = perms.is_service_manager(actor, request.demarche.service_id)
    allowed = workflow.manager_may if manager else workflow.service_may
    if allowed(source, status):
        return
    if workflow.manager_may(source, status):
        raise IllegalTransition(_("Seul un responsable du service peut rouvrir une demande close."))
    raise IllegalTransition(
        _("Une demande « %(source)s » ne peut pas passer à « %(target)s ».")
        % {"source": RequestStatus(source).label, "target": RequestStatus(status).label}
    )


@transaction.atomic
def change_status(
    *,
    actor,
    request: Request,
    status: str,
    motivation: str = "",
    decision_document: Document | None = None,
    letter: bool = False,
) -> Request:
    """An agent of the procedure's service moves a request on (workflow.BY_SERVICE); a manager
    also reopens a decided one (workflow.BY_MANAGER).

    Asking for more information, refusing, closing or reopening needs a motivation,
    which the applicant reads in the timeline. A decision document must be a
    document of the service's space. `letter=True` with a decision has the
    decision's letter generated (the procedure's template, as a PDF in the service's
    space) by a Celery task once committed; until then the pages say it is being
    prepared. Reopening withdraws the decision's document from the applicant's page
    (it stays in the service's space). Accepting a procedure with a fee bills it
    through the régie. Other apps' decision checks (demarches.hooks) may refuse the move
    (an IllegalTransition with their message) before anything is written.
    """
    request = lock_request(request)
    _check_agent(actor, request)
    _check_move(actor, request, status)
    refusal = hooks.decision_refusal(actor=actor, request=request, status=status)
    if refusal:
        raise IllegalTransition(refusal)
    motivation = (motivation or "").strip()
    reopening = RequestStatus(request.status).is_final
    if (status in workflow.NEEDS_MOTIVATION or reopening) and not motivation:
        raise IllegalTransition(_("Expliquez ce changement au demandeur : le motif est obligatoire."))
    if letter and not RequestStatus(status).is_final:
        raise IllegalTransition(
            _("Le courrier accompagne une décision : acceptée, refusée ou classée sans suite.")
        )
    if letter and decision_document is not None:
        raise IllegalTransition(_("Joignez une décision ou faites préparer le courrier, pas les deux."))
    if reopening and (request.decision_document_id is not None or request.letter_requested_at is not None):
        request.decision_document = None
        request.letter_requested_at = None
        request.save(update_fields=["decision_document", "letter_requested_at", "updated_at"])
    if decision_document is not None:
        space = service_space(service=request.demarche.service)
        if decision_document.owner_id != space.pk or not RequestStatus(status).is_final:
            raise IllegalTransition(
                _("La décision est un document de l'espace du service, joint à la décision.")
            )
        request.decision_document = decision_document
        request.save(update_fields=["decision_document", "updated_at"])
    move(
        request,
        actor=actor,
        status=status,
        by_applicant=False,
        motivation=motivation,
        details={"letter": True} if letter else None,
    )
    if status == RequestStatus.ACCEPTED:
        bill_fee(actor=actor, request=request)
    if letter:
        from demarches import tasks

        request.letter_requested_at = timezone.now()
        request.save(update_fields=["letter_requested_at", "updated_at"])
        transaction.on_commit(partial(tasks.generate_decision_letter.delay, request.pk))
    return request


def bill_fee(*, actor, request: Request) -> None:
    """Bill an accepted request's fee (its revision's) through the régie, once: the caller holds the
    request's lock; an agent's decision and the silence rule's acceptance both come here."""
    fee = request.form.fee_cents
    if not fee or request.invoice_id is not None:
        return
    request.invoice = regie.issue_invoice(
        actor=actor,
        payer=request.applicant,
        lines=[
            LineDraft(
                label=f"{request.demarche.title} ({request.reference})"[:200],
                service=request.demarche.service,
                unit_price_cents=fee,
                source=f"demarches.request:{request.pk}",
            )
        ],
        due_date=timezone.localdate() + timedelta(days=FEE_DUE_DAYS),
        source=f"demarches.request:{request.pk}",
    )
    request.save(update_fields=["invoice", "updated_at"])


# The request's page: assignment, labels, notes, messages ---------------------------------------


@transaction.atomic
def assign_request(*, actor, request: Request, assignee=None) -> Request:
    """Give the request to an agent of its service (oneself, a colleague), or to nobody (None)."""
    request = lock_request(request)
    _check_agent(actor, request)
    if assignee is not None and not perms.is_service_agent(assignee, request.demarche.service_id):
        raise IllegalTransition(_("Cette personne n'est pas agent du service chargé de la demande."))
    new_id = assignee.pk if assignee is not None else None
    if request.assignee_id == new_id:
        return request
    previous = request.assignee_id
    request.assignee = assignee
    request.overdue_reminded_at = None
    request.save(update_fields=["assignee", "overdue_reminded_at", "updated_at"])
    audit.record(
        actor=actor,
        action="demarches.request.assign",
        target=request,
        owner=request.applicant_id,
        previous=previous,
        assignee=new_id,
    )
    if assignee is not None and assignee.pk != actor.pk:
        notify.notify(
            user=assignee,
            kind=ASSIGNED_NOTIFICATION_KIND,
            context={"reference": request.reference, "title": request.demarche.title},
            url=reverse("demarches:agent_request", args=[request.pk]),
        )
    return request


@transaction.atomic
def set_labels(*, actor, request: Request, labels: Iterable[Label]) -> Request:
    """Replace the request's labels (the agents' own sorting; the applicant never sees them)."""
    request = lock_request(request)
    _check_agent(actor, request)
    wanted = {label.pk for label in labels}
    current = set(request.labels.values_list("pk", flat=True))
    if wanted == current:
        return request
    request.labels.set(wanted)
    audit.record(
        actor=actor,
        action="demarches.request.labels",
        target=request,
        added=sorted(wanted - current),
        removed=sorted(current - wanted),
    )
    return request


@transaction.atomic
def add_note(*, actor, request: Request, body: str) -> RequestNote:
    """A private note for the other agents of the service; never shown to the applicant."""
    request = lock_request(request)
    _check_agent(actor, request)
    note = RequestNote.objects.create(request=request, author=actor, body=clean_body(body))
    audit.record(actor=actor, action="demarches.note.create", target=note, request=request.pk)
    return note


@transaction.atomic
def send_agent_message(*, actor, request: Request, body: str) -> RequestMessage:
    """An agent writes to the applicant, who is notified and reads it in the request's timeline."""
    request = lock_request(request)
    _check_agent(actor, request)
    if request.status not in workflow.OPEN_FOR_MESSAGES:
        raise IllegalTransition(_("Cette demande est close : rouvrez-la pour écrire au demandeur."))
    message = RequestMessage.objects.create(
        request=request, author=actor, from_applicant=False, body=clean_body(body)
    )
    RequestEvent.objects.create(
        request=request, kind=EventKind.MESSAGE, actor=actor, by_applicant=False, message=message
    )
    audit.record(
        actor=actor,
        action="demarches.message.create",
        target=message,
        owner=request.applicant_id,
        request=request.pk,
    )
    notify.notify_many(
        users=applicant_users(request),
        kind=MESSAGE_NOTIFICATION_KIND,
        context={"reference": request.reference, "title": request.demarche.title, "body": message.body},
        url=request_url(request),
    )
    return message


def request_information(*, actor, request: Request, missing: str) -> Request:
    """Ask the applicant for what is missing: the request waits for them and its deadline pauses."""
    return change_status(
        actor=actor, request=request, status=RequestStatus.AWAITING_INFORMATION, motivation=missing
    )


# Reading the request's documents -----------------------------------------------------------------


def open_request_document(*, actor, request: Request, version: DocumentVersion) -> PlaintextStream:
    """An agent of the service opens a document of the request kept in the service's space: a copy
    of an answer's or a message's document, or the decision.

    The vault audits the read for the space that owns the copy; this audits it for
    the applicant too (`demarches.attachment.read`, `demarches.decision.read`), so
    their "who saw my data" page shows which agent opened their document.
    """
    _check_agent(actor, request)
    document_id = version.document_id
    is_decision = document_id == request.decision_document_id
    if (
        not is_decision
        and not RequestAttachment.objects.filter(request=request, document_id=document_id).exists()
    ):
        raise PermissionDenied
    stream = vault.open_space_plaintext(actor=actor, version=version, purpose=request.vault_purpose)
    audit.record(
        actor=actor,
        action="demarches.decision.read" if is_decision else "demarches.attachment.read",
        target=request,
        owner=request.applicant_id,
        document=document_id,
        version=version.pk,
    )
    return stream
