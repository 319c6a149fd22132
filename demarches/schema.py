"""A procedure's form as plain data: what a revision freezes and what the engine reads.

The editable form lives in FormPage and FormField rows (the admin); publishing
turns it into a JSON document with `build_schema` and freezes it in a
DemarcheRevision. The engine never reads the rows, only a FormSchema, so a
request filled against revision 3 is shown and checked with revision 3's form
whatever the administrators change afterwards.

    {"format": 1,
     "demarche": {"slug": …, "title": …, "processing_days": …, "fee_cents": …, "documents": [codes]},
     "pages": [{"number": 1, "title": …, "intro": …, "condition": …,
                "fields": [{"key": …, "kind": …, "label": …, "hint": …, "required": …,
                            "choices": [{"value": …, "label": …}], "display": "radio",
                            "min_value": "1.00", "max_value": null, "min_length": …, "max_length": …,
                            "min_date": "today-120y", "max_date": "today", "min_items": …, "max_items": …,
                            "pattern": …, "pattern_message": …, "condition": …, "prefill": …,
                            "document_type": "piece-identite", "children": [fields],
                            "balance_with": "recettes"}]}]}

"balance_with" is written only when set (a repeated group of amounts whose total must equal
another group's of the same page, a budget's expenses and income), so the revisions frozen
before it existed compare equal to the same form frozen today.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.text import slugify
from django.utils.translation import gettext as _

from demarches import conditions
from demarches.enums import ChoiceDisplay, FieldKind
from demarches.normalise import is_date_bound

SCHEMA_FORMAT = 1
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
KEY_RE = re.compile(KEY_PATTERN)
# Kinds a repeated group may hold: anything but another group.
CHILD_KINDS = frozenset(FieldKind.values) - {FieldKind.GROUP}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def parse_choices(text: str) -> tuple[Choice, ...]:
    """The admin's "one option per line": `Libellé`, or `code | Libellé` to set the stored code."""
    result = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        value, sep, label = line.partition("|")
        if sep:
            result.append(Choice(value=value.strip(), label=label.strip()))
        else:
            result.append(Choice(value=slugify(line) or line, label=line))
    return tuple(result)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: str
    label: str
    hint: str = ""
    required: bool = True
    choices: tuple[Choice, ...] = ()
    display: str = ChoiceDisplay.RADIO
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_date: str = ""
    max_date: str = ""
    min_items: int | None = None
    max_items: int | None = None
    pattern: str = ""
    pattern_message: str = ""
    condition: Any = None
    prefill: str = ""
    document_type: str = ""
    children: tuple["FieldSpec", ...] = ()
    # A group of amounts whose total must equal that of this other group of the same page.
    balance_with: str = ""

    @property
    def is_input(self) -> bool:
        return not FieldKind(self.kind).is_display_only

    @property
    def is_group(self) -> bool:
        return self.kind == FieldKind.GROUP

    def choice_label(self, value: Any) -> str:
        if self.kind == FieldKind.YES_NO:
            return _("Oui") if value else _("Non")
        return next((choice.label for choice in self.choices if choice.value == str(value)), str(value))

    @property
    def amount_keys(self) -> tuple[str, ...]:
        """A group's amount fields (whose answers add up to its total)."""
        return tuple(child.key for child in self.children if child.kind == FieldKind.AMOUNT)

    def total(self, blocks: Any) -> int:
        """A group's total in cents: every amount answer of its blocks."""
        keys = self.amount_keys
        return sum(
            int(block[key])
            for block in (blocks if isinstance(blocks, list) else [])
            if isinstance(block, dict)
            for key in keys
            if isinstance(block.get(key), int) and not isinstance(block.get(key), bool)
        )

    @property
    def min_blocks(self) -> int:
        """A group's minimum number of blocks: min_items, else 1 when required, else 0."""
        if self.min_items is not None:
            return self.min_items
        return 1 if self.required else 0

    @classmethod
    def from_dict(cls, data: dict) -> "FieldSpec":
        return cls(
            key=data["key"],
            kind=data["kind"],
            label=data.get("label", ""),
            hint=data.get("hint", ""),
            required=bool(data.get("required", True)),
            choices=tuple(Choice(value=str(c["value"]), label=c["label"]) for c in data.get("choices") or ()),
            display=data.get("display") or ChoiceDisplay.RADIO,
            min_value=_decimal(data.get("min_value")),
            max_value=_decimal(data.get("max_value")),
            min_length=data.get("min_length"),
            max_length=data.get("max_length"),
            min_date=data.get("min_date") or "",
            max_date=data.get("max_date") or "",
            min_items=data.get("min_items"),
            max_items=data.get("max_items"),
            pattern=data.get("pattern") or "",
            pattern_message=data.get("pattern_message") or "",
            condition=data.get("condition") or None,
            prefill=data.get("prefill") or "",
            document_type=data.get("document_type") or "",
            children=tuple(cls.from_dict(child) for child in data.get("children") or ()),
            balance_with=data.get("balance_with") or "",
        )

    def to_dict(self) -> dict:
        data = {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "hint": self.hint,
            "required": self.required,
            "choices": [{"value": c.value, "label": c.label} for c in self.choices],
            "display": self.display,
            "min_value": None if self.min_value is None else str(self.min_value),
            "max_value": None if self.max_value is None else str(self.max_value),
            "min_length": self.min_length,
            "max_length": self.max_length,
            "min_date": self.min_date,
            "max_date": self.max_date,
            "min_items": self.min_items,
            "max_items": self.max_items,
            "pattern": self.pattern,
            "pattern_message": self.pattern_message,
            "condition": self.condition,
            "prefill": self.prefill,
            "document_type": self.document_type,
            "children": [child.to_dict() for child in self.children],
        }
        if self.balance_with:
            data["balance_with"] = self.balance_with
        return data


