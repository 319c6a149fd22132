"""Uploads and downloads stream: flat memory, and never a byte in clear on disk."""

import gc
import hashlib
import logging
import os
import secrets
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection

from coffre import crypto, services, uploadhandler
from coffre.models import Document, DocumentVersion
from tests.coffre.factories import DocumentTypeFactory, pdf_bytes, read_back
from tests.coffre.helpers import GeneratedMultipartBody, blob_files
from tests.factories import UserFactory, person_party
from tests.helpers import login

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
PEAK_LIMIT = 32 * MIB


def reset_peak_rss() -> int:
    """Reset the kernel's peak-RSS mark of this process; returns the current RSS (bytes)."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kib("VmRSS") * 1024


def peak_rss() -> int:
    return _status_kib("VmHWM") * 1024


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/self/status")


def test_a_100_mib_upload_and_download_stream_with_flat_memory(settings, vault_dir):
    settings.COFFRE_MAX_FILE_BYTES = 128 * MIB
    settings.COFFRE_QUOTA_BYTES = 256 * MIB
    user = UserFactory()
    owner = person_party(user)
    document_type = DocumentTypeFactory()
    size = 100 * MIB
    head = pdf_bytes(4096)
    block = os.urandom(MIB)
    expected = hashlib.sha256(head)
    left = size - len(head)
    while left > 0:
        expected.update(block[:left])
        left -= min(left, len(block))

    body = GeneratedMultipartBody(size=size, head=head, block=block, fields={"title": "Très gros"})
    request = WSGIRequest(body.environ())
    uploadhandler.install(request)
    connection.ensure_connection()
    gc.collect()
    started = time.perf_counter()
    rss_before = reset_peak_rss()
    tracemalloc.start()
    try:
        upload = uploadhandler.uploaded_file(request, "file")
        version = services.store_document(
            actor=user, owner=owner, uploaded=upload, document_type=document_type, title=request.POST["title"]
        )
        upload_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    upload_rss_growth = peak_rss() - rss_before
    upload_seconds = time.perf_counter() - started
    request.close()

    assert version.size == size
    assert version.sha256 == expected.hexdigest()
    [blob] = blob_files(vault_dir)
    assert blob.stat().st_size == crypto.ciphertext_size(size)
    assert upload_peak < PEAK_LIMIT, f"Python peak {upload_peak / MIB:.1f} MiB"
    assert upload_rss_growth < PEAK_LIMIT, f"RSS grew by {upload_rss_growth / MIB:.1f} MiB"

    gc.collect()
    rss_before = reset_peak_rss()
    tracemalloc.start()
    try:
        stream = services.open_plaintext(actor=user, version=version)
        digest = hashlib.sha256()
        for chunk in stream:
            digest.update(chunk)
        download_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    download_rss_growth = peak_rss() - rss_before

    assert digest.hexdigest() == expected.hexdigest()
    assert download_peak < PEAK_LIMIT, f"Python peak {download_peak / MIB:.1f} MiB"
    assert download_rss_growth < PEAK_LIMIT, f"RSS grew by {download_rss_growth / MIB:.1f} MiB"
    print(
        f"\n100 MiB upload in {upload_seconds:.2f} s; peaks: upload {upload_peak / MIB:.1f} MiB traced, "
        f"{upload_rss_growth / MIB:.1f} MiB RSS; download {download_peak / MIB:.1f} MiB traced, "
        f"{download_rss_growth / MIB:.1f} MiB RSS"
    )


def files_containing(marker: bytes, folders: list[Path], *, since: float) -> list[Path]:
    """Regular files under these folders, written since `since`, whose bytes contain `marker`.

    Other pytest sessions' folders are skipped (this test's own folder is one of `folders`).
    """
    found = []
    pending = [str(folder) for folder in folders]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue  # gone or private
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith("pytest-of-"):
                        pending.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    recent = stat.st_mtime >= since and stat.st_size <= 256 * MIB
                    if recent and marker in Path(entry.path).read_bytes():
                        found.append(Path(entry.path))
            except OSError:
                continue
    return sorted(found)


@pytest.mark.urls("tests.coffre.urls")
def test_the_plaintext_never_touches_the_disk_nor_the_logs(client, vault_dir, caplog):
    """A 3 MiB upload: over FILE_UPLOAD_MAX_MEMORY_SIZE, where Django's own handlers would
    spill the file in clear into a temporary file."""
    assert 3 * MIB > django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    marker = f"MARQUEUR-EN-CLAIR-{secrets.token_hex(8)}".encode()
    content = pdf_bytes(3 * MIB, marker=marker)
    assert content.count(marker) > 1000
    user = UserFactory()
    login(client, user)
    folders = [vault_dir.parent, Path(tempfile.gettempdir())]
    if django_settings.FILE_UPLOAD_TEMP_DIR:
        folders.append(Path(django_settings.FILE_UPLOAD_TEMP_DIR))
    since = time.time() - 1
    caplog.set_level(logging.DEBUG)

    response = client.post(
        f"/coffre-test/{person_party(user).pk}/depot/",
        {
            "type": DocumentTypeFactory().code,
            "title": "Certificat",
            "file": SimpleUploadedFile("c.pdf", content),
        },
    )
    version = DocumentVersion.objects.get(pk=response.json()["version"])
    downloaded = read_back(actor=user, version=version)

    assert downloaded == content
    assert len(blob_files(vault_dir)) == 1
    assert files_containing(marker, folders, since=since) == []
    assert marker.decode() not in caplog.text
    row = Document.objects.filter(pk=version.document_id).values().get()
    assert marker.decode() not in repr(row) + repr(
        DocumentVersion.objects.filter(pk=version.pk).values().get()
    )
    # The search itself works: the same marker written in clear is found.
    witness = vault_dir.parent / "temoin.bin"
    witness.write_bytes(content[:200_000])
    assert files_containing(marker, folders, since=since) == [witness]
