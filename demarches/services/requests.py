"""A request's life on the applicant's side, and the one move every status change goes through.

Drafts (the applicant, or an agent at the counter):
    start_request(*, actor, demarche, applicant) -> Request
    save_page_answers(*, actor, request, page_number, page_answers) -> Request
    store_applicant_document(*, actor, request, uploaded, document_type, expiry_date=None, title="") -> Document
    delete_draft(*, actor, request) -> None
    submit_request(*, actor, request, today=None) -> Request
Following a request (the applicant):
    send_message(*, actor, request, body, documents=()) -> RequestMessage
    answer_information_request(*, actor, request, body, documents=()) -> Request
    withdraw_request(*, actor, request, reason="") -> Request
The vault's space of a service, where a request's documents become the town's record:
    service_space(*, service) -> Party
Statuses move through demarches.workflow's table and `move()`: every move writes one
RequestEvent (the timeline, append-only), one audit event and tells the other side,
in the same transaction, and keeps the request's deadline clock.
"""

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coffre import services as vault
from coffre.exceptions import VaultError
from coffre.models import Document, DocumentType
from coffre.uploads import EncryptedUpload
from demarches import engine, hooks, perms, references, search, workflow
from demarches.enums import DemarcheStatus, EventKind, FieldKind, RequestStatus, SilenceRule
from demarches.exceptions import IllegalTransition, NotFillable, RequestIncomplete, SubmissionRefused
from demarches.models import (
    Demarche,
    Request,
    RequestAttachment,
    RequestEvent,
    RequestMessage,
    ServiceSpace,
)
from demarches.schema import FormSchema
from guichet import audit
from guichet.accounts.models import Party, Service, User
from guichet.notify import services as notify

SUBMITTED_NOTIFICATION_KIND = "demarche_submitted"
# The applicant is told of each move of the service; the agent in charge, of the applicant's.
STATUS_NOTIFICATION_KIND = "demarche_status"
APPLICANT_MOVE_NOTIFICATION_KIND = "demarche_applicant_update"
MESSAGE_MAX_LENGTH = 5000
DECLARATIVE_MOTIVATION = "Démarche déclarative : votre déclaration est enregistrée dès son dépôt."

# Requests: the draft ------------------------------------------------------------------------------


def _check_acts_for(actor, party_id: int) -> None:
    if not perms.can_act_for(actor, party_id):
        raise PermissionDenied


def _check_fills(actor, request: Request) -> None:
    """The applicant's members fill a draft; so does an agent of the service for a counter draft."""
    if not perms.can_fill(actor, request):
        raise PermissionDenied


def applicant_users(request: Request) -> list[User]:
    """The active accounts acting for the request's applicant (a person, a household's guardians…)."""
    return list(
        User.objects.filter(party_memberships__party_id=request.applicant_id, is_active=True)
        .distinct()
        .order_by("pk")
    )


def request_url(request: Request) -> str:
    return reverse("demarches:request", args=[request.pk])


def lock_request(request: Request) -> Request:
    """The request's row, locked until the transaction ends, with what every service reads of it."""
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("revision", "applicant", "demarche__service")
        .get(pk=request.pk)
    )


@transaction.atomic
def start_request(*, actor, demarche: Demarche, applicant: Party) -> Request:
    """A draft of this procedure for `applicant`, pinned to the current revision, prefilled."""
    _check_acts_for(actor, applicant.pk)
    demarche = Demarche.objects.select_related("current_revision").get(pk=demarche.pk)
    if demarche.is_link or demarche.status != DemarcheStatus.PUBLISHED or demarche.current_revision is None:
        raise NotFillable(_("Cette démarche n'est pas ouverte en ligne pour le moment."))
    if not demarche.allows(applicant):
        raise NotFillable(_("Cette démarche ne peut pas être faite pour ce demandeur."))
    revision = demarche.current_revision
    request = Request.objects.create(
        demarche=demarche,
        revision=revision,
        applicant=applicant,
        created_by=actor,
        answers=engine.prefill_answers(revision.form, user=actor, party=applicant),
    )
    audit.record(actor=actor, action="demarches.request.create", target=request, owner=applicant)
    return request


