"""Which pages and fields show for a set of answers, moving between pages, and dropping hidden answers.

Conditions only read answers given before them (demarches.schema checks it),
so one pass in form order decides everything: a hidden page hides its fields,
a hidden field has no answer, and a condition about it sees "not answered".
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from demarches.conditions import evaluate, is_empty
from demarches.schema import FieldSpec, FormSchema, PageSpec


class PageNotFound(LookupError):
    """No page with this number in the form (a view answers 404)."""


@dataclass(frozen=True)
class Resolution:
    """What shows for a set of answers."""

    pages: tuple[int, ...]
    keys: frozenset[str]
    # The answers that count: visible fields only, groups' blocks cleaned, empty answers left out.
    answers: dict[str, Any]


def clean_blocks(spec: FieldSpec, value: Any, known: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A group's blocks with their hidden, unknown and empty answers dropped; empty blocks dropped."""
    if not isinstance(value, list):
        return []
    blocks = []
    for block in value:
        if not isinstance(block, Mapping):
            continue
        cleaned: dict[str, Any] = {}
        for child in spec.children:
            if not child.is_input or not evaluate(child.condition, {**known, **cleaned}):
                continue
            answer = block.get(child.key)
            if not is_empty(answer):
                cleaned[child.key] = answer
        if cleaned:
            blocks.append(cleaned)
    return blocks


def resolve(schema: FormSchema, answers: Mapping[str, Any]) -> Resolution:
    known: dict[str, Any] = {}
    pages: list[int] = []
    keys: set[str] = set()
    for page in schema.pages:
        if not evaluate(page.condition, known):
            continue
        shown = 0
        for spec in page.fields:
            if not spec.is_input or not evaluate(spec.condition, known):
                continue
            keys.add(spec.key)
            shown += 1
            value = answers.get(spec.key)
            if spec.is_group:
                value = clean_blocks(spec, value, known)
            if not is_empty(value):
                known[spec.key] = value
        # A page whose questions are all hidden is skipped; a page of text only is shown.
        if shown or not page.input_fields:
            pages.append(page.number)
    return Resolution(pages=tuple(pages), keys=frozenset(keys), answers=known)


def clean_answers(schema: FormSchema, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers without those of hidden pages and fields, unknown keys or empty values."""
    return resolve(schema, answers).answers


def merge_page_answers(
    schema: FormSchema, *, answers: Mapping[str, Any], page_number: int, page_answers: Mapping[str, Any]
) -> dict[str, Any]:
    """The request's answers once a page is saved: that page's answers replaced, then cleaned
    (a changed answer may hide a later page, whose answers are then dropped)."""
    page = get_page(schema, page_number)
    on_page = {spec.key for spec in page.fields}
    merged = {key: value for key, value in answers.items() if key not in on_page}
    merged.update(page_answers)
    return clean_answers(schema, merged)


def get_page(schema: FormSchema, number: int) -> PageSpec:
    try:
        return schema.page(int(number))
    except (KeyError, TypeError, ValueError) as error:
        raise PageNotFound(number) from error


def visible_pages(schema: FormSchema, answers: Mapping[str, Any]) -> list[PageSpec]:
    numbers = set(resolve(schema, answers).pages)
    return [page for page in schema.pages if page.number in numbers]


def is_page_visible(schema: FormSchema, answers: Mapping[str, Any], number: int) -> bool:
    return number in resolve(schema, answers).pages


def first_page(schema: FormSchema, answers: Mapping[str, Any] | None = None) -> PageSpec | None:
    pages = visible_pages(schema, answers or {})
    return pages[0] if pages else None


def next_page(schema: FormSchema, answers: Mapping[str, Any], current: int) -> PageSpec | None:
    """The next page to show after `current`, or None when the next step is checking the answers."""
    return next((page for page in visible_pages(schema, answers) if page.number > current), None)


def previous_page(schema: FormSchema, answers: Mapping[str, Any], current: int) -> PageSpec | None:
    """The page a "back" link leads to, or None on the first page."""
    earlier = [page for page in visible_pages(schema, answers) if page.number < current]
    return earlier[-1] if earlier else None
