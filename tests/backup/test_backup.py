"""manage.py backup and restore, end to end: real PostgreSQL (pg_dump, pg_restore), real vault encryption.

Transactional tests: pg_dump is another process, it sees committed rows only.
"""

import io
import json
import secrets
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection

from coffre import services as vault
from coffre.models import DataKey, Document, DocumentVersion, ShreddingLog
from guichet.accounts.models import User
from guichet.backup import services
from regie import services as regie
from regie.enums import PaymentMethod
from tests.coffre.factories import make_household, pdf_bytes, png_bytes, read_back, store
from tests.factories import ServiceFactory, UserFactory, make_agent, make_town, person_party
from tests.regie.conftest import bill

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("backup")]


def _storages(root: Path) -> dict:
    return {
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": root / "coffre"},
        },
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root / "public"},
        },
    }


@pytest.fixture
def live(settings, tmp_path) -> Path:
    """The running portal's storages and its shredding log file, each in the test's folder."""
    root = tmp_path / "live"
    settings.STORAGES = {**settings.STORAGES, **_storages(root)}
    settings.COFFRE_SHREDDING_LOG = str(tmp_path / "elsewhere" / "coffre-shredding.log")
    return root


def _restore_to_fresh_storages(settings, root: Path) -> None:
    settings.STORAGES = {**settings.STORAGES, **_storages(root)}


def _server_params() -> dict:
    db = connection.settings_dict
    return {"host": db["HOST"], "port": db["PORT"] or 5432, "user": db["USER"], "password": db["PASSWORD"]}


@pytest.fixture
def fresh_database_url():
    """A new, empty database on the same server, dropped at the end."""
    name = f"guichet_h2_restore_{secrets.token_hex(4)}"
    params = _server_params()
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['password']}" if params["password"] else ""
    yield f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _relations(url: str) -> int:
    return services.relation_count(services.database_settings(url))


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_a_restore_gives_back_documents_and_ledger_and_keeps_later_shreddings(
    live, settings, tmp_path, fresh_database_url
):
    make_town()
    citizen = UserFactory(first_name="Camille", last_name="Martin")
    other = UserFactory(first_name="Dominique", last_name="Autre")
    first = store(user=citizen, content=pdf_bytes(70_000, marker=b"acte de naissance"), title="Acte")
    second = store(user=citizen, content=png_bytes(), filename="photo.png", title="Photo")
    shredded = store(user=other, content=pdf_bytes(marker=b"avis d'imposition"), title="Avis")
    household = make_household(citizen)
    regie_agent = make_agent(ServiceFactory(slug=settings.REGIE_SERVICE_SLUG, name="Régie"))
    invoice = bill(household, ServiceFactory(slug="education", name="Éducation"), cents=4200)
    regie.record_counter_payment(
        actor=regie_agent, payer=household, invoices=[invoice], method=PaymentMethod.CASH, amount_cents=1500
    )
    storages["public"].save("logos/ville.png", ContentFile(png_bytes(), name="ville.png"))
    ledger_before = services.ledger_summary()
    assert ledger_before["balances_by_payer"][household.pk] == 2700
    originals = {
        version.pk: read_back(actor=citizen, version=version)
        for version in DocumentVersion.objects.filter(document__owner=person_party(citizen))
    }
    assert set(originals) >= {first.pk, second.pk}

    backup_dir = tmp_path / "sauvegarde"
    out = io.StringIO()
    call_command("backup", str(backup_dir), stdout=out)
    assert "Sauvegarde terminée" in out.getvalue()
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    names = {(entry["storage"], entry["name"]) for entry in manifest["files"]}
    assert {
        ("coffre", first.blob_name),
        ("coffre", shredded.blob_name),
        ("public", "logos/ville.png"),
    } <= names
    assert (
        manifest["database"]["server_version_num"] == services.server_version(services.database_settings())[0]
    )
    assert "COFFRE_KEKS" in manifest["not_included"]["coffre_keks"]
    assert not any("KEK" in entry["name"] for entry in manifest["files"])

    # After the backup, the other person's vault is crypto-shredded on the live portal.
    vault.shred(actor=other, owner=person_party(other))
    assert not DataKey.objects.filter(party=person_party(other)).exists()

    # Disaster: a new database server and an empty vault storage; only the log file survived.
    restored = tmp_path / "restored"
    _restore_to_fresh_storages(settings, restored)
    out = io.StringIO()
    call_command("restore", str(backup_dir), "--database-url", fresh_database_url, stdout=out)
    output = out.getvalue()
    assert "1 clé(s) détruite(s) à nouveau" in output
    assert "Restauration terminée et vérifiée" in output
    assert "Régie : " in output

    assert (restored / "public" / "logos" / "ville.png").read_bytes() == png_bytes()
    assert not (restored / "coffre" / shredded.blob_name).exists()
    with services.using_database(services.database_settings(fresh_database_url)):
        restored_citizen = User.objects.get(pk=citizen.pk)
        for pk, content in originals.items():
            assert read_back(actor=restored_citizen, version=DocumentVersion.objects.get(pk=pk)) == content
        assert services.ledger_summary() == ledger_before
        other_party = person_party(User.objects.get(pk=other.pk))
        assert not DataKey.objects.filter(party=other_party).exists()
        assert not Document.objects.filter(owner=other_party).exists()
        assert ShreddingLog.objects.filter(party_id=other_party.pk).exists()
        assert services.verify_vault().ok
    # Back on the live database, untouched by the restore.
    assert DocumentVersion.objects.filter(pk=first.pk).exists()


def _small_backup(tmp_path: Path) -> Path:
    store(content=pdf_bytes(marker=b"justificatif"))
    backup_dir = tmp_path / "sauvegarde"
    call_command("backup", str(backup_dir), "--quiet")
    return backup_dir


@pytest.mark.parametrize("what", ["blob", "dump"])
def test_a_tampered_backup_is_refused_before_anything_is_written(
    what, live, settings, tmp_path, fresh_database_url
):
    backup_dir = _small_backup(tmp_path)
    if what == "blob":
        blob = next(path for path in _files(backup_dir / "coffre") if "blobs" in path.parts)
        data = bytearray(blob.read_bytes())
        data[100] ^= 0x01
        blob.write_bytes(bytes(data))
    else:
        with (backup_dir / "database.dump").open("ab") as dump:
            dump.write(b"\0")
    restored = tmp_path / "restored"
    _restore_to_fresh_storages(settings, restored)

    with pytest.raises(CommandError, match="altérée ou incomplète ; rien n'a été restauré"):
        call_command("restore", str(backup_dir), "--database-url", fresh_database_url, "--quiet")
    assert _relations(fresh_database_url) == 0
    assert _files(restored) == []


def test_a_restore_into_a_database_that_is_not_empty_is_refused(live, settings, tmp_path):
    backup_dir = _small_backup(tmp_path)
    restored = tmp_path / "restored"
    _restore_to_fresh_storages(settings, restored)

    # The configured database: the test's own, full of tables.
    with pytest.raises(CommandError, match="n'est pas vide .* --force"):
        call_command("restore", str(backup_dir), "--quiet")
    assert _files(restored) == []


def test_a_backup_refuses_a_folder_that_is_not_empty(live, tmp_path):
    (tmp_path / "sauvegarde").mkdir()
    (tmp_path / "sauvegarde" / "autre.txt").write_text("déjà là")
    with pytest.raises(CommandError, match="existe déjà et n'est pas vide"):
        call_command("backup", str(tmp_path / "sauvegarde"))