@dataclass(frozen=True)
class PageSpec:
    number: int
    title: str
    intro: str = ""
    condition: Any = None
    fields: tuple[FieldSpec, ...] = ()

    @property
    def input_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(spec for spec in self.fields if spec.is_input)

    @classmethod
    def from_dict(cls, data: dict) -> "PageSpec":
        return cls(
            number=int(data["number"]),
            title=data.get("title", ""),
            intro=data.get("intro", ""),
            condition=data.get("condition") or None,
            fields=tuple(FieldSpec.from_dict(item) for item in data.get("fields") or ()),
        )

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "title": self.title,
            "intro": self.intro,
            "condition": self.condition,
            "fields": [spec.to_dict() for spec in self.fields],
        }


@dataclass(frozen=True)
class FormSchema:
    """A whole form: its pages in order, numbered from 1, and what the start page says."""

    pages: tuple[PageSpec, ...]
    slug: str = ""
    title: str = ""
    processing_days: int | None = None
    fee_cents: int | None = None
    documents: tuple[str, ...] = ()
    _by_key: dict[str, FieldSpec] = field(default_factory=dict, init=False, repr=False, compare=False)
    _page_of: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for page in self.pages:
            for spec in page.fields:
                self._by_key[spec.key] = spec
                self._page_of[spec.key] = page.number
                for child in spec.children:
                    self._by_key[child.key] = child
                    self._page_of[child.key] = page.number

    @classmethod
    def from_dict(cls, data: dict) -> "FormSchema":
        meta = data.get("demarche") or {}
        return cls(
            pages=tuple(PageSpec.from_dict(page) for page in data.get("pages") or ()),
            slug=meta.get("slug", ""),
            title=meta.get("title", ""),
            processing_days=meta.get("processing_days"),
            fee_cents=meta.get("fee_cents"),
            documents=tuple(meta.get("documents") or ()),
        )

    def to_dict(self) -> dict:
        return {
            "format": SCHEMA_FORMAT,
            "demarche": {
                "slug": self.slug,
                "title": self.title,
                "processing_days": self.processing_days,
                "fee_cents": self.fee_cents,
                "documents": list(self.documents),
            },
            "pages": [page.to_dict() for page in self.pages],
        }

    def frozen(self) -> dict:
        """The JSON a revision stores (as PostgreSQL gives it back, to compare with a stored one)."""
        return json.loads(json.dumps(self.to_dict(), cls=DjangoJSONEncoder))

    def page(self, number: int) -> PageSpec:
        for page in self.pages:
            if page.number == number:
                return page
        raise KeyError(number)

    def get(self, key: str) -> FieldSpec:
        """The field (top-level or in a group) with this key; KeyError if none."""
        return self._by_key[key]

    def page_of(self, key: str) -> int:
        return self._page_of[key]

    def balanced_groups(self) -> list[tuple[PageSpec, FieldSpec, FieldSpec]]:
        """(page, group, partner) for each group that names a partner of its page (`balance_with`),
        each pair once, in page order."""
        result = []
        seen: set[frozenset[str]] = set()
        for page in self.pages:
            groups = {spec.key: spec for spec in page.fields if spec.is_group}
            for spec in groups.values():
                partner = groups.get(spec.balance_with)
                pair = frozenset((spec.key, spec.balance_with))
                if partner is None or partner.key == spec.key or pair in seen:
                    continue
                seen.add(pair)
                result.append((page, spec, partner))
        return result

    def top_level_fields(self) -> Iterator[tuple[PageSpec, FieldSpec]]:
        for page in self.pages:
            for spec in page.fields:
                yield page, spec

    def labels(self) -> dict[str, str]:
        return {key: spec.label for key, spec in self._by_key.items()}

    def value_labels(self) -> dict[str, dict[str, str]]:
        return {
            key: {choice.value: choice.label for choice in spec.choices}
            for key, spec in self._by_key.items()
            if spec.choices
        }


