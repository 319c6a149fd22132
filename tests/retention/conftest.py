import importlib
from pathlib import Path

import pytest
from django.apps import apps

from tests.helpers import vault_in_folder

# Tables that data migrations fill, emptied by the transactional tests elsewhere in a session: seeded back.
DOCUMENT_TYPES = importlib.import_module("coffre.migrations.0002_seed_document_types")
RULES = importlib.import_module("guichet.retention.migrations.0002_seed_rules")


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path) -> Path:
    """Vault blobs of these tests are really written, into a folder of each test's own."""
    return vault_in_folder(settings, tmp_path / "coffre")


@pytest.fixture(autouse=True)
def _seeded(request):
    if "db" not in request.fixturenames and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    from coffre.models import DocumentType

    if not DocumentType.objects.exists():
        DOCUMENT_TYPES.seed(apps, None)
    RULES.seed(apps, None)


@pytest.fixture
def town(db):
    from tests.factories import make_town

    return make_town(name="Saint-Exemple")


@pytest.fixture
def citizen(db):
    from tests.factories import UserFactory

    return UserFactory(first_name="Camille", last_name="Martin", email="camille@exemple.fr")


@pytest.fixture
def service(db):
    from tests.factories import ServiceFactory

    return ServiceFactory(name="Vie quotidienne", slug="vie-quotidienne")


@pytest.fixture
def agent(service):
    from tests.factories import make_agent

    return make_agent(service, first_name="Alix", last_name="Agent")
