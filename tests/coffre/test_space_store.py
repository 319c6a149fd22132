"""Bytes the town makes (a decision letter) stored straight into a space without members: encrypted under
the space's keys, type-checked like an upload, audited for the space; a vault with members is refused."""

import io

import pytest

from coffre import services
from coffre.exceptions import FileTypeRefused, VaultAccessDenied
from coffre.models import DataKey, Document, DocumentType
from guichet.accounts.models import Party
from guichet.audit.models import AuditEvent
from tests.coffre.factories import DocumentTypeFactory, pdf_bytes
from tests.coffre.helpers import blob_files
from tests.factories import UserFactory, person_party

pytestmark = pytest.mark.django_db


def make_space() -> Party:
    return Party.objects.create(kind="service", name="Archives de l'urbanisme")


def read_space(version, *, actor) -> bytes:
    stream = services.open_space_plaintext(actor=actor, version=version, purpose="demarches.request:7")
    try:
        return b"".join(stream)
    finally:
        stream.close()


def test_generated_bytes_become_a_document_of_the_space(vault_dir):
    space = make_space()
    kind = DocumentTypeFactory(label="Autre document")
    content = pdf_bytes(90_000, marker=b"DECISION")

    version = services.store_in_space(
        actor=None,
        space=space,
        source=io.BytesIO(content),
        filename="decision-GN-2026-000001.pdf",
        document_type=kind,
        title="Courrier de décision",
    )

    document = version.document
    assert (document.owner, document.title, document.document_type, document.current_version) == (
        space,
        "Courrier de décision",
        kind,
        version,
    )
    assert (version.number, version.size, version.mime_type, version.filename, version.uploaded_by) == (
        1,
        len(content),
        "application/pdf",
        "decision-GN-2026-000001.pdf",
        None,
    )
    assert version.data_key == DataKey.objects.get(party=space)
    assert len(blob_files(vault_dir)) == 1
    assert content not in b"".join(path.read_bytes() for path in blob_files(vault_dir))
    assert read_space(version, actor=UserFactory()) == content
    assert services.verify_version(version=version) == version.sha256
    event = AuditEvent.objects.get(action="coffre.document.create")
    assert (event.actor_id, event.owner_party_id, event.target_id) == (None, space.pk, str(document.pk))
    assert event.details["size"] == len(content)


def test_an_empty_title_takes_the_type_s_label():
    version = services.store_in_space(
        actor=None,
        space=make_space(),
        source=[pdf_bytes(2000)],
        filename="courrier.pdf",
        document_type=DocumentType.objects.get_or_create(code="autre", defaults={"label": "Autre document"})[
            0
        ],
        title="  ",
    )

    assert version.document.title == version.document.document_type.label


def test_a_vault_with_members_is_refused_and_nothing_is_kept(vault_dir):
    user = UserFactory()

    with pytest.raises(VaultAccessDenied):
        services.store_in_space(
            actor=None,
            space=person_party(user),
            source=io.BytesIO(pdf_bytes(2000)),
            filename="x.pdf",
            document_type=DocumentTypeFactory(),
            title="Intrus",
        )

    assert not Document.objects.exists()
    assert blob_files(vault_dir) == []


def test_bytes_that_are_not_a_pdf_or_an_image_are_refused_and_leave_no_blob(vault_dir):
    with pytest.raises(FileTypeRefused):
        services.store_in_space(
            actor=None,
            space=make_space(),
            source=io.BytesIO(b"#!/bin/sh\necho bonjour\n" * 100),
            filename="script.pdf",
            document_type=DocumentTypeFactory(),
            title="Faux PDF",
        )

    assert not Document.objects.exists()
    assert blob_files(vault_dir) == []
