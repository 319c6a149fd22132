"""The personal-data registry: which fields hold personal data, and how to export and erase them.

Each app declares, for every one of its models, the fields that hold personal
data, and gives one exporter (user → JSON-ready dict) and one eraser (user →
None). RGPD export, erasure and retention walk this registry; a test fails when
a model is not declared or when a field that looks personal is not listed.

Each personal field also has a treatment when its person's account is erased:

- erased: the app's eraser empties it, or deletes its row, for that person's rows;
- pseudonymised: the row stays, the value is replaced by a mark that names nobody
  (the account's address becomes supprime-<id>@invalid.invalid);
- kept: kept as it is, because the law asks the town to keep it for a while (accounts,
  archives); the retention rules remove it when that time is over. An app says why,
  field by field: `kept={Model: {"field": "why"}}`;
- link: a relation (an id) to another row, whose own fields have their treatment.

A personal field that is neither kept nor pseudonymised is erased (or a link, for a
relation). A field that could hold personal data by its kind (free text, JSON, a file, a relation
to a person) but does not is declared `not_personal={Model: {"field": "why"}}`. `treatments()`
lists them all, and tests/accounts/test_personal_data_registry.py fails on a field left out.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import models

# The account itself is erased last: the other erasers still need the user's parties,
# memberships and addresses to find what is theirs.
LAST_ERASED = "accounts"


class Treatment(StrEnum):
    ERASED = "erased"
    PSEUDONYMISED = "pseudonymised"
    KEPT = "kept"
    LINK = "link"
    NOT_PERSONAL = "not_personal"


@dataclass(frozen=True)
class Declaration:
    app_label: str
    personal_fields: dict[type[models.Model], tuple[str, ...]]
    exporter: Callable[..., dict]
    eraser: Callable[..., None]
    # Fields that could hold personal data by their name or kind but do not: field → why.
    not_personal: dict[type[models.Model], dict[str, str]] = field(default_factory=dict)
    # Personal fields the erasure keeps as they are, and personal fields it replaces by a mark: field → why.
    kept: dict[type[models.Model], dict[str, str]] = field(default_factory=dict)
    pseudonymised: dict[type[models.Model], dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldTreatment:
    model: type[models.Model]
    field_name: str
    treatment: Treatment
    reason: str = ""

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field_name}"


_declarations: dict[str, Declaration] = {}


def _reasons(
    what: str,
    reasons: dict[type[models.Model], dict[str, str]] | None,
    personal_fields: dict[type[models.Model], tuple[str, ...]],
) -> dict[type[models.Model], dict[str, str]]:
    result = {}
    for model, by_field in (reasons or {}).items():
        outside = set(by_field) - set(personal_fields.get(model, ()))
        if outside:
            raise ValueError(f"{model._meta.label}: {what} {sorted(outside)} must be declared personal first")
        missing = sorted(name for name, reason in by_field.items() if not reason.strip())
        if missing:
            raise ValueError(f"{model._meta.label}: say why {missing} are {what}")
        result[model] = dict(by_field)
    return result


def declare(
    *,
    app_label: str,
    personal_fields: dict[type[models.Model], list[str] | tuple[str, ...]],
    exporter: Callable[..., dict],
    eraser: Callable[..., None],
    not_personal: dict[type[models.Model], dict[str, str] | list[str] | tuple[str, ...]] | None = None,
    kept: dict[type[models.Model], dict[str, str]] | None = None,
    pseudonymised: dict[type[models.Model], dict[str, str]] | None = None,
) -> None:
    for model, names in personal_fields.items():
        known = {f.name for f in model._meta.get_fields()}
        unknown = set(names) - known
        if unknown:
            raise ValueError(f"{model._meta.label} has no field {sorted(unknown)}")
    personal = {model: tuple(names) for model, names in personal_fields.items()}
    kept_reasons = _reasons("kept", kept, personal)
    pseudonymised_reasons = _reasons("pseudonymised", pseudonymised, personal)
    for model, by_field in kept_reasons.items():
        both = set(by_field) & set(pseudonymised_reasons.get(model, {}))
        if both:
            raise ValueError(f"{model._meta.label}: {sorted(both)} cannot be both kept and pseudonymised")
    explained = {}
    for model, names in (not_personal or {}).items():
        # A bare list of names (no reason given) is accepted; the registry's test asks for the reasons.
        reasons = dict(names) if isinstance(names, dict) else dict.fromkeys(names, "")
        both = set(reasons) & set(personal.get(model, ()))
        if both:
            raise ValueError(f"{model._meta.label}: {sorted(both)} cannot be both personal and not personal")
        unknown = set(reasons) - {f.name for f in model._meta.get_fields()}
        if unknown:
            raise ValueError(f"{model._meta.label} has no field {sorted(unknown)}")
        explained[model] = reasons
    _declarations[app_label] = Declaration(
        app_label=app_label,
        personal_fields=personal,
        exporter=exporter,
        eraser=eraser,
        not_personal=explained,
        kept=kept_reasons,
        pseudonymised=pseudonymised_reasons,
    )


def declarations() -> list[Declaration]:
    return list(_declarations.values())


def declared_models() -> dict[type[models.Model], tuple[str, ...]]:
    result: dict[type[models.Model], tuple[str, ...]] = {}
    for declaration in _declarations.values():
        result.update(declaration.personal_fields)
    return result


def treatments() -> list[FieldTreatment]:
    """Every declared field (personal, or looking personal and explained) with what erasure does to it."""
    result = []
    for declaration in _declarations.values():
        for model, names in declaration.personal_fields.items():
            for name in names:
                if name in declaration.kept.get(model, {}):
                    treatment, reason = Treatment.KEPT, declaration.kept[model][name]
                elif name in declaration.pseudonymised.get(model, {}):
                    treatment, reason = Treatment.PSEUDONYMISED, declaration.pseudonymised[model][name]
                elif model._meta.get_field(name).is_relation:
                    treatment, reason = Treatment.LINK, ""
                else:
                    treatment, reason = Treatment.ERASED, ""
                result.append(FieldTreatment(model, name, treatment, reason))
        for model, reasons in declaration.not_personal.items():
            result.extend(
                FieldTreatment(model, name, Treatment.NOT_PERSONAL, reason)
                for name, reason in reasons.items()
            )
    return result


def iter_user_data(user) -> Iterator[tuple[str, dict]]:
    """Every app's export for this user, one app at a time, by app label."""
    for label, declaration in sorted(_declarations.items()):
        yield label, declaration.exporter(user)


def export_user_data(user) -> dict[str, dict]:
    """Every app's export for this user, keyed by app label."""
    return dict(iter_user_data(user))


def erase_user_data(user) -> None:
    """Every app's eraser, the account's own last. Each eraser is safe to run twice."""
    ordered = sorted(_declarations.values(), key=lambda declaration: declaration.app_label == LAST_ERASED)
    for declaration in ordered:
        declaration.eraser(user)
