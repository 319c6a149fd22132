"""Procedures for the démarches' tests: an editable form made of rows, as the admin makes it."""

import factory

from coffre.models import DocumentType
from demarches import services
from demarches.enums import DemarcheKind, DemarcheStatus, Theme
from demarches.models import Demarche, DemarcheRevision, FormField, FormPage
from tests.factories import ServiceFactory


class DemarcheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demarche
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Démarche de test {n}")
    slug = factory.Sequence(lambda n: f"demarche-test-{n}")
    service = factory.SubFactory(ServiceFactory)
    theme = Theme.EVERYDAY_LIFE
    summary = "Une démarche pour les tests."
    status = DemarcheStatus.DRAFT
    kind = DemarcheKind.FORM


def add_page(
    demarche: Demarche, title: str, *fields: dict, order: int | None = None, condition=None
) -> FormPage:
    """A page with its fields: dicts of FormField columns (`choices` as a list of lines,
    `document_type` as a code, `children` for a group)."""
    order = order if order is not None else (demarche.pages.count() + 1) * 10
    page = FormPage.objects.create(demarche=demarche, order=order, title=title, condition=condition)
    for position, spec in enumerate(fields, start=1):
        add_field(page, spec, order=position * 10)
    return page


def add_field(page: FormPage, spec: dict, *, order: int, parent: FormField | None = None) -> FormField:
    spec = dict(spec)
    children = spec.pop("children", [])
    if isinstance(spec.get("choices"), list):
        spec["choices"] = "\n".join(spec["choices"])
    if spec.get("document_type"):
        spec["document_type"] = DocumentType.objects.get(code=spec["document_type"])
    spec.setdefault("label", spec["key"].replace("_", " ").capitalize())
    row = FormField.objects.create(page=page, parent=parent, order=order, **spec)
    for position, child in enumerate(children, start=1):
        add_field(page, child, order=position * 10, parent=row)
    return row


def publish(demarche: Demarche) -> DemarcheRevision:
    revision = services.publish_demarche(actor=None, demarche=demarche)
    demarche.refresh_from_db()
    return revision


def simple_demarche(**kwargs) -> Demarche:
    """Two pages: a name, then a choice with a conditional date; audience person."""
    demarche = DemarcheFactory(**kwargs)
    add_page(
        demarche,
        "Identité",
        {"key": "nom", "kind": "short_text", "label": "Nom", "prefill": "profile.last_name"},
    )
    add_page(
        demarche,
        "Rendez-vous",
        {
            "key": "moment",
            "kind": "single_choice",
            "label": "Moment",
            "choices": ["matin | Le matin", "soir | Le soir"],
        },
        {
            "key": "date_souhaitee",
            "kind": "date",
            "label": "Date souhaitée",
            "required": True,
            "condition": {"field": "moment", "op": "equals", "value": "soir"},
        },
    )
    return demarche


def document_demarche(**kwargs) -> Demarche:
    """Four pages: a name; a repeated group of children; a proof of address (vault document); a phone.

    Audience person, processing time 10 days, published.
    """
    kwargs.setdefault("processing_days", 10)
    demarche = DemarcheFactory(status=DemarcheStatus.DRAFT, **kwargs)
    add_page(
        demarche,
        "Vous",
        {"key": "nom", "kind": "short_text", "label": "Votre nom", "prefill": "profile.last_name"},
    )
    add_page(
        demarche,
        "Vos enfants",
        {
            "key": "enfants",
            "kind": "group",
            "label": "Enfant",
            "required": False,
            "children": [
                {"key": "prenom", "kind": "short_text", "label": "Prénom de l'enfant"},
                {"key": "naissance", "kind": "date", "label": "Date de naissance", "max_date": "today"},
            ],
        },
    )
    add_page(
        demarche,
        "Justificatif",
        {
            "key": "justificatif",
            "kind": "document",
            "label": "Justificatif de domicile",
            "document_type": "justificatif-domicile",
        },
    )
    add_page(
        demarche,
        "Contact",
        {"key": "telephone", "kind": "phone", "label": "Téléphone", "prefill": "profile.phone"},
    )
    publish(demarche)
    return demarche


def fill(*, user, demarche: Demarche, answers: dict, party=None):
    """A draft of `demarche` for `party` (the user's own by default), saved page by page as the pages do."""
    from demarches.models import Request
    from tests.factories import person_party

    party = party or person_party(user)
    draft = services.start_request(actor=user, demarche=demarche, applicant=party)
    schema = draft.form
    for page in schema.pages:
        keys = {spec.key for spec in page.fields}
        services.save_page_answers(
            actor=user,
            request=draft,
            page_number=page.number,
            page_answers={key: value for key, value in answers.items() if key in keys},
        )
    return Request.objects.get(pk=draft.pk)


def submitted(*, user, demarche: Demarche | None = None, answers: dict | None = None, party=None):
    """A request sent through the services; by default a simple procedure answered "le matin"."""
    if demarche is None:
        demarche = simple_demarche()
        publish(demarche)
    draft = fill(
        user=user, demarche=demarche, answers=answers or {"nom": "Martin", "moment": "matin"}, party=party
    )
    return services.submit_request(actor=user, request=draft)
