import importlib
from pathlib import Path

import pytest
from django.apps import apps

from tests.helpers import vault_in_folder

# The vault's document types come from a data migration. A transactional test elsewhere in a
# session flushes them, and --reuse-db keeps that empty table for the next run: seed them back.
SEED = importlib.import_module("coffre.migrations.0002_seed_document_types")
LABELS_SEED = importlib.import_module("demarches.migrations.0004_backoffice")


@pytest.fixture(autouse=True)
def vault_dir(settings, tmp_path) -> Path:
    """Vault documents of these tests are really encrypted, into a folder of each test's own."""
    return vault_in_folder(settings, tmp_path / "coffre")


@pytest.fixture(autouse=True)
def _seeded_document_types(request):
    if "db" not in request.fixturenames and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    from coffre.models import DocumentType

    codes = [code for code, *_rest in SEED.TYPES]
    if DocumentType.objects.filter(code__in=codes).count() != len(codes):
        SEED.seed(apps, None)
    # The back-office's labels too (demarches' migration 0004), flushed the same way.
    from demarches.models import Label

    if Label.objects.filter(name__in=[name for name, _tone in LABELS_SEED.LABELS]).count() != len(
        LABELS_SEED.LABELS
    ):
        LABELS_SEED.seed_labels(apps, None)


# The citizen's pages ---------------------------------------------------------------------------


@pytest.fixture
def town(db):
    from tests.factories import make_town

    return make_town(name="Saint-Exemple", address="1 place de la Mairie\n75001 Saint-Exemple")


@pytest.fixture
def citizen(db):
    from tests.factories import UserFactory

    return UserFactory(
        first_name="Camille", last_name="Martin", email="camille@exemple.fr", phone="0612345678"
    )


@pytest.fixture
def stranger(db):
    from tests.factories import UserFactory

    return UserFactory(first_name="Dominique", last_name="Autre")


@pytest.fixture
def service(db):
    from tests.factories import ServiceFactory

    return ServiceFactory(name="État civil", slug="etat-civil")


@pytest.fixture
def agent(service):
    from tests.factories import make_agent

    return make_agent(service, first_name="Alix", last_name="Agent")
