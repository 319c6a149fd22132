"""One page of a procedure's form as a Django form, built from the frozen schema.

Field names are the answers' keys; an address's parts are `key-street`,
`key-postal_code`…; a repeated group's fields are `group-0-child`, `group-1-child`…
with the number of blocks in the hidden `group-TOTAL`.

A field whose condition reads an earlier page is left out when the condition
fails. A field whose condition reads a field of the same page is always shown
(the page works without JavaScript), its hint says when it must be answered,
and `clean()` decides once the page's answers are known: hidden, its answer and
its errors are dropped; shown and required, it must be answered.

Two groups of amounts balanced with each other (`FieldSpec.balance_with`: a budget's
expenses and income) must add up to the same total: otherwise the page is refused
with both totals and their difference, and what was typed stays on the page.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from demarches.conditions import describe, evaluate, is_empty, referenced_keys
from demarches.engine.kinds import Applicant, BuildContext, kind_of
from demarches.engine.navigation import resolve
from demarches.enums import FieldKind
from demarches.normalise import format_amount
from demarches.schema import FieldSpec, FormSchema, PageSpec

ADD_BLOCK = "_ajouter_bloc"
REMOVE_BLOCK = "_retirer_bloc"
# However large max_items is, a page never grows beyond this many blocks.
MAX_BLOCKS = 30
TOTAL = "TOTAL"


def field_name(prefix: str, key: str, part: str = "") -> str:
    return f"{prefix}{key}-{part}" if part else f"{prefix}{key}"


def block_prefix(group_key: str, index: int) -> str:
    return f"{group_key}-{index}-"


def total_name(group_key: str) -> str:
    return f"{group_key}-{TOTAL}"


def _spec_data(spec: FieldSpec, value: Any, prefix: str) -> dict[str, Any]:
    kind = kind_of(spec)
    return {field_name(prefix, spec.key, part): raw for part, raw in kind.to_data(value, spec).items()}


def page_data(page: PageSpec, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The page's inputs as a browser would send them back for these stored answers."""
    data: dict[str, Any] = {}
    for spec in page.input_fields:
        value = answers.get(spec.key)
        if spec.is_group:
            blocks = value if isinstance(value, list) else []
            data[total_name(spec.key)] = str(len(blocks))
            for index, block in enumerate(blocks):
                for child in spec.children:
                    if child.is_input:
                        data.update(_spec_data(child, block.get(child.key), block_prefix(spec.key, index)))
        else:
            data.update(_spec_data(spec, value, ""))
    return data


def _lowercase_first(text: str) -> str:
    """ "Dépenses" → "dépenses", for a label inside a sentence."""
    return text[:1].lower() + text[1:]


def _text_html(text: str) -> SafeString:
    return mark_safe(linebreaks(conditional_escape(text)))  # noqa: S308 (escaped just before)


@dataclass
class Block:
    """One block of a repeated group, for the template."""

    group_key: str
    index: int
    legend: str
    items: list["Item"]
    removable: bool
    remove_value: str


@dataclass
class Item:
    """One thing the page shows, in order: a field, an address, a group, or a text."""

    kind: str
    spec: FieldSpec
    names: list[str] = field(default_factory=list)
    bound_fields: list = field(default_factory=list)
    hint_html: SafeString | str = ""
    condition_text: str = ""
    # Shown whatever the answers, decided by clean() (its condition reads the same page).
    revealed: bool = False
    blocks: list[Block] = field(default_factory=list)
    total_name: str = ""
    can_add: bool = False
    errors: list[str] = field(default_factory=list)
    # A document field's "or send a new file" input, set by the citizen's page (never in a preview).
    upload: Any = None

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def hint_id(self) -> str:
        return f"hint-{self.names[0]}" if self.names else f"hint-{self.spec.key}"


