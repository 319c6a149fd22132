"""Reads are scoped: someone else's vault, document or version is simply not there."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coffre import selectors, services
from coffre.models import Document, DocumentVersion
from tests.coffre.factories import DocumentTypeFactory, make_association, make_household, pdf_bytes, store
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party

pytestmark = pytest.mark.django_db


def test_owners_are_the_vaults_the_users_roles_open():
    user = UserFactory()
    household = make_household(user)
    association = make_association(president=user)
    make_association(members=(user,))  # a plain member: not their vault
    make_household(UserFactory())

    owners = set(selectors.owners_for_user(user=user))

    assert owners == {person_party(user), household, association}


def test_someone_elses_documents_and_versions_do_not_exist_for_the_user():
    user, other = UserFactory(), UserFactory()
    mine = store(user=user)
    theirs = store(user=other)

    assert list(selectors.documents_for_owner(user=user, owner=person_party(user))) == [mine.document]
    assert list(selectors.documents_for_owner(user=user, owner=person_party(other))) == []
    assert selectors.document_for_user(user=user, pk=mine.document_id) == mine.document
    with pytest.raises(Document.DoesNotExist):
        selectors.document_for_user(user=user, pk=theirs.document_id)
    with pytest.raises(DocumentVersion.DoesNotExist):
        selectors.version_for_user(user=user, pk=theirs.pk)
    assert selectors.version_for_user(user=user, pk=mine.pk) == mine


def test_the_agents_list_holds_only_documents_shared_with_their_service_now():
    citizen = UserFactory()
    service = ServiceFactory()
    agent = make_agent(service)
    shared = store(user=citizen)
    store(user=citizen)  # not shared
    services.grant_access(
        actor=citizen,
        document=shared.document,
        service=service,
        purpose="demarches.request:3",
        expires_at=timezone.now() + timedelta(days=2),
    )

    assert list(selectors.documents_shared_with_agent(user=agent)) == [shared.document]
    assert list(selectors.documents_shared_with_agent(user=make_agent(ServiceFactory()))) == []
    assert (
        list(selectors.documents_shared_with_agent(user=agent, now=timezone.now() + timedelta(days=3))) == []
    )
    assert selectors.shared_version_for_agent(user=agent, pk=shared.pk) == shared
    with pytest.raises(DocumentVersion.DoesNotExist):
        selectors.shared_version_for_agent(user=citizen, pk=shared.pk)
    assert list(selectors.active_grants_for_owner(user=citizen, owner=person_party(citizen))) == list(
        selectors.grants_for_document(user=citizen, document=shared.document)
    )
    assert list(selectors.grants_for_document(user=agent, document=shared.document)) == []


def test_the_list_costs_a_fixed_number_of_queries(django_assert_num_queries):
    user = UserFactory()
    owner = person_party(user)
    for number in range(12):
        store(user=user, title=f"Document {number}", document_type=DocumentTypeFactory())

    with django_assert_num_queries(1):
        rows = [
            (document.title, document.document_type.label, document.current_version.size, document.owner.name)
            for document in selectors.documents_for_owner(user=user, owner=owner)
        ]

    assert len(rows) == 12


def test_the_quota_counts_every_version(settings):
    settings.COFFRE_QUOTA_BYTES = 100_000
    user = UserFactory()
    first = store(user=user, content=pdf_bytes(10_000))
    store(
        user=user,
        content=pdf_bytes(15_000),
        replaces=first.document,
        document_type=first.document.document_type,
    )

    quota = selectors.quota_for_owner(owner=person_party(user))

    assert (quota.used_bytes, quota.available_bytes, quota.percent) == (25_000, 75_000, 25)


def test_document_types_follow_the_owners_kind():
    for_associations = DocumentTypeFactory(for_person=False, for_household=False, for_association=True)
    for_everyone = DocumentTypeFactory()
    DocumentTypeFactory(is_active=False)
    user = UserFactory()

    person_types = set(selectors.document_types_for(owner=person_party(user)))
    association_types = set(selectors.document_types_for(owner=make_association(president=user)))

    assert for_everyone in person_types and for_associations not in person_types
    assert {for_everyone, for_associations} <= association_types
    assert all(document_type.is_active for document_type in person_types | association_types)
