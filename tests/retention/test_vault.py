"""Vault documents expired for more than 90 days are deleted through the vault, once; the rest stays."""

import io
from datetime import date, datetime, timedelta

import pytest

from coffre import services as vault
from coffre.models import DataKey, Document, DocumentVersion, Grant
from demarches import services as demarches_services
from demarches.models import Request
from guichet.audit.models import AuditEvent
from guichet.retention import registry
from tests.coffre.factories import make_household, pdf_bytes
from tests.retention.factories import decided, documents_of, draft, procedure, run, vault_document

pytestmark = pytest.mark.django_db

EXPIRED = "coffre.expired_documents"
# Noon in Paris: the dates below are Paris days.
TODAY = date(2025, 6, 20)
NOON = datetime.fromisoformat("2025-06-20T12:00:00+02:00")


def blobs(document: Document) -> list[str]:
    return list(DocumentVersion.objects.filter(document=document).values_list("blob_name", flat=True))


def test_a_document_expired_just_over_90_days_ago_is_deleted_with_its_blob_once(
    time_machine, citizen, vault_storage, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOON - timedelta(days=200), tick=False)
    past_limit = vault_document(user=citizen, expiry_date=TODAY - timedelta(days=91))
    at_limit = vault_document(user=citizen, expiry_date=TODAY - timedelta(days=90))
    no_end = vault_document(user=citizen)
    names = blobs(past_limit)
    assert all((vault_storage / name).exists() for name in names)

    time_machine.move_to(NOON, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        first = run()

    assert first.counts[EXPIRED] == 1
    assert not Document.objects.filter(pk=past_limit.pk).exists()
    assert not any((vault_storage / name).exists() for name in names)
    assert set(Document.objects.values_list("pk", flat=True)) >= {at_limit.pk, no_end.pk}
    trace = AuditEvent.objects.get(action="coffre.document.delete", target_id=str(past_limit.pk))
    assert (trace.actor_id, trace.owner_party_id, trace.details["reason"]) == (
        None,
        past_limit.owner_id,
        "retention",
    )

    assert run().counts[EXPIRED] == 0


def test_an_expired_document_goes_with_every_version_s_wrapped_key_blob_and_share_and_the_vault_key_stays(
    time_machine, citizen, service, vault_storage, django_capture_on_commit_callbacks
):
    time_machine.move_to(NOON - timedelta(days=200), tick=False)
    expired = vault_document(user=citizen, expiry_date=TODAY - timedelta(days=95))
    vault.store_document_from_file(
        actor=citizen,
        owner=expired.owner,
        source=io.BytesIO(pdf_bytes(marker=b"VERSION-2")),
        filename="justificatif-2.pdf",
        document_type=expired.document_type,
        title="Justificatif",
        issue_date=date(2000, 1, 1),
        expiry_date=TODAY - timedelta(days=95),
        replaces=expired,
    )
    vault.share_document(
        actor=citizen,
        document=expired,
        service=service,
        note="Pour mon dossier.",
        until=TODAY - timedelta(days=190),
    )
    kept = vault_document(user=citizen)
    versions = list(DocumentVersion.objects.filter(document=expired))
    assert len(versions) == 2 and all(version.wrapped_content_key for version in versions)
    names = [version.blob_name for version in versions]
    data_key = DataKey.objects.get(party=expired.owner)

    time_machine.move_to(NOON, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        first = run()

    assert first.counts[EXPIRED] == 1
    # Each version's content key, wrapped, was its only key: with its row, the blob is unreadable for good,
    # and the encrypted files themselves are gone from the storage.
    assert not DocumentVersion.objects.filter(pk__in=[version.pk for version in versions]).exists()
    assert not any((vault_storage / name).exists() for name in names)
    assert not Grant.objects.filter(document_id=expired.pk).exists()
    # The vault's own key stays: the owner's other documents still open and verify.
    assert DataKey.objects.filter(pk=data_key.pk).exists()
    assert vault.verify_version(version=kept.current_version)

    with django_capture_on_commit_callbacks(execute=True):
        assert run().counts[EXPIRED] == 0
    assert Document.objects.filter(pk=kept.pk).exists()


def test_a_household_s_expired_paper_goes_too_and_a_renewed_one_stays(time_machine, citizen):
    household = make_household(citizen)
    time_machine.move_to(NOON - timedelta(days=400), tick=False)
    expired = vault_document(user=citizen, owner=household, expiry_date=TODAY - timedelta(days=100))
    renewed = vault_document(user=citizen, expiry_date=TODAY - timedelta(days=100))
    vault.update_document(
        actor=citizen,
        document=renewed,
        title="Renouvelé",
        issue_date=None,
        expiry_date=TODAY + timedelta(days=30),
    )

    time_machine.move_to(NOON, tick=False)
    assert run().counts[EXPIRED] == 1
    assert not Document.objects.filter(pk=expired.pk).exists()
    assert Document.objects.filter(pk=renewed.pk).exists()


def test_a_service_s_copy_follows_its_request_not_its_end_of_validity(time_machine, citizen, agent, service):
    time_machine.move_to(NOON - timedelta(days=400), tick=False)
    paper = vault_document(user=citizen, expiry_date=TODAY - timedelta(days=200))
    request = decided(user=citizen, agent=agent, demarche=procedure(service=service), document=False)
    # A second request, sent with the (then valid) paper: the service's copy keeps its end of validity.
    other = demarches_services.submit_request(
        actor=citizen, request=draft(user=citizen, demarche=request.demarche, justificatif=paper.pk)
    )
    copy = documents_of(Request.objects.get(pk=other.pk))[0]
    assert copy.expiry_date == paper.expiry_date

    time_machine.move_to(NOON, tick=False)
    assert run().counts[EXPIRED] == 1  # the citizen's own paper only
    assert not Document.objects.filter(pk=paper.pk).exists()
    assert Document.objects.filter(pk=copy.pk).exists()


def test_a_document_another_record_points_at_is_never_offered_for_deletion(citizen, agent, service):
    request = decided(user=citizen, agent=agent, demarche=procedure(service=service))
    copy = documents_of(request)[0]

    offered = registry.without_protected_references(Document.objects.all())

    assert copy.pk not in set(offered.values_list("pk", flat=True))
    assert request.attachments.get().source_document_id in set(offered.values_list("pk", flat=True))
