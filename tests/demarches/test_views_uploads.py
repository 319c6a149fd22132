"""No plaintext of an upload reaches the disk: every démarches page that accepts POST installs the
vault's encrypting upload handler before the body is read, and checks the CSRF token after."""

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

from coffre.models import Document
from demarches import services
from demarches.enums import RequestStatus
from demarches.models import Request
from tests.coffre.factories import pdf_bytes
from tests.coffre.helpers import stored_files
from tests.coffre.tripwire import PREFIX
from tests.demarches.factories import document_demarche, submitted
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]


@pytest.fixture(autouse=True)
def tripwire(settings):
    # Django's own handlers, should a view let them parse the body, leave a copy in the temporary folder.
    settings.FILE_UPLOAD_HANDLERS = [
        "tests.coffre.tripwire.KeepingTemporaryFileUploadHandler",
        *django_settings.FILE_UPLOAD_HANDLERS,
    ]
    yield
    for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        path.unlink(missing_ok=True)


def temporary_files_containing(marker: bytes, *, since: float) -> list[Path]:
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
def objects(citizen, service):
    demarche = document_demarche(service=service)
    draft = services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    sent = submitted(user=citizen)
    return {"demarche": demarche, "draft": draft, "sent": sent}


def post_urls(objects) -> list[str]:
    draft, sent = objects["draft"], objects["sent"]
    return [
        reverse("demarches:start", args=[objects["demarche"].slug]),
        reverse("demarches:page", args=[draft.pk, 3]),
        reverse("demarches:submit", args=[draft.pk]),
        reverse("demarches:delete", args=[sent.pk]),
        reverse("demarches:withdraw", args=[sent.pk]),
        reverse("demarches:message", args=[sent.pk]),
        reverse("demarches:reply", args=[sent.pk]),
    ]


def test_no_page_lets_an_uploaded_file_reach_the_disk_in_clear(client, citizen, objects, vault_dir):
    login(client, citizen)
    for url in post_urls(objects):
        marker = f"SECRET-{uuid.uuid4().hex}".encode()
        since = time.time()

        response = client.post(url, {"file": big_file(marker), "justificatif--fichier": big_file(marker)})

        assert response.status_code in {200, 302}, (url, response.status_code)
        assert temporary_files_containing(marker, since=since) == [], url
        assert all(marker not in path.read_bytes() for path in stored_files(vault_dir)), url


def test_a_big_file_sent_with_a_document_question_is_kept_encrypted_only(client, citizen, objects, vault_dir):
    marker = f"SECRET-{uuid.uuid4().hex}".encode()
    since = time.time()
    login(client, citizen)
    draft = objects["draft"]

    response = client.post(
        reverse("demarches:page", args=[draft.pk, 3]), {"justificatif--fichier": big_file(marker)}
    )

    assert response.status_code == 302
    document = Document.objects.get(owner=person_party(citizen))
    assert Request.objects.get(pk=draft.pk).answers["justificatif"] == document.pk
    assert temporary_files_containing(marker, since=since) == []
    assert all(marker not in path.read_bytes() for path in stored_files(vault_dir))


def test_every_form_of_the_pages_checks_the_csrf_token(citizen, objects):
    client = Client(enforce_csrf_checks=True)
    login(client, citizen)

    for url in post_urls(objects):
        assert client.post(url, {"nom": "Pirate", "body": "Pirate"}).status_code == 403, url

    assert Request.objects.filter(created_by=citizen).count() == 2
    objects["sent"].refresh_from_db()
    assert (objects["sent"].status, objects["sent"].messages.count()) == (RequestStatus.SUBMITTED, 0)
