"""Copies into a space without members (a service's records): re-encrypted, independent, audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coffre import crypto, services
from coffre.exceptions import VaultAccessDenied, VaultIntegrityError
from coffre.models import DataKey, Document, DocumentVersion
from guichet.accounts.models import Party
from guichet.audit.models import AuditEvent
from tests.coffre.factories import make_association, pdf_bytes, read_back, store
from tests.coffre.helpers import blob_files
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party

pytestmark = pytest.mark.django_db


def make_space(name: str = "Archives de l'état civil") -> Party:
    # The démarches keep one such party per service; the vault only needs it to have no members.
    return Party.objects.create(kind="service", name=name)


def read_space(version: DocumentVersion, *, actor) -> bytes:
    stream = services.open_space_plaintext(actor=actor, version=version, purpose="demarches.request:1")
    try:
        return b"".join(stream)
    finally:
        stream.close()


def test_a_copy_is_a_new_document_of_the_space_under_its_own_keys(vault_dir):
    user = UserFactory()
    content = pdf_bytes(150_000, marker=b"ACTE")
    source = store(user=user, content=content, title="Acte de naissance", filename="acte.pdf")
    space = make_space()

    copy = services.copy_to_space(actor=user, version=source, space=space)

    assert copy.document.owner == space
    assert (copy.document.title, copy.document.document_type_id) == (
        "Acte de naissance",
        source.document.document_type_id,
    )
    assert (copy.size, copy.sha256, copy.mime_type, copy.filename) == (
        source.size,
        source.sha256,
        source.mime_type,
        "acte.pdf",
    )
    assert copy.blob_name != source.blob_name
    assert copy.data_key == DataKey.objects.get(party=space)
    assert bytes(copy.wrapped_content_key) != bytes(source.wrapped_content_key)
    assert len(blob_files(vault_dir)) == 2
    assert read_space(copy, actor=user) == content
    assert services.verify_version(version=copy) == source.sha256
    # The source stays where it was, untouched.
    assert read_back(actor=user, version=source) == content
    [event] = AuditEvent.objects.filter(action="coffre.document.copy")
    assert (event.actor_id, event.owner_party_id, event.target_id) == (
        user.pk,
        person_party(user).pk,
        str(source.document_id),
    )
    assert event.details == {"version": source.pk, "space": space.pk, "copy": copy.document_id}


def test_the_copy_outlives_the_source_and_its_owner_s_shredded_vault():
    user = UserFactory()
    content = pdf_bytes(5_000)
    source = store(user=user, content=content)
    space = make_space()
    copy = services.copy_to_space(actor=user, version=source, space=space)

    services.shred(actor=user, owner=person_party(user))

    assert not Document.objects.filter(pk=source.document_id).exists()
    assert read_space(DocumentVersion.objects.get(pk=copy.pk), actor=user) == content


def test_only_a_member_who_may_read_the_source_copies_it(vault_dir):
    owner = UserFactory()
    service = ServiceFactory()
    agent = make_agent(service)
    source = store(user=owner)
    services.share_document(
        actor=owner,
        document=source.document,
        service=service,
        note="Dossier",
        until=timezone.localdate() + timedelta(days=3),
    )
    space = make_space()

    for actor in (UserFactory(), agent, None):
        with pytest.raises(VaultAccessDenied):
            services.copy_to_space(actor=actor, version=source, space=space)

    assert Document.objects.filter(owner=space).count() == 0
    assert len(blob_files(vault_dir)) == 1


def test_a_vault_with_members_is_not_a_space(vault_dir):
    user = UserFactory()
    source = store(user=user)
    association = make_association(president=UserFactory())

    for target in (association, person_party(UserFactory())):
        with pytest.raises(VaultAccessDenied):
            services.copy_to_space(actor=user, version=source, space=target)
    with pytest.raises(VaultAccessDenied):
        services.open_space_plaintext(actor=user, version=source, purpose="demarches.request:1")

    assert Document.objects.count() == 1
    assert len(blob_files(vault_dir)) == 1


def test_a_tampered_source_is_not_copied_and_leaves_no_blob(vault_dir):
    user = UserFactory()
    source = store(user=user, content=pdf_bytes(200_000))
    [blob] = blob_files(vault_dir)
    data = bytearray(blob.read_bytes())
    data[crypto.HEADER_SIZE + crypto.CIPHERTEXT_CHUNK_SIZE + 10] ^= 1
    blob.write_bytes(bytes(data))
    space = make_space()

    with pytest.raises(VaultIntegrityError):
        services.copy_to_space(actor=user, version=source, space=space)

    assert not Document.objects.filter(owner=space).exists()
    assert blob_files(vault_dir) == [blob]


def test_reading_a_space_document_names_its_purpose_and_is_audited():
    user = UserFactory()
    copy = services.copy_to_space(actor=user, version=store(user=user), space=make_space())
    reader = UserFactory()

    read_space(copy, actor=reader)

    event = AuditEvent.objects.filter(action="coffre.document.read").latest("id")
    assert (event.actor_id, event.owner_party_id, event.details["purpose"]) == (
        reader.pk,
        copy.document.owner_id,
        "demarches.request:1",
    )
    for actor, purpose in ((None, "demarches.request:1"), (reader, "pour voir")):
        with pytest.raises(VaultAccessDenied):
            services.open_space_plaintext(actor=actor, version=copy, purpose=purpose)
