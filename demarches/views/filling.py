"""Filling a draft one page at a time, and checking it before sending: what the applicant's own pages
(`pages`) and the agent's pages at the counter (`agent_counter`) share.

Every POST of a page saves what is valid on it into the draft, on the server,
so nothing typed correctly is lost; only the "add / remove a block" buttons of
a repeated group save nothing (the engine's rule: the page comes back with what
was typed, and the next "Continuer" saves it). A document question offers the
applicant's vault documents of its type and a file input: a file sent there
goes into the applicant's vault through the encrypting upload handler (never in
clear on disk), then counts as the document chosen. At the counter the agent
may neither see nor write the applicant's vault: a document question says the
applicant will add it from their own account, and does not hold the agent up.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from coffre import selectors as vault_selectors
from coffre import uploadhandler
from coffre.enums import ValidityRule
from coffre.exceptions import VaultError
from coffre.forms import ACCEPT
from coffre.models import DocumentType
from demarches import engine, hooks, services
from demarches.engine.forms import Item, PageForm
from demarches.enums import FieldKind
from demarches.models import Request

SAVE_LATER = "_enregistrer"
FILE_SUFFIX = "--fichier"
EXPIRY_SUFFIX = "--fin-de-validite"
ANY_DOCUMENT = "autre"


def counter_document_message() -> str:
    return _(
        "Au guichet, vous ne pouvez pas joindre de document : la personne l'ajoutera depuis son compte "
        "(« Mes demandes »), puis enverra elle-même la demande."
    )


def is_document_error(schema, name: str) -> bool:
    """Whether an answer error (engine.AnswerError.name) is a document question's, at the top level or in
    a block of a repeated group (`<group>-<n>-<key>`)."""
    for _page, spec in schema.top_level_fields():
        if spec.kind == FieldKind.DOCUMENT and name == spec.key:
            return True
        for child in spec.children:
            pattern = rf"{re.escape(spec.key)}-\d+-{re.escape(child.key)}"
            if child.kind == FieldKind.DOCUMENT and re.fullmatch(pattern, name):
                return True
    return False


@dataclass(frozen=True)
class Links:
    """Where the pages of a draft lead: the applicant's own pages, or the agent's at the counter."""

    page: str
    review: str
    at_counter: bool = False

    def page_url(self, obj: Request, number: int) -> str:
        return reverse(self.page, args=[obj.pk, number])

    def review_url(self, obj: Request) -> str:
        return reverse(self.review, args=[obj.pk])

    def next_url(self, obj: Request, number: int) -> str:
        following = engine.next_page(obj.form, obj.answers, number)
        return self.page_url(obj, following.number) if following else self.review_url(obj)


APPLICANT = Links(page="demarches:page", review="demarches:review")
COUNTER = Links(page="demarches:agent_counter_page", review="demarches:agent_counter_review", at_counter=True)


# Document questions: "or send a new file" ----------------------------------------------------------


@dataclass
class UploadSlot:
    """The file input (and expiry date) next to one document question, for the template; at the
    counter, the notice that the applicant adds the document from their account instead."""

    name: str
    file_name: str
    expiry_name: str
    type_label: str
    needs_expiry: bool
    has_documents: bool = True
    expiry_value: str = ""
    at_counter: bool = False
    label: str = ""

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


def _add_slots(form: PageForm, data: QueryDict | None, *, who: engine.Applicant, at_counter: bool) -> None:
    items = _document_items(form)
    if not items:
        return
    types = _types(form)
    in_vault = (
        set()
        if at_counter
        else set(
            vault_selectors.documents_for_owner(user=who.user, owner=who.party)
            .filter(current_version__isnull=False)
            .values_list("document_type__code", flat=True)
            .distinct()
        )
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
            at_counter=at_counter,
            label=str(item.label),
        )
        if at_counter:
            # Nothing to choose from: the question is replaced by the notice, which names it.
            item.bound_fields = []


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


def _discard_uploads(http_request: HttpRequest) -> None:
    """At the counter nothing goes into the applicant's vault: a file sent anyway is dropped."""
    for _name, files in http_request.FILES.lists():
        for uploaded in files:
            uploaded.discard()


