from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def vault_dir(settings, tmp_path) -> Path:
    """Every vault test writes its blobs in its own folder, the real storage backend."""
    location = tmp_path / "coffre"
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {"BACKEND": "coffre.storage.VaultFileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location
