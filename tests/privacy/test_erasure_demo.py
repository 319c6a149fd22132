"""The erasure of the demo citizen (Camille Martin, citoyen@demo.guichet.fr), end to end.

The demo is seeded through its own functions (accounts, démarches, associations and their rooms: every
part that involves the demo citizen), the citizen adds papers to their vault and starts a draft; they ask
for the deletion, 30 days pass, the daily Celery task runs. Then:

- their vault cannot be decrypted: the data key is gone, the blobs too, and a copy of the ciphertext
  taken before opens with no key left in the database;
- their first name, last name and e-mail appear in no text column of any table of the database (every
  text, JSON and full-text column, read by SQL), except in the fields the registry keeps or pseudonymises;
- everybody else is untouched: every row of every table that changed or went is explained by the citizen
  (it points at them, at their own party, or at a row of theirs that went), the other demo users' exports
  are identical, their documents (and the association's the citizen was a member of) decrypt as before.
"""

import importlib
import json
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, models

from associations import demo as associations_demo
from associations.rooms import demo as rooms_demo
from coffre import keys, storage
from coffre.models import DataKey, DocumentVersion, ShreddingLog
from coffre.services import open_plaintext
from demarches import demo as demarches_demo
from demarches import services as demarches_services
from demarches.models import Demarche
from guichet.accounts import demo as accounts_demo
from guichet.accounts import registry
from guichet.accounts.models import Party
from guichet.privacy import services, tasks
from guichet.privacy.enums import DeletionStatus
from tests.coffre.factories import pdf_bytes, png_bytes, store
from tests.privacy.conftest import NOW

pytestmark = pytest.mark.django_db

CITIZEN_EMAIL = f"citoyen@{accounts_demo.DEMO_DOMAIN}"
NEIGHBOUR_EMAIL = f"habitant.leroy@{accounts_demo.DEMO_DOMAIN}"
PRESIDENT_EMAIL = f"association@{accounts_demo.DEMO_DOMAIN}"
TEXT_TYPES = ("text", "character varying", "jsonb", "json", "tsvector")
# Seeded by data migrations, which a transactional test elsewhere may have flushed.
MIGRATION_DATA = [
    ("coffre.migrations.0002_seed_document_types", "seed"),
    ("associations.migrations.0002_document_types", "seed"),
    ("famille.migrations.0001_initial", "seed_required_documents"),
    ("demarches.migrations.0004_backoffice", "seed_labels"),
]


def seed_demo_citizen(capture) -> None:
    """The parts of `manage.py seed_demo` that involve the demo citizen (~10 s, instead of ~30 s)."""
    for module, function in MIGRATION_DATA:
        getattr(importlib.import_module(module), function)(apps, None)
    accounts_demo.seed()
    # The acknowledgements' PDFs (Celery, once committed) are not this test's subject.
    with capture(execute=False):
        demarches_demo.seed()
    associations_demo.seed()
    rooms_demo.seed()


# What the database holds --------------------------------------------------------------------------


def text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = ANY(%s) ORDER BY table_name, column_name",
            [list(TEXT_TYPES)],
        )
        return cursor.fetchall()


def column_labels() -> dict[tuple[str, str], str]:
    """(table, column) → "app.Model.field", for the registry's treatments."""
    labels = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            labels[(model._meta.db_table, field.column)] = f"{model._meta.label}.{field.name}"
    return labels


def columns_holding(needles: list[str]) -> dict[str, set[str]]:
    """needle → the columns ("table.column") where some row holds it, any case, anywhere in the text."""
    found: dict[str, set[str]] = {needle: set() for needle in needles}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in text_columns():
            tests = ", ".join(
                f"coalesce(bool_or({quote(column)}::text ILIKE %s), false)" for _needle in needles
            )
            cursor.execute(f"SELECT {tests} FROM {quote(table)}", [f"%{needle}%" for needle in needles])  # noqa: S608 (names from the catalogue)
            for needle, hit in zip(needles, cursor.fetchone(), strict=True):
                if hit:
                    found[needle].add(f"{table}.{column}")
    return found


