"""What the vault accepts, decided by the bytes; what it refuses, with a French message and nothing stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from coffre import services
from coffre.enums import MimeType
from coffre.exceptions import EmptyFile, FileTooLarge, FileTypeRefused, QuotaExceeded, VaultError
from coffre.models import Document, DocumentVersion
from coffre.uploads import EncryptedUpload, UploadState, safe_filename, sniff_mime_type
from tests.coffre import s3
from tests.coffre.factories import DocumentTypeFactory, jpeg_bytes, pdf_bytes, png_bytes, read_back, store
from tests.coffre.helpers import blob_files
from tests.factories import UserFactory, person_party
from tests.helpers import login

pytestmark = pytest.mark.django_db

TYPE_REFUSED = (
    "Ce type de fichier n'est pas accepté : seuls les documents PDF et les images JPEG ou PNG le sont."
)
HTML_PRETENDING_PDF = b"<html><body><script>alert(1)</script></body></html>\n" + pdf_bytes()
REFUSED = {
    "pdf-renamed-png-with-html": ("facture.png", HTML_PRETENDING_PDF, TYPE_REFUSED),
    "pdf-with-html-in-its-header": (
        "facture.pdf",
        b"%PDF-1.7\n<html><script>alert(1)</script>" + pdf_bytes(),
        TYPE_REFUSED,
    ),
    "svg": (
        "logo.svg",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        TYPE_REFUSED,
    ),
    "svg-named-png": (
        "logo.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        TYPE_REFUSED,
    ),
    "html": ("page.pdf", b"<!DOCTYPE html><html><body>Bonjour</body></html>", TYPE_REFUSED),
    "elf-executable": ("outil.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 4000, TYPE_REFUSED),
    "windows-executable": ("setup.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 4000, TYPE_REFUSED),
    "zip": ("archive.pdf", b"PK\x03\x04" + b"\x00" * 4000, TYPE_REFUSED),
    "zero-byte": ("vide.pdf", b"", "Le fichier est vide."),
}


def nothing_stored(vault_dir, *, documents_before: int = 0) -> bool:
    return (
        Document.objects.count() == documents_before
        and DocumentVersion.objects.count() == documents_before
        and blob_files(vault_dir) == []
    )


@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_file_is_refused_with_its_message_and_nothing_is_stored(case, vault_dir):
    filename, content, message = REFUSED[case]

    with pytest.raises(VaultError) as error:
        store(content=content, filename=filename)

    assert error.value.message == message
    assert nothing_stored(vault_dir)


@pytest.mark.urls("tests.coffre.urls")
@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_upload_over_http_answers_its_message_and_stores_nothing(case, client, vault_dir):
    filename, content, message = REFUSED[case]
    user = UserFactory()
    login(client, user)
    document_type = DocumentTypeFactory()

    response = client.post(
        f"/coffre-test/{person_party(user).pk}/depot/",
        {
            "type": document_type.code,
            "title": "Facture",
            "file": SimpleUploadedFile(filename, content, "image/png"),
        },
    )

    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert nothing_stored(vault_dir)


def test_a_file_over_the_limit_is_refused_and_its_partial_blob_deleted(settings, vault_dir):
    settings.COFFRE_MAX_FILE_BYTES = 100_000

    with pytest.raises(FileTooLarge) as error:
        store(content=pdf_bytes(150_000))

    assert error.value.message == "Le fichier dépasse la taille maximale autorisée (97,7\xa0Kio)."
    assert nothing_stored(vault_dir)


@s3.filesystem_only("a blob being written is a visible partial file on a disk, not on S3 until complete")
def test_the_limit_stops_the_upload_as_soon_as_it_is_passed(vault_dir):
    """The bytes past the limit are never encrypted nor written: the blob is deleted at once."""
    upload = EncryptedUpload(original_name="gros.pdf", max_bytes=3 * 65536)
    chunk = pdf_bytes(65536)
    for _ in range(3):
        upload.write(chunk)
    assert len(blob_files(vault_dir)) == 1  # the partial ciphertext, nothing in clear

    with pytest.raises(FileTooLarge):
        upload.write(b"x")

    assert upload.state == UploadState.DISCARDED
    assert blob_files(vault_dir) == []


@pytest.mark.urls("tests.coffre.urls")
def test_an_upload_over_the_limit_over_http_is_refused(client, settings, vault_dir):
    settings.COFFRE_MAX_FILE_BYTES = 100_000
    user = UserFactory()
    login(client, user)

    response = client.post(
        f"/coffre-test/{person_party(user).pk}/depot/",
        {"type": DocumentTypeFactory().code, "file": SimpleUploadedFile("gros.pdf", pdf_bytes(300_000))},
    )

    assert response.json()["error"].startswith("Le fichier dépasse la taille maximale autorisée")
    assert nothing_stored(vault_dir)


def test_an_upload_over_the_quota_is_refused_and_the_vault_keeps_what_it_had(settings, vault_dir):
    settings.COFFRE_QUOTA_BYTES = 10_000
    user = UserFactory()
    first = store(user=user, content=pdf_bytes(6_000))

    with pytest.raises(QuotaExceeded) as error:
        store(user=user, content=pdf_bytes(6_000))

    assert error.value.message == (
        "L'espace du coffre-fort est insuffisant : il reste 3,9\xa0Kio et le fichier fait 5,9\xa0Kio. "
        "Supprimez des documents ou d'anciennes versions pour faire de la place."
    )
    assert list(DocumentVersion.objects.all()) == [first]
    assert len(blob_files(vault_dir)) == 1
    assert read_back(actor=user, version=first) == pdf_bytes(6_000)


def test_old_versions_count_against_the_quota(settings):
    settings.COFFRE_QUOTA_BYTES = 10_000
    user = UserFactory()
    first = store(user=user, content=pdf_bytes(4_000))
    store(
        user=user,
        content=pdf_bytes(4_000),
        replaces=first.document,
        document_type=first.document.document_type,
    )

    with pytest.raises(QuotaExceeded):
        store(user=user, content=pdf_bytes(4_000))


@pytest.mark.urls("tests.coffre.urls")
def test_an_upload_over_the_quota_over_http_is_refused(client, settings, vault_dir):
    settings.COFFRE_QUOTA_BYTES = 5_000
    user = UserFactory()
    login(client, user)

    response = client.post(
        f"/coffre-test/{person_party(user).pk}/depot/",
        {"type": DocumentTypeFactory().code, "file": SimpleUploadedFile("a.pdf", pdf_bytes(6_000))},
    )

    assert response.json()["error"].startswith("L'espace du coffre-fort est insuffisant")
    assert nothing_stored(vault_dir)


# Accepted files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "mime_type", "stored_name"),
    [
        ("facture.png", pdf_bytes(), MimeType.PDF, "facture.pdf"),
        ("Attestation d'assurance 2026.PDF", pdf_bytes(), MimeType.PDF, "Attestation d'assurance 2026.pdf"),
        ("photo", png_bytes(), MimeType.PNG, "photo.png"),
        ("scan.jpeg", jpeg_bytes(), MimeType.JPEG, "scan.jpg"),
        ("../../etc/passwd.pdf", pdf_bytes(), MimeType.PDF, "passwd.pdf"),
        ("C:\\Users\\léa\\RIB\u202e.pdf", pdf_bytes(), MimeType.PDF, "RIB.pdf"),
    ],
)
def test_an_accepted_file_is_kept_as_what_its_bytes_say(filename, content, mime_type, stored_name):
    user = UserFactory()

    version = store(user=user, content=content, filename=filename)

    assert (version.mime_type, version.filename, version.size) == (mime_type, stored_name, len(content))
    assert read_back(actor=user, version=version) == content


@pytest.mark.urls("tests.coffre.urls")
def test_an_upload_over_http_is_encrypted_stored_and_reads_back_identical(client, vault_dir):
    user = UserFactory()
    login(client, user)
    content = pdf_bytes(300_000)

    response = client.post(
        f"/coffre-test/{person_party(user).pk}/depot/",
        {"type": DocumentTypeFactory().code, "title": "RIB", "file": SimpleUploadedFile("rib.png", content)},
    )

    assert response.status_code == 200
    version = DocumentVersion.objects.get(pk=response.json()["version"])
    assert response.json() == {"version": version.pk, "mime_type": "application/pdf", "filename": "rib.pdf"}
    [blob] = blob_files(vault_dir)
    assert content[:64] not in blob.read_bytes()
    assert read_back(actor=user, version=version) == content


@pytest.mark.urls("tests.coffre.urls")
def test_the_upload_view_pattern_keeps_csrf_protection(vault_dir):
    user = UserFactory()
    client = login(Client(enforce_csrf_checks=True), user)

    response = client.post(
        f"/coffre-test/{person_party(user).pk}/depot/",
        {"type": DocumentTypeFactory().code, "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
    )

    assert response.status_code == 403
    assert nothing_stored(vault_dir)  # the accepted upload was deleted when the request closed


@pytest.mark.urls("tests.coffre.urls")
def test_someone_elses_vault_is_not_found_and_the_upload_is_deleted(client, vault_dir):
    login(client, UserFactory())
    other = UserFactory()

    response = client.post(
        f"/coffre-test/{person_party(other).pk}/depot/",
        {"type": DocumentTypeFactory().code, "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
    )

    assert response.status_code == 404
    assert nothing_stored(vault_dir)


# Type and name checks on their own ----------------------------------------------------------


def test_markup_after_the_first_kib_does_not_matter():
    """A PDF may quote HTML in its body; only the first KiB is what sniffers look at."""
    user = UserFactory()
    content = pdf_bytes(4096) + b"<html><script>"

    version = store(user=user, content=content)

    assert version.mime_type == MimeType.PDF
    assert read_back(actor=user, version=version) == content


def test_a_png_signature_without_its_header_chunk_is_refused():
    with pytest.raises(FileTypeRefused):
        sniff_mime_type(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)


def test_a_file_name_never_carries_a_path_a_control_character_or_a_foreign_extension():
    assert safe_filename("..", mime_type=MimeType.PDF) == "document.pdf"
    assert safe_filename("a/b\\c\x00d\n.exe", mime_type=MimeType.PNG) == "cd.png"
    assert safe_filename("x" * 300 + ".pdf", mime_type=MimeType.PDF) == "x" * 80 + ".pdf"
    assert safe_filename("<script>.pdf", mime_type=MimeType.PDF) == "script.pdf"


def test_an_empty_upload_object_is_refused_and_leaves_no_blob(vault_dir):
    upload = EncryptedUpload(original_name="vide.pdf")
    with pytest.raises(EmptyFile):
        upload.finish()
    assert blob_files(vault_dir) == []


def test_store_from_file_accepts_an_iterable_of_bytes(vault_dir):
    user = UserFactory()
    content = pdf_bytes(200_000)
    pieces = [content[i : i + 7_000] for i in range(0, len(content), 7_000)]

    version = services.store_document_from_file(
        actor=user,
        owner=person_party(user),
        source=iter(pieces),
        filename="morceaux.pdf",
        document_type=DocumentTypeFactory(),
        title="En morceaux",
    )

    assert read_back(actor=user, version=version) == content
    assert io.BytesIO(content).getbuffer().nbytes == version.size


def test_a_source_that_fails_half_way_leaves_no_blob(vault_dir):
    user = UserFactory()

    def broken_source():
        yield pdf_bytes(200_000)
        raise OSError("disque illisible")

    with pytest.raises(OSError, match="disque illisible"):
        services.store_document_from_file(
            actor=user,
            owner=person_party(user),
            source=broken_source(),
            filename="a.pdf",
            document_type=DocumentTypeFactory(),
            title="Coupé",
        )

    assert nothing_stored(vault_dir)