# Building from the editable rows ---------------------------------------------------------------


def field_spec(row) -> FieldSpec:
    """A FieldSpec from a FormField row (its children prefetched in `children` order)."""
    return FieldSpec(
        key=row.key,
        kind=row.kind,
        label=row.label,
        hint=row.hint,
        required=row.required,
        choices=parse_choices(row.choices),
        display=row.display or ChoiceDisplay.RADIO,
        min_value=row.min_value,
        max_value=row.max_value,
        min_length=row.min_length,
        max_length=row.max_length,
        min_date=row.min_date,
        max_date=row.max_date,
        min_items=row.min_items,
        max_items=row.max_items,
        pattern=row.pattern,
        pattern_message=row.pattern_message,
        condition=row.condition or None,
        prefill=row.prefill,
        document_type=row.document_type.code if row.document_type_id else "",
        children=tuple(field_spec(child) for child in row.children.all()),
        balance_with=row.balance_with,
    )


def build_schema(demarche) -> FormSchema:
    """The current editable form of a procedure (pages and fields as the admin left them)."""
    from demarches.selectors import editable_pages

    pages = []
    for number, page in enumerate(editable_pages(demarche=demarche), start=1):
        pages.append(
            PageSpec(
                number=number,
                title=page.title,
                intro=page.intro,
                condition=page.condition or None,
                fields=tuple(field_spec(row) for row in page.top_fields),
            )
        )
    return FormSchema(
        pages=tuple(pages),
        slug=demarche.slug,
        title=demarche.title,
        processing_days=demarche.processing_days,
        fee_cents=demarche.fee_cents,
        documents=tuple(
            demarche.required_document_types.order_by("position", "code").values_list("code", flat=True)
        ),
    )


# Checking a whole form before it is frozen ------------------------------------------------------


def field_errors(spec: FieldSpec) -> list[str]:
    """What is wrong with one field on its own, in French (the admin's form shows them too)."""
    errors = []
    kind = FieldKind(spec.kind)
    if not KEY_RE.match(spec.key):
        errors.append(
            _("La clé « %(key)s » doit commencer par une lettre minuscule, puis lettres, chiffres ou « _ ».")
            % {"key": spec.key}
        )
    if kind.is_display_only:
        return errors
    if not spec.label.strip():
        errors.append(_("Le libellé est obligatoire."))
    if kind.has_choices and len(spec.choices) < 2:
        errors.append(_("Un choix unique ou multiple doit proposer au moins deux options."))
    if spec.choices and len({c.value for c in spec.choices}) != len(spec.choices):
        errors.append(_("Deux options ont le même code."))
    if spec.min_value is not None and spec.max_value is not None and spec.min_value > spec.max_value:
        errors.append(_("La valeur minimale dépasse la valeur maximale."))
    if spec.min_length is not None and spec.max_length is not None and spec.min_length > spec.max_length:
        errors.append(_("La longueur minimale dépasse la longueur maximale."))
    if spec.min_items is not None and spec.max_items is not None and spec.min_items > spec.max_items:
        errors.append(_("Le nombre minimal dépasse le nombre maximal."))
    for bound in (spec.min_date, spec.max_date):
        if bound and not is_date_bound(bound):
            errors.append(
                _(
                    "Borne de date invalide : « %(bound)s ». Écrivez une date (2026-09-01) ou today, "
                    "today-18y, today+30d, today+2w, today-6m."
                )
                % {"bound": bound}
            )
    if spec.pattern:
        try:
            re.compile(spec.pattern)
        except re.error:
            errors.append(_("Le motif n'est pas une expression régulière valide."))
    if kind == FieldKind.GROUP and not any(child.is_input for child in spec.children):
        errors.append(_("Un groupe répétable doit contenir au moins un champ."))
    errors.extend(conditions.structure_errors(spec.condition))
    return errors


