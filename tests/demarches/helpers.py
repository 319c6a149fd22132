"""Building schemas in memory, binding pages, and generating valid sample answers from field kinds."""

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from demarches import engine
from demarches.enums import FieldKind
from demarches.normalise import number_to_json, resolve_date_bound
from demarches.schema import FieldSpec, FormSchema, parse_choices

# Known patterns of the catalogue and of these tests, with a value that follows each.
PATTERN_SAMPLES = {
    r"^[A-Z0-9]{6,12}$": "12AB34567",
    r"^[A-Z]{2}-?\d{3}-?[A-Z]{2}$": "AB-123-CD",
    r"^([01]?\d|2[0-3])h([0-5]\d)?$": "14h30",
    r"^\d{0,3} ?[A-Z]{1,2} ?\d{1,4}$": "AB 123",
    r"^\d{7}$": "1234567",
}
TODAY = date(2026, 3, 16)


def field(key: str, kind: str, label: str | None = None, **options) -> dict:
    """A field as the schema's JSON holds it; `choices` may be "code | Libellé" strings."""
    data = {"key": key, "kind": kind, "label": label or key.replace("_", " ").capitalize(), **options}
    if "choices" in data and data["choices"] and isinstance(data["choices"][0], str):
        data["choices"] = [
            {"value": c.value, "label": c.label} for c in parse_choices("\n".join(data["choices"]))
        ]
    if "children" in data:
        data["children"] = [child if "kind" in child else field(**child) for child in data["children"]]
    return data


def make_schema(*pages: list | dict) -> FormSchema:
    """A FormSchema from pages given as field lists, or dicts with title, fields and condition."""
    result = []
    for number, page in enumerate(pages, start=1):
        page = page if isinstance(page, dict) else {"fields": page}
        result.append({"number": number, "title": page.get("title", f"Page {number}"), **page})
    return FormSchema.from_dict({"demarche": {"slug": "test", "title": "Test"}, "pages": result})


def bind(
    schema: FormSchema,
    number: int,
    data: Mapping[str, Any] | None,
    *,
    answers: Mapping[str, Any] | None = None,
    applicant: engine.Applicant | None = None,
) -> engine.PageForm:
    return engine.page_form(schema, number, answers=answers, applicant=applicant, data=data, today=TODAY)


# Sample answers ---------------------------------------------------------------------------------


def _text(spec: FieldSpec, base: str) -> str:
    if spec.pattern:
        return PATTERN_SAMPLES[spec.pattern]
    text = base
    while spec.min_length and len(text) < spec.min_length:
        text += " " + base
    return text[: spec.max_length] if spec.max_length else text


def _date(spec: FieldSpec, today: date) -> str:
    low = resolve_date_bound(spec.min_date, today=today) if spec.min_date else None
    high = resolve_date_bound(spec.max_date, today=today) if spec.max_date else None
    if low and high:
        day = low + (high - low) / 2
    elif low:
        day = low + timedelta(days=1)
    elif high:
        day = high - timedelta(days=1)
    else:
        day = today
    return day.isoformat()


def _number(spec: FieldSpec) -> Decimal:
    if spec.min_value is not None:
        return spec.min_value
    if spec.max_value is not None:
        return min(spec.max_value, Decimal(1))
    return Decimal(3)


def sample_value(
    spec: FieldSpec, *, documents: Mapping[str, int], variant: int = 0, today: date = TODAY
) -> Any:
    """A valid stored answer for one field; `variant` 1 picks the last options instead of the first."""
    choices = [choice.value for choice in spec.choices]
    match spec.kind:
        case FieldKind.SHORT_TEXT:
            return _text(spec, "Exemple")
        case FieldKind.LONG_TEXT:
            return _text(spec, "Un texte d'exemple, écrit pour la démarche.")
        case FieldKind.EMAIL:
            return "camille.martin@exemple.fr"
        case FieldKind.PHONE:
            return "+33612345678"
        case FieldKind.NUMBER:
            return number_to_json(_number(spec))
        case FieldKind.AMOUNT:
            return int(_number(spec) * 100) if spec.min_value is not None else 125050
        case FieldKind.DATE:
            return _date(spec, today)
        case FieldKind.YES_NO:
            return variant == 0
        case FieldKind.SINGLE_CHOICE:
            return choices[0] if variant == 0 else choices[-1]
        case FieldKind.MULTIPLE_CHOICE:
            count = max(spec.min_items or 1, 1)
            if spec.max_items is not None:
                count = min(count, spec.max_items)
            return choices[:count] if variant == 0 else choices[-count:]
        case FieldKind.ADDRESS:
            return {
                "street": "1 place de la République",
                "complement": "",
                "postal_code": "75001",
                "town": "Paris",
            }
        case FieldKind.SIRET:
            return "73282932000074"
        case FieldKind.IBAN:
            return "FR7630006000011234567890189"
        case FieldKind.RNA:
            return "W751234567"
        case FieldKind.DOCUMENT:
            return documents[spec.document_type or "autre"]
        case FieldKind.GROUP:
            count = max(spec.min_blocks, 1)
            if spec.max_items is not None:
                count = min(count, spec.max_items)
            return [
                {
                    child.key: sample_value(child, documents=documents, variant=variant, today=today)
                    for child in spec.children
                    if child.is_input
                }
                for _block in range(count)
            ]
    raise AssertionError(f"no sample for {spec.kind}")


def sample_answers(
    schema: FormSchema, *, documents: Mapping[str, int] | None = None, variant: int = 0, today: date = TODAY
) -> dict[str, Any]:
    """Valid answers for every field of the form; the engine then keeps those of the path they open."""
    answers = {
        spec.key: sample_value(spec, documents=documents or {}, variant=variant, today=today)
        for _page, spec in schema.top_level_fields()
        if spec.is_input
    }
    return engine.clean_answers(schema, answers)


def document_types(schema: FormSchema) -> set[str]:
    """Vault type codes the form's document fields ask for ("autre" for "any document")."""
    codes = set()
    for _page, spec in schema.top_level_fields():
        for item in (spec, *spec.children):
            if item.kind == FieldKind.DOCUMENT:
                codes.add(item.document_type or "autre")
    return codes
