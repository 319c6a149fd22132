"""One document: its page, renaming and correcting its dates, deleting it or one of its versions."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from coffre import services
from coffre.models import Document, DocumentType, DocumentVersion, Grant
from guichet.audit.models import AuditEvent
from tests.coffre.factories import pdf_bytes, png_bytes, store
from tests.coffre.helpers import blob_files
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town", "document_types")]


def document_url(document, name: str = "coffre:document") -> str:
    return reverse(name, args=[document.pk])


def add_version(*, user, document, content: bytes = b"", **kwargs) -> DocumentVersion:
    return store(
        user=user,
        owner=document.owner,
        content=content or pdf_bytes(5_000),
        document_type=document.document_type,
        title=document.title,
        replaces=document,
        **kwargs,
    )


def test_the_document_page_shows_its_details_versions_and_shares(client, citizen, service):
    first = store(user=citizen, title="Attestation CAF", content=pdf_bytes(3_000))
    document = first.document
    second = add_version(user=citizen, document=document, content=png_bytes(), filename="caf.png")
    services.share_document(
        actor=citizen,
        document=document,
        service=service,
        note="Inscription cantine",
        until=timezone.localdate(),
    )
    login(client, citizen)

    response = client.get(document_url(document))

    assert response.status_code == 200
    assertContains(response, "<h1>Attestation CAF</h1>", html=True)
    assertContains(response, f'<code class="fingerprint">{second.sha256}</code>', html=True)
    assertContains(
        response,
        f'<a class="button" href="{reverse("coffre:version_download", args=[second.pk])}">Télécharger</a>',
        html=True,
    )
    assertContains(response, reverse("coffre:version_preview", args=[second.pk]))
    assertContains(response, reverse("coffre:version_download", args=[first.pk]))
    assertContains(response, reverse("coffre:version_delete", args=[first.pk]))
    assertContains(response, "caf.png")
    assertContains(response, '<p class="record-list__title">État civil</p>', html=True)
    assertContains(response, "Motif : Inscription cantine")
    assertContains(response, "Version 2")
    assertContains(response, f'<code class="fingerprint">{first.sha256}</code>', html=True)
    grant = Grant.objects.get()
    assertContains(response, reverse("coffre:grant_revoke", args=[grant.pk]))
    assertContains(response, f'href="{reverse("audit:data_access")}"')


def test_the_document_page_keeps_a_fixed_number_of_queries(
    client, citizen, service, django_assert_max_num_queries
):
    document = store(user=citizen).document
    for _ in range(15):
        add_version(user=citizen, document=document)
        services.share_document(
            actor=citizen, document=document, service=service, note="Motif", until=timezone.localdate()
        )
    login(client, citizen)
    client.get(document_url(document))

    # session, user, unread notifications, document, its versions with their uploader, grants
    with django_assert_max_num_queries(6):
        response = client.get(document_url(document))

    assert response.text.count('class="record-list__item"') == 15 + 16  # the grants, the versions


def test_renaming_and_correcting_the_dates(client, citizen):
    insurance = DocumentType.objects.get(code="attestation-assurance")
    document = store(
        user=citizen, title="Assurance", document_type=insurance, expiry_date=date(2026, 6, 30)
    ).document
    login(client, citizen)

    response = client.post(
        document_url(document, "coffre:document_edit"),
        {"title": "Assurance habitation", "issue_date": "2025-07-01", "expiry_date": "2026-07-01"},
        follow=True,
    )

    assertRedirects(response, document_url(document))
    assertContains(response, "Le document a été modifié.")
    document.refresh_from_db()
    assert (document.title, document.issue_date, document.expiry_date) == (
        "Assurance habitation",
        date(2025, 7, 1),
        date(2026, 7, 1),
    )
    assert AuditEvent.objects.filter(action="coffre.document.update", target_id=str(document.pk)).exists()


def test_the_edit_page_is_filled_with_the_document_and_keeps_what_was_typed_on_error(client, citizen):
    insurance = DocumentType.objects.get(code="attestation-assurance")
    document = store(
        user=citizen, title="Assurance", document_type=insurance, expiry_date=date(2026, 6, 30)
    ).document
    login(client, citizen)

    page = client.get(document_url(document, "coffre:document_edit"))
    response = client.post(
        document_url(document, "coffre:document_edit"),
        {"title": "Assurance corrigée", "issue_date": "2026-01-01", "expiry_date": ""},
    )

    assertContains(page, 'value="Assurance"')
    assertContains(page, 'value="2026-06-30"')
    assert response.status_code == 200
    assertContains(
        response,
        '<a href="#id_expiry_date">Fin de validité : Indiquez la date de fin de validité de ce document.</a>',
        html=True,
    )
    assertContains(response, 'value="Assurance corrigée"')
    assertContains(response, 'value="2026-01-01"')
    document.refresh_from_db()
    assert document.title == "Assurance"


def test_deleting_a_document_asks_first_then_deletes_every_version_and_blob(
    client, citizen, vault_dir, django_capture_on_commit_callbacks
):
    document = store(user=citizen, title="Ancien RIB").document
    add_version(user=citizen, document=document)
    kept = store(user=citizen, title="À garder")
    login(client, citizen)

    confirm = client.get(document_url(document, "coffre:document_delete"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(document_url(document, "coffre:document_delete"), follow=True)

    assertContains(confirm, "<h1>Supprimer « Ancien RIB » ?</h1>", html=True)
    assertContains(confirm, "Le document et ses 2 versions seront effacés définitivement")
    assertRedirects(response, reverse("coffre:vault", args=[person_party(citizen).pk]))
    assertContains(response, "Le document et toutes ses versions ont été supprimés.")
    assert list(Document.objects.all()) == [kept.document]
    assert [path.name for path in blob_files(vault_dir)] == [kept.blob_name.rsplit("/", 1)[1]]


def test_deleting_an_old_version_keeps_the_document(
    client, citizen, vault_dir, django_capture_on_commit_callbacks
):
    first = store(user=citizen)
    document = first.document
    second = add_version(user=citizen, document=document)
    login(client, citizen)

    confirm = client.get(reverse("coffre:version_delete", args=[first.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("coffre:version_delete", args=[first.pk]), follow=True)

    assertContains(confirm, "<h1>Supprimer la version 1 de « Mon document » ?</h1>", html=True)
    assertNotContains(confirm, "seule version")
    assertRedirects(response, document_url(document))
    assertContains(response, "La version a été supprimée.")
    document.refresh_from_db()
    assert list(document.versions.all()) == [second]
    assert document.current_version == second
    assert len(blob_files(vault_dir)) == 1


def test_deleting_the_current_version_brings_back_the_previous_one(client, citizen):
    first = store(user=citizen)
    second = add_version(user=citizen, document=first.document)
    login(client, citizen)

    confirm = client.get(reverse("coffre:version_delete", args=[second.pk]))
    client.post(reverse("coffre:version_delete", args=[second.pk]))

    assertContains(confirm, "C'est la version en cours : la version précédente la remplacera.")
    first.document.refresh_from_db()
    assert first.document.current_version == first


def test_deleting_the_only_version_deletes_the_document(client, citizen):
    version = store(user=citizen)
    login(client, citizen)

    confirm = client.get(reverse("coffre:version_delete", args=[version.pk]))
    response = client.post(reverse("coffre:version_delete", args=[version.pk]), follow=True)

    assertContains(confirm, "C'est la seule version de ce document : le document entier sera supprimé.")
    assertRedirects(response, reverse("coffre:vault", args=[person_party(citizen).pk]))
    assertContains(response, "C&#x27;était la seule version : le document a été supprimé.")
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("coffre:document", "post"),
        ("coffre:document_edit", "put"),
        ("coffre:document_delete", "delete"),
        ("coffre:grant_create", "patch"),
    ],
)
def test_document_pages_refuse_other_methods(client, citizen, name, method):
    document = store(user=citizen).document
    login(client, citizen)

    assert getattr(client, method)(document_url(document, name)).status_code == 405
    assert Document.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize(
    "name", ["coffre:version_download", "coffre:version_preview", "coffre:version_delete"]
)
def test_version_pages_refuse_other_methods(client, citizen, name):
    version = store(user=citizen)
    login(client, citizen)

    assert client.put(reverse(name, args=[version.pk])).status_code == 405
    assert DocumentVersion.objects.filter(pk=version.pk).exists()
