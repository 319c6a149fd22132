"""The personal-data registry: which fields hold personal data, and how to export and erase them.

Each app declares, for every one of its models, the fields that hold personal
data, and gives one exporter (user → JSON-ready dict) and one eraser (user →
None). RGPD export, erasure and retention walk this registry; a test fails when
a model is not declared or when a field that looks personal is not listed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models


@dataclass(frozen=True)
class Declaration:
    app_label: str
    personal_fields: dict[type[models.Model], tuple[str, ...]]
    exporter: Callable[..., dict]
    eraser: Callable[..., None]
    # Fields whose names look personal but are not (say why next to the declaration).
    not_personal: dict[type[models.Model], tuple[str, ...]] = field(default_factory=dict)


_declarations: dict[str, Declaration] = {}


def declare(
    *,
    app_label: str,
    personal_fields: dict[type[models.Model], list[str] | tuple[str, ...]],
    exporter: Callable[..., dict],
    eraser: Callable[..., None],
    not_personal: dict[type[models.Model], list[str] | tuple[str, ...]] | None = None,
) -> None:
    for model, names in personal_fields.items():
        known = {f.name for f in model._meta.get_fields()}
        unknown = set(names) - known
        if unknown:
            raise ValueError(f"{model._meta.label} has no field {sorted(unknown)}")
    _declarations[app_label] = Declaration(
        app_label=app_label,
        personal_fields={model: tuple(names) for model, names in personal_fields.items()},
        exporter=exporter,
        eraser=eraser,
        not_personal={model: tuple(names) for model, names in (not_personal or {}).items()},
    )


def declarations() -> list[Declaration]:
    return list(_declarations.values())


def declared_models() -> dict[type[models.Model], tuple[str, ...]]:
    result: dict[type[models.Model], tuple[str, ...]] = {}
    for declaration in _declarations.values():
        result.update(declaration.personal_fields)
    return result


def export_user_data(user) -> dict[str, dict]:
    """Every app's export for this user, keyed by app label."""
    return {label: declaration.exporter(user) for label, declaration in sorted(_declarations.items())}


def erase_user_data(user) -> None:
    for declaration in _declarations.values():
        declaration.eraser(user)
