"""No plaintext of an upload ever reaches the disk: every vault page that may receive a file
encrypts it as it arrives, and the others never parse it with Django's default handlers."""

import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from coffre import services
from coffre.urls import urlpatterns
from tests.coffre.factories import pdf_bytes, store
from tests.coffre.helpers import stored_files
from tests.coffre.tripwire import PREFIX
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town", "document_types")]

ALL_NAMES = sorted(pattern.name for pattern in urlpatterns)


@pytest.fixture(autouse=True)
def tripwire(settings):
    settings.FILE_UPLOAD_HANDLERS = [
        "tests.coffre.tripwire.KeepingTemporaryFileUploadHandler",
        *django_settings.FILE_UPLOAD_HANDLERS,
    ]
    yield
    for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        path.unlink(missing_ok=True)


def temporary_files_containing(marker: bytes, *, since: float) -> list[Path]:
    """Regular files of the temporary folder written since `since` that contain `marker`."""
    found = []
    with os.scandir(tempfile.gettempdir()) as entries:
        for entry in entries:
            try:
                if not entry.is_file(follow_symlinks=False) or entry.stat().st_mtime < since - 1:
                    continue
                if marker in Path(entry.path).read_bytes():
                    found.append(Path(entry.path))
            except OSError:
                continue  # another process's file, gone or unreadable: not ours
    return found


def big_file(marker: bytes) -> SimpleUploadedFile:
    size = django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024
    return SimpleUploadedFile("secret.pdf", pdf_bytes(size, marker=marker), content_type="application/pdf")


@pytest.fixture
def objects(citizen, agent, service):
    version = store(user=citizen)
    grant = services.share_document(
        actor=citizen,
        document=version.document,
        service=service,
        note="Motif",
        until=version.created_at.date(),
    )
    return {"owner": person_party(citizen), "version": version, "document": version.document, "grant": grant}


def url_for(name: str, objects: dict) -> str:
    args = {
        "about": [],
        "home": [],
        "agent_documents": [],
        "vault": [objects["owner"].pk],
        "upload": [objects["owner"].pk],
        "export": [objects["owner"].pk],
        "document": [objects["document"].pk],
        "document_edit": [objects["document"].pk],
        "document_delete": [objects["document"].pk],
        "version_upload": [objects["document"].pk],
        "grant_create": [objects["document"].pk],
        "grant_revoke": [objects["grant"].pk],
        "version_download": [objects["version"].pk],
        "version_preview": [objects["version"].pk],
        "version_delete": [objects["version"].pk],
        "agent_download": [objects["version"].pk],
        "agent_preview": [objects["version"].pk],
    }[name]
    return reverse(f"coffre:{name}", args=args)


def test_the_tripwire_catches_a_view_that_parses_files_with_django_s_handlers(client, citizen):
    # A view outside the vault that reads request.POST: Django's handlers write the big file to disk.
    marker = f"CONTROLE-{uuid.uuid4().hex}".encode()
    since = time.time()
    login(client, citizen)

    client.post(reverse("set_language"), {"language": "fr", "file": big_file(marker)})

    assert temporary_files_containing(marker, since=since) != []


@pytest.mark.parametrize("name", ALL_NAMES)
def test_no_vault_page_lets_an_uploaded_file_reach_the_disk_in_clear(
    name, client, citizen, agent, objects, vault_dir
):
    marker = f"SECRET-{uuid.uuid4().hex}".encode()
    since = time.time()
    login(client, agent if name.startswith("agent_") else citizen)

    response = client.post(
        url_for(name, objects),
        {
            "file": big_file(marker),
            "document_type": "",
            "title": "Essai",
            "note": "Motif",
            "until": "2099-01-01",
        },
    )

    assert response.status_code in {200, 302, 403, 405}, response.status_code
    assert temporary_files_containing(marker, since=since) == []
    assert all(marker not in path.read_bytes() for path in stored_files(vault_dir))


@pytest.mark.parametrize("name", ["upload", "version_upload"])
def test_an_accepted_big_upload_is_kept_encrypted_only(name, client, citizen, objects, vault_dir):
    marker = f"SECRET-{uuid.uuid4().hex}".encode()
    since = time.time()
    login(client, citizen)
    data = {"file": big_file(marker), "title": "Gros fichier"}
    if name == "upload":
        data["document_type"] = objects["document"].document_type.pk

    response = client.post(url_for(name, objects), data)

    assert response.status_code == 302
    assert objects["document"].owner.documents.filter(title="Gros fichier").exists()
    assert temporary_files_containing(marker, since=since) == []
    assert all(marker not in path.read_bytes() for path in stored_files(vault_dir))


@pytest.mark.parametrize(
    "name",
    [
        "upload",
        "version_upload",
        "document_edit",
        "document_delete",
        "version_delete",
        "grant_create",
        "grant_revoke",
    ],
)
def test_every_vault_form_checks_the_csrf_token(name, citizen, objects):
    client = Client(enforce_csrf_checks=True)
    login(client, citizen)

    response = client.post(url_for(name, objects), {"title": "Essai"})

    assert response.status_code == 403
    objects["grant"].refresh_from_db()
    assert objects["grant"].revoked_at is None
    assert objects["document"].versions.count() == 1
