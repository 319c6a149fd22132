"""Procedures: publishing a form as a frozen revision, duplicating one (administrators, and the
catalogue loader with actor=None)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from demarches import perms
from demarches.enums import DemarcheStatus
from demarches.exceptions import CannotPublish
from demarches.models import Demarche, DemarcheRevision, FormField, FormPage
from demarches.schema import build_schema, schema_errors
from guichet import audit


def _check_configure(actor) -> None:
    # actor=None is the system (the catalogue loader, a data migration).
    if actor is not None and not perms.can_configure_demarches(actor):
        raise PermissionDenied


@transaction.atomic
def publish_demarche(*, actor, demarche: Demarche) -> DemarcheRevision | None:
    """Publish: freeze the current editable form into a new revision, which new requests use.

    Requests already started keep their own revision. Refused (CannotPublish, with
    every problem listed) when the form has an error. When the form has not changed
    since the current revision, that revision is kept and no new one is made. A
    link entry has no form: it is only marked published (None is returned).
    """
    _check_configure(actor)
    demarche = (
        Demarche.objects.select_for_update(of=("self",))
        .select_related("current_revision")
        .get(pk=demarche.pk)
    )
    if demarche.is_link:
        if demarche.status != DemarcheStatus.PUBLISHED:
            demarche.status = DemarcheStatus.PUBLISHED
            demarche.save(update_fields=["status", "updated_at"])
            audit.record(actor=actor, action="demarches.demarche.publish", target=demarche)
        return None
    schema = build_schema(demarche)
    problems = schema_errors(schema)
    if problems:
        raise CannotPublish(problems)
    frozen = schema.frozen()
    current = demarche.current_revision
    if current is not None and current.schema == frozen:
        if demarche.status != DemarcheStatus.PUBLISHED:
            demarche.status = DemarcheStatus.PUBLISHED
            demarche.save(update_fields=["status", "updated_at"])
            audit.record(
                actor=actor, action="demarches.demarche.publish", target=demarche, revision=current.number
            )
        return current
    last = demarche.revisions.aggregate(last=Max("number"))["last"] or 0
    revision = DemarcheRevision.objects.create(
        demarche=demarche, number=last + 1, schema=frozen, created_by=actor, published_at=timezone.now()
    )
    demarche.current_revision = revision
    demarche.status = DemarcheStatus.PUBLISHED
    demarche.save(update_fields=["current_revision", "status", "updated_at"])
    audit.record(actor=actor, action="demarches.demarche.publish", target=demarche, revision=revision.number)
    return revision


def _free_slug(base: str) -> str:
    base = base[:90]
    slug, n = base, 2
    while Demarche.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def duplicate_demarche(*, actor, demarche: Demarche) -> Demarche:
    """A draft copy with its pages, fields (groups' fields too) and documents, under a new slug."""
    _check_configure(actor)
    source = Demarche.objects.get(pk=demarche.pk)
    documents = list(source.required_document_types.all())
    copy = Demarche.objects.get(pk=source.pk)
    copy.pk = None
    copy._state.adding = True
    copy.slug = _free_slug(f"{source.slug}-copie")
    copy.title = (_("%(title)s (copie)") % {"title": source.title})[:200]
    copy.status = DemarcheStatus.DRAFT
    copy.current_revision = None
    copy.save()
    copy.required_document_types.set(documents)
    for page in FormPage.objects.filter(demarche=source).order_by("order", "pk"):
        fields = list(FormField.objects.filter(page=page).order_by("order", "pk"))
        page.pk = None
        page._state.adding = True
        page.demarche = copy
        page.save()
        new_ids: dict[int, FormField] = {}
        # Top-level fields first, so that each group exists before its own fields.
        for row in [f for f in fields if f.parent_id is None] + [
            f for f in fields if f.parent_id is not None
        ]:
            old_id = row.pk
            row.pk = None
            row._state.adding = True
            row.page = page
            row.demarche = copy
            row.parent = new_ids[row.parent_id] if row.parent_id else None
            row.save()
            new_ids[old_id] = row
    audit.record(actor=actor, action="demarches.demarche.duplicate", target=copy, source=source.pk)
    return copy
