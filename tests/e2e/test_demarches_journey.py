"""A démarche in a real browser: pick it from the catalogue, fill three pages, attach a vault document,
save and come back later (after logging out and in), check the answers, send, receive the acknowledgement.
Every page passes axe's WCAG 2.1 A/AA rules; screenshots go to /tmp/screens/demarches-*.png."""

import importlib
import io
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from coffre import services as vault
from coffre.models import DocumentType
from demarches.catalogue import load_catalogue
from demarches.enums import RequestStatus
from demarches.models import Request
from tests.coffre.factories import pdf_bytes
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, ServiceFactory, UserFactory, make_town, person_party

pytestmark = pytest.mark.e2e

SLUG = "carte-stationnement-resident"


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
    # The default document types again: the live server's tests empty the tables after each test.
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(apps, None)
    return make_town(name="Saint-Exemple", address="1 place de la Mairie\n75001 Saint-Exemple")


def log_in(page, email: str, *, next_path: str) -> None:
    page.goto(f"/compte/login/?next={next_path}")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()


def main(page):
    return page.get_by_role("main")


def look(page, name: str) -> None:
    """Axe on the page as it is, and its screenshots for a person to review."""
    check_accessibility(page)
    take_screenshots(page, name=f"demarches-{name}")


def store(user, code: str, title: str, **kwargs) -> None:
    vault.store_document_from_file(
        actor=user,
        owner=person_party(user),
        source=io.BytesIO(pdf_bytes(20_000)),
        filename=f"{title}.pdf",
        document_type=DocumentType.objects.get(code=code),
        title=title,
        **kwargs,
    )


