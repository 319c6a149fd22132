"""The back-office in a real browser, continuing the citizen's démarche: the agent logs in with TOTP,
finds the request in the queue, asks for a missing document; the citizen answers with a document of
their vault; the agent accepts with a PDF letter; the citizen downloads it. Every back-office page
passes axe's WCAG 2.1 A/AA rules; screenshots go to /tmp/screens/backoffice-*.png."""

import importlib
import io
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect
from pypdf import PdfReader

from coffre import services as vault
from coffre.models import DocumentType
from demarches.enums import RequestStatus
from demarches.models import Request
from tests.coffre.factories import pdf_bytes
from tests.demarches.factories import document_demarche, submitted
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, ServiceFactory, UserFactory, make_agent, make_town, person_party

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
    }


@pytest.fixture(autouse=True)
def town():
    # The default document types and labels again: the live server's tests empty the tables after each test.
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(apps, None)
    importlib.import_module("demarches.migrations.0004_backoffice").seed_labels(apps, None)
    return make_town(name="Saint-Exemple", address="1 place de la Mairie\n75001 Saint-Exemple")


def main(page):
    return page.get_by_role("main")


def look(page, name: str) -> None:
    check_accessibility(page)
    take_screenshots(page, name=f"backoffice-{name}")


def log_in(page, email: str, *, next_path: str) -> None:
    page.goto(f"/compte/login/?next={next_path}")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()


