"""A whole answer set: prefilling it, checking it is complete, and summarising it."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coffre import selectors as vault
from demarches import prefill
from demarches.conditions import evaluate, is_empty
from demarches.engine.forms import PageForm, page_data
from demarches.engine.kinds import Applicant, kind_of
from demarches.engine.navigation import resolve
from demarches.enums import FieldKind
from demarches.normalise import format_amount
from demarches.schema import FieldSpec, FormSchema

# Prefilling ------------------------------------------------------------------------------------


def _prefill_blocks(spec: FieldSpec, blocks: Any) -> list[dict[str, Any]]:
    if not isinstance(blocks, list):
        return []
    result = []
    for block in blocks:
        if not isinstance(block, Mapping):
            continue
        values = {}
        for child in spec.children:
            value = block.get(child.prefill or child.key)
            if child.is_input and not is_empty(value):
                values[child.key] = value
        if values:
            result.append(values)
    return result


def prefill_answers(
    schema: FormSchema, *, user, party, answers: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """`answers` completed with the prefill registry's values for the fields not answered yet."""
    result = dict(answers or {})
    for _page, spec in schema.top_level_fields():
        if not spec.is_input or not spec.prefill or not is_empty(result.get(spec.key)):
            continue
        value = prefill.resolve(spec.prefill, user=user, party=party)
        if spec.is_group:
            value = _prefill_blocks(spec, value)
        if not is_empty(value):
            result[spec.key] = value
    return result


# Balanced groups (a budget's expenses and income) ------------------------------------------------


@dataclass(frozen=True)
class Balance:
    """Two groups of amounts that must add up to the same total, and their totals (cents)."""

    group: FieldSpec
    partner: FieldSpec
    total: int
    partner_total: int

    @property
    def is_balanced(self) -> bool:
        return self.total == self.partner_total


def balances(schema: FormSchema, answers: Mapping[str, Any]) -> list[Balance]:
    """The totals of each pair of balanced groups the answers show (hidden ones left out)."""
    resolution = resolve(schema, answers)
    return [
        Balance(
            group=spec,
            partner=partner,
            total=spec.total(resolution.answers.get(spec.key)),
            partner_total=partner.total(resolution.answers.get(partner.key)),
        )
        for _page, spec, partner in schema.balanced_groups()
        if spec.key in resolution.keys and partner.key in resolution.keys
    ]


# Checking a whole answer set ---------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerError:
    """A problem in an answer set: which page, which input (a form field name), what is wrong."""

    page: int
    name: str
    label: str
    message: str


def validate_answers(
    schema: FormSchema,
    answers: Mapping[str, Any],
    *,
    applicant: Applicant | None = None,
    today: date | None = None,
) -> list[AnswerError]:
    """Every problem of the answer set, page by page: empty means complete and valid.

    Each visible page's stored answers go through that page's form again, so the
    rules are the same as when the person typed them (required fields, bounds,
    patterns, a document still in the applicant's vault).
    """
    errors: list[AnswerError] = []
    resolution = resolve(schema, answers)
    for number in resolution.pages:
        page = schema.page(number)
        form = PageForm(
            schema=schema,
            page=page,
            answers=answers,
            applicant=applicant,
            data=page_data(page, answers),
            today=today,
        )
        if form.is_valid():
            continue
        for name, messages in form.errors.items():
            label = form.fields[name].label if name in form.fields else page.title
            errors.extend(
                AnswerError(page=number, name=name, label=str(label), message=str(m)) for m in messages
            )
    return errors


# The check-your-answers page ---------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    """One answer: its question, the answer as a French reader reads it, and the page to change it."""

    key: str
    label: str
    value: str
    page: int
    answered: bool = True
    blocks: tuple["SummaryBlock", ...] = ()
    # A repeated group of amounts: the total of its blocks (12 500,00 €), else "".
    total: str = ""


@dataclass(frozen=True)
class SummaryBlock:
    legend: str
    rows: tuple[SummaryRow, ...]


@dataclass(frozen=True)
class SummaryPage:
    number: int
    title: str
    rows: tuple[SummaryRow, ...]


def _document_ids(schema: FormSchema, answers: Mapping[str, Any]) -> set[int]:
    ids = set()
    for _page, spec in schema.top_level_fields():
        if spec.kind == FieldKind.DOCUMENT and answers.get(spec.key):
            ids.add(int(answers[spec.key]))
        blocks = (answers.get(spec.key) or []) if spec.is_group else []
        for block in blocks:
            for child in spec.children:
                if child.kind == FieldKind.DOCUMENT and block.get(child.key):
                    ids.add(int(block[child.key]))
    return ids


def document_titles(*, user, ids: set[int]) -> dict[int, str]:
    """Titles of the documents the user may open in a vault, in one query."""
    if not ids or user is None:
        return {}
    return dict(vault.documents_for_user(user=user).filter(pk__in=ids).values_list("pk", "title"))


def _row(spec: FieldSpec, value: Any, page: int, documents: Mapping[int, str]) -> SummaryRow:
    if is_empty(value):
        return SummaryRow(key=spec.key, label=spec.label, value=_("Non renseigné"), page=page, answered=False)
    return SummaryRow(
        key=spec.key, label=spec.label, value=kind_of(spec).display(value, spec, documents), page=page
    )


def summarise(
    schema: FormSchema,
    answers: Mapping[str, Any],
    *,
    applicant: Applicant | None = None,
    document_labels: Mapping[int, str] | None = None,
) -> list[SummaryPage]:
    """The answers of every visible page, in order, each row with the page that changes it.

    Documents are named by their title when `document_labels` is given, or when
    `applicant` may open them (one query); otherwise "Document n° 12".
    """
    resolution = resolve(schema, answers)
    shown = resolution.answers
    if document_labels is None:
        user = applicant.user if applicant is not None else None
        document_labels = document_titles(user=user, ids=_document_ids(schema, shown))
    pages = []
    for number in resolution.pages:
        page = schema.page(number)
        rows = []
        for spec in page.input_fields:
            if spec.key not in resolution.keys:
                continue
            if not spec.is_group:
                rows.append(_row(spec, shown.get(spec.key), number, document_labels))
                continue
            blocks = tuple(
                SummaryBlock(
                    legend=_("%(label)s : n° %(number)d") % {"label": spec.label, "number": index},
                    rows=tuple(
                        _row(child, block.get(child.key), number, document_labels)
                        for child in spec.children
                        if child.is_input and evaluate(child.condition, {**shown, **block})
                    ),
                )
                for index, block in enumerate(shown.get(spec.key) or [], start=1)
            )
            count = len(blocks)
            rows.append(
                SummaryRow(
                    key=spec.key,
                    label=spec.label,
                    value=ngettext("%(count)d bloc", "%(count)d blocs", count) % {"count": count}
                    if count
                    else _("Aucun"),
                    page=number,
                    answered=bool(count),
                    blocks=blocks,
                    total=format_amount(spec.total(shown.get(spec.key))) if spec.amount_keys else "",
                )
            )
        pages.append(SummaryPage(number=number, title=page.title, rows=tuple(rows)))
    return pages
