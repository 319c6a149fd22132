"""The town's catalogue of 39 procedures, shipped as data (catalogue/data/*.json).

One JSON file per theme: {"theme": …, "service": …, "entries": [entry, …]}, an
entry's own "service" or "theme" winning over the file's. An entry is either
a form procedure ("kind": "form", with "pages" of "fields") or a link to
another app's page ("kind": "link", "link": "famille:enrolments"), hidden from
the catalogue until that page exists. Field options are FormField's columns;
"choices" is a list of "code | Libellé" strings, "document_type" a vault code,
"balance_with" (on a group) the key of the group of the same page whose total must equal its own.

`load_catalogue()` creates the entries that do not exist yet (by slug) and
publishes each form's first revision; entries already there are left as the
administrators made them, so loading twice changes nothing.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from coffre.models import DocumentType
from demarches import services
from demarches.enums import Audience, DemarcheKind, DemarcheStatus
from demarches.models import Demarche, FormField, FormPage
from guichet import audit
from guichet.accounts.models import Service

DATA_DIR = Path(__file__).resolve().parent / "data"

# The services the catalogue hands procedures to (created when missing, as in the accounts' demo).
SERVICES: dict[str, tuple[str, str]] = {
    "etat-civil": ("État civil", "Actes de naissance, de mariage et de décès, recensement citoyen."),
    "education": ("Éducation", "Inscriptions scolaires, restauration scolaire."),
    "enfance": ("Enfance et petite enfance", "Accueil périscolaire, centres de loisirs, crèches."),
    "urbanisme": ("Urbanisme", "Occupation du domaine public, autorisations de travaux."),
    "vie-associative": ("Vie associative", "Subventions, salles et matériel pour les associations."),
    "police-municipale": ("Police municipale", "Signalements sur la voie publique, tranquillité vacances."),
    "ccas": ("CCAS", "Action sociale : aides, portage de repas, domiciliation."),
    "regie": ("Régie unique", "Factures et paiements de tous les services."),
    "secretariat-general": (
        "Secrétariat général",
        "Courrier, saisines par voie électronique, rendez-vous avec les élus.",
    ),
    "dpo": (
        "Délégué à la protection des données",
        "Droits des personnes sur leurs données : opposition, limitation, rectification, effacement.",
    ),
}

FIELD_OPTIONS = (
    "hint",
    "display",
    "min_value",
    "max_value",
    "min_length",
    "max_length",
    "min_date",
    "max_date",
    "min_items",
    "max_items",
    "pattern",
    "pattern_message",
    "condition",
    "prefill",
    "balance_with",
)


@dataclass
class CatalogueResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)


@cache
def entries() -> tuple[dict[str, Any], ...]:
    """Every entry of the data files, in catalogue order, with its file's theme and service."""
    result = []
    for path in sorted(DATA_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in data["entries"]:
            result.append({"theme": data["theme"], "service": data.get("service"), **entry})
    return tuple(sorted(result, key=lambda entry: entry["number"]))


def _services(slugs: set[str]) -> dict[str, Service]:
    found = {service.slug: service for service in Service.objects.filter(slug__in=slugs)}
    for slug in sorted(slugs - set(found)):
        name, description = SERVICES[slug]
        found[slug] = Service.objects.create(slug=slug, name=name, description=description)
    return found


def _field(spec: dict[str, Any], *, page: FormPage, order: int, parent: FormField | None, types) -> FormField:
    row = FormField(
        page=page,
        parent=parent,
        order=order,
        key=spec["key"],
        kind=spec["kind"],
        label=spec.get("label", ""),
        required=spec.get("required", True),
        choices="\n".join(spec.get("choices") or ()),
        document_type=types[spec["document_type"]] if spec.get("document_type") else None,
        **{name: spec[name] for name in FIELD_OPTIONS if name in spec},
    )
    # The columns' own rules here (lengths, kinds, key format, date bounds, patterns); the rules
    # between fields (unique keys, conditions, options) are checked once, when publishing.
    row.clean_fields(exclude=["demarche", "page", "parent", "document_type"])
    row.save()
    for child_order, child in enumerate(spec.get("children") or (), start=1):
        _field(child, page=page, order=child_order * 10, parent=row, types=types)
    return row


def _create(entry: dict[str, Any], *, service: Service, types: dict[str, DocumentType]) -> Demarche:
    audiences = set(entry.get("audience") or [Audience.PERSON])
    demarche = Demarche(
        title=entry["title"],
        slug=entry["slug"],
        service=service,
        theme=entry["theme"],
        for_person=Audience.PERSON in audiences,
        for_household=Audience.HOUSEHOLD in audiences,
        for_association=Audience.ASSOCIATION in audiences,
        summary=entry["summary"],
        description=entry.get("description", ""),
        what_to_prepare=entry.get("what_to_prepare", ""),
        processing_days=entry.get("processing_days"),
        fee_cents=entry.get("fee_cents"),
        kind=entry.get("kind", DemarcheKind.FORM),
        link_url_name=entry.get("link", ""),
        status=DemarcheStatus.DRAFT,
        position=entry["number"] * 10,
    )
    demarche.full_clean(exclude=["required_document_types"])
    demarche.save()
    demarche.required_document_types.set([types[code] for code in entry.get("documents") or ()])
    for page_order, page_data in enumerate(entry.get("pages") or (), start=1):
        page = FormPage(
            demarche=demarche,
            order=page_order * 10,
            title=page_data["title"],
            intro=page_data.get("intro", ""),
            condition=page_data.get("condition"),
        )
        page.clean_fields(exclude=["demarche"])
        page.save()
        for field_order, spec in enumerate(page_data["fields"], start=1):
            _field(spec, page=page, order=field_order * 10, parent=None, types=types)
    return demarche


@transaction.atomic
def load_catalogue(*, actor=None, slugs: Iterable[str] | None = None) -> CatalogueResult:
    """Create the catalogue's missing entries and publish them (forms get their first revision).

    Idempotent: an entry whose slug exists is left untouched. `slugs` limits the
    load to some entries (tests load one procedure at a time).
    """
    wanted = set(slugs) if slugs is not None else None
    chosen = [entry for entry in entries() if wanted is None or entry["slug"] in wanted]
    result = CatalogueResult()
    existing = set(
        Demarche.objects.filter(slug__in=[e["slug"] for e in chosen]).values_list("slug", flat=True)
    )
    missing = [entry for entry in chosen if entry["slug"] not in existing]
    result.existing = [entry["slug"] for entry in chosen if entry["slug"] in existing]
    if not missing:
        return result
    service_by_slug = _services({entry["service"] for entry in missing})
    types = {document_type.code: document_type for document_type in DocumentType.objects.all()}
    for entry in missing:
        demarche = _create(entry, service=service_by_slug[entry["service"]], types=types)
        result.created.append(demarche.slug)
        services.publish_demarche(actor=actor, demarche=demarche)
        result.published.append(demarche.slug)
    audit.record(actor=actor, action="demarches.catalogue.load", created=len(result.created))
    return result