@transaction.atomic
def save_page_answers(*, actor, request: Request, page_number: int, page_answers: dict) -> Request:
    """Save one page of a draft (from `PageForm.answers()`); answers hidden by the change are dropped."""
    request = lock_request(request)
    _check_fills(actor, request)
    if request.status != RequestStatus.DRAFT:
        raise IllegalTransition(_("Cette demande a déjà été déposée : ses réponses ne peuvent plus changer."))
    request.answers = engine.merge_page_answers(
        request.form, answers=request.answers, page_number=page_number, page_answers=page_answers
    )
    request.save(update_fields=["answers", "updated_at"])
    audit.record(actor=actor, action="demarches.request.update", target=request, owner=request.applicant_id)
    return request


def store_applicant_document(
    *,
    actor,
    request: Request,
    uploaded: EncryptedUpload,
    document_type: DocumentType,
    expiry_date: date | None = None,
    title: str = "",
) -> Document:
    """Keep a file sent from a request's page in the applicant's own vault (encrypted as it came in).

    The applicant then picks it like any other document of their vault; it becomes
    the town's record only when the request is submitted (or the message sent).
    Refusals of the vault (type, quota, dates) are VaultErrors with their French message.
    """
    if not perms.can_act_for(actor, request.applicant_id):
        uploaded.discard()
        raise PermissionDenied
    if not (request.status == RequestStatus.DRAFT or request.status in workflow.OPEN_FOR_MESSAGES):
        uploaded.discard()
        raise IllegalTransition(_("Cette demande ne reçoit plus de documents."))
    version = vault.store_document(
        actor=actor,
        owner=request.applicant,
        uploaded=uploaded,
        document_type=document_type,
        title=title,
        expiry_date=expiry_date,
    )
    return version.document


@transaction.atomic
def delete_draft(*, actor, request: Request) -> None:
    """Delete a draft: it was never sent, nothing of it is kept. A submitted request is withdrawn instead."""
    request = lock_request(request)
    _check_fills(actor, request)
    if request.status != RequestStatus.DRAFT:
        raise IllegalTransition(_("Une demande déposée ne peut pas être supprimée ; vous pouvez la retirer."))
    request_id, applicant_id = request.pk, request.applicant_id
    request.delete()
    audit.record(
        actor=actor,
        action="demarches.request.delete",
        target=f"demarches.request:{request_id}",
        owner=applicant_id,
    )


# Requests: submission -------------------------------------------------------------------------------


def service_space(*, service: Service) -> Party:
    """The service's own space in the vault, made on first use (one per service, even at once)."""
    space = ServiceSpace.objects.select_related("party").filter(service=service).first()
    if space is not None:
        return space.party
    with transaction.atomic():
        Service.objects.select_for_update().get(pk=service.pk)
        space = ServiceSpace.objects.select_related("party").filter(service=service).first()
        if space is None:
            party = Party.objects.create(kind=ServiceSpace.PARTY_KIND, name=service.name)
            space = ServiceSpace.objects.create(service=service, party=party)
            audit.record(actor=None, action="demarches.space.create", target=space, service=service.pk)
    return space.party


