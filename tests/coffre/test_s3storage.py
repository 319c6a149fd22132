"""The vault's S3 storage against a local S3 server (moto): never overwrites, streams, aborts cleanly."""

import json
import subprocess
import sys

import pytest
from django.conf import settings

from coffre import storage
from coffre.s3storage import VaultS3Storage
from tests.security.test_deploy_check import production_env

MIB = 1024 * 1024


@pytest.fixture
def bucket(moto_server, s3_bucket, request):
    prefix = f"s3storage-{request.node.name}"[:60].replace("[", "-").replace("]", "")
    yield prefix
    moto_server.empty(s3_bucket, f"{prefix}/")


@pytest.fixture
def vault(moto_server, s3_bucket, bucket) -> VaultS3Storage:
    options = moto_server.storage_settings(bucket=s3_bucket, location=bucket)["OPTIONS"]
    return VaultS3Storage(**options, part_size=5 * MIB)


def write(vault, name, pieces):
    with vault.open(name, "wb") as blob:
        for piece in pieces:
            blob.write(piece)


def read(vault, name) -> bytes:
    handle = vault.open(name, "rb")
    try:
        return b"".join(iter(lambda: handle.read(65536), b""))
    finally:
        handle.close()


def pending_uploads(moto_server, s3_bucket) -> list:
    return moto_server.client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])


def test_a_blob_is_written_once_and_never_overwritten(vault):
    name = storage.new_blob_name()
    write(vault, name, [b"chiffre"])

    with pytest.raises(FileExistsError):
        vault.open(name, "wb")
    assert read(vault, name) == b"chiffre"


@pytest.mark.parametrize("size", [100, 6 * MIB], ids=["one-put", "multipart"])
def test_of_two_writers_racing_for_one_name_the_second_loses(vault, moto_server, s3_bucket, size):
    name = storage.new_blob_name()
    first, second = vault.open(name, "wb"), vault.open(name, "wb")  # both before either is stored
    first.write(b"1" * size)
    second.write(b"2" * size)
    first.close()

    with pytest.raises(FileExistsError):
        second.close()
    assert read(vault, name) == b"1" * size
    assert pending_uploads(moto_server, s3_bucket) == []


def test_a_big_blob_goes_up_in_parts_and_streams_back(vault, moto_server, s3_bucket):
    name = storage.new_blob_name()
    pieces = [bytes([number % 251]) * 65536 for number in range(12 * 16)]  # 12 MiB in 64 KiB pieces
    write(vault, name, pieces)

    head = moto_server.client.head_object(Bucket=s3_bucket, Key=f"{vault.location}/{name}")
    assert head["ETag"].strip('"').endswith("-3")  # 5 + 5 + 2 MiB
    assert head["ContentLength"] == vault.size(name) == 12 * MIB
    handle = vault.open(name, "rb")
    assert handle.size == 12 * MIB
    assert handle.read(10) == pieces[0][:10]  # streamed: no download first
    handle.close()
    assert read(vault, name) == b"".join(pieces)


@pytest.mark.parametrize("how", ["abort", "exception in the with block"])
def test_an_upload_given_up_half_way_leaves_no_blob_and_no_parts(vault, moto_server, s3_bucket, how):
    name = storage.new_blob_name()
    blob = vault.open(name, "wb")
    if how == "abort":
        blob.write(b"x" * (6 * MIB))  # one part sent
        blob.abort()
    else:
        with pytest.raises(RuntimeError), blob:
            blob.write(b"x" * (6 * MIB))
            raise RuntimeError("the source failed")

    assert blob.closed
    assert not vault.exists(name)
    assert pending_uploads(moto_server, s3_bucket) == []
    with pytest.raises(ValueError):
        blob.write(b"more")


def test_a_missing_blob_is_not_found(vault):
    with pytest.raises(FileNotFoundError):
        vault.open(storage.new_blob_name(), "rb")


def test_an_empty_blob_is_stored(vault):
    name = f"{storage.SHREDDING_PREFIX}/12.3f9c"
    write(vault, name, [b""])

    assert vault.exists(name)
    assert vault.size(name) == 0


def test_folders_exist_and_list_as_on_a_disk(vault):
    assert not vault.exists(storage.BLOB_PREFIX)
    names = sorted(storage.new_blob_name() for _ in range(3))
    for name in names:
        write(vault, name, [b"chiffre"])

    assert vault.exists(storage.BLOB_PREFIX)
    assert not vault.exists(storage.BLOB_PREFIX[:-1])  # a folder, not any prefix of a name
    assert sorted(storage.iter_blob_names(vault)) == names
    folders, files = vault.listdir(storage.BLOB_PREFIX)
    assert (sorted(folders), files) == (sorted({name.split("/")[1] for name in names}), [])


def test_blobs_are_private(vault, moto_server, s3_bucket):
    name = storage.new_blob_name()
    write(vault, name, [b"chiffre"])

    acl = moto_server.client.get_object_acl(Bucket=s3_bucket, Key=f"{vault.location}/{name}")
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]
    assert acl["Grants"][0]["Grantee"]["Type"] == "CanonicalUser"


SHOW_STORAGES = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({alias: settings.STORAGES[alias] for alias in ("coffre", "demarches_exports")}))
"""


def test_a_bucket_in_the_environment_puts_the_vault_and_the_exports_on_s3():
    done = subprocess.run(
        [sys.executable, "-c", SHOW_STORAGES],
        env=production_env(
            DJANGO_SETTINGS_MODULE="guichet.settings",
            COFFRE_S3_BUCKET="mairie-coffre",
            COFFRE_S3_ENDPOINT_URL="https://s3.fr-par.example.net",
            COFFRE_S3_REGION="fr-par",
            COFFRE_S3_PREFIX="prod/coffre",
        ),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    stored = json.loads(done.stdout)
    assert {alias: entry["BACKEND"] for alias, entry in stored.items()} == {
        "coffre": "coffre.s3storage.VaultS3Storage",
        "demarches_exports": "coffre.s3storage.VaultS3Storage",
    }
    vault, exports = stored["coffre"]["OPTIONS"], stored["demarches_exports"]["OPTIONS"]
    assert (vault["bucket_name"], vault["location"]) == ("mairie-coffre", "prod/coffre")
    assert (exports["bucket_name"], exports["location"]) == ("mairie-coffre", "demarches-exports")
    assert (vault["endpoint_url"], vault["region_name"], vault["default_acl"]) == (
        "https://s3.fr-par.example.net",
        "fr-par",
        "private",
    )
