"""The default catalogue of document types and its rules."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.db import IntegrityError

from coffre.enums import ValidityRule
from coffre.models import DocumentType
from tests.factories import make_admin
from tests.helpers import login

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("coffre.migrations.0002_seed_document_types")


def test_the_default_types_say_how_long_each_paper_stays_valid():
    # Run again here: transactional tests elsewhere in the suite empty the tables the migration filled.
    seed_migration.seed(apps, None)
    seeded = {
        t.code: t for t in DocumentType.objects.filter(code__in=[row[0] for row in seed_migration.TYPES])
    }

    assert len(seeded) == len(seed_migration.TYPES) >= 11
    proof = seeded["justificatif-domicile"]
    assert (proof.label, proof.validity_rule, proof.validity_days) == (
        "Justificatif de domicile",
        ValidityRule.DAYS,
        90,
    )
    assert proof.default_expiry(date(2026, 1, 1)) == date(2026, 4, 1)
    assert seeded["attestation-assurance"].validity_rule == ValidityRule.END_DATE
    assert seeded["statuts-association"].allows("association") and not seeded["statuts-association"].allows(
        "person"
    )
    assert seeded["livret-famille"].default_expiry(date(2026, 1, 1)) is None


def test_a_fixed_validity_needs_a_number_of_days_and_only_then():
    with pytest.raises(IntegrityError):
        DocumentType.objects.create(code="sans-duree", label="Sans durée", validity_rule=ValidityRule.DAYS)


def test_a_number_of_days_without_the_fixed_rule_is_refused():
    with pytest.raises(IntegrityError):
        DocumentType.objects.create(
            code="incoherent", label="Incohérent", validity_rule=ValidityRule.NONE, validity_days=3
        )


def test_administrators_configure_types_in_the_admin(client):
    login(client, make_admin())
    seed_migration.seed(apps, None)

    listing = client.get("/admin/coffre/documenttype/")
    added = client.post(
        "/admin/coffre/documenttype/add/",
        {
            "code": "attestation-employeur",
            "label": "Attestation employeur",
            "validity_rule": ValidityRule.DAYS,
            "validity_days": "30",
            "for_person": "on",
            "position": "5",
            "is_active": "on",
        },
    )

    assert listing.status_code == 200
    assert "Justificatif de domicile" in listing.text
    assert added.status_code == 302
    assert DocumentType.objects.get(code="attestation-employeur").validity_days == 30
    assert client.get("/admin/coffre/shreddinglog/").status_code == 200
    assert client.get("/admin/coffre/shreddinglog/add/").status_code == 403
