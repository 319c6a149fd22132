"""KEK rotation, crypto-shredding, the shredding log after a restore, and the key checks."""

import base64
import shutil
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.core.management import CommandError, call_command
from django.utils import timezone

from coffre import crypto, keys, services
from coffre.exceptions import VaultAccessDenied, VaultIntegrityError, VaultKeyError
from coffre.models import DataKey, Document, DocumentVersion, Grant, ShreddingLog
from guichet.audit.models import AuditEvent
from tests.coffre.factories import DocumentTypeFactory, make_household, pdf_bytes, png_bytes, read_back, store
from tests.coffre.helpers import blob_files, stored_files
from tests.factories import ServiceFactory, UserFactory, make_admin, person_party

pytestmark = pytest.mark.django_db

OLD_KEK = "2025-01:" + base64.b64encode(b"o" * 32).decode()
NEW_KEK = "2026-11:" + base64.b64encode(b"n" * 32).decode()


def decrypt_from_copies(*, key_row: dict, version_row: dict, storage_copy: Path) -> bytes:
    """What someone holding copies of a DataKey row, a version row and the storage folder gets,
    with the KEKs currently configured."""
    data_key = DataKey(**key_row)
    version = DocumentVersion(**version_row)
    content_key = keys.unwrap_content_key(version, data_key=data_key)
    return crypto.decrypt_bytes(content_key, (storage_copy / version.blob_name).read_bytes())


@pytest.fixture
def vaults(settings):
    """Four owners (three people and a household) with two documents each, under the old KEK."""
    settings.COFFRE_KEKS = [OLD_KEK]
    data = {}
    users = [UserFactory() for _ in range(3)]
    owners = [(user, person_party(user)) for user in users] + [(users[0], make_household(users[0]))]
    for number, (user, owner) in enumerate(owners):
        contents = [pdf_bytes(70_000 + number), png_bytes(number + 1, 2)]
        versions = [
            store(user=user, owner=owner, content=content, title=f"Doc {number}-{index}")
            for index, content in enumerate(contents)
        ]
        data[owner.pk] = (user, owner, list(zip(versions, contents, strict=True)))
    return data


def assert_all_decrypt(vaults, *, except_owner=None):
    for owner_id, (user, _owner, versions) in vaults.items():
        if owner_id == except_owner:
            continue
        for version, content in versions:
            assert read_back(actor=user, version=version) == content


def test_rotation_then_shredding(vaults, settings, vault_dir, tmp_path, django_capture_on_commit_callbacks):
    victim_user, victim, victim_versions = vaults[next(iter(vaults))]
    before_rotation = tmp_path / "copie-avant-rotation"
    shutil.copytree(vault_dir, before_rotation)
    key_rows_before_rotation = {row["party_id"]: row for row in DataKey.objects.values()}
    version_rows = {row["id"]: row for row in DocumentVersion.objects.values()}
    blobs_before = {path.relative_to(vault_dir): path.read_bytes() for path in blob_files(vault_dir)}

    settings.COFFRE_KEKS = [NEW_KEK, OLD_KEK]
    first = services.rotate_kek(batch_size=3)
    again = services.rotate_kek(batch_size=3)

    assert (first.kek_id, first.rewrapped, first.already_current, first.failed) == ("2026-11", 4, 0, 0)
    assert (again.rewrapped, again.already_current) == (0, 4)
    assert set(DataKey.objects.values_list("kek_id", flat=True)) == {"2026-11"}
    # Blobs untouched, byte for byte.
    assert {path.relative_to(vault_dir): path.read_bytes() for path in blob_files(vault_dir)} == blobs_before

    settings.COFFRE_KEKS = [NEW_KEK]  # the old KEK is retired
    assert_all_decrypt(vaults)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.shred(actor=victim_user, owner=victim)

    assert (result.documents, result.versions) == (2, 2)
    assert_all_decrypt(vaults, except_owner=victim.pk)
    assert not Document.objects.filter(owner=victim).exists()
    assert not DataKey.objects.filter(party=victim).exists()
    for version, _content in victim_versions:
        assert not (vault_dir / version.blob_name).exists()
        with pytest.raises(DocumentVersion.DoesNotExist):
            services.open_plaintext(actor=victim_user, version=version)
        # From the copies taken before: the data key was wrapped by a KEK that is gone.
        with pytest.raises(VaultKeyError):
            decrypt_from_copies(
                key_row=key_rows_before_rotation[victim.pk],
                version_row=version_rows[version.pk],
                storage_copy=before_rotation,
            )
        # Nor with another owner's key, the only ones left.
        other_key = DataKey.objects.exclude(party=victim).values().first()
        with pytest.raises(VaultIntegrityError):
            decrypt_from_copies(
                key_row=other_key, version_row=version_rows[version.pk], storage_copy=before_rotation
            )
    log = ShreddingLog.objects.get(party_id=victim.pk)
    assert log.data_key_uuid == key_rows_before_rotation[victim.pk]["key_uuid"]
    shred_event = AuditEvent.objects.get(action="coffre.vault.shred")
    assert (shred_event.owner_party_id, shred_event.details) == (victim.pk, {"documents": 2, "versions": 2})


