"""Mes données personnelles in a real browser: a citizen opens the page, downloads everything (the password
asked again first), reads what deleting the account does, deletes it and lands on the page that follows.
Every page passes axe's WCAG 2.1 A/AA rules; screenshots go to /tmp/screens/privacy-*.png."""

import importlib
import re
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from demarches.catalogue import load_catalogue
from guichet.accounts.models import User
from guichet.privacy.enums import DeletionStatus
from guichet.privacy.models import DeletionRequest
from tests.coffre.factories import pdf_bytes, store
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, UserFactory, make_town

pytestmark = pytest.mark.e2e

CONTENT = pdf_bytes(30_000, marker=b"AVIS-IMPOSITION-CAMILLE")


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
    }
    return tmp_path / "coffre"


@pytest.fixture(autouse=True)
def town():
    # The live server's tests empty the tables after each test: the data migrations' rows again.
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(apps, None)
    return make_town(name="Saint-Exemple", dpo_contact="dpo@saint-exemple.example")


def main(page):
    return page.get_by_role("main")


def confirm_password(page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmez que c'est bien vous")
    check_accessibility(page)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    main(page).get_by_role("button", name="Confirmer").click()


def test_a_citizen_downloads_their_data_then_deletes_their_account(page, tmp_path):
    load_catalogue(slugs=["exercer-mes-droits"])
    user = UserFactory(email="camille@exemple.fr", first_name="Camille", last_name="Martin")
    store(user=user, content=CONTENT, filename="avis.pdf", title="Avis d'imposition")

    page.goto("/compte/login/?next=/mon-espace/mes-donnees/")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill("camille@exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    main(page).locator("form button[type=submit]").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mes données personnelles")
    expect(
        main(page).get_by_role("link", name="Exercer mes droits sur mes données personnelles")
    ).to_be_visible()
    check_accessibility(page)
    take_screenshots(page, name="privacy-home")

    # Downloading asks for the password again; once confirmed, the download itself comes.
    main(page).get_by_role("button", name="Télécharger mes données (fichier ZIP)").click()
    with page.expect_download() as download_info:
        confirm_password(page)
    download = download_info.value
    assert re.fullmatch(r"mes-donnees-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert {"README.txt", "donnees/accounts.json", "coffre-fort.zip"} <= set(archive.namelist())
        assert "camille@exemple.fr" in archive.read("donnees/accounts.json").decode()

    # What deleting does, then the deletion (the password was just confirmed: not asked again).
    page.goto("/mon-espace/mes-donnees/")
    main(page).get_by_role("link", name="Supprimer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supprimer mon compte")
    expect(main(page).get_by_role("heading", name="Tout de suite")).to_be_visible()
    expect(main(page).get_by_role("heading", name="Ce que la mairie doit garder")).to_be_visible()
    check_accessibility(page)
    take_screenshots(page, name="privacy-delete")
    main(page).get_by_role("button", name="Supprimer mon compte").click()
    # Sent without the box ticked: the page again, with the French error.
    expect(main(page)).to_contain_text("Cochez cette case pour confirmer que vous supprimez votre compte.")
    check_accessibility(page)
    main(page).get_by_role("checkbox").check()
    main(page).get_by_role("button", name="Supprimer mon compte").click()
    if page.get_by_role("heading", level=1, name="Confirmez que c'est bien vous").count():
        confirm_password(page)

    expect(page).to_have_url(re.compile(r"/compte-supprime/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre compte est désactivé")
    check_accessibility(page)
    take_screenshots(page, name="privacy-deleted")
    assert DeletionRequest.objects.get(user=user).status == DeletionStatus.PENDING
    assert not User.objects.get(pk=user.pk).is_active
