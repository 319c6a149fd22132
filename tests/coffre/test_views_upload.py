"""Depositing a document or a new version through the pages: what is kept, what is refused."""

import hashlib
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from coffre.models import Document, DocumentType, DocumentVersion
from guichet.audit.models import AuditEvent
from tests.coffre.factories import make_household, pdf_bytes, png_bytes, read_back, store
from tests.coffre.helpers import blob_files
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town", "document_types")]

PARIS = ZoneInfo("Europe/Paris")
TYPE_REFUSED = (
    "Ce type de fichier n&#x27;est pas accepté : seuls les documents PDF et les images JPEG ou PNG le sont."
)
CHOOSE_AGAIN = "Pour votre sécurité, le fichier envoyé n&#x27;a pas été gardé : choisissez-le à nouveau."


@pytest.fixture(autouse=True)
def today(time_machine) -> date:
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), tick=False)
    return date(2026, 3, 2)


def upload_url(owner) -> str:
    return reverse("coffre:upload", args=[owner.pk])


def a_file(content: bytes, name: str = "facture.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def nothing_stored(vault_dir) -> bool:
    return (
        not Document.objects.exists() and not DocumentVersion.objects.exists() and blob_files(vault_dir) == []
    )


def test_the_upload_page_offers_the_types_of_the_space_and_explains_the_protection(client, citizen):
    login(client, citizen)

    response = client.get(upload_url(person_party(citizen)))

    assert response.status_code == 200
    assertContains(response, "<h1>Déposer un document</h1>", html=True)
    assertContains(response, 'enctype="multipart/form-data"')
    assertContains(response, 'type="file" name="file"')
    assertContains(response, 'accept="application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"')
    assertContains(
        response,
        '<label for="id_file">Fichier <span class="required">(obligatoire)</span></label>',
        html=True,
    )
    assertContains(response, "Un document PDF ou une image JPEG ou PNG, de 20,0\xa0Mio au plus.")
    type_select = re.search(r'<select name="document_type".*?</select>', response.text, re.S).group(0)
    assert type_select.count("<option value=") == 12  # the empty choice and the 11 seeded types for a person
    assertNotContains(response, "Statuts de l&#x27;association")
    assertContains(
        response, "<li>Justificatif de domicile : 90 jours après la date d&#x27;émission</li>", html=True
    )
    assertContains(
        response, f'<a href="{reverse("coffre:about")}">Comment vos documents sont protégés</a>', html=True
    )
    assertNotContains(response, CHOOSE_AGAIN)


def test_a_pdf_is_stored_encrypted_with_its_fingerprint_and_the_expiry_of_its_type(
    client, citizen, vault_dir
):
    login(client, citizen)
    content = pdf_bytes(30_000, marker=b"BULLETIN-DE-PAIE-CAMILLE")
    address = DocumentType.objects.get(code="justificatif-domicile")

    response = client.post(
        upload_url(person_party(citizen)),
        {
            "file": a_file(content, "Facture EDF mars.pdf"),
            "document_type": address.pk,
            "title": "Facture EDF",
            "issue_date": "2026-02-10",
            "expiry_date": "",
        },
        follow=True,
    )

    document = Document.objects.get()
    assertRedirects(response, reverse("coffre:document", args=[document.pk]))
    assertContains(response, "Le document a été déposé dans votre coffre-fort.")
    version = document.current_version
    assert (document.owner, document.document_type, document.title) == (
        person_party(citizen),
        address,
        "Facture EDF",
    )
    assert (document.issue_date, document.expiry_date) == (date(2026, 2, 10), date(2026, 5, 11))
    assert (version.size, version.mime_type, version.filename) == (
        30_000,
        "application/pdf",
        "Facture EDF mars.pdf",
    )
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    [blob] = blob_files(vault_dir)
    assert b"BULLETIN-DE-PAIE-CAMILLE" not in blob.read_bytes()
    assert read_back(actor=citizen, version=version) == content
    assert (
        AuditEvent.objects.filter(action="coffre.document.create", owner_party_id=document.owner_id).count()
        == 1
    )


def test_an_image_goes_into_the_households_vault(client, citizen):
    household = make_household(citizen)
    login(client, citizen)

    client.post(
        upload_url(household),
        {
            "file": a_file(png_bytes(), "carnet.png"),
            "document_type": DocumentType.objects.get(code="carnet-vaccination").pk,
            "title": "",
        },
    )

    document = Document.objects.get()
    assert (document.owner, document.title, document.expiry_date) == (
        household,
        "Carnet de vaccination",
        None,
    )
    assert document.current_version.mime_type == "image/png"


def test_a_missing_end_date_brings_the_page_back_with_what_was_typed(client, citizen, vault_dir):
    login(client, citizen)
    insurance = DocumentType.objects.get(code="attestation-assurance")

    response = client.post(
        upload_url(person_party(citizen)),
        {
            "file": a_file(pdf_bytes()),
            "document_type": insurance.pk,
            "title": "Assurance habitation MAIF",
            "issue_date": "2026-01-05",
            "expiry_date": "",
        },
    )

    assert response.status_code == 200
    assertContains(response, "<title>Erreur : Déposer un document – Villeneuve-sur-Test</title>", html=True)
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(
        response,
        '<a href="#id_expiry_date">Fin de validité : Indiquez la date de fin de validité de ce document.</a>',
        html=True,
    )
    assertContains(response, 'value="Assurance habitation MAIF"')
    assertContains(response, 'value="2026-01-05"')
    assertContains(response, f'<option value="{insurance.pk}" selected>', html=False)
    assertContains(response, CHOOSE_AGAIN)
    assert nothing_stored(vault_dir)


def test_an_end_before_the_issue_date_is_refused(client, citizen, vault_dir):
    login(client, citizen)

    response = client.post(
        upload_url(person_party(citizen)),
        {
            "file": a_file(pdf_bytes()),
            "document_type": DocumentType.objects.get(code="attestation-assurance").pk,
            "issue_date": "2026-01-05",
            "expiry_date": "2025-12-31",
        },
    )

    assertContains(response, "La date de fin de validité ne peut pas précéder la date d&#x27;émission.")
    assertContains(response, 'value="2025-12-31"')
    assert nothing_stored(vault_dir)


def test_a_missing_file_and_type_are_both_named(client, citizen, vault_dir):
    login(client, citizen)

    response = client.post(
        upload_url(person_party(citizen)), {"title": "Sans fichier", "issue_date": "demain"}
    )

    assertContains(response, '<a href="#id_file">Fichier : Ce champ est obligatoire.</a>', html=True)
    assertContains(
        response, '<a href="#id_document_type">Type de document : Ce champ est obligatoire.</a>', html=True
    )
    assertContains(
        response, '<a href="#id_issue_date">Date d&#x27;émission : Saisissez une date valide.</a>', html=True
    )
    assertContains(response, 'value="Sans fichier"')
    assertContains(response, 'value="demain"')
    assert nothing_stored(vault_dir)


REFUSED = {
    "html-named-pdf": (
        "page.pdf",
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        TYPE_REFUSED,
    ),
    "svg-named-png": (
        "logo.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        TYPE_REFUSED,
    ),
    "pdf-with-html-renamed-png": (
        "facture.png",
        b"%PDF-1.7\n<html><script>alert(1)</script>" + pdf_bytes(),
        TYPE_REFUSED,
    ),
    "windows-executable": ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 4000, TYPE_REFUSED),
    "zero-byte": ("vide.pdf", b"", "Le fichier est vide."),
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_refused_file_comes_back_with_its_french_message_and_nothing_is_stored(
    case, client, citizen, vault_dir
):
    filename, content, message = REFUSED[case]
    login(client, citizen)

    response = client.post(
        upload_url(person_party(citizen)),
        {
            "file": a_file(content, filename),
            "document_type": DocumentType.objects.get(code="rib").pk,
            "title": "Mon RIB",
        },
    )

    assert response.status_code == 200
    assertContains(response, f'<a href="#id_file">Fichier : {message}</a>', html=True)
    assertNotContains(response, "Ce champ est obligatoire")
    assertContains(response, 'value="Mon RIB"')
    assertContains(response, CHOOSE_AGAIN)
    assert nothing_stored(vault_dir)


def test_a_file_over_the_limit_is_refused_as_it_arrives(client, citizen, vault_dir, settings):
    settings.COFFRE_MAX_FILE_BYTES = 100_000
    login(client, citizen)

    response = client.post(
        upload_url(person_party(citizen)),
        {"file": a_file(pdf_bytes(300_000)), "document_type": DocumentType.objects.get(code="rib").pk},
    )

    assertContains(
        response,
        '<a href="#id_file">Fichier : Le fichier dépasse la taille maximale autorisée (97,7\xa0Kio).</a>',
        html=True,
    )
    assert nothing_stored(vault_dir)


def test_an_upload_over_the_quota_is_refused_and_the_vault_is_left_as_it_was(
    client, citizen, vault_dir, settings
):
    settings.COFFRE_QUOTA_BYTES = 50_000
    kept = store(user=citizen, content=pdf_bytes(30_000))
    login(client, citizen)

    response = client.post(
        upload_url(person_party(citizen)),
        {"file": a_file(pdf_bytes(30_000)), "document_type": DocumentType.objects.get(code="rib").pk},
    )

    assertContains(
        response,
        "L&#x27;espace du coffre-fort est insuffisant : il reste 19,5\xa0Kio et le fichier fait 29,3\xa0Kio.",
    )
    assert list(DocumentVersion.objects.all()) == [kept]
    assert [path.name for path in blob_files(vault_dir)] == [kept.blob_name.rsplit("/", 1)[1]]


def test_a_type_the_space_may_not_hold_is_refused(client, citizen, vault_dir):
    login(client, citizen)

    response = client.post(
        upload_url(person_party(citizen)),
        {
            "file": a_file(pdf_bytes()),
            "document_type": DocumentType.objects.get(code="statuts-association").pk,
        },
    )

    assertContains(response, "Type de document : Sélectionnez un choix valide.")
    assert nothing_stored(vault_dir)


def test_an_upload_without_the_csrf_token_is_refused_and_nothing_stays(citizen, vault_dir):
    client = Client(enforce_csrf_checks=True)
    login(client, citizen)

    response = client.post(
        upload_url(person_party(citizen)),
        {"file": a_file(pdf_bytes()), "document_type": DocumentType.objects.get(code="rib").pk},
    )

    assert response.status_code == 403
    assert nothing_stored(vault_dir)


def test_an_upload_with_the_csrf_token_goes_through(citizen):
    client = Client(enforce_csrf_checks=True)
    login(client, citizen)
    url = upload_url(person_party(citizen))
    client.get(url)

    response = client.post(
        url,
        {
            "file": a_file(pdf_bytes()),
            "document_type": DocumentType.objects.get(code="rib").pk,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )

    assert response.status_code == 302
    assert Document.objects.count() == 1


def test_uploading_into_someone_elses_space_answers_404_and_stores_nothing(
    client, citizen, stranger, vault_dir
):
    login(client, citizen)

    response = client.post(
        upload_url(person_party(stranger)),
        {"file": a_file(pdf_bytes()), "document_type": DocumentType.objects.get(code="rib").pk},
    )

    assert response.status_code == 404
    assert nothing_stored(vault_dir)


def test_the_upload_page_refuses_other_methods(client, citizen):
    login(client, citizen)

    assert client.put(upload_url(person_party(citizen))).status_code == 405


# New version ---------------------------------------------------------------------------------


def test_a_new_version_replaces_the_old_one_which_stays(client, citizen):
    address = DocumentType.objects.get(code="justificatif-domicile")
    first = store(user=citizen, title="Facture EDF", document_type=address, issue_date=date(2025, 11, 1))
    document = first.document
    login(client, citizen)
    content = pdf_bytes(9_000)

    response = client.post(
        reverse("coffre:version_upload", args=[document.pk]),
        {
            "file": a_file(content, "edf-fevrier.pdf"),
            "title": "Facture EDF février",
            "issue_date": "2026-02-15",
        },
    )

    assertRedirects(response, reverse("coffre:document", args=[document.pk]))
    document.refresh_from_db()
    assert [version.number for version in document.versions.order_by("number")] == [1, 2]
    assert document.current_version.number == 2
    assert (document.title, document.expiry_date) == ("Facture EDF février", date(2026, 5, 16))
    assert read_back(actor=citizen, version=document.current_version) == content
    assert read_back(actor=citizen, version=first) == pdf_bytes()


def test_the_new_version_page_keeps_what_was_typed_after_a_refused_file(client, citizen, vault_dir):
    version = store(user=citizen, title="Facture EDF")
    login(client, citizen)

    response = client.post(
        reverse("coffre:version_upload", args=[version.document_id]),
        {"file": a_file(b"MZ" + b"\x00" * 3000, "facture.pdf"), "title": "Facture EDF avril"},
    )

    assertContains(response, f'<a href="#id_file">Fichier : {TYPE_REFUSED}</a>', html=True)
    assertContains(response, 'value="Facture EDF avril"')
    assertContains(response, CHOOSE_AGAIN)
    assert DocumentVersion.objects.count() == 1
    assert len(blob_files(vault_dir)) == 1


def test_the_new_version_page_shows_the_document_and_its_type_only(client, citizen):
    version = store(user=citizen, title="Facture EDF")
    login(client, citizen)

    response = client.get(reverse("coffre:version_upload", args=[version.document_id]))

    assertContains(response, "<h1>Nouvelle version de « Facture EDF »</h1>", html=True)
    assertContains(response, 'value="Facture EDF"')
    assertNotContains(response, 'name="document_type"')


def test_a_link_asking_for_one_type_of_paper_picks_it_and_an_unknown_type_picks_nothing(client, citizen):
    login(client, citizen)
    proof = DocumentType.objects.get(code="justificatif-domicile")

    picked = client.get(upload_url(person_party(citizen)), {"type": "justificatif-domicile"})
    unknown = client.get(upload_url(person_party(citizen)), {"type": "statuts-association"})

    assertContains(picked, f'<option value="{proof.pk}" selected>', html=False)
    assertContains(unknown, '<option value="" selected>Choisissez un type</option>')
    assertNotContains(unknown, f'<option value="{proof.pk}" selected>')