def snapshot_database(owner) -> dict:
    """The rows an older database backup would bring back for this owner."""
    return {
        "key": DataKey.objects.filter(party=owner).values().get(),
        "documents": list(Document.objects.filter(owner=owner).values()),
        "versions": list(DocumentVersion.objects.filter(document__owner=owner).values()),
    }


def restore_database(snapshot: dict) -> None:
    DataKey.objects.create(**snapshot["key"])
    Document.objects.bulk_create(
        Document(**{**row, "current_version_id": None}) for row in snapshot["documents"]
    )
    DocumentVersion.objects.bulk_create(DocumentVersion(**row) for row in snapshot["versions"])
    for row in snapshot["documents"]:
        Document.objects.filter(pk=row["id"]).update(current_version_id=row["current_version_id"])


@pytest.mark.parametrize("log_survives_in", ["database", "storage", "file"])
def test_a_restore_of_an_older_backup_is_shredded_again(
    log_survives_in, vaults, vault_dir, tmp_path, django_capture_on_commit_callbacks
):
    """The backup (database and storage) was taken after the last rotation: its wrapped data
    key still opens under the current KEK until the log is re-applied."""
    victim_user, victim, victim_versions = vaults[next(iter(vaults))]
    backup_storage = tmp_path / "sauvegarde"
    shutil.copytree(vault_dir, backup_storage)
    backup_rows = snapshot_database(victim)
    with django_capture_on_commit_callbacks(execute=True):
        services.shred(actor=None, owner=victim)
    log_line = f"{victim.pk}.{backup_rows['key']['key_uuid']}\n"

    # The restore: the old rows, the old blobs; the log survives in one place only.
    restore_database(backup_rows)
    shutil.copytree(backup_storage, vault_dir, dirs_exist_ok=True)
    if log_survives_in != "database":
        ShreddingLog.objects.all().delete()
    if log_survives_in != "storage":
        for marker in (vault_dir / "shredding-log").iterdir():
            marker.unlink()
    log_file = tmp_path / "journal.txt"
    log_file.write_text(log_line if log_survives_in == "file" else "")
    # Why the log matters: the restored key still opens the restored documents.
    version, content = victim_versions[0]
    assert read_back(actor=victim_user, version=version) == content

    output = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("coffre_apply_shredding_log", "--log", str(log_file), stdout=output)

    assert "1 clé(s) détruite(s) à nouveau, 2 document(s) et 2 fichier(s) supprimés" in output.getvalue()
    assert not DataKey.objects.filter(party=victim).exists()
    assert not Document.objects.filter(owner=victim).exists()
    for version, _content in victim_versions:
        assert not (vault_dir / version.blob_name).exists()
        with pytest.raises(VaultIntegrityError):  # the blob from the backup, with any key left
            decrypt_from_copies(
                key_row=DataKey.objects.values().first(),
                version_row=next(row for row in backup_rows["versions"] if row["id"] == version.pk),
                storage_copy=backup_storage,
            )
    assert ShreddingLog.objects.filter(party_id=victim.pk).count() == 1
    assert (vault_dir / "shredding-log" / log_line.strip()).exists()
    assert_all_decrypt(vaults, except_owner=victim.pk)

    output = StringIO()
    call_command("coffre_apply_shredding_log", stdout=output)
    assert "0 clé(s) détruite(s) à nouveau" in output.getvalue()