def _show_errors(form: PageForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        form.errors.pop(name, None)
        form.add_error(name, message)


# One page ------------------------------------------------------------------------------------------


@dataclass
class FilledPage:
    """What became of one page: go on (`go_to`), saved for later, or shown (again, with its errors)."""

    obj: Request
    spec: Any
    form: PageForm | None = None
    go_to: str = ""
    saved_later: bool = False
    valid: bool = False
    documents_left: list[str] = field(default_factory=list)

    def context(self, *, links: Links, back_url: str) -> dict[str, Any]:
        schema = self.obj.form
        visible = [page.number for page in engine.visible_pages(schema, self.obj.answers)]
        number = self.spec.number
        previous = engine.previous_page(schema, self.obj.answers, number)
        return {
            "obj": self.obj,
            "page": self.spec,
            "form": self.form,
            "step": visible.index(number) + 1 if number in visible else 1,
            "steps": max(len(visible), 1),
            "back_url": links.page_url(self.obj, previous.number) if previous else back_url,
            "save_later": SAVE_LATER,
        }


def fill_page(
    http_request: HttpRequest, obj: Request, number: int, *, links: Links, who: engine.Applicant
) -> FilledPage:
    """Show one page of a draft, or save what was sent on it (engine.PageNotFound for no such page).

    At the counter (`links.at_counter`) document questions cannot be answered: a
    notice in their place says the applicant will add the document from their
    account, and the page goes on when nothing else is wrong (`documents_left`
    names the documents left to the applicant).
    """
    schema = obj.form
    spec = engine.get_page(schema, number)
    if not engine.is_page_visible(schema, obj.answers, number):
        # An earlier answer hides this page: on to the next one that shows.
        return FilledPage(obj=obj, spec=spec, go_to=links.next_url(obj, number))
    data = None
    if http_request.method == "POST":
        data = http_request.POST.copy()
        form = engine.page_form(schema, number, answers=obj.answers, applicant=who, data=data)
        if links.at_counter:
            _discard_uploads(http_request)
            upload_errors: dict[str, str] = {}
        else:
            upload_errors = _store_uploads(http_request, obj, form, data)
            form = engine.page_form(schema, number, answers=obj.answers, applicant=who, data=data)
        changed = form.apply_block_action()
        if changed is not None:
            # A block added or removed: the same page again, with what was typed (nothing validated).
            form = changed
        else:
            valid = form.is_valid() and not upload_errors
            documents_left: list[str] = []
            if links.at_counter and not valid:
                # Left to the applicant, a document question holds nothing up at the counter.
                documents = {item.names[0]: item.label for item in _document_items(form)}
                documents_left = [str(documents[name]) for name in list(form.errors) if name in documents]
                for name in documents:
                    form.errors.pop(name, None)
                valid = not form.errors
            _show_errors(form, upload_errors)
            obj = services.save_page_answers(
                actor=http_request.user, request=obj, page_number=number, page_answers=form.answers()
            )
            filled = FilledPage(obj=obj, spec=spec, form=form, valid=valid, documents_left=documents_left)
            if SAVE_LATER in http_request.POST:
                filled.saved_later = True
                return filled
            if valid:
                filled.go_to = links.next_url(obj, number)
                return filled
    else:
        form = engine.page_form(schema, number, answers=obj.answers, applicant=who)
    _add_slots(form, data, who=who, at_counter=links.at_counter)
    return FilledPage(obj=obj, spec=spec, form=form)


# Check the answers ---------------------------------------------------------------------------------


def review_context(
    obj: Request, *, links: Links, who: engine.Applicant, errors=None, refusal: str | None = None
) -> dict[str, Any]:
    """ "Vérifiez vos réponses": every answer with a link to change it, what is missing, and why
    another app would refuse to send it now (`refusal`, asked of demarches.hooks when not given)."""
    schema = obj.form
    if errors is None:
        errors = engine.validate_answers(schema, obj.answers, applicant=who)
    if refusal is None:
        refusal = hooks.submit_refusal(actor=who.user, request=obj) or ""
    page_titles = {page.number: page.title for page in schema.pages}
    return {
        "obj": obj,
        "pages": engine.summarise(schema, obj.answers, applicant=who),
        "errors": [
            {"url": links.page_url(obj, error.page), "page": page_titles.get(error.page, ""), "error": error}
            for error in errors
        ],
        "refusal": refusal,
        "change_url_name": links.page,
        "processing_days": schema.processing_days,
        "fee_cents": schema.fee_cents,
    }