def snapshot() -> dict[type[models.Model], dict[object, tuple]]:
    """Every row of every table, by model and pk, as the tuple of its column values."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        names = [field.attname for field in model._meta.concrete_fields]
        rows[model] = {
            values[0]: tuple(bytes(v) if isinstance(v, memoryview) else v for v in values)
            for values in model._base_manager.values_list("pk", *names)
        }
    return rows


def unexplained_changes(before, after, *, user, person) -> list[str]:
    """Rows that changed or went without pointing at the user, their own party, or a row of theirs that
    went or changed itself (a cascade); rows added other than the erasure's own trail."""
    concerned = {(get_user_model(), user.pk), (Party, person.pk)}
    touched = {}
    for model, rows in before.items():
        for pk, values in rows.items():
            if after[model].get(pk) != values:
                touched[(model, pk)] = values
    relations = {
        model: [
            (index, field.related_model._meta.concrete_model)
            for index, field in enumerate(model._meta.concrete_fields, start=1)
            if field.is_relation
        ]
        for model in before
    }
    explained: set = set()
    growing = True
    while growing:
        growing = False
        for (model, pk), values in touched.items():
            if (model, pk) in explained:
                continue
            points = {(related, values[index]) for index, related in relations[model]}
            if (model, pk) in concerned or points & (concerned | set(touched)):
                explained.add((model, pk))
                concerned.add((model, pk))
                growing = True
    left = [
        f"{model._meta.label}:{pk} changed or went" for (model, pk) in touched if (model, pk) not in explained
    ]
    # What the erasure adds: its own trail (ids and dates), nothing else.
    trail = {"audit.AuditEvent", "coffre.ShreddingLog", "privacy.DeletionRequest"}
    for model, rows in after.items():
        added = set(rows) - set(before[model])
        if added and model._meta.label not in trail:
            left.append(f"{model._meta.label}: {len(added)} rows added")
    return left


def read(actor, version: DocumentVersion) -> bytes:
    stream = open_plaintext(actor=actor, version=version)
    try:
        return b"".join(stream)
    finally:
        stream.close()


def decrypts_with_any_key_left(version: DocumentVersion, ciphertext: bytes) -> bool:
    from coffre import crypto

    for data_key in DataKey.objects.all():
        try:
            content_key = keys.unwrap_content_key(version, data_key=data_key)
            crypto.decrypt_bytes(content_key, ciphertext)
        except Exception:  # noqa: S112 (any failure means: this key does not open it)
            continue
        return True
    return False


# The test ----------------------------------------------------------------------------------------