def test_a_citizen_fills_a_procedure_comes_back_later_and_sends_it(page):
    ServiceFactory(name="Police municipale", slug="police-municipale")
    load_catalogue(slugs=[SLUG, "signaler-un-probleme", "composteur"])
    citizen = UserFactory(
        email="camille@exemple.fr",
        first_name="Camille",
        last_name="Martin",
        address_line="12 rue des Lilas",
        postal_code="75011",
        city="Paris",
    )
    # The papers are in the vault already, put there through the vault's own services.
    store(citizen, "justificatif-domicile", "Facture d'électricité de mars")
    store(citizen, "autre", "Carte grise", expiry_date=timezone.localdate() + timedelta(days=900))

    # The catalogue, public: search it.
    page.goto("/demarches/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Démarches en ligne")
    look(page, "catalogue")
    page.get_by_role("searchbox", name=re.compile("^Rechercher une démarche")).fill("stationnement")
    page.get_by_role("button", name="Rechercher").click()
    expect(main(page)).to_contain_text("1 démarche")
    look(page, "catalogue-search")
    main(page).get_by_role("link", name="Demander une carte de stationnement résident").click()

    # The start page: what to prepare, how long, the fee; log in to start.
    expect(page.get_by_role("heading", level=1)).to_have_text("Demander une carte de stationnement résident")
    expect(main(page)).to_contain_text("10 jours")
    expect(main(page)).to_contain_text("Justificatif de domicile")
    look(page, "start-anonymous")
    main(page).get_by_role("link", name="Se connecter pour commencer").click()
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill("camille@exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()
    expect(page.get_by_role("button", name="Commencer")).to_be_visible()
    look(page, "start")
    page.get_by_role("button", name="Commencer").click()

    # Page 1: the address, prefilled from the profile.
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre adresse")
    expect(main(page)).to_contain_text("Étape 1 sur 3")
    expect(page.get_by_label(re.compile("^Numéro et voie"))).to_have_value("12 rue des Lilas")
    look(page, "page-1")
    page.get_by_role("button", name="Continuer", exact=True).click()

    # Page 2: a wrong plate first; the error is explained in French and nothing typed is lost.
    expect(page.get_by_role("heading", level=1)).to_have_text("Le véhicule")
    page.get_by_label(re.compile("^Immatriculation")).fill("ab 123")
    page.get_by_label(re.compile("^Marque et modèle")).fill("Renault Zoé")
    page.get_by_role("group", name=re.compile("^La carte grise est-elle à votre nom")).get_by_label(
        "Oui"
    ).check()
    page.get_by_role("button", name="Continuer", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Saisissez la plaque d'immatriculation au format AB-123-CD"
    )
    expect(page).to_have_title(re.compile("^Erreur : "))
    expect(page.get_by_label(re.compile("^Marque et modèle"))).to_have_value("Renault Zoé")
    look(page, "page-2-error")
    page.get_by_label(re.compile("^Immatriculation")).fill("AB-123-CD")
    page.get_by_role("button", name="Continuer", exact=True).click()

    # Page 3: the documents, picked from the vault; then "save and come back later".
    expect(page.get_by_role("heading", level=1)).to_have_text("Les justificatifs")
    expect(main(page)).to_contain_text("Étape 3 sur 3")
    page.get_by_role("group", name=re.compile("^Justificatif de domicile")).get_by_label(
        "Facture d'électricité de mars (Justificatif de domicile)"
    ).check()
    page.get_by_role("group", name=re.compile("^Certificat d'immatriculation")).get_by_label(
        "Carte grise (Autre document)"
    ).check()
    look(page, "page-3")
    page.get_by_role("button", name="Enregistrer et revenir plus tard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes demandes")
    expect(page.get_by_role("status")).to_contain_text("Votre brouillon est enregistré")
    look(page, "list-draft")

    # Log out, log in again: the draft is there.
    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()
    log_in(page, "camille@exemple.fr", next_path="/mon-espace/demandes/")
    drafts = main(page).get_by_role("region", name="Brouillons à terminer")
    drafts.get_by_role("link", name=re.compile("^Reprendre")).click()

    # Every answer is complete: straight to "Vérifiez vos réponses".
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vérifiez vos réponses avant d'envoyer la demande"
    )
    for answer in (
        "12 rue des Lilas",
        "AB-123-CD",
        "Renault Zoé",
        "Facture d'électricité de mars",
        "Carte grise",
    ):
        expect(main(page)).to_contain_text(answer)
    look(page, "review")
    main(page).get_by_role("link", name="Modifier : Marque et modèle").click()
    expect(page.get_by_label(re.compile("^Marque et modèle"))).to_have_value("Renault Zoé")
    page.get_by_label(re.compile("^Marque et modèle")).fill("Renault Zoé E-Tech")
    page.get_by_role("button", name="Continuer", exact=True).click()
    page.get_by_role("button", name="Continuer", exact=True).click()
    expect(main(page)).to_contain_text("Renault Zoé E-Tech")
    page.get_by_role("button", name="Envoyer la demande").click()

    # The acknowledgement page, and its e-mail with the PDF.
    expect(page.get_by_role("heading", level=1)).to_have_text("Demande envoyée")
    request = Request.objects.get(created_by=citizen)
    assert request.status == RequestStatus.SUBMITTED
    expect(main(page)).to_contain_text(request.reference)
    look(page, "acknowledgement")
    [message] = [message for message in mail.outbox if message.subject.startswith("Accusé de réception")]
    assert message.to == ["camille@exemple.fr"]
    [(_name, content, _mime)] = message.attachments
    text = " ".join(pdf_page.extract_text() for pdf_page in PdfReader(io.BytesIO(content)).pages)
    assert request.reference in text
    assert "AB-123-CD" in text

    # The request's page, then Mon espace.
    main(page).get_by_role("link", name="Suivre ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demander une carte de stationnement résident")
    expect(main(page)).to_contain_text("Demande déposée")
    expect(main(page)).to_contain_text("Télécharger « Facture d'électricité de mars »")
    look(page, "request")
    page.get_by_role("navigation", name="Fil d'Ariane").get_by_role("link", name="Mes demandes").click()
    expect(main(page).get_by_role("region", name="Demandes envoyées")).to_contain_text(request.reference)
    look(page, "list")
    page.goto("/mon-espace/")
    card = main(page).get_by_role("listitem").filter(has=page.get_by_role("heading", name="Mes demandes"))
    expect(card).to_contain_text("1 demande en cours.")
    look(page, "dashboard")