def schema_errors(schema: FormSchema) -> list[str]:
    """Everything that would stop the form from working, in French, each naming its place.

    Conditions may only read answers given before them: an earlier page, or an
    earlier field of the same page (the field then shows and is required only
    when the condition holds); a group's fields may also read earlier fields of
    their own block. A page's condition may only read earlier pages.
    """
    errors: list[str] = []
    if not schema.pages:
        errors.append(_("Le formulaire n'a aucune page."))
    seen: set[str] = set()
    before_page: set[str] = set()
    for page in schema.pages:
        where_page = _("Page %(number)d « %(title)s »") % {"number": page.number, "title": page.title}
        if not page.fields:
            errors.append(_("%(where)s : la page n'a aucun champ.") % {"where": where_page})
        for problem in conditions.structure_errors(page.condition):
            errors.append(f"{where_page} : {problem}")
        for key in conditions.referenced_keys(page.condition):
            if key not in before_page:
                errors.append(
                    _(
                        "%(where)s : la condition porte sur « %(key)s », qui n'est pas demandé sur une page précédente."
                    )
                    % {"where": where_page, "key": key}
                )
        on_page: set[str] = set()
        for spec in page.fields:
            errors.extend(_located(spec, seen, before_page | on_page, where_page))
            seen.add(spec.key)
            if spec.is_input:
                on_page.add(spec.key)
            if spec.is_group:
                in_block: set[str] = set()
                for child in spec.children:
                    if child.kind not in CHILD_KINDS:
                        errors.append(
                            _(
                                "%(where)s : un groupe répétable ne peut pas contenir un autre groupe (« %(key)s »)."
                            )
                            % {"where": where_page, "key": child.key}
                        )
                    errors.extend(_located(child, seen, before_page | on_page | in_block, where_page))
                    seen.add(child.key)
                    if child.is_input:
                        in_block.add(child.key)
        errors.extend(_balance_errors(page, where_page))
        before_page |= on_page
    return errors


def _balance_errors(page: PageSpec, where_page: str) -> list[str]:
    """A group balanced with another must name a group of its own page, and both must hold amounts."""
    errors = []
    groups = {spec.key: spec for spec in page.fields if spec.is_group}
    for spec in page.fields:
        if not spec.balance_with:
            continue
        where = _("%(page)s, champ « %(key)s »") % {"page": where_page, "key": spec.key}
        partner = groups.get(spec.balance_with)
        if not spec.is_group:
            errors.append(
                _("%(where)s : seul un groupe répétable s'équilibre avec un autre groupe.") % {"where": where}
            )
        elif partner is None or partner.key == spec.key:
            errors.append(
                _("%(where)s : « %(other)s » n'est pas un autre groupe répétable de la même page.")
                % {"where": where, "other": spec.balance_with}
            )
        elif not spec.amount_keys or not partner.amount_keys:
            errors.append(
                _(
                    "%(where)s : les groupes « %(key)s » et « %(other)s » doivent contenir chacun "
                    "un montant en euros pour s'équilibrer."
                )
                % {"where": where, "key": spec.key, "other": partner.key}
            )
    return errors


def _located(spec: FieldSpec, seen: set[str], allowed: set[str], where_page: str) -> list[str]:
    where = _("%(page)s, champ « %(key)s »") % {"page": where_page, "key": spec.key}
    errors = [f"{where} : {problem}" for problem in field_errors(spec)]
    if spec.key in seen:
        errors.append(_("%(where)s : cette clé est déjà utilisée par un autre champ.") % {"where": where})
    for key in conditions.referenced_keys(spec.condition):
        if key not in allowed:
            errors.append(
                _("%(where)s : la condition porte sur « %(key)s », qui n'est pas demandé avant ce champ.")
                % {"where": where, "key": key}
            )
    return errors
