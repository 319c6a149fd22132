import importlib
from datetime import datetime

import pytest
from django.apps import apps

from famille.deadlines import PARIS
from tests.factories import make_town

# A Monday morning in Paris: every test's clock unless it moves it.
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path):
    """The vault's blobs of each test go to a folder of its own (the real storage backend)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
        "demarches_exports": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "exports"},
        },
    }
    return tmp_path / "coffre"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def town(db):
    return make_town(dpo_contact="dpo@villeneuve.example")


@pytest.fixture
def document_types(db) -> None:
    """The vault's catalogue of document types (a data migration that transactional tests may empty)."""
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(apps, None)
