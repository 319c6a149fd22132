"""Mon espace › Mes demandes: the list, one request's page, and what the applicant does with it.

Every request comes through a selector scoped to the parties the user acts for:
anyone else's request, draft or document answers 404 on every page.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from coffre import selectors as vault_selectors
from coffre import services as vault
from coffre import uploadhandler
from coffre.exceptions import VaultError
from coffre.forms import set_file_error
from coffre.models import DocumentType, DocumentVersion
from demarches import engine, forms, selectors, services, workflow
from demarches.enums import RequestStatus
from demarches.exceptions import IllegalTransition, RequestIncomplete
from demarches.models import Request, RequestAttachment
from demarches.views.common import request_or_404, resume_url, stream_space_document, trail


@require_GET
def requests(request: HttpRequest) -> HttpResponse:
    """Drafts to finish and requests sent, with their status: one query whatever their number."""
    lists = selectors.request_lists(user=request.user)
    return render(
        request,
        "demarches/request/list.html",
        {
            "drafts": lists.drafts,
            "sent": lists.sent,
            "several_parties": len({row.applicant_id for row in [*lists.drafts, *lists.sent]}) > 1,
            "trail": trail(),
        },
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A request sent: its status and times, what to do, its timeline and messages, its answers."""
    obj = request_or_404(request, pk)
    if obj.is_draft:
        return redirect(resume_url(request, obj))
    schema = obj.form
    attachments = selectors.attachments_of(request=obj)
    return render(
        request,
        "demarches/request/detail.html",
        {
            "obj": obj,
            "status": RequestStatus(obj.status),
            "elapsed_days": obj.elapsed_days(),
            "events": selectors.timeline(request=obj),
            "awaiting": selectors.awaiting_motivation(request=obj),
            "letter_pending": selectors.letter_pending(request=obj),
            "pages": engine.summarise(
                schema,
                obj.answers,
                document_labels={
                    attachment.document_id: attachment.document.title for attachment in attachments
                },
            ),
            "attachments": attachments,
            "can_write": obj.status in workflow.OPEN_FOR_MESSAGES,
            "can_withdraw": workflow.applicant_may(obj.status, RequestStatus.CLOSED),
            "trail": trail((obj.reference, "")),
        },
    )


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a draft, after confirming."""
    obj = request_or_404(request, pk)
    if not obj.is_draft:
        messages.error(request, _("Une demande déposée ne peut pas être supprimée ; vous pouvez la retirer."))
        return redirect("demarches:request", obj.pk)
    if request.method == "POST":
        services.delete_draft(actor=request.user, request=obj)
        messages.success(
            request, _("Le brouillon « %(title)s » est supprimé.") % {"title": obj.demarche.title}
        )
        return redirect("demarches:requests")
    return render(
        request,
        "demarches/request/delete.html",
        {"obj": obj, "trail": trail((_("Supprimer un brouillon"), ""))},
    )


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a request being processed, after confirming: "Classée sans suite", by the applicant."""
    obj = request_or_404(request, pk)
    if not workflow.applicant_may(obj.status, RequestStatus.CLOSED):
        messages.error(request, _("Cette demande ne peut plus être retirée."))
        return redirect("demarches:request", obj.pk)
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_request(actor=request.user, request=obj, reason=form.cleaned_data["reason"])
        except IllegalTransition as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, _("Votre demande est retirée : elle est classée sans suite."))
            return redirect("demarches:request", obj.pk)
    return render(
        request,
        "demarches/request/withdraw.html",
        {"obj": obj, "form": form, "trail": trail((obj.reference, ""), (_("Retirer la demande"), ""))},
    )


def _message_page(request: HttpRequest, pk: int, *, reply: bool) -> HttpResponse:
    obj = request_or_404(request, pk)
    allowed = (
        workflow.applicant_may(obj.status, RequestStatus.IN_REVIEW)
        if reply
        else obj.status in workflow.OPEN_FOR_MESSAGES
    )
    if not allowed:
        messages.error(
            request,
            _("Le service n'attend pas de compléments pour cette demande.")
            if reply
            else _("Cette demande est close : vous ne pouvez plus écrire au service."),
        )
        return redirect("demarches:request", obj.pk)
    documents = vault_selectors.documents_for_owner(user=request.user, owner=obj.applicant).filter(
        current_version__isnull=False
    )
    form = forms.MessageForm(request.POST or None, request.FILES or None, documents=documents)
    if request.method == "POST":
        try:
            uploaded = uploadhandler.uploaded_file(request, "file")
        except VaultError as error:
            set_file_error(form, error.message)
            uploaded = None
        if not form.errors and form.is_valid():
            chosen = list(form.cleaned_data.get("documents") or [])
            try:
                if uploaded is not None:
                    chosen.append(
                        services.store_applicant_document(
                            actor=request.user,
                            request=obj,
                            uploaded=uploaded,
                            document_type=DocumentType.objects.get(code="autre"),
                            title=uploaded.name,
                        )
                    )
                if reply:
                    services.answer_information_request(
                        actor=request.user, request=obj, body=form.cleaned_data["body"], documents=chosen
                    )
                else:
                    services.send_message(
                        actor=request.user, request=obj, body=form.cleaned_data["body"], documents=chosen
                    )
            except VaultError as error:
                set_file_error(form, error.message)
            except (IllegalTransition, RequestIncomplete) as error:
                form.add_error(None, error.messages[0])
            else:
                messages.success(
                    request,
                    _("Vos compléments sont envoyés : le service reprend l'instruction de votre demande.")
                    if reply
                    else _("Votre message est envoyé au service."),
                )
                return redirect("demarches:request", obj.pk)
    title = _("Envoyer les compléments demandés") if reply else _("Écrire au service")
    return render(
        request,
        "demarches/request/message.html",
        {
            "obj": obj,
            "form": form,
            "reply": reply,
            "title": title,
            "awaiting": selectors.awaiting_motivation(request=obj) if reply else None,
            "trail": trail((obj.reference, ""), (title, "")),
        },
    )


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def message(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to the service, with documents (of the vault, or a new file into it)."""
    return _message_page(request, pk, reply=False)


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer the service's request for more information: the request goes back to instruction."""
    return _message_page(request, pk, reply=True)


# Documents of the service's space: the decision, the request's copies ------------------------------


def _space_download(request: HttpRequest, obj: Request, version: DocumentVersion | None) -> HttpResponse:
    return stream_space_document(
        request,
        version,
        lambda found: vault.open_space_plaintext(
            actor=request.user, version=found, purpose=obj.vault_purpose
        ),
    )


@require_GET
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the decision of the request, kept in the service's space."""
    obj = request_or_404(request, pk)
    return _space_download(request, obj, selectors.decision_version(request=obj))


@require_GET
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """Download one document of the request, as the service received it (its copy)."""
    obj = request_or_404(request, pk)
    try:
        item = selectors.attachment_for_user(user=request.user, request=obj, pk=attachment_pk)
    except RequestAttachment.DoesNotExist:
        raise Http404 from None
    return _space_download(request, obj, item.document.current_version)
