"""Every state change of the démarches, one function per use case.

Procedures (administrators, and the catalogue loader with actor=None):
    publish_demarche(*, actor, demarche) -> DemarcheRevision | None
    duplicate_demarche(*, actor, demarche) -> Demarche
Drafts (the applicant):
    start_request(*, actor, demarche, applicant) -> Request
    save_page_answers(*, actor, request, page_number, page_answers) -> Request
    store_applicant_document(*, actor, request, uploaded, document_type, expiry_date=None, title="") -> Document
    delete_draft(*, actor, request) -> None
    submit_request(*, actor, request, today=None) -> Request
Following a request (the applicant):
    send_message(*, actor, request, body, documents=()) -> RequestMessage
    answer_information_request(*, actor, request, body, documents=()) -> Request
    withdraw_request(*, actor, request, reason="") -> Request
The service (its agents; their pages come with the back-office):
    change_status(*, actor, request, status, motivation="", decision_document=None) -> Request
The vault's space of a service, where a request's documents become the town's record:
    service_space(*, service) -> Party
Statuses move through demarches.workflow's table; every move writes a RequestEvent
(the timeline, append-only) and an audit event in the same transaction.
"""

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coffre import services as vault
from coffre.exceptions import VaultError
from coffre.models import Document, DocumentType
from coffre.uploads import EncryptedUpload
from demarches import engine, perms, references, workflow
from demarches.enums import DemarcheStatus, EventKind, FieldKind, RequestStatus
from demarches.exceptions import CannotPublish, IllegalTransition, NotFillable, RequestIncomplete
from demarches.models import (
    Demarche,
    DemarcheRevision,
    FormField,
    FormPage,
    Request,
    RequestAttachment,
    RequestEvent,
    RequestMessage,
    ServiceSpace,
)
from demarches.schema import FormSchema, build_schema, schema_errors
from guichet import audit
from guichet.accounts.models import Party, Service
from guichet.notify import services as notify
from regie import services as regie
from regie.services import LineDraft

SUBMITTED_NOTIFICATION_KIND = "demarche_submitted"
MESSAGE_MAX_LENGTH = 5000
# Days the applicant has to pay a procedure's fee once the request is accepted.
FEE_DUE_DAYS = 30

# Procedures ------------------------------------------------------------------------------------


def _check_configure(actor) -> None:
    # actor=None is the system (the catalogue loader, a data migration).
    if actor is not None and not perms.can_configure_demarches(actor):
        raise PermissionDenied


@transaction.atomic
def publish_demarche(*, actor, demarche: Demarche) -> DemarcheRevision | None:
    """Publish: freeze the current editable form into a new revision, which new requests use.

    Requests already started keep their own revision. Refused (CannotPublish, with
    every problem listed) when the form has an error. When the form has not changed
    since the current revision, that revision is kept and no new one is made. A
    link entry has no form: it is only marked published (None is returned).
    """
    _check_configure(actor)
    demarche = (
        Demarche.objects.select_for_update(of=("self",))
        .select_related("current_revision")
        .get(pk=demarche.pk)
    )
    if demarche.is_link:
        if demarche.status != DemarcheStatus.PUBLISHED:
            demarche.status = DemarcheStatus.PUBLISHED
            demarche.save(update_fields=["status", "updated_at"])
            audit.record(actor=actor, action="demarches.demarche.publish", target=demarche)
        return None
    schema = build_schema(demarche)
    problems = schema_errors(schema)
    if problems:
        raise CannotPublish(problems)
    frozen = schema.frozen()
    current = demarche.current_revision
    if current is not None and current.schema == frozen:
        if demarche.status != DemarcheStatus.PUBLISHED:
            demarche.status = DemarcheStatus.PUBLISHED
            demarche.save(update_fields=["status", "updated_at"])
            audit.record(
                actor=actor, action="demarches.demarche.publish", target=demarche, revision=current.number
            )
        return current
    last = demarche.revisions.aggregate(last=Max("number"))["last"] or 0
    revision = DemarcheRevision.objects.create(
        demarche=demarche, number=last + 1, schema=frozen, created_by=actor, published_at=timezone.now()
    )
    demarche.current_revision = revision
    demarche.status = DemarcheStatus.PUBLISHED
    demarche.save(update_fields=["current_revision", "status", "updated_at"])
    audit.record(actor=actor, action="demarches.demarche.publish", target=demarche, revision=revision.number)
    return revision