def log_out(page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()


def store(user, code: str, title: str, **kwargs):
    return vault.store_document_from_file(
        actor=user,
        owner=person_party(user),
        source=io.BytesIO(pdf_bytes(20_000)),
        filename=f"{title}.pdf",
        document_type=DocumentType.objects.get(code=code),
        title=title,
        **kwargs,
    )


def test_an_agent_instructs_a_request_and_the_citizen_downloads_the_decision(page, time_machine):
    # The clock runs; it jumps past a TOTP time step before the agent's second login (a code is
    # accepted once: the same code again would be a replay).
    time_machine.move_to(timezone.now(), tick=True)
    service = ServiceFactory(name="Éducation", slug="education")
    agent = make_agent(service=service, email="agent@saint-exemple.fr", first_name="Alex", last_name="Durand")
    # Another service's request never shows in this agent's queue.
    other = submitted(user=UserFactory())
    citizen = UserFactory(email="camille@exemple.fr", first_name="Camille", last_name="Martin")
    demarche = document_demarche(service=service, title="Inscription scolaire")
    proof = store(citizen, "justificatif-domicile", "Quittance de loyer")
    request = submitted(
        user=citizen,
        demarche=demarche,
        answers={"nom": "Martin", "justificatif": proof.document_id, "telephone": "+33612345678"},
    )
    # The citizen has a second paper ready in their vault, for what the agent will ask.
    store(
        citizen,
        "attestation-assurance",
        "Attestation d'assurance 2026",
        expiry_date=timezone.localdate() + timedelta(days=200),
    )

    # The agent logs in: password, then the code of their authenticator app.
    log_in(page, "agent@saint-exemple.fr", next_path="/agent/demarches/")
    device = TOTPDevice.objects.get(user=agent)
    page.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Valider").click()

    # The queue: the request is there, the other service's is not; search it by the citizen's name.
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossiers")
    expect(main(page)).to_contain_text(request.reference)
    expect(main(page)).not_to_contain_text(other.reference)
    look(page, "queue")
    page.get_by_role("searchbox", name=re.compile("^Rechercher")).or_(
        page.get_by_role("textbox", name=re.compile("^Rechercher"))
    ).fill("martin")
    page.get_by_role("button", name="Filtrer").click()
    expect(main(page)).to_contain_text(request.reference)
    look(page, "queue-search")
    main(page).get_by_role("link", name=request.reference).click()

    # The request's page: answers, documents, timeline; take the file.
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscription scolaire")
    expect(main(page)).to_contain_text("Quittance de loyer")
    look(page, "request")
    page.get_by_role("button", name="M'attribuer le dossier").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_be_visible()

    # Ask for the missing insurance certificate.
    main(page).get_by_role("link", name="Demander des compléments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demander des compléments")
    page.get_by_role("button", name="Envoyer la demande de compléments").click()
    expect(page.get_by_role("alert")).to_be_visible()  # nothing written: the French error, the page again
    look(page, "information-error")
    page.get_by_label(re.compile("^Ce qui manque")).fill("L'attestation d'assurance scolaire de l'enfant.")
    page.get_by_role("button", name="Envoyer la demande de compléments").click()
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING_INFORMATION
    assert request.assignee == agent
    log_out(page)

    # The citizen answers from their request's page with a document of their vault.
    log_in(page, "camille@exemple.fr", next_path=f"/mon-espace/demandes/{request.pk}/")
    expect(main(page)).to_contain_text("L'attestation d'assurance scolaire de l'enfant.")
    main(page).get_by_role("link", name="Envoyer les compléments").click()
    page.get_by_label(re.compile("^Votre message")).fill("Voici l'attestation demandée.")
    page.get_by_label(re.compile("Attestation d'assurance 2026")).check()
    page.get_by_role("button", name="Envoyer les compléments").click()
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_REVIEW
    log_out(page)

    # The agent reads the answer and accepts, with the decision letter.
    time_machine.shift(timedelta(seconds=31))
    log_in(page, "agent@saint-exemple.fr", next_path=f"/agent/demarches/demandes/{request.pk}/")
    device.refresh_from_db()
    page.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Valider").click()
    expect(main(page)).to_contain_text("Voici l'attestation demandée.")
    expect(main(page)).to_contain_text("Attestation d'assurance 2026")
    main(page).get_by_role("link", name="Changer le statut ou décider").click()
    look(page, "status")
    page.get_by_role("radio", name="Acceptée").check()
    page.get_by_label(re.compile("^Motif, lu par le demandeur")).fill(
        "Inscription enregistrée pour la rentrée."
    )
    page.get_by_label(re.compile("^Préparer le courrier de décision")).check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(main(page)).to_contain_text("Acceptée")
    look(page, "request-accepted")
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    # Celery is eager in the tests: the letter is in the service's space once the decision is committed.
    assert request.decision_document is not None
    log_out(page)

    # The citizen downloads the letter from their request's page.
    log_in(page, "camille@exemple.fr", next_path=f"/mon-espace/demandes/{request.pk}/")
    expect(main(page)).to_contain_text("Acceptée")
    with page.expect_download() as download:
        main(page).get_by_role("link", name="Télécharger la décision").click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(pdf_page.extract_text() for pdf_page in PdfReader(io.BytesIO(content)).pages)
    assert request.reference in text
    assert "Inscription enregistrée pour la rentrée." in text
    assert Request.objects.get(pk=request.pk).status == RequestStatus.ACCEPTED


def test_every_back_office_page_of_the_demarches_passes_axe(page):
    service = ServiceFactory(name="État civil", slug="etat-civil")
    agent = make_agent(service=service, email="agent@saint-exemple.fr")
    citizen = UserFactory(email="camille@exemple.fr", first_name="Camille", last_name="Martin")
    demarche = document_demarche(service=service, title="Acte de naissance")
    proof = store(citizen, "justificatif-domicile", "Quittance de loyer")
    request = submitted(
        user=citizen,
        demarche=demarche,
        answers={"nom": "Martin", "justificatif": proof.document_id, "telephone": "+33612345678"},
    )
    log_in(page, "agent@saint-exemple.fr", next_path="/agent/demarches/")
    device = TOTPDevice.objects.get(user=agent)
    page.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossiers")

    pages = {
        "queue-late": "/agent/demarches/?onglet=en_retard",
        "queue-done": "/agent/demarches/?onglet=termines",
        "exports": "/agent/demarches/exports/",
        "stats": "/agent/demarches/statistiques/",
        "counter": "/agent/demarches/guichet/",
        "request-page": f"/agent/demarches/demandes/{request.pk}/",
        "request-status": f"/agent/demarches/demandes/{request.pk}/statut/",
        "request-information": f"/agent/demarches/demandes/{request.pk}/complements/",
    }
    for name, path in pages.items():
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        look(page, name)
    # The counter: find the citizen, start the procedure for them with their consent.
    page.goto("/agent/demarches/guichet/")
    page.get_by_label(re.compile("^Adresse e-mail du compte")).fill("camille@exemple.fr")
    look(page, "counter-filled")