def test_a_vault_opened_again_after_shredding_survives_the_log(django_capture_on_commit_callbacks):
    user = UserFactory()
    store(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        services.shred(actor=user, owner=person_party(user))
    fresh = store(user=user, content=pdf_bytes(1_234))

    with django_capture_on_commit_callbacks(execute=True):
        result = services.apply_shredding_log()

    assert result.keys_destroyed == 0
    assert read_back(actor=user, version=fresh) == pdf_bytes(1_234)


def test_who_may_shred_a_vault():
    user, guardian = UserFactory(), UserFactory()
    household = make_household(guardian)

    with pytest.raises(VaultAccessDenied):
        services.shred(actor=user, owner=person_party(guardian))
    with pytest.raises(VaultAccessDenied):
        services.shred(actor=guardian, owner=household)
    assert not ShreddingLog.objects.exists()

    services.shred(actor=guardian, owner=person_party(guardian))
    services.shred(actor=make_admin(), owner=household)
    assert ShreddingLog.objects.count() == 2


def test_rotation_reports_keys_whose_kek_is_gone(settings):
    settings.COFFRE_KEKS = [OLD_KEK]
    store()
    settings.COFFRE_KEKS = [NEW_KEK]
    output = StringIO()

    with pytest.raises(CommandError, match="1 clé"):
        call_command("coffre_rotate_kek", stdout=output)

    assert "0 clé(s) re-chiffrée(s), 0 déjà à jour, 1 en échec" in output.getvalue()
    assert DataKey.objects.get().kek_id == "2025-01"


def test_the_rotate_command_reports_its_counts(settings):
    settings.COFFRE_KEKS = [OLD_KEK]
    store()
    store()
    settings.COFFRE_KEKS = [NEW_KEK, OLD_KEK]
    output = StringIO()

    call_command("coffre_rotate_kek", "--batch-size", "1", stdout=output)

    assert (
        output.getvalue().strip()
        == "Clé maîtresse « 2026-11 » : 2 clé(s) re-chiffrée(s), 0 déjà à jour, 0 en échec."
    )
    assert AuditEvent.objects.get(action="coffre.kek.rotate").details == {
        "kek": "2026-11",
        "rewrapped": 2,
        "failed": 0,
    }


def test_orphan_blobs_are_purged_once_old_enough(vault_dir):
    kept = store()
    orphan = vault_dir / "blobs" / "ff" / ("ff" + "0" * 30)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"ciphertext of a crashed upload")

    assert services.purge_orphan_blobs() == 0  # too young: maybe an upload in progress
    output = StringIO()
    call_command("coffre_purge_orphan_blobs", "--older-than-hours", "0", stdout=output)

    assert output.getvalue().strip() == "1 fichier(s) orphelin(s) supprimé(s)."
    assert [path.relative_to(vault_dir).as_posix() for path in stored_files(vault_dir)] == [kept.blob_name]


# System checks ------------------------------------------------------------------------------


def deploy_errors() -> list[str]:
    return [
        message.id
        for message in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
        if message.id.startswith("coffre")
    ]


def test_the_demo_key_is_refused_in_production(settings):
    settings.DEBUG = False
    assert crypto.KeyRing.parse(django_settings.COFFRE_KEKS).demo_ids == ["demo-only"]
    assert deploy_errors() == ["coffre.E001"]

    settings.COFFRE_KEKS = [NEW_KEK]
    assert deploy_errors() == []

    settings.DEBUG = True
    settings.COFFRE_KEKS = ["demo-only:" + base64.b64encode(b"d" * 32).decode()]
    assert deploy_errors() == []


def test_malformed_keys_are_reported(settings):
    settings.COFFRE_KEKS = ["2026:" + base64.b64encode(b"short").decode()]
    assert [
        message.id
        for message in checks.run_checks(tags=[checks.Tags.security])
        if message.id.startswith("coffre")
    ] == ["coffre.E002"]


def test_grants_are_deleted_with_the_vault(django_capture_on_commit_callbacks):
    user = UserFactory()
    version = store(user=user, document_type=DocumentTypeFactory())
    services.grant_access(
        actor=user,
        document=version.document,
        service=ServiceFactory(),
        purpose="demarches.request:1",
        expires_at=timezone.now() + timedelta(days=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.shred(actor=user, owner=person_party(user))

    assert not Grant.objects.exists()