def test_erasing_the_demo_citizen_leaves_nothing_of_them_but_what_the_town_keeps_and_nobody_else_loses_anything(
    clock, django_capture_on_commit_callbacks, vault_storage, capsys
):
    started = time.monotonic()
    seed_demo_citizen(django_capture_on_commit_callbacks)
    User = get_user_model()
    citizen = User.objects.get(email=CITIZEN_EMAIL)
    neighbour = User.objects.get(email=NEIGHBOUR_EMAIL)
    president = User.objects.get(email=PRESIDENT_EMAIL)
    person = Party.objects.get(person=citizen)
    association = Party.objects.get(kind="association", memberships__user=citizen)
    # Papers in the vault, and a draft: what the demo itself does not give the citizen.
    papers = [
        store(user=citizen, content=pdf_bytes(150_000, marker=b"avis"), title="Avis d'imposition"),
        store(user=citizen, content=png_bytes(4, 4), filename="identite.png", title="Carte d'identité"),
    ]
    demarches_services.start_request(
        actor=citizen, demarche=Demarche.objects.get(slug="certificat-de-numerotage"), applicant=person
    )
    neighbour_paper = store(user=neighbour, content=pdf_bytes(20_000), title="Justificatif de domicile")
    association_paper = DocumentVersion.objects.filter(document__owner=association).order_by("pk").first()
    seeded = time.monotonic() - started

    vault = storage.vault_storage()
    ciphertexts = {}
    for version in papers:
        with vault.open(version.blob_name) as blob:
            ciphertexts[version.pk] = blob.read()
        assert decrypts_with_any_key_left(version, ciphertexts[version.pk])
    citizen_key_uuid = DataKey.objects.get(party=person).key_uuid
    needles = [citizen.first_name, citizen.last_name, citizen.email]
    assert needles == ["Camille", "Martin", CITIZEN_EMAIL]
    found_before = columns_holding(needles)
    # (Reading writes an audit event, which the person's export lists: read first.)
    neighbour_bytes, association_bytes = read(neighbour, neighbour_paper), read(president, association_paper)
    others_before = {
        user.pk: json.dumps(registry.export_user_data(user), default=str) for user in (neighbour, president)
    }
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        deletion = services.request_deletion(actor=citizen)
    clock.shift(timedelta(days=30))
    erasing = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.erase_due_accounts.delay().get() == [deletion.pk]
    erased_in = time.monotonic() - erasing
    deletion.refresh_from_db()
    assert deletion.status == DeletionStatus.ERASED

    # The vault cannot be decrypted: its data key is destroyed (and logged for restores), its blobs are
    # deleted, and the ciphertext copied before opens with none of the keys left.
    assert not DataKey.objects.filter(key_uuid=citizen_key_uuid).exists()
    assert ShreddingLog.objects.filter(party_id=person.pk, data_key_uuid=citizen_key_uuid).exists()
    for version in papers:
        assert not vault.exists(version.blob_name)
        assert not DocumentVersion.objects.filter(pk=version.pk).exists()
        assert not decrypts_with_any_key_left(version, ciphertexts[version.pk])

    # Their name and e-mail are in no column but those the registry keeps or pseudonymises.
    labels = column_labels()
    allowed = {
        t.label
        for t in registry.treatments()
        if t.treatment in (registry.Treatment.KEPT, registry.Treatment.PSEUDONYMISED)
    }
    found_after = columns_holding(needles)
    for needle in needles:
        outside = sorted(
            column for column in found_after[needle] if labels.get(tuple(column.split(".", 1))) not in allowed
        )
        assert outside == [], f"{needle!r} is still in {outside}"
    # The scan does find them, where they were: the account, the vault, the messages sent to them…
    assert {"accounts_user.email", "accounts_user.first_name", "accounts_user.last_name"} <= found_before[
        CITIZEN_EMAIL
    ] | found_before["Camille"] | found_before["Martin"]
    assert "accounts_party.name" in found_before["Martin"] - found_after["Martin"]

    # Nobody else lost anything.
    after = snapshot()
    citizen.refresh_from_db()
    assert unexplained_changes(before, after, user=citizen, person=person) == []
    for user in (neighbour, president):
        assert json.dumps(registry.export_user_data(user), default=str) == others_before[user.pk]
        assert User.objects.get(pk=user.pk).is_active
    assert read(neighbour, neighbour_paper) == neighbour_bytes
    assert read(president, association_paper) == association_bytes

    tables, columns = len({table for table, _column in text_columns()}), len(text_columns())
    gone = sum(len(set(rows) - set(after[model])) for model, rows in before.items())
    changed = sum(
        1
        for model, rows in before.items()
        for pk, values in rows.items()
        if pk in after[model] and after[model][pk] != values
    )
    with capsys.disabled():
        print(
            f"\n[demo erasure] seeded in {seeded:.1f} s, erased in {erased_in:.2f} s; "
            f"{sum(len(rows) for rows in before.values())} rows in {len(before)} models before; "
            f"{gone} rows gone, {changed} changed; {columns} text columns of {tables} tables scanned; "
            f"found before in {sorted(set().union(*found_before.values()))}; "
            f"after only in {sorted(set().union(*found_after.values()))}"
        )
    assert NOW + timedelta(days=30) == deletion.erased_at
