"""Storing, versioning, reading, sharing and deleting documents, with their audit trail."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from coffre import crypto, services
from coffre.enums import ExpiryStatus, ValidityRule
from coffre.exceptions import (
    DocumentTypeNotAllowed,
    ExpiryDateRequired,
    InvalidDates,
    InvalidGrant,
    VaultAccessDenied,
    VaultIntegrityError,
)
from coffre.models import DataKey, Document, DocumentVersion, Grant
from guichet.audit.models import AuditEvent
from guichet.audit.selectors import data_accesses_page, party_ids_for
from tests.coffre import s3
from tests.coffre.factories import (
    DocumentTypeFactory,
    make_association,
    make_household,
    pdf_bytes,
    png_bytes,
    read_back,
    store,
)
from tests.coffre.helpers import blob_files
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party

pytestmark = pytest.mark.django_db


def events(action: str):
    return AuditEvent.objects.filter(action=action).order_by("id")


@s3.filesystem_only("blobs are 0600 files; an S3 object has no mode, the bucket is private")
def test_a_stored_document_reads_back_identical_and_is_audited(vault_dir):
    user = UserFactory()
    content = pdf_bytes(200_000)

    version = store(user=user, content=content, title="Attestation", filename="attestation.pdf")

    document = version.document
    assert document.current_version == version
    assert (document.title, version.number, version.size) == ("Attestation", 1, len(content))
    assert read_back(actor=user, version=version) == content
    assert services.verify_version(version=version) == version.sha256
    [blob] = blob_files(vault_dir)
    assert blob.relative_to(vault_dir).as_posix() == version.blob_name
    assert blob.stat().st_mode & 0o777 == 0o600
    [created] = events("coffre.document.create")
    assert (created.actor_id, created.owner_party_id, created.target_id) == (
        user.pk,
        person_party(user).pk,
        str(document.pk),
    )
    assert created.details["size"] == len(content)
    assert created.details["mime"] == "pdf"


def test_the_owner_gets_one_data_key_wrapped_under_the_current_kek():
    user = UserFactory()
    store(user=user)
    store(user=user)

    [key] = DataKey.objects.all()
    assert key.party == person_party(user)
    assert key.kek_id == "demo-only"
    assert len(bytes(key.wrapped_key)) == crypto.WRAPPED_KEY_SIZE


def test_a_new_version_replaces_the_current_one_and_the_old_one_stays():
    user = UserFactory()
    first = store(user=user, content=pdf_bytes(5_000), title="Assurance 2025")
    document_type = first.document.document_type

    second = store(
        user=user,
        content=png_bytes(),
        filename="assurance.png",
        title="Assurance 2026",
        replaces=first.document,
        document_type=document_type,
    )

    document = Document.objects.get()
    assert document.current_version == second
    assert (second.number, document.title) == (2, "Assurance 2026")
    assert read_back(actor=user, version=first) == pdf_bytes(5_000)
    assert read_back(actor=user, version=second) == png_bytes()
    assert events("coffre.version.create").get().details["number"] == 2


def test_a_version_cannot_replace_someone_elses_document(vault_dir):
    user, other = UserFactory(), UserFactory()
    theirs = store(user=other)

    with pytest.raises(VaultAccessDenied):
        store(user=user, replaces=theirs.document)

    assert DocumentVersion.objects.count() == 1
    assert len(blob_files(vault_dir)) == 1


def test_nobody_stores_into_a_vault_they_do_not_belong_to(vault_dir):
    user, other = UserFactory(), UserFactory()

    with pytest.raises(VaultAccessDenied) as error:
        store(user=user, owner=person_party(other))

    assert error.value.message == "Vous n'avez pas accès à ce coffre-fort."
    assert blob_files(vault_dir) == []


def test_a_household_guardian_stores_and_the_other_guardian_reads():
    parent, other_parent = UserFactory(), UserFactory()
    household = make_household(parent, other_parent)

    version = store(user=parent, owner=household, content=pdf_bytes(3_000))

    assert read_back(actor=other_parent, version=version) == pdf_bytes(3_000)


def test_a_plain_association_member_may_not_open_its_vault():
    president, member = UserFactory(), UserFactory()
    association = make_association(president=president, members=(member,))
    version = store(user=president, owner=association)

    with pytest.raises(VaultAccessDenied):
        services.open_plaintext(actor=member, version=version)
    with pytest.raises(VaultAccessDenied):
        store(user=member, owner=association)


def test_a_type_not_meant_for_this_kind_of_owner_is_refused(vault_dir):
    statutes = DocumentTypeFactory(for_person=False, for_household=False, for_association=True)

    with pytest.raises(DocumentTypeNotAllowed):
        store(document_type=statutes)

    assert blob_files(vault_dir) == []


@time_machine.travel("2026-03-10 10:00 +01:00", tick=False)
def test_the_expiry_date_follows_the_type_rule():
    proof_of_address = DocumentTypeFactory(days=True, validity_days=90)
    insurance = DocumentTypeFactory(end_date=True)

    dated = store(document_type=proof_of_address, issue_date=date(2026, 2, 1))
    undated = store(document_type=proof_of_address)
    insured = store(document_type=insurance, expiry_date=date(2026, 12, 31))

    assert dated.document.expiry_date == date(2026, 5, 2)
    assert undated.document.expiry_date == date(2026, 6, 8)  # from today when the issue date is unknown
    assert insured.document.expiry_date == date(2026, 12, 31)
    with pytest.raises(ExpiryDateRequired):
        store(document_type=insurance)
    with pytest.raises(InvalidDates):
        store(document_type=insurance, issue_date=date(2026, 3, 1), expiry_date=date(2026, 2, 1))


@time_machine.travel("2026-03-10 10:00 +01:00", tick=False)
def test_the_expiry_badge():
    document = store(document_type=DocumentTypeFactory(end_date=True), expiry_date=date(2026, 4, 1)).document
    today = timezone.localdate()

    assert document.expiry_status(today) == ExpiryStatus.EXPIRES_SOON
    assert document.expiry_status(date(2026, 1, 1)) == ExpiryStatus.VALID
    assert document.expiry_status(date(2026, 4, 2)) == ExpiryStatus.EXPIRED
    document.expiry_date = None
    assert document.expiry_status(today) == ExpiryStatus.NONE


def test_update_document_renames_and_redates():
    user = UserFactory()
    document = store(user=user, document_type=DocumentTypeFactory(validity_rule=ValidityRule.NONE)).document

    services.update_document(
        actor=user, document=document, title="  Nouveau titre ", issue_date=date(2026, 1, 5), expiry_date=None
    )

    document.refresh_from_db()
    assert (document.title, document.issue_date, document.expiry_date) == (
        "Nouveau titre",
        date(2026, 1, 5),
        None,
    )
    assert events("coffre.document.update").count() == 1
    with pytest.raises(VaultAccessDenied):
        services.update_document(
            actor=UserFactory(), document=document, title="x", issue_date=None, expiry_date=None
        )


def test_deleting_a_document_deletes_its_blobs_after_the_commit(
    vault_dir, django_capture_on_commit_callbacks
):
    user = UserFactory()
    first = store(user=user)
    store(user=user, replaces=first.document, document_type=first.document.document_type)
    kept = store(user=user)
    assert len(blob_files(vault_dir)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_document(actor=user, document=first.document)

    assert list(DocumentVersion.objects.all()) == [kept]
    assert [path.relative_to(vault_dir).as_posix() for path in blob_files(vault_dir)] == [kept.blob_name]
    assert events("coffre.document.delete").get().details == {"versions": 2}


def test_deleting_the_current_version_brings_back_the_previous_one(
    vault_dir, django_capture_on_commit_callbacks
):
    user = UserFactory()
    first = store(user=user, content=pdf_bytes(1_000))
    second = store(user=user, replaces=first.document, document_type=first.document.document_type)

    with django_capture_on_commit_callbacks(execute=True):
        document = services.delete_version(actor=user, version=second)

    assert document.current_version == first
    assert [path.relative_to(vault_dir).as_posix() for path in blob_files(vault_dir)] == [first.blob_name]

    with django_capture_on_commit_callbacks(execute=True):
        assert services.delete_version(actor=user, version=first) is None
    assert not Document.objects.exists()
    assert blob_files(vault_dir) == []


def test_someone_else_cannot_delete(vault_dir):
    version = store()

    with pytest.raises(VaultAccessDenied):
        services.delete_document(actor=UserFactory(), document=version.document)
    with pytest.raises(VaultAccessDenied):
        services.delete_version(actor=UserFactory(), version=version)

    assert DocumentVersion.objects.get() == version


def test_reading_writes_an_audit_event_owned_by_the_documents_owner():
    user = UserFactory()
    version = store(user=user)

    read_back(actor=user, version=version)

    [read] = events("coffre.document.read")
    assert (read.actor_id, read.owner_party_id, read.details) == (
        user.pk,
        person_party(user).pk,
        {"version": version.pk},
    )


def test_a_stranger_reads_nothing_and_leaves_no_read_event():
    version = store()

    with pytest.raises(VaultAccessDenied):
        services.open_plaintext(actor=UserFactory(), version=version)

    assert not events("coffre.document.read").exists()


def test_a_tampered_blob_never_releases_altered_bytes(vault_dir):
    user = UserFactory()
    content = pdf_bytes(200_000)
    version = store(user=user, content=content)
    [blob] = blob_files(vault_dir)
    data = bytearray(blob.read_bytes())
    data[crypto.HEADER_SIZE + crypto.CIPHERTEXT_CHUNK_SIZE + 10] ^= 1  # in the second chunk
    blob.write_bytes(bytes(data))

    stream = services.open_plaintext(actor=user, version=version)
    released = []
    with pytest.raises(VaultIntegrityError):
        for chunk in stream:
            released.append(chunk)

    assert b"".join(released) == content[: crypto.CHUNK_SIZE]
    with pytest.raises(VaultIntegrityError):
        services.verify_version(version=version)


def test_an_altered_fingerprint_in_the_database_makes_the_document_unreadable():
    user = UserFactory()
    version = store(user=user)
    DocumentVersion.objects.filter(pk=version.pk).update(sha256="0" * 64)

    with pytest.raises(VaultIntegrityError):
        services.open_plaintext(actor=user, version=DocumentVersion.objects.get(pk=version.pk))


def test_swapping_blobs_between_two_versions_is_detected():
    user = UserFactory()
    one, two = store(user=user, content=pdf_bytes(1_000)), store(user=user, content=pdf_bytes(2_000))
    DocumentVersion.objects.filter(pk=one.pk).update(blob_name=two.blob_name + "-x")
    DocumentVersion.objects.filter(pk=two.pk).update(blob_name=one.blob_name)
    DocumentVersion.objects.filter(pk=one.pk).update(blob_name=two.blob_name)

    for version in (one, two):
        with pytest.raises(VaultIntegrityError):
            services.open_plaintext(actor=user, version=DocumentVersion.objects.get(pk=version.pk))


def test_a_missing_blob_is_an_integrity_error(vault_dir):
    user = UserFactory()
    version = store(user=user)
    blob_files(vault_dir)[0].unlink()

    with pytest.raises(VaultIntegrityError):
        services.open_plaintext(actor=user, version=version)


# Sharing ------------------------------------------------------------------------------------


@pytest.fixture
def shared():
    citizen = UserFactory()
    service = ServiceFactory()
    agent = make_agent(service)
    version = store(user=citizen, content=pdf_bytes(2_000))
    grant = services.grant_access(
        actor=citizen,
        document=version.document,
        service=service,
        purpose="demarches.request:12",
        expires_at=timezone.now() + timedelta(days=30),
    )
    return citizen, agent, version, grant


def test_an_agent_reads_through_an_active_grant_and_the_owner_sees_it(shared):
    citizen, agent, version, grant = shared

    assert read_back(actor=agent, version=version) == pdf_bytes(2_000)

    [read] = events("coffre.document.read")
    assert read.actor_id == agent.pk
    assert read.owner_party_id == person_party(citizen).pk
    assert read.details == {"version": version.pk, "grant": grant.pk, "service": grant.service_id}
    created = events("coffre.grant.create").get()
    assert created.details["purpose"] == "demarches.request:12"
    # On the owner's "who saw my data" page: the agent's read, not the owner's own sharing.
    page = data_accesses_page(viewer=citizen, party_ids=party_ids_for(user=citizen), page=1)
    assert [(access.agent_name, access.service, access.action) for access in page.object_list] == [
        (agent.get_full_name(), grant.service.name, "Consultation d'un document de votre coffre-fort")
    ]


def test_an_agent_of_another_service_reads_nothing(shared):
    _citizen, _agent, version, _grant = shared

    with pytest.raises(VaultAccessDenied):
        services.open_plaintext(actor=make_agent(ServiceFactory()), version=version)


def test_a_revoked_or_expired_grant_opens_nothing(shared):
    citizen, agent, version, grant = shared

    with time_machine.travel(grant.expires_at + timedelta(seconds=1)), pytest.raises(VaultAccessDenied):
        services.open_plaintext(actor=agent, version=version)

    services.revoke_grant(actor=citizen, grant=grant)
    services.revoke_grant(actor=citizen, grant=grant)

    with pytest.raises(VaultAccessDenied):
        services.open_plaintext(actor=agent, version=version)
    assert Grant.objects.get().revoked_by == citizen
    assert events("coffre.grant.revoke").count() == 1


def test_a_grant_opens_the_current_version_only(shared):
    citizen, agent, first, _grant = shared
    second = store(user=citizen, replaces=first.document, document_type=first.document.document_type)

    assert read_back(actor=agent, version=second) == pdf_bytes()
    with pytest.raises(VaultAccessDenied):
        services.open_plaintext(actor=agent, version=first)


def test_an_inactive_service_loses_its_grants(shared):
    _citizen, agent, version, grant = shared
    grant.service.is_active = False
    grant.service.save()

    with pytest.raises(VaultAccessDenied):
        services.open_plaintext(actor=agent, version=version)


def test_only_the_owner_shares_and_only_for_a_reference_purpose_and_a_future_date(shared):
    citizen, agent, version, grant = shared
    later = timezone.now() + timedelta(days=1)

    with pytest.raises(VaultAccessDenied):
        services.grant_access(
            actor=agent,
            document=version.document,
            service=grant.service,
            purpose="demarches.request:1",
            expires_at=later,
        )
    with pytest.raises(VaultAccessDenied):
        services.revoke_grant(actor=agent, grant=grant)
    for purpose, expires_at in (("pour voir", later), ("demarches.request:1", timezone.now())):
        with pytest.raises(InvalidGrant):
            services.grant_access(
                actor=citizen,
                document=version.document,
                service=grant.service,
                purpose=purpose,
                expires_at=expires_at,
            )
