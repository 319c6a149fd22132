"""Filling a request: one page at a time, "Vérifiez vos réponses", sending it, the acknowledgement.

Every POST of a page saves what is valid on it into the draft, on the server,
so nothing typed correctly is lost (logging out, closing the browser, "save and
come back later"); only the "add / remove a block" buttons of a repeated group
save nothing (the engine's rule: the page comes back with what was typed, and
the next "Continuer" saves it). A document question offers the applicant's vault documents
of its type and a file input: a file sent there goes into the applicant's vault
through the encrypting upload handler (never in clear on disk), then counts as
the document chosen.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coffre import selectors as vault_selectors
from coffre import uploadhandler
from coffre.enums import ValidityRule
from coffre.exceptions import VaultError
from coffre.forms import ACCEPT
from coffre.models import DocumentType
from demarches import engine, services
from demarches.engine.forms import Item, PageForm
from demarches.enums import FieldKind
from demarches.exceptions import IllegalTransition, RequestIncomplete
from demarches.models import Request
from demarches.views.common import applicant_of, page_url, request_or_404, resume_url, trail

SAVE_LATER = "_enregistrer"
FILE_SUFFIX = "--fichier"
EXPIRY_SUFFIX = "--fin-de-validite"
ANY_DOCUMENT = "autre"


# Document questions: "or send a new file" ----------------------------------------------------------


@dataclass
class UploadSlot:
    """The file input (and expiry date) next to one document question, for the template."""

    name: str
    file_name: str
    expiry_name: str
    type_label: str
    needs_expiry: bool
    has_documents: bool = True
    expiry_value: str = ""

    @property
    def file_id(self) -> str:
        return f"id_{self.file_name}"

    @property
    def expiry_id(self) -> str:
        return f"id_{self.expiry_name}"

    @property
    def accept(self) -> str:
        return ACCEPT


def _items(items: list[Item]):
    for item in items:
        yield item
        for block in item.blocks:
            yield from _items(block.items)


def _document_items(form: PageForm) -> list[Item]:
    return [item for item in _items(form.items) if item.spec.kind == FieldKind.DOCUMENT and item.names]


def _types(form: PageForm) -> dict[str, DocumentType]:
    codes = {item.spec.document_type or ANY_DOCUMENT for item in _document_items(form)}
    return {
        document_type.code: document_type for document_type in DocumentType.objects.filter(code__in=codes)
    }


def _add_slots(form: PageForm, data: QueryDict | None, *, who: engine.Applicant) -> None:
    items = _document_items(form)
    if not items:
        return
    types = _types(form)
    in_vault = set(
        vault_selectors.documents_for_owner(user=who.user, owner=who.party)
        .filter(current_version__isnull=False)
        .values_list("document_type__code", flat=True)
        .distinct()
    )
    for item in items:
        name = item.names[0]
        document_type = types.get(item.spec.document_type or ANY_DOCUMENT)
        item.upload = UploadSlot(
            name=name,
            file_name=f"{name}{FILE_SUFFIX}",
            expiry_name=f"{name}{EXPIRY_SUFFIX}",
            type_label=document_type.label if document_type else "",
            needs_expiry=bool(document_type and document_type.validity_rule == ValidityRule.END_DATE),
            has_documents=bool(in_vault)
            if not item.spec.document_type
            else item.spec.document_type in in_vault,
            expiry_value=(data or {}).get(f"{name}{EXPIRY_SUFFIX}", ""),
        )


def _parse_date(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, layout).date()  # noqa: DTZ007 (a calendar date, no time)
        except ValueError:
            continue
    raise ValueError(text)


def _store_uploads(
    http_request: HttpRequest, obj: Request, form: PageForm, data: QueryDict
) -> dict[str, str]:
    """Keep each file sent with a document question in the applicant's vault and choose it.

    Returns {field name: French refusal} for the files that were not kept.
    """
    errors: dict[str, str] = {}
    items = _document_items(form)
    types = _types(form) if items else {}
    for item in items:
        name = item.names[0]
        try:
            uploaded = uploadhandler.uploaded_file(http_request, f"{name}{FILE_SUFFIX}")
        except VaultError as error:
            errors[name] = error.message
            continue
        if uploaded is None:
            continue
        document_type = types.get(item.spec.document_type or ANY_DOCUMENT)
        try:
            expiry = _parse_date(data.get(f"{name}{EXPIRY_SUFFIX}", ""))
        except ValueError:
            uploaded.discard()
            errors[name] = _("Saisissez la fin de validité du nouveau document, par exemple 31/12/2030.")
            continue
        if document_type is None:
            uploaded.discard()
            errors[name] = _(
                "Ce type de document n'est plus proposé : choisissez un document de votre coffre-fort."
            )
            continue
        try:
            document = services.store_applicant_document(
                actor=http_request.user,
                request=obj,
                uploaded=uploaded,
                document_type=document_type,
                expiry_date=expiry,
            )
        except VaultError as error:
            errors[name] = error.message
            continue
        data[name] = str(document.pk)
        data.pop(f"{name}{EXPIRY_SUFFIX}", None)
    return errors


def _show_upload_errors(form: PageForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        form.errors.pop(name, None)
        form.add_error(name, message)


# One page ------------------------------------------------------------------------------------------


def _next_url(obj: Request, number: int) -> str:
    following = engine.next_page(obj.form, obj.answers, number)
    if following is None:
        return reverse("demarches:review", args=[obj.pk])
    return page_url(obj, following.number)


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    obj = request_or_404(request, pk)
    if not obj.is_draft:
        return redirect("demarches:request", obj.pk)
    schema = obj.form
    try:
        spec = engine.get_page(schema, number)
    except engine.PageNotFound:
        raise Http404 from None
    if not engine.is_page_visible(schema, obj.answers, number):
        # An earlier answer hides this page: on to the next one that shows.
        return redirect(_next_url(obj, number))
    who = applicant_of(request, obj)
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        form = engine.page_form(schema, number, answers=obj.answers, applicant=who, data=data)
        upload_errors = _store_uploads(request, obj, form, data)
        form = engine.page_form(schema, number, answers=obj.answers, applicant=who, data=data)
        changed = form.apply_block_action()
        if changed is not None:
            # A block added or removed: the same page again, with what was typed (nothing validated).
            form = changed
        else:
            valid = form.is_valid() and not upload_errors
            _show_upload_errors(form, upload_errors)
            obj = services.save_page_answers(
                actor=request.user, request=obj, page_number=number, page_answers=form.answers()
            )
            if SAVE_LATER in request.POST:
                if valid:
                    messages.success(
                        request, _("Votre brouillon est enregistré. Reprenez-le quand vous voulez.")
                    )
                else:
                    messages.warning(
                        request,
                        _(
                            "Votre brouillon est enregistré, sans les réponses de la page « %(page)s » "
                            "qui étaient à corriger."
                        )
                        % {"page": spec.title},
                    )
                return redirect("demarches:requests")
            if valid:
                return redirect(_next_url(obj, number))
    else:
        form = engine.page_form(schema, number, answers=obj.answers, applicant=who)
    _add_slots(form, data, who=who)
    visible = [visible_page.number for visible_page in engine.visible_pages(schema, obj.answers)]
    previous = engine.previous_page(schema, obj.answers, number)
    return render(
        request,
        "demarches/request/page.html",
        {
            "obj": obj,
            "page": spec,
            "form": form,
            "step": visible.index(number) + 1 if number in visible else 1,
            "steps": max(len(visible), 1),
            "back_url": page_url(obj, previous.number)
            if previous
            else reverse("demarches:demarche", args=[obj.demarche.slug]),
            "save_later": SAVE_LATER,
        },
    )


# Check your answers, send ------------------------------------------------------------------------


def _review(request: HttpRequest, obj: Request, *, errors=None, status: int = 200) -> HttpResponse:
    who = applicant_of(request, obj)
    schema = obj.form
    if errors is None:
        errors = engine.validate_answers(schema, obj.answers, applicant=who)
    page_titles = {page.number: page.title for page in schema.pages}
    return render(
        request,
        "demarches/request/review.html",
        {
            "obj": obj,
            "pages": engine.summarise(schema, obj.answers, applicant=who),
            "errors": [
                {"url": page_url(obj, error.page), "page": page_titles.get(error.page, ""), "error": error}
                for error in errors
            ],
            "processing_days": schema.processing_days,
            "fee_cents": schema.fee_cents,
            "trail": trail((_("Vérifiez vos réponses"), "")),
        },
        status=status,
    )


@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Vérifiez vos réponses": every answer with a "Modifier" link to its page, then "Envoyer"."""
    obj = request_or_404(request, pk)
    if not obj.is_draft:
        return redirect("demarches:request", obj.pk)
    return _review(request, obj)


