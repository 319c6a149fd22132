"""Shared fixtures of the associations' tests."""

import importlib

import pytest
from django.apps import apps


def seed_document_types() -> None:
    """The vault's document types of coffre's and associations' data migrations, seeded again:
    transactional tests elsewhere in the suite (and the browser tests) empty the tables they filled."""
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(apps, None)
    importlib.import_module("associations.migrations.0002_document_types").seed(apps, None)


@pytest.fixture(autouse=True)
def document_types(request) -> None:
    # pytest-django's own autouse fixture has opened the database for tests marked django_db.
    if request.node.get_closest_marker("django_db") is not None:
        seed_document_types()
