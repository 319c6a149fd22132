"""Getting documents out: download, preview, and the ZIP of everything."""

import hashlib
import io
import json
import zipfile
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from coffre import services
from coffre.exceptions import VaultIntegrityError
from coffre.models import DocumentType
from guichet.audit.models import AuditEvent
from tests.coffre.factories import jpeg_bytes, make_household, pdf_bytes, png_bytes, read_back, store
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town", "document_types")]

PARIS = ZoneInfo("Europe/Paris")


def body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_a_download_streams_the_exact_bytes_with_safe_headers(client, citizen):
    content = pdf_bytes(200_000)  # several 64 KiB chunks
    version = store(user=citizen, content=content, filename="Facture EDF.pdf")
    login(client, citizen)

    response = client.get(reverse("coffre:version_download", args=[version.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == "200000"
    assert response["Content-Disposition"] == 'attachment; filename="Facture EDF.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert body(response) == content
    event = AuditEvent.objects.get(action="coffre.document.read")
    assert (event.actor_id, event.owner_party_id, event.details) == (
        citizen.pk,
        person_party(citizen).pk,
        {"version": version.pk},
    )


def test_a_file_name_with_accents_is_offered_in_utf8(client, citizen):
    version = store(user=citizen, content=png_bytes(), filename="Carnet de santé.png")
    login(client, citizen)

    response = client.get(reverse("coffre:version_download", args=[version.pk]))

    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Carnet%20de%20sant%C3%A9.png"
    assert response["Content-Type"] == "image/png"


def test_an_older_version_can_be_downloaded_by_its_owner(client, citizen):
    first = store(user=citizen, content=pdf_bytes(1_000))
    store(
        user=citizen,
        content=jpeg_bytes(),
        replaces=first.document,
        document_type=first.document.document_type,
    )
    login(client, citizen)

    response = client.get(reverse("coffre:version_download", args=[first.pk]))

    assert body(response) == pdf_bytes(1_000)


def test_a_preview_is_shown_inline_in_a_sandbox(client, citizen):
    version = store(user=citizen, content=jpeg_bytes(), filename="photo.jpg")
    login(client, citizen)

    response = client.get(reverse("coffre:version_preview", args=[version.pk]))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="photo.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert body(response) == jpeg_bytes()


def test_a_vault_whose_master_key_is_gone_says_so_in_french(client, citizen, settings):
    version = store(user=citizen)
    settings.COFFRE_KEKS = ["other:" + "A" * 43 + "="]
    login(client, citizen)

    response = client.get(reverse("coffre:version_download", args=[version.pk]))

    assert response.status_code == 410
    assertContains(
        response,
        "Les clés de ce coffre-fort ne sont plus disponibles : le document ne peut pas être ouvert.",
        status_code=410,
    )
    assert not AuditEvent.objects.filter(action="coffre.document.read").exists()


def test_a_tampered_blob_is_cut_before_any_altered_byte(client, citizen, vault_dir):
    version = store(user=citizen, content=pdf_bytes(100_000))
    blob = vault_dir / version.blob_name
    data = bytearray(blob.read_bytes())
    data[20] ^= 0x01  # in the first chunk
    blob.chmod(0o600)
    blob.write_bytes(bytes(data))
    login(client, citizen)

    response = client.get(reverse("coffre:version_download", args=[version.pk]))

    chunks = iter(response.streaming_content)
    with pytest.raises(VaultIntegrityError):
        next(chunks)


# Export everything ---------------------------------------------------------------------------


@pytest.fixture
def paris_day(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), tick=False)


def test_the_export_holds_every_current_document_byte_for_byte_a_manifest_and_the_trace(
    client, citizen, agent, service, paris_day
):
    address = DocumentType.objects.get(code="justificatif-domicile")
    big = pdf_bytes(300_000, marker=b"GROS")
    edf_v1 = store(user=citizen, title="Facture EDF", content=pdf_bytes(2_000), document_type=address)
    edf = store(
        user=citizen,
        title="Facture EDF",
        content=big,
        filename="edf.pdf",
        document_type=address,
        replaces=edf_v1.document,
        issue_date=date(2026, 2, 1),
    )
    photo = store(user=citizen, title="Photo", content=png_bytes(), filename="photo.png")
    store(user=citizen, owner=make_household(citizen), title="Pas dans cet export")
    services.share_document(
        actor=citizen, document=edf.document, service=service, note="Cantine", until=date(2026, 3, 31)
    )
    read_back(actor=agent, version=edf)
    login(client, citizen)

    response = client.get(reverse("coffre:export", args=[person_party(citizen).pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="coffre-fort-2026-03-02.zip"'
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None  # every CRC holds
    edf_path = f"documents/justificatif-domicile/{edf.document_id}-edf.pdf"
    photo_path = f"documents/{photo.document.document_type.code}/{photo.document_id}-photo.png"
    assert sorted(archive.namelist()) == sorted(
        ["LISEZMOI.txt", edf_path, photo_path, "manifest.json", "trace.json"]
    )
    assert archive.read(edf_path) == big
    assert archive.read(photo_path) == png_bytes()

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "guichet-coffre-export/1"
    assert manifest["owner"] == {"id": person_party(citizen).pk, "kind": "person"}
    by_id = {entry["id"]: entry for entry in manifest["documents"]}
    assert set(by_id) == {edf.document_id, photo.document_id}
    for entry in manifest["documents"]:
        assert entry["sha256"] == hashlib.sha256(archive.read(entry["file"])).hexdigest()
        assert entry["size"] == len(archive.read(entry["file"]))
    edf_entry = by_id[edf.document_id]
    assert (edf_entry["title"], edf_entry["type"], edf_entry["mime_type"]) == (
        "Facture EDF",
        "justificatif-domicile",
        "application/pdf",
    )
    assert (edf_entry["issue_date"], edf_entry["expiry_date"]) == ("2026-02-01", "2026-05-02")
    assert [(v["number"], v["sha256"], v["current"]) for v in edf_entry["versions"]] == [
        (1, edf_v1.sha256, False),
        (2, edf.sha256, True),
    ]

    trace = json.loads(archive.read("trace.json"))["operations"]
    assert [(op["action"], op["actor"]) for op in trace] == [
        ("coffre.document.create", "owner"),
        ("coffre.version.create", "owner"),
        ("coffre.document.create", "owner"),
        ("coffre.grant.create", "owner"),
        ("coffre.document.read", "agent"),
        ("coffre.vault.export", "owner"),
    ]
    agent_read = trace[4]
    assert agent_read["target"] == f"coffre.document:{edf.document_id}"
    assert agent_read["details"]["service"] == service.pk
    assert agent_read["date"].startswith("2026-03-02T10:00:00")
    assert "Facture" not in archive.read("trace.json").decode()  # ids only, no titles
    assert "manifest.json" in archive.read("LISEZMOI.txt").decode()


def test_an_empty_vault_exports_a_manifest_without_documents(client, citizen):
    login(client, citizen)

    response = client.get(reverse("coffre:export", args=[person_party(citizen).pk]))

    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert json.loads(archive.read("manifest.json"))["documents"] == []
    assert (
        AuditEvent.objects.filter(
            action="coffre.vault.export", owner_party_id=person_party(citizen).pk
        ).count()
        == 1
    )


def test_the_export_streams_a_large_vault_in_small_pieces(client, citizen, settings):
    settings.COFFRE_MAX_FILE_BYTES = 8 * 1024 * 1024
    content = pdf_bytes(6 * 1024 * 1024)
    store(user=citizen, content=content)
    login(client, citizen)

    response = client.get(reverse("coffre:export", args=[person_party(citizen).pk]))

    pieces = list(response.streaming_content)
    assert max(len(piece) for piece in pieces) <= 128 * 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(pieces)))
    [document] = [name for name in archive.namelist() if name.startswith("documents/")]
    assert archive.read(document) == content


def test_someone_elses_vault_cannot_be_exported(client, citizen, stranger):
    store(user=stranger)
    login(client, citizen)

    assert client.get(reverse("coffre:export", args=[person_party(stranger).pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="coffre.vault.export").exists()


def test_the_export_refuses_other_methods(client, citizen):
    login(client, citizen)

    assert client.post(reverse("coffre:export", args=[person_party(citizen).pk])).status_code == 405