def document_answers(schema: FormSchema, answers: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """(field key, document id) of every document answer, a repeated group's blocks included."""
    for _page, spec in schema.top_level_fields():
        if spec.kind == FieldKind.DOCUMENT and answers.get(spec.key):
            yield spec.key, int(answers[spec.key])
        if spec.is_group:
            for block in answers.get(spec.key) or []:
                for child in spec.children:
                    if child.kind == FieldKind.DOCUMENT and block.get(child.key):
                        yield child.key, int(block[child.key])


def _replace_documents(schema: FormSchema, answers: dict[str, Any], copies: dict[int, int]) -> dict[str, Any]:
    """The answers pointing at the service's copies instead of the applicant's documents."""
    result = dict(answers)
    for _page, spec in schema.top_level_fields():
        if spec.kind == FieldKind.DOCUMENT and result.get(spec.key):
            result[spec.key] = copies[int(result[spec.key])]
        if spec.is_group and result.get(spec.key):
            documents = [child.key for child in spec.children if child.kind == FieldKind.DOCUMENT]
            result[spec.key] = [
                {
                    key: copies[int(value)] if key in documents and value else value
                    for key, value in block.items()
                }
                for block in result[spec.key]
            ]
    return result


def _copy_documents(
    *, actor, request: Request, space: Party, documents: Iterable[tuple[str, int]], message=None
) -> dict[int, int]:
    """Re-encrypt the applicant's documents into the service's space; {original id: copy id}."""
    copies: dict[int, int] = {}
    for field_key, document_id in documents:
        if document_id in copies:
            continue
        document = Document.objects.select_related("current_version").get(
            pk=document_id, owner_id=request.applicant_id
        )
        if document.current_version is None:
            raise RequestIncomplete(_("Un document choisi n'a plus de fichier : choisissez-en un autre."))
        try:
            copy = vault.copy_to_space(actor=actor, version=document.current_version, space=space)
        except VaultError as error:
            raise RequestIncomplete(error.message) from error
        RequestAttachment.objects.create(
            request=request,
            document_id=copy.document_id,
            source_document_id=document_id,
            field_key=field_key,
            message=message,
        )
        copies[document_id] = copy.document_id
    return copies


@transaction.atomic
def submit_request(*, actor, request: Request, today: date | None = None) -> Request:
    """Submit a complete draft: answers checked against its own revision, documents handed to the
    service, then a reference.

    The draft's row is locked first: a second submission of the same request
    (a double click) waits, then finds it submitted and is refused
    (IllegalTransition), so it makes one request with one reference. Each
    document answer is re-encrypted into the service's space and the answers
    then point at those copies (RequestAttachment keeps both ids). The
    acknowledgement (e-mail and PDF) goes through Celery once committed.

    Other apps' submit checks (demarches.hooks) run once the row is locked, before
    anything is written: a refusal is a SubmissionRefused and the draft stays as it
    was. `hooks.request_submitted` is sent inside this transaction once the request
    is submitted, so its receivers' writes are atomic with the submission.
    """
    request = lock_request(request)
    _check_fills(actor, request)
    if request.status != RequestStatus.DRAFT:
        raise IllegalTransition(_("Cette demande a déjà été déposée."))
    refusal = hooks.submit_refusal(actor=actor, request=request)
    if refusal:
        raise SubmissionRefused(refusal)
    schema = request.form
    applicant = engine.Applicant(user=actor, party=request.applicant, today=today)
    errors = engine.validate_answers(schema, request.answers, applicant=applicant, today=today)
    if errors:
        raise RequestIncomplete(_("Des réponses manquent ou sont à corriger."), errors=errors)
    now = timezone.now()
    answers = engine.clean_answers(schema, request.answers)
    documents = list(document_answers(schema, answers))
    if documents:
        space = service_space(service=request.demarche.service)
        copies = _copy_documents(actor=actor, request=request, space=space, documents=documents)
        answers = _replace_documents(schema, answers, copies)
    request.answers = answers
    request.status = RequestStatus.SUBMITTED
    request.submitted_at = now
    day = timezone.localdate(now)
    demarche = request.demarche
    if schema.processing_days:
        request.due_date = day + timedelta(days=schema.processing_days)
    if demarche.silence_rule != SilenceRule.NONE and demarche.silence_days:
        request.silence_date = day + timedelta(days=demarche.silence_days)
    RequestEvent.objects.create(
        request=request,
        kind=EventKind.SUBMITTED,
        from_status=RequestStatus.DRAFT,
        to_status=RequestStatus.SUBMITTED,
        actor=actor,
        # A counter draft is sent by the agent, or by the applicant who finished it from their account.
        by_applicant=not request.is_counter or perms.can_act_for(actor, request.applicant_id),
        created_at=now,
    )
    # Last, just before saving: the sequence row stays locked until the transaction ends.
    request.reference = references.next_reference(on=day)
    request.save(
        update_fields=[
            "answers",
            "status",
            "submitted_at",
            "reference",
            "due_date",
            "silence_date",
            "updated_at",
        ]
    )
    index_request(request)
    audit.record(
        actor=actor,
        action="demarches.request.submit",
        target=request,
        owner=request.applicant_id,
        documents=len(documents),
        channel=request.channel,
    )
    hooks.request_submitted.send(sender=Request, request=request, actor=actor)
    notify.notify_many(
        users=applicant_users(request),
        kind=SUBMITTED_NOTIFICATION_KIND,
        context={
            "reference": request.reference,
            "title": demarche.title,
            "service": demarche.service.name,
            "processing_days": schema.processing_days,
        },
        url=request_url(request),
    )
    if demarche.is_declarative:
        from demarches.services.instruction import bill_fee

        move(
            request,
            actor=None,
            status=RequestStatus.ACCEPTED,
            by_applicant=False,
            motivation=_(DECLARATIVE_MOTIVATION),
        )
        bill_fee(actor=None, request=request)
    from demarches import tasks

    transaction.on_commit(partial(tasks.send_acknowledgement.delay, request.pk))
    return request


def index_request(request: Request) -> None:
    """Refresh the agents' search index of a request: reference, applicant's name and answers."""
    text = search.document_text(request)
    Request.objects.filter(pk=request.pk).update(search_vector=SearchVector(Value(text), config="simple"))


# Following a request: the applicant -----------------------------------------------------------------


def move(
    request: Request,
    *,
    actor,
    status: str,
    by_applicant: bool,
    motivation: str = "",
    message: RequestMessage | None = None,
    action: str = "demarches.request.status",
    now=None,
    details: dict[str, Any] | None = None,
) -> RequestEvent:
    """Change a locked request's status (the caller checked who may): the one path of every move.

    Writes one timeline line and one audit event, tells the other side (the
    applicant of the service's moves, the agent in charge of the applicant's),
    and keeps the deadline clock: waiting for more information pauses it (the
    processing and silence deadlines move back by the days waited), a decision
    stops it, reopening starts it again without a new silence. `details` (ids and codes) go into
    the audit event, such as `letter=True` when the agent asked for the decision's letter.
    """
    source = request.status
    if not workflow.is_allowed(source, status):
        raise IllegalTransition(
            _("Une demande « %(source)s » ne peut pas passer à « %(target)s ».")
            % {"source": RequestStatus(source).label, "target": RequestStatus(status).label}
        )
    now = now or timezone.now()
    today = timezone.localdate(now)
    fields = ["status", "updated_at"]
    if source == RequestStatus.AWAITING_INFORMATION and request.paused_since is not None:
        waited = timedelta(days=(today - request.paused_since).days)
        if request.due_date:
            request.due_date += waited
        if request.silence_date:
            request.silence_date += waited
        request.paused_since = None
        request.information_due_date = None
        request.information_reminded_at = None
        fields += [
            "due_date",
            "silence_date",
            "paused_since",
            "information_due_date",
            "information_reminded_at",
        ]
    if status == RequestStatus.AWAITING_INFORMATION:
        request.paused_since = today
        request.information_due_date = today + timedelta(days=request.demarche.information_days)
        request.information_reminded_at = None
        fields += ["paused_since", "information_due_date", "information_reminded_at"]
    if RequestStatus(status).is_final:
        request.decided_at = now
        fields.append("decided_at")
    elif RequestStatus(source).is_final:
        # Reopened: decided again later; the silence rule does not decide a second time.
        request.decided_at = None
        request.silence_date = None
        fields += ["decided_at", "silence_date"]
    request.status = status
    request.save(update_fields=list(dict.fromkeys(fields)))
    event = RequestEvent.objects.create(
        request=request,
        kind=EventKind.STATUS,
        from_status=source,
        to_status=status,
        actor=actor,
        by_applicant=by_applicant,
        motivation=motivation,
        message=message,
        created_at=now,
    )
    audit.record(
        actor=actor,
        action=action,
        target=request,
        owner=request.applicant_id,
        source=source,
        status=status,
        **(details or {}),
    )
    context = {
        "reference": request.reference,
        "title": request.demarche.title,
        "status": str(RequestStatus(status).label),
        "motivation": motivation,
    }
    if not by_applicant:
        notify.notify_many(
            users=applicant_users(request),
            kind=STATUS_NOTIFICATION_KIND,
            context=context,
            url=request_url(request),
        )
    elif request.assignee_id is not None:
        notify.notify(
            user=request.assignee,
            kind=APPLICANT_MOVE_NOTIFICATION_KIND,
            context=context,
            url=reverse("demarches:agent_request", args=[request.pk]),
        )
    return event


def clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise IllegalTransition(_("Écrivez votre message."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise IllegalTransition(
            _("Un message compte %(max)d caractères au plus.") % {"max": MESSAGE_MAX_LENGTH}
        )
    return body


def _applicant_message(
    *, actor, request: Request, body: str, documents: Iterable[Document]
) -> RequestMessage:
    message = RequestMessage.objects.create(
        request=request, author=actor, from_applicant=True, body=clean_body(body)
    )
    documents = list(documents)
    if documents:
        space = service_space(service=request.demarche.service)
        _copy_documents(
            actor=actor,
            request=request,
            space=space,
            documents=[("", document.pk) for document in documents],
            message=message,
        )
    return message


@transaction.atomic
def send_message(*, actor, request: Request, body: str, documents: Iterable[Document] = ()) -> RequestMessage:
    """The applicant writes to the service, with documents of their vault (copied into the service's
    space), while the request is being processed."""
    request = lock_request(request)
    _check_acts_for(actor, request.applicant_id)
    if request.status not in workflow.OPEN_FOR_MESSAGES:
        raise IllegalTransition(_("Cette demande est close : vous ne pouvez plus écrire au service."))
    message = _applicant_message(actor=actor, request=request, body=body, documents=documents)
    RequestEvent.objects.create(
        request=request, kind=EventKind.MESSAGE, actor=actor, by_applicant=True, message=message
    )
    audit.record(
        actor=actor,
        action="demarches.message.create",
        target=message,
        owner=request.applicant_id,
        request=request.pk,
        documents=message.attachments.count(),
    )
    return message


@transaction.atomic
def answer_information_request(
    *, actor, request: Request, body: str, documents: Iterable[Document] = ()
) -> Request:
    """The applicant sends what the service asked for: a message and documents; the request goes
    back to "En cours d'instruction"."""
    request = lock_request(request)
    _check_acts_for(actor, request.applicant_id)
    if not workflow.applicant_may(request.status, RequestStatus.IN_REVIEW):
        raise IllegalTransition(_("Le service n'attend pas de compléments pour cette demande."))
    message = _applicant_message(actor=actor, request=request, body=body, documents=documents)
    move(
        request,
        actor=actor,
        status=RequestStatus.IN_REVIEW,
        by_applicant=True,
        message=message,
        action="demarches.request.reply",
    )
    return request


@transaction.atomic
def withdraw_request(*, actor, request: Request, reason: str = "") -> Request:
    """The applicant withdraws a request being processed: it is "Classée sans suite", by them."""
    request = lock_request(request)
    _check_acts_for(actor, request.applicant_id)
    if not workflow.applicant_may(request.status, RequestStatus.CLOSED):
        raise IllegalTransition(_("Cette demande ne peut plus être retirée."))
    reason = (reason or "").strip()[:MESSAGE_MAX_LENGTH]
    move(
        request,
        actor=actor,
        status=RequestStatus.CLOSED,
        by_applicant=True,
        motivation=reason,
        action="demarches.request.withdraw",
    )
    return request
