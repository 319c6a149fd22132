import importlib
from pathlib import Path

import pytest
from django.apps import apps

from tests.factories import ServiceFactory, UserFactory, make_agent, make_town


@pytest.fixture(autouse=True)
def vault_dir(settings, tmp_path) -> Path:
    """Every vault test writes its blobs in its own folder, the real storage backend."""
    location = tmp_path / "coffre"
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {"BACKEND": "coffre.storage.VaultFileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


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
