"""The démarches' form engine: a frozen form schema in, Django forms and stored answers out.

The engine reads only a FormSchema (a revision's `form`, or `build_schema(demarche)`
for the admin's preview), never the editable rows, and stores nothing: the
citizen pages keep the answers on their Request and call it page by page.

    from demarches import engine

    schema = request_obj.form                                # the revision it was filled against
    who = engine.Applicant(user=request.user, party=request_obj.applicant)

    # Starting: the prefill registry's answers (demarches.services.start_request does it)
    answers = engine.prefill_answers(schema, user=request.user, party=party)

    # One page (GET shows the stored answers, POST validates)
    page = engine.get_page(schema, number)                   # PageNotFound → 404
    if not engine.is_page_visible(schema, answers, number): …  # hidden by a condition → redirect
    form = engine.page_form(schema, number, answers=answers, applicant=who, data=request.POST or None)
    if request.method == "POST":
        changed = form.apply_block_action()                 # "add / remove a block" buttons
        if changed is not None:
            form = changed                                   # render it again, nothing saved
        elif form.is_valid():
            answers = engine.merge_page_answers(schema, answers=answers, page_number=number,
                                                page_answers=form.answers())
            nxt = engine.next_page(schema, answers, number)  # None → check your answers
    {{ form }}                                               # portal components, error summary first

    # Check your answers, then submit
    engine.summarise(schema, answers, applicant=who)         # [SummaryPage(number, title, rows)]
    engine.validate_answers(schema, answers, applicant=who)  # [] when complete and valid
    engine.clean_answers(schema, answers)                    # hidden and empty answers dropped
    engine.balances(schema, answers)                         # totals of balanced groups (a budget)

Stored answers (JSON), by field kind:
    short_text, long_text, email, rna    str (RNA upper case)
    phone                                str in E.164: "+33612345678" (shown 06 12 34 56 78)
    number                               int, or float when not whole
    amount                               int cents (12,50 € → 1250)
    date                                 ISO "2026-07-14"
    yes_no                               true / false
    single_choice                        the option's code; multiple_choice: list of codes, form order
    address                              {"street", "complement", "postal_code", "town"}
    siret                                "73282932000074"; iban: "FR7630006000011234567890189"
    document                             the vault Document's id (int), of the applicant's vault
    group                                [{child_key: value, …}, …], empty blocks left out
    explanation, section                 no answer
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from demarches.engine.answers import (
    AnswerError,
    Balance,
    SummaryBlock,
    SummaryPage,
    SummaryRow,
    balances,
    document_titles,
    prefill_answers,
    summarise,
    validate_answers,
)
from demarches.engine.forms import ADD_BLOCK, REMOVE_BLOCK, PageForm, page_data
from demarches.engine.kinds import Applicant
from demarches.engine.navigation import (
    PageNotFound,
    Resolution,
    clean_answers,
    first_page,
    get_page,
    is_page_visible,
    merge_page_answers,
    next_page,
    previous_page,
    resolve,
    visible_pages,
)
from demarches.schema import FieldSpec, FormSchema, PageSpec


def page_form(
    schema: FormSchema,
    number: int,
    *,
    answers: Mapping[str, Any] | None = None,
    applicant: Applicant | None = None,
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
    heading_level: int = 2,
    preview: bool = False,
    today: date | None = None,
) -> PageForm:
    """The Django form of page `number` (from 1), showing `answers` when unbound.

    `heading_level` is the level of section titles inside the page (the page's
    own title, shown by the view, is one level up). `preview=True` (the admin's
    preview) shows every field whatever the conditions, each condition spelled out.
    """
    return PageForm(
        schema=schema,
        page=get_page(schema, number),
        answers=answers,
        applicant=applicant,
        data=data,
        files=files,
        heading_level=heading_level,
        preview=preview,
        today=today,
    )


__all__ = [
    "ADD_BLOCK",
    "REMOVE_BLOCK",
    "AnswerError",
    "Applicant",
    "Balance",
    "FieldSpec",
    "FormSchema",
    "PageForm",
    "PageNotFound",
    "PageSpec",
    "Resolution",
    "SummaryBlock",
    "SummaryPage",
    "SummaryRow",
    "balances",
    "clean_answers",
    "document_titles",
    "first_page",
    "get_page",
    "is_page_visible",
    "merge_page_answers",
    "next_page",
    "page_data",
    "page_form",
    "prefill_answers",
    "previous_page",
    "resolve",
    "summarise",
    "validate_answers",
    "visible_pages",
]
