"""The vault in the personal-data registry: what the export lists, what the erasure destroys."""

from datetime import date

import pytest

from coffre.models import DataKey, Document, ShreddingLog
from guichet.accounts import registry
from tests.coffre.factories import DocumentTypeFactory, make_household, pdf_bytes, read_back, store
from tests.coffre.helpers import blob_files
from tests.factories import UserFactory, person_party

pytestmark = pytest.mark.django_db


def test_the_export_lists_the_documents_of_every_vault_the_user_opens():
    user, stranger = UserFactory(), UserFactory()
    household = make_household(user)
    document_type = DocumentTypeFactory(code="justificatif-test", end_date=True)
    mine = store(user=user, title="Facture EDF", document_type=document_type, expiry_date=date(2027, 1, 31))
    ours = store(user=user, owner=household, content=pdf_bytes(5_000), filename="livret.png")
    store(user=stranger, title="Pas à moi")

    exported = registry.export_user_data(user)["coffre"]["documents"]

    assert [(row["titulaire"], row["intitulé"]) for row in exported] == [
        (person_party(user).pk, "Facture EDF"),
        (household.pk, "Mon document"),
    ]
    assert exported[0]["type"] == "justificatif-test"
    assert exported[0]["fin_validité"] == "2027-01-31"
    [version] = exported[1]["versions"]
    assert (version["fichier"], version["taille"], version["sha256"], version["version_en_cours"]) == (
        "livret.pdf",
        5_000,
        ours.sha256,
        True,
    )
    assert exported[0]["versions"][0]["sha256"] == mine.sha256


def test_erasing_a_person_shreds_their_own_vault_and_keeps_their_households(
    vault_dir, django_capture_on_commit_callbacks
):
    user, other_parent = UserFactory(), UserFactory()
    household = make_household(user, other_parent)
    store(user=user)
    family_paper = store(user=user, owner=household, content=pdf_bytes(2_000))

    with django_capture_on_commit_callbacks(execute=True):
        registry.erase_user_data(user)

    assert not Document.objects.filter(owner=person_party(user)).exists()
    assert not DataKey.objects.filter(party=person_party(user)).exists()
    assert ShreddingLog.objects.filter(party_id=person_party(user).pk).exists()
    assert [path.relative_to(vault_dir).as_posix() for path in blob_files(vault_dir)] == [
        family_paper.blob_name
    ]
    assert read_back(actor=other_parent, version=family_paper) == pdf_bytes(2_000)