def _free_slug(base: str) -> str:
    base = base[:90]
    slug, n = base, 2
    while Demarche.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def duplicate_demarche(*, actor, demarche: Demarche) -> Demarche:
    """A draft copy with its pages, fields (groups' fields too) and documents, under a new slug."""
    _check_configure(actor)
    source = Demarche.objects.get(pk=demarche.pk)
    documents = list(source.required_document_types.all())
    copy = Demarche.objects.get(pk=source.pk)
    copy.pk = None
    copy._state.adding = True
    copy.slug = _free_slug(f"{source.slug}-copie")
    copy.title = (_("%(title)s (copie)") % {"title": source.title})[:200]
    copy.status = DemarcheStatus.DRAFT
    copy.current_revision = None
    copy.save()
    copy.required_document_types.set(documents)
    for page in FormPage.objects.filter(demarche=source).order_by("order", "pk"):
        fields = list(FormField.objects.filter(page=page).order_by("order", "pk"))
        page.pk = None
        page._state.adding = True
        page.demarche = copy
        page.save()
        new_ids: dict[int, FormField] = {}
        # Top-level fields first, so that each group exists before its own fields.
        for row in [f for f in fields if f.parent_id is None] + [
            f for f in fields if f.parent_id is not None
        ]:
            old_id = row.pk
            row.pk = None
            row._state.adding = True
            row.page = page
            row.demarche = copy
            row.parent = new_ids[row.parent_id] if row.parent_id else None
            row.save()
            new_ids[old_id] = row
    audit.record(actor=actor, action="demarches.demarche.duplicate", target=copy, source=source.pk)
    return copy


# Requests: the draft ------------------------------------------------------------------------------


def _check_acts_for(actor, party_id: int) -> None:
    if not perms.can_act_for(actor, party_id):
        raise PermissionDenied


def _lock(request: Request) -> Request:
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
    request = _lock(request)
    _check_acts_for(actor, request.applicant_id)
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
    request = _lock(request)
    _check_acts_for(actor, request.applicant_id)
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
    """
    request = _lock(request)
    _check_acts_for(actor, request.applicant_id)
    if request.status != RequestStatus.DRAFT:
        raise IllegalTransition(_("Cette demande a déjà été déposée."))
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
    RequestEvent.objects.create(
        request=request,
        kind=EventKind.SUBMITTED,
        from_status=RequestStatus.DRAFT,
        to_status=RequestStatus.SUBMITTED,
        actor=actor,
        by_applicant=True,
        created_at=now,
    )
    # Last, just before saving: the sequence row stays locked until the transaction ends.
    request.reference = references.next_reference(on=timezone.localdate(now))
    request.save(update_fields=["answers", "status", "submitted_at", "reference", "updated_at"])
    audit.record(
        actor=actor,
        action="demarches.request.submit",
        target=request,
        owner=request.applicant_id,
        documents=len(documents),
    )
    notify.notify(
        user=actor,
        kind=SUBMITTED_NOTIFICATION_KIND,
        context={
            "reference": request.reference,
            "title": request.demarche.title,
            "service": request.demarche.service.name,
            "processing_days": schema.processing_days,
        },
        url=reverse("demarches:request", args=[request.pk]),
    )
    from demarches import tasks

    transaction.on_commit(partial(tasks.send_acknowledgement.delay, request.pk))
    return request


# Following a request: the applicant -----------------------------------------------------------------


def _move(
    request: Request,
    *,
    actor,
    status: str,
    by_applicant: bool,
    motivation: str = "",
    message: RequestMessage | None = None,
) -> RequestEvent:
    """Change a locked request's status and write its timeline line (the caller checked who)."""
    source = request.status
    if not workflow.is_allowed(source, status):
        raise IllegalTransition(
            _("Une demande « %(source)s » ne peut pas passer à « %(target)s ».")
            % {"source": RequestStatus(source).label, "target": RequestStatus(status).label}
        )
    now = timezone.now()
    request.status = status
    fields = ["status", "updated_at"]
    if RequestStatus(status).is_final:
        request.decided_at = now
        fields.append("decided_at")
    request.save(update_fields=fields)
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
        action="demarches.request.status",
        target=request,
        owner=request.applicant_id,
        source=source,
        status=status,
    )
    return event


