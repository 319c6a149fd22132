"""Data of every kind the retention schedule covers, made through the apps' own services."""

import io
from datetime import date

from coffre import services as vault
from coffre.models import Document, DocumentType
from demarches import services as demarches_services
from demarches.enums import RequestStatus, Theme
from demarches.models import Demarche, Request
from guichet.retention import services
from guichet.retention.models import RetentionRun
from tests.coffre.factories import pdf_bytes
from tests.demarches.factories import DemarcheFactory, add_page, fill, publish
from tests.factories import person_party


def procedure(*, service, theme: str = Theme.EVERYDAY_LIFE, **kwargs) -> Demarche:
    """A published procedure asking a name, a free text and a paper of the vault (any type)."""
    demarche = DemarcheFactory(service=service, theme=theme, **kwargs)
    add_page(
        demarche,
        "Vous",
        {"key": "nom", "kind": "short_text", "label": "Votre nom"},
        {"key": "precisions", "kind": "long_text", "label": "Précisions", "required": False},
    )
    add_page(
        demarche,
        "Justificatif",
        {
            "key": "justificatif",
            "kind": "document",
            "label": "Justificatif",
            "required": False,
        },
    )
    publish(demarche)
    return demarche


def vault_document(*, user, owner=None, expiry_date: date | None = None, code: str = "livret-famille"):
    """A PDF in `owner`'s vault (the user's own by default), through the vault's own path."""
    version = vault.store_document_from_file(
        actor=user,
        owner=owner or person_party(user),
        source=io.BytesIO(pdf_bytes()),
        filename="justificatif.pdf",
        document_type=DocumentType.objects.get(code=code),
        title="Justificatif",
        issue_date=date(2000, 1, 1) if expiry_date else None,
        expiry_date=expiry_date,
    )
    return version.document


def draft(*, user, demarche: Demarche, **answers) -> Request:
    return fill(user=user, demarche=demarche, answers={"nom": "Martin", **answers})


def decided(*, user, agent, demarche: Demarche, status: str = RequestStatus.ACCEPTED, document: bool = True):
    """A request sent with a paper of the vault and a message, then decided by an agent of its service."""
    answers = {"nom": "Martin", "precisions": "Mon voisin, M. Durand, est d'accord."}
    if document:
        answers["justificatif"] = vault_document(user=user).pk
    request = draft(user=user, demarche=demarche, **answers)
    request = demarches_services.submit_request(actor=user, request=request)
    demarches_services.send_message(actor=user, request=request, body="Je joins mon justificatif.")
    demarches_services.add_note(actor=agent, request=request, body="Vu avec Mme Martin au téléphone.")
    motivation = "" if status == RequestStatus.ACCEPTED else "Le justificatif a plus de trois mois."
    return demarches_services.change_status(
        actor=agent, request=request, status=status, motivation=motivation
    )


def run() -> RetentionRun:
    report = services.run_retention()
    assert report is not None
    return report


def documents_of(request: Request) -> list[Document]:
    ids = list(request.attachments.values_list("document_id", flat=True))
    return list(Document.objects.filter(pk__in=ids))
