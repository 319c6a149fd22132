import importlib
import shutil
import uuid

import pytest
from django.apps import apps
from django.core.files.storage import storages

from tests.coffre import s3
from tests.factories import ServiceFactory, UserFactory, make_agent, make_town
from tests.helpers import vault_in_folder


@pytest.fixture(scope="session")
def moto_server():
    """A local S3 server (moto) for this test process, started on first use."""
    server = s3.MotoServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_bucket(moto_server) -> str:
    """This test process's bucket; each test works under its own prefix of it."""
    return moto_server.new_bucket()


@pytest.fixture(autouse=True)
def vault_dir(settings, tmp_path, request, monkeypatch):
    """Every vault test writes its blobs in its own folder, the real storage backend; with
    GUICHET_TEST_STORAGE=s3, under its own prefix of a bucket of a local S3 server, seen as a folder."""
    if not s3.wanted():
        yield vault_in_folder(settings, tmp_path / "coffre")
        return
    server = request.getfixturevalue("moto_server")
    bucket = request.getfixturevalue("s3_bucket")
    prefix = f"t-{uuid.uuid4().hex}"
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": server.storage_settings(bucket=bucket, location=prefix),
    }
    monkeypatch.setattr(shutil, "copytree", s3.copytree)
    # The process's connection, as a web process has it after its first request: the tests that
    # measure memory see what a transfer costs, not the one-off loading of boto3's models.
    storages["coffre"].connection  # noqa: B018
    yield s3.BucketPath.at_prefix(client=server.client, bucket=bucket, prefix=prefix, local_parent=tmp_path)
    server.empty(bucket, f"{prefix}/")


# The pages' tests ------------------------------------------------------------------------------


@pytest.fixture
def document_types(db) -> None:
    """The default catalogue of migration 0002, seeded again: transactional tests elsewhere in the
    suite (and the browser tests) empty the tables the migration filled."""
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(apps, None)


@pytest.fixture
def town(db):
    return make_town()


@pytest.fixture
def citizen(db):
    return UserFactory(first_name="Camille", last_name="Martin")


@pytest.fixture
def stranger(db):
    return UserFactory(first_name="Dominique", last_name="Autre")


@pytest.fixture
def service(db):
    return ServiceFactory(name="État civil", slug="etat-civil")


@pytest.fixture
def agent(service):
    return make_agent(service, first_name="Alix", last_name="Agent")


def pytest_collection_modifyitems(config, items):
    """The S3 run leaves out the tests of what only a disk has: the filesystem run has them."""
    if not s3.wanted():
        return
    kept = [item for item in items if item.get_closest_marker("filesystem_only") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