@require_POST
@uploadhandler.encrypting_uploads
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the draft. A second click (or a second tab) finds it sent and goes to the acknowledgement."""
    obj = request_or_404(request, pk)
    try:
        services.submit_request(actor=request.user, request=obj)
    except IllegalTransition:
        return redirect("demarches:acknowledgement", obj.pk)
    except RequestIncomplete as error:
        if error.errors:
            return _review(request, obj, errors=error.errors)
        messages.error(request, error.messages[0])
        return redirect("demarches:review", obj.pk)
    return redirect("demarches:acknowledgement", obj.pk)


@require_GET
def acknowledgement(request: HttpRequest, pk: int) -> HttpResponse:
    obj = request_or_404(request, pk)
    if obj.is_draft:
        return redirect("demarches:review", obj.pk)
    return render(
        request,
        "demarches/request/acknowledgement.html",
        {
            "obj": obj,
            "processing_days": obj.expected_days,
            "fee_cents": obj.form.fee_cents,
            # The acknowledgement goes to whoever sent it (a household's other guardian may be reading).
            "acknowledged_to": obj.created_by.email if obj.created_by_id == request.user.pk else "",
        },
    )


@require_GET
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a draft up again where it needs an answer (from "Mes demandes")."""
    obj = request_or_404(request, pk)
    if not obj.is_draft:
        return redirect("demarches:request", obj.pk)
    return redirect(resume_url(request, obj))