def _clean_body(body: str) -> str:
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
        request=request, author=actor, from_applicant=True, body=_clean_body(body)
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
    request = _lock(request)
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
    request = _lock(request)
    _check_acts_for(actor, request.applicant_id)
    if not workflow.applicant_may(request.status, RequestStatus.IN_REVIEW):
        raise IllegalTransition(_("Le service n'attend pas de compléments pour cette demande."))
    message = _applicant_message(actor=actor, request=request, body=body, documents=documents)
    _move(request, actor=actor, status=RequestStatus.IN_REVIEW, by_applicant=True, message=message)
    audit.record(
        actor=actor,
        action="demarches.request.reply",
        target=request,
        owner=request.applicant_id,
        message=message.pk,
    )
    return request


@transaction.atomic
def withdraw_request(*, actor, request: Request, reason: str = "") -> Request:
    """The applicant withdraws a request being processed: it is "Classée sans suite", by them."""
    request = _lock(request)
    _check_acts_for(actor, request.applicant_id)
    if not workflow.applicant_may(request.status, RequestStatus.CLOSED):
        raise IllegalTransition(_("Cette demande ne peut plus être retirée."))
    reason = (reason or "").strip()[:MESSAGE_MAX_LENGTH]
    _move(request, actor=actor, status=RequestStatus.CLOSED, by_applicant=True, motivation=reason)
    audit.record(actor=actor, action="demarches.request.withdraw", target=request, owner=request.applicant_id)
    return request


# The service's moves (the back-office pages come with the next issue) -------------------------------


@transaction.atomic
def change_status(
    *,
    actor,
    request: Request,
    status: str,
    motivation: str = "",
    decision_document: Document | None = None,
) -> Request:
    """An agent of the procedure's service moves a request on (workflow.BY_SERVICE).

    Asking for more information, refusing or closing needs a motivation, which the
    applicant reads in the timeline. A decision document must be a document of the
    service's space. Accepting a procedure with a fee bills it through the régie.
    """
    request = _lock(request)
    if not perms.is_service_agent(actor, request.demarche.service_id):
        raise PermissionDenied
    if not workflow.service_may(request.status, status):
        raise IllegalTransition(
            _("Une demande « %(source)s » ne peut pas passer à « %(target)s ».")
            % {"source": RequestStatus(request.status).label, "target": RequestStatus(status).label}
        )
    motivation = (motivation or "").strip()
    if status in workflow.NEEDS_MOTIVATION and not motivation:
        raise IllegalTransition(_("Expliquez ce changement au demandeur : le motif est obligatoire."))
    if decision_document is not None:
        space = service_space(service=request.demarche.service)
        if decision_document.owner_id != space.pk or not RequestStatus(status).is_final:
            raise IllegalTransition(
                _("La décision est un document de l'espace du service, joint à la décision.")
            )
        request.decision_document = decision_document
        request.save(update_fields=["decision_document", "updated_at"])
    _move(request, actor=actor, status=status, by_applicant=False, motivation=motivation)
    fee = request.form.fee_cents
    if status == RequestStatus.ACCEPTED and fee and request.invoice_id is None:
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
    return request