class PageForm(forms.Form):
    """One page of a procedure's form. Render with `{{ form }}`; read `answers()` once valid."""

    template_name = "demarches/engine/page_form.html"
    add_block_name = ADD_BLOCK
    remove_block_name = REMOVE_BLOCK
    # The server's French messages, not the browser's: no `required` attribute on the inputs.
    use_required_attribute = False

    def __init__(
        self,
        *,
        schema: FormSchema,
        page: PageSpec,
        answers: Mapping[str, Any] | None = None,
        applicant: Applicant | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        preview: bool = False,
        heading_level: int = 2,
        block_counts: Mapping[str, int] | None = None,
        initial_data: Mapping[str, Any] | None = None,
        today: date | None = None,
    ):
        self.schema, self.page, self.applicant = schema, page, applicant
        self.preview, self.heading_level = preview, heading_level
        self.stored_answers = dict(answers or {})
        on_page = {spec.key for spec in page.fields}
        self.other_answers = {key: value for key, value in self.stored_answers.items() if key not in on_page}
        today = today or (applicant.today if applicant is not None else None) or timezone.localdate()
        self.ctx = BuildContext(applicant=applicant, today=today, preview=preview)
        initial = dict(initial_data) if initial_data is not None else page_data(page, self.stored_answers)
        super().__init__(data=data, files=files, initial=initial)
        self._on_page = on_page
        self._block_counts = dict(block_counts or {})
        self._over_max: set[str] = set()
        self._known = resolve(schema, self.other_answers).answers
        self._labels, self._value_labels = schema.labels(), schema.value_labels()
        self._page_answers: dict[str, Any] = {}
        self.items: list[Item] = []
        for spec in page.fields:
            item = self._item(spec, prefix="", scope=on_page)
            if item is not None:
                self.items.append(item)
        self._bind_items(self.items)

    # Building -------------------------------------------------------------------------------------

    def _describe(self, condition) -> str:
        return describe(condition, self._labels, self._value_labels)

    def _item(self, spec: FieldSpec, *, prefix: str, scope: set[str]) -> Item | None:
        """The item for one spec, or None when an earlier page's answer hides it."""
        revealed = False
        if spec.condition:
            if set(referenced_keys(spec.condition)) & scope:
                revealed = True
            elif not self.preview and not evaluate(spec.condition, self._known):
                return None
        item = Item(kind=spec.kind, spec=spec, revealed=revealed)
        if spec.condition:
            item.condition_text = self._describe(spec.condition)
        if not spec.is_input:
            item.kind = spec.kind
            item.hint_html = _text_html(spec.hint) if spec.hint else ""
            return item
        hint = _text_html(spec.hint) if spec.hint else ""
        if spec.condition and (revealed or self.preview):
            if spec.required:
                when = _("À remplir si %(condition)s.") % {"condition": item.condition_text}
            else:
                when = _("Concerne seulement le cas où %(condition)s.") % {"condition": item.condition_text}
            hint = format_html('{}<p class="field__condition">{}</p>', hint, when)
        item.hint_html = hint
        if spec.is_group:
            self._group(item, spec)
            return item
        required = spec.required and (self.preview or not revealed)
        fields = kind_of(spec).form_fields(spec, self.ctx, required=required)
        for part, form_field in fields.items():
            name = field_name(prefix, spec.key, part)
            if spec.kind != FieldKind.ADDRESS:
                form_field.help_text = hint
            self.fields[name] = form_field
            item.names.append(name)
        item.kind = "address" if spec.kind == FieldKind.ADDRESS else "field"
        return item

    def _count_blocks(self, spec: FieldSpec) -> int:
        cap = min(spec.max_items if spec.max_items is not None else MAX_BLOCKS, MAX_BLOCKS)
        if self.is_bound:
            try:
                count = int(self.data.get(total_name(spec.key), 0))
            except (TypeError, ValueError):
                count = 0
            if count > cap:
                # More blocks than allowed were sent: only `cap` are read, and the page says so.
                self._over_max.add(spec.key)
        elif spec.key in self._block_counts:
            count = self._block_counts[spec.key]
        else:
            stored = self.stored_answers.get(spec.key)
            count = max(spec.min_blocks, len(stored) if isinstance(stored, list) else 0)
            if self.preview:
                count = max(count, 1)
        return max(0, min(count, cap))

    def _group(self, item: Item, spec: FieldSpec) -> None:
        count = self._count_blocks(spec)
        item.kind = "group"
        item.total_name = total_name(spec.key)
        self.fields[item.total_name] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=count
        )
        self.initial[item.total_name] = count
        cap = min(spec.max_items if spec.max_items is not None else MAX_BLOCKS, MAX_BLOCKS)
        item.can_add = count < cap
        scope = self._on_page | {child.key for child in spec.children}
        for index in range(count):
            prefix = block_prefix(spec.key, index)
            items = []
            for child in spec.children:
                child_item = self._item(child, prefix=prefix, scope=scope)
                if child_item is not None:
                    items.append(child_item)
            item.blocks.append(
                Block(
                    group_key=spec.key,
                    index=index,
                    legend=_("%(label)s : n° %(number)d") % {"label": spec.label, "number": index + 1},
                    items=items,
                    removable=count > spec.min_blocks,
                    remove_value=f"{spec.key}:{index}",
                )
            )
            item.names.extend(name for child_item in items for name in child_item.names)

    def _bind_items(self, items: list[Item]) -> None:
        for item in items:
            item.bound_fields = [
                self[name] for name in item.names if name in self.fields and item.kind != "group"
            ]
            for block in item.blocks:
                self._bind_items(block.items)

    # Cleaning -------------------------------------------------------------------------------------

    def _parts(self, spec: FieldSpec, prefix: str) -> dict[str, Any]:
        return {
            part: self.cleaned_data.get(field_name(prefix, spec.key, part)) for part in kind_of(spec).parts
        }

    def _drop(self, names: list[str]) -> None:
        for name in names:
            self._errors.pop(name, None)
            self.cleaned_data.pop(name, None)

    def _has_error(self, names: list[str]) -> bool:
        return any(name in self._errors for name in names)

    def _require(self, item: Item, value: Any, prefix: str) -> None:
        """A revealed required field must be answered; an address, once started (or required),
        needs its street, postal code and town."""
        spec = item.spec
        must = item.revealed and spec.required
        started = any(self._raw_value(name) not in (None, "", []) for name in item.names)
        if must or started:
            for part, message in kind_of(spec).missing_parts(self._parts(spec, prefix), spec).items():
                name = field_name(prefix, spec.key, part)
                if name not in self._errors:
                    self.add_error(name, message)
        if must and is_empty(value) and not self._has_error(item.names):
            first = item.names[0]
            self.add_error(first, self.fields[first].error_messages["required"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        values: dict[str, Any] = {}
        for item in self.items:
            if item.spec.is_input and not item.spec.is_group:
                values[item.spec.key] = kind_of(item.spec).to_value(self._parts(item.spec, ""), item.spec)
        merged = {**self.other_answers, **{k: v for k, v in values.items() if not is_empty(v)}}
        for item in self.items:
            if item.kind == "group":
                merged[item.spec.key] = self._group_values(item)
        resolution = resolve(self.schema, merged)
        answers: dict[str, Any] = {}
        for item in self.items:
            spec = item.spec
            if not spec.is_input:
                continue
            if spec.key not in resolution.keys:
                self._drop(item.names)
                if item.total_name:
                    self._drop([item.total_name])
                continue
            if item.kind == "group":
                blocks = self._clean_group(item, known=resolution.answers)
                if blocks:
                    answers[spec.key] = blocks
                continue
            self._require(item, values.get(spec.key), "")
            if not is_empty(values.get(spec.key)):
                answers[spec.key] = values[spec.key]
        self._page_answers = answers
        self._check_balances(answers, visible=resolution.keys)
        return cleaned

    def _check_balances(self, answers: Mapping[str, Any], *, visible) -> None:
        """Each pair of balanced groups of the page shown and without errors must have equal totals."""
        groups = {item.spec.key: item for item in self.items if item.kind == "group"}
        for page, spec, partner in self.schema.balanced_groups():
            if page.number != self.page.number:
                continue
            first, second = groups.get(spec.key), groups.get(partner.key)
            if first is None or second is None or spec.key not in visible or partner.key not in visible:
                continue
            if any(item.errors or self._has_error(item.names) for item in (first, second)):
                continue  # each line's own errors first: a total of wrong lines means nothing
            total, partner_total = spec.total(answers.get(spec.key)), partner.total(answers.get(partner.key))
            if total == partner_total:
                continue
            message = _(
                "Le budget n'est pas équilibré : les %(first)s font %(first_total)s et les %(second)s "
                "%(second_total)s, soit %(gap)s d'écart."
            ) % {
                "first": _lowercase_first(spec.label),
                "first_total": format_amount(total),
                "second": _lowercase_first(partner.label),
                "second_total": format_amount(partner_total),
                "gap": format_amount(abs(total - partner_total)),
            }
            first.errors.append(message)
            self.add_error(None, message)

    def _block_values(self, block: Block) -> dict[str, Any]:
        values = {}
        prefix = block_prefix(block.group_key, block.index)
        for child_item in block.items:
            if child_item.spec.is_input:
                values[child_item.spec.key] = kind_of(child_item.spec).to_value(
                    self._parts(child_item.spec, prefix), child_item.spec
                )
        return values

    def _group_values(self, item: Item) -> list[dict[str, Any]]:
        return [
            {key: value for key, value in self._block_values(block).items() if not is_empty(value)}
            for block in item.blocks
        ]

    def _clean_group(self, item: Item, *, known: Mapping[str, Any]) -> list[dict[str, Any]]:
        spec = item.spec
        raw_blocks = [(block, self._block_values(block)) for block in item.blocks]
        filled = sum(1 for _block, values in raw_blocks if any(not is_empty(v) for v in values.values()))
        result = []
        for block, values in raw_blocks:
            block_names = [name for child_item in block.items for name in child_item.names]
            if all(is_empty(v) for v in values.values()) and filled >= spec.min_blocks:
                # An empty block beyond what is needed is simply left out, errors and all.
                self._drop(block_names)
                continue
            answers: dict[str, Any] = {}
            prefix = block_prefix(spec.key, block.index)
            for child_item in block.items:
                child = child_item.spec
                if not child.is_input:
                    continue
                if not evaluate(child.condition, {**known, **answers}):
                    self._drop(child_item.names)
                    continue
                self._require(child_item, values.get(child.key), prefix)
                if not is_empty(values.get(child.key)):
                    answers[child.key] = values[child.key]
            result.append(answers)
        if len(result) < spec.min_blocks:
            self._group_error(
                item,
                ngettext(
                    "Remplissez au moins %(min)d bloc.", "Remplissez au moins %(min)d blocs.", spec.min_blocks
                )
                % {"min": spec.min_blocks},
            )
        if spec.key in self._over_max or (spec.max_items is not None and len(result) > spec.max_items):
            self._group_error(
                item,
                ngettext(
                    "Remplissez au plus %(max)d bloc.", "Remplissez au plus %(max)d blocs.", spec.max_items
                )
                % {"max": spec.max_items},
            )
        return [answers for answers in result if answers]

    def _group_error(self, item: Item, message: str) -> None:
        item.errors.append(message)
        self.add_error(None, _("%(label)s : %(error)s") % {"label": item.spec.label, "error": message})

    # Reading --------------------------------------------------------------------------------------

    def answers(self) -> dict[str, Any]:
        """This page's answers as stored (after is_valid()): visible fields only, empty ones left out."""
        if not hasattr(self, "cleaned_data"):
            raise ValueError("Call is_valid() first.")
        return dict(self._page_answers)

    # Adding and removing blocks (the "add another" buttons, which work without JavaScript) ------

    def block_action(self) -> tuple[str, str, int | None] | None:
        """("add", group, None) or ("remove", group, index) when a block button was pressed."""
        if not self.is_bound:
            return None
        groups = {item.spec.key: item for item in self.items if item.kind == "group"}
        added = self.data.get(ADD_BLOCK)
        if added in groups:
            return ("add", added, None)
        removed = str(self.data.get(REMOVE_BLOCK) or "")
        key, _sep, index = removed.partition(":")
        if key in groups and index.isdigit() and int(index) < len(groups[key].blocks):
            return ("remove", key, int(index))
        return None

    def apply_block_action(self) -> "PageForm | None":
        """The same page, unbound, with what was typed kept and one block more or less; None when
        no block button was pressed. Nothing is validated or saved."""
        action = self.block_action()
        if action is None:
            return None
        verb, group_key, removed_index = action
        raw = {name: self._raw_value(name) for name in self.fields}
        counts = {item.spec.key: len(item.blocks) for item in self.items if item.kind == "group"}
        if verb == "add":
            counts[group_key] += 1
        else:
            counts[group_key] -= 1
            raw = self._shift_blocks(raw, group_key, removed_index)
        for key, count in counts.items():
            raw[total_name(key)] = str(count)
        return PageForm(
            schema=self.schema,
            page=self.page,
            answers=self.stored_answers,
            applicant=self.applicant,
            heading_level=self.heading_level,
            block_counts=counts,
            initial_data=raw,
            today=self.ctx.today,
        )

    def _raw_value(self, name: str) -> Any:
        return self.fields[name].widget.value_from_datadict(self.data, self.files, self.add_prefix(name))

    @staticmethod
    def _shift_blocks(raw: dict[str, Any], group_key: str, removed: int) -> dict[str, Any]:
        prefix = f"{group_key}-"
        shifted = {}
        for name, value in raw.items():
            index, sep, rest = name.removeprefix(prefix).partition("-")
            if name.startswith(prefix) and sep and index.isdigit():
                number = int(index)
                if number == removed:
                    continue
                if number > removed:
                    name = f"{prefix}{number - 1}-{rest}"
            shifted[name] = value
        return shifted
