"""The vault in a real browser: a citizen keeps a document, gets it back, exports everything,
shares it with a service and takes it back; an agent reads a shared document and the owner sees it.
Every page passes axe's WCAG 2.1 A/AA rules; screenshots go to /tmp/screens/coffre-*.png."""

import importlib
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from coffre import services
from coffre.models import Document, Grant
from tests.coffre.factories import pdf_bytes, store
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, ServiceFactory, UserFactory, make_agent, make_town

pytestmark = pytest.mark.e2e

CONTENT = pdf_bytes(60_000, marker=b"ATTESTATION-ASSURANCE-CAMILLE")


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path) -> Path:
    location = tmp_path / "coffre"
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {"BACKEND": "coffre.storage.VaultFileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


@pytest.fixture(autouse=True)
def town():
    # The default document types again: the live server's tests empty the tables after each test.
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(apps, None)
    return make_town(name="Saint-Exemple")


def log_in(page, email: str, *, next_path: str) -> None:
    page.goto(f"/compte/login/?next={next_path}")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()


def main(page):
    return page.get_by_role("main")


def test_a_citizen_keeps_gets_back_exports_shares_and_unshares_a_document(page, tmp_path):
    ServiceFactory(name="État civil", slug="etat-civil")
    UserFactory(email="camille@exemple.fr", first_name="Camille", last_name="Martin")
    soon = timezone.localdate() + timedelta(days=20)

    # The public page first, as the law asks: before any use.
    page.goto("/coffre-fort/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment le coffre-fort protège vos documents")
    check_accessibility(page)
    take_screenshots(page, name="coffre-about")

    log_in(page, "camille@exemple.fr", next_path="/mon-espace/coffre/")
    expect(page).to_have_url(re.compile(r"/mon-espace/coffre/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon coffre-fort")
    expect(main(page)).to_contain_text("Votre coffre-fort est vide")
    check_accessibility(page)
    take_screenshots(page, name="coffre-vault-empty")

    # Upload: a first try without the end date comes back with the error and what was typed.
    main(page).get_by_role("link", name="Déposer un document").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déposer un document")
    # The drag-and-drop script ran (an enhancement: the plain file input is what the test uses).
    expect(page.get_by_label(re.compile(r"^Fichier"))).to_have_accessible_description(
        re.compile("glisser-déposer le fichier ici")
    )
    check_accessibility(page)
    take_screenshots(page, name="coffre-upload")
    page.get_by_label(re.compile(r"^Fichier")).set_input_files(
        {"name": "attestation-assurance.pdf", "mimeType": "application/pdf", "buffer": CONTENT}
    )
    page.get_by_label(re.compile(r"^Type de document")).select_option(label="Attestation d'assurance")
    page.get_by_label(re.compile(r"^Intitulé")).fill("Assurance habitation")
    page.get_by_role("button", name="Déposer").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez la date de fin de validité de ce document.")
    expect(page.get_by_label(re.compile(r"^Intitulé"))).to_have_value("Assurance habitation")
    expect(page.get_by_label(re.compile(r"^Fichier"))).to_have_accessible_description(
        re.compile("choisissez-le à nouveau")
    )
    check_accessibility(page)
    take_screenshots(page, name="coffre-upload-error")
    page.get_by_label(re.compile(r"^Fichier")).set_input_files(
        {"name": "attestation-assurance.pdf", "mimeType": "application/pdf", "buffer": CONTENT}
    )
    page.get_by_label(re.compile(r"^Fin de validité")).fill(soon.isoformat())
    page.get_by_role("button", name="Déposer").click()

    # The document's page.
    expect(page.get_by_role("heading", level=1)).to_have_text("Assurance habitation")
    expect(page.get_by_role("status")).to_contain_text("Le document a été déposé dans votre coffre-fort.")
    check_accessibility(page)
    take_screenshots(page, name="coffre-document")
    document = Document.objects.get()
    assert document.current_version.size == len(CONTENT)

    # Download: the same bytes.
    with page.expect_download() as download_info:
        main(page).get_by_role("link", name="Télécharger", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "attestation-assurance.pdf"
    assert Path(download.path()).read_bytes() == CONTENT

    # Listed by type, with its badge.
    page.get_by_role("navigation", name="Fil d'Ariane").get_by_role(
        "link", name="Mes documents personnels"
    ).click()
    expect(main(page).get_by_role("heading", level=3)).to_have_text("Attestation d'assurance")
    expect(main(page).get_by_role("listitem").filter(has_text="Assurance habitation")).to_contain_text(
        "Expire bientôt"
    )
    check_accessibility(page)
    take_screenshots(page, name="coffre-vault")

    # Export everything.
    with page.expect_download() as export_info:
        main(page).get_by_role("link", name="Télécharger l'archive ZIP").click()
    export = export_info.value
    assert re.fullmatch(r"coffre-fort-\d{4}-\d{2}-\d{2}\.zip", export.suggested_filename)
    archive = zipfile.ZipFile(io.BytesIO(Path(export.path()).read_bytes()))
    manifest = json.loads(archive.read("manifest.json"))
    [entry] = manifest["documents"]
    assert archive.read(entry["file"]) == CONTENT
    assert entry["sha256"] == document.current_version.sha256
    assert "trace.json" in archive.namelist()

    # Share with a service, then take it back.
    main(page).get_by_role("link", name="Assurance habitation").click()
    main(page).get_by_role("link", name="Partager avec un service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partager « Assurance habitation »")
    check_accessibility(page)
    take_screenshots(page, name="coffre-share")
    page.get_by_label(re.compile(r"^Service de la mairie")).select_option(label="État civil")
    page.get_by_label(re.compile(r"^Motif du partage")).fill("Dossier de mariage")
    page.get_by_label(re.compile(r"^Partagé jusqu'au")).fill(
        (timezone.localdate() + timedelta(days=10)).isoformat()
    )
    page.get_by_role("button", name="Partager").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Le document est partagé avec le service « État civil »."
    )
    shares = main(page).get_by_role("region", name="Partages en cours")
    expect(shares).to_contain_text("Dossier de mariage")
    check_accessibility(page)
    take_screenshots(page, name="coffre-document-shared")

    shares.get_by_role("link", name=re.compile("^Retirer")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirer le partage avec « État civil » ?")
    check_accessibility(page)
    take_screenshots(page, name="coffre-revoke")
    page.get_by_role("button", name="Retirer le partage").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Le service « État civil » ne peut plus lire ce document."
    )
    expect(main(page)).to_contain_text("Ce document n'est partagé avec aucun service de la mairie.")
    assert Grant.objects.get().revoked_at is not None
    check_accessibility(page)

    # The other pages of a document, checked too.
    for link, heading in (
        ("Modifier l'intitulé ou les dates", "Modifier « Assurance habitation »"),
        ("Déposer une nouvelle version", "Nouvelle version de « Assurance habitation »"),
        ("Supprimer ce document", "Supprimer « Assurance habitation » ?"),
    ):
        main(page).get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_accessibility(page)
        page.go_back()

    # Mon espace shows the card.
    page.goto("/mon-espace/")
    card = main(page).get_by_role("listitem").filter(has=page.get_by_role("heading", name="Mon coffre-fort"))
    expect(card).to_contain_text("1 document dans votre coffre-fort.")
    expect(card).to_contain_text("1 document arrive à échéance.")
    check_accessibility(page)
    take_screenshots(page, name="coffre-dashboard")


def test_an_agent_reads_a_shared_document_and_its_owner_sees_who(page, browser, live_server):
    service = ServiceFactory(name="État civil", slug="etat-civil")
    citizen = UserFactory(email="camille@exemple.fr", first_name="Camille", last_name="Martin")
    make_agent(service, email="agent@saint-exemple.fr", first_name="Alix", last_name="Durand")
    version = store(user=citizen, title="Acte de naissance", content=CONTENT, filename="acte.pdf")
    services.share_document(
        actor=citizen,
        document=version.document,
        service=service,
        note="Dossier de mariage",
        until=timezone.localdate() + timedelta(days=10),
    )

    log_in(page, "agent@saint-exemple.fr", next_path="/agent/coffre/")
    expect(page).to_have_url(re.compile(r"/compte/2fa/verifier/"))
    device = TOTPDevice.objects.get(user__email="agent@saint-exemple.fr")
    page.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Valider").click()

    expect(page).to_have_url(re.compile(r"/agent/coffre/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Documents partagés avec mes services")
    row = main(page).get_by_role("row").filter(has_text="Acte de naissance")
    expect(row).to_contain_text("État civil : Dossier de mariage")
    check_accessibility(page)
    take_screenshots(page, name="coffre-agent-list")
    with page.expect_download() as download_info:
        row.get_by_role("link", name=re.compile("^Télécharger")).click()
    assert Path(download_info.value.path()).read_bytes() == CONTENT

    # The owner, in another browser, sees who read it.
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
    owner_page = context.new_page()
    try:
        log_in(owner_page, "camille@exemple.fr", next_path="/mon-espace/acces-a-mes-donnees/")
        row = main(owner_page).get_by_role("row").filter(has_text="Alix Durand")
        expect(row).to_contain_text("État civil")
        expect(row).to_contain_text("Consultation d'un document de votre coffre-fort")
        check_accessibility(owner_page)
        take_screenshots(owner_page, name="coffre-data-access")
    finally:
        context.close()
