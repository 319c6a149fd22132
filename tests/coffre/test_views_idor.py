"""Every vault URL tried with someone else's space, document, version or grant answers 404,
whatever the method, and changes nothing."""

import pytest
from django.urls import reverse

from coffre import services
from coffre.models import Document, DocumentVersion, Grant
from coffre.urls import urlpatterns
from guichet.audit.models import AuditEvent
from tests.coffre.factories import store
from tests.factories import ServiceFactory, make_agent, person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town", "document_types")]

# Pages that name no object: nothing to guess.
WITHOUT_OBJECT = {"about", "home", "agent_documents"}
# What each URL names, taken from the stranger's vault.
NAMES_OBJECT = {
    "vault": "owner",
    "upload": "owner",
    "export": "owner",
    "document": "document",
    "document_edit": "document",
    "document_delete": "document",
    "version_upload": "document",
    "grant_create": "document",
    "grant_revoke": "grant",
    "version_download": "version",
    "version_preview": "version",
    "version_delete": "version",
    "old_version_download": "old_version",
    "agent_download": "version",
    "agent_preview": "version",
}
NAMES = sorted(pattern.name for pattern in urlpatterns)
READ_ONLY = {
    "vault",
    "export",
    "document",
    "version_download",
    "version_preview",
    "agent_download",
    "agent_preview",
}


def test_every_vault_url_is_covered_here():
    assert set(NAMES) == WITHOUT_OBJECT | (set(NAMES_OBJECT) - {"old_version_download"})


@pytest.fixture
def strangers_vault(stranger):
    """Someone else's vault, with an old and a current version and a grant to another service."""
    old = store(user=stranger, title="Pas à vous")
    version = store(
        user=stranger, title="Pas à vous", replaces=old.document, document_type=old.document.document_type
    )
    grant = services.share_document(
        actor=stranger,
        document=version.document,
        service=ServiceFactory(name="Urbanisme"),
        note="Permis",
        until=version.created_at.date(),
    )
    return {
        "owner": person_party(stranger),
        "document": version.document,
        "version": version,
        "old_version": old,
        "grant": grant,
    }


@pytest.mark.parametrize("name", sorted(NAMES_OBJECT))
def test_someone_elses_object_answers_404_to_every_method(name, client, citizen, service, strangers_vault):
    url_name = "version_download" if name == "old_version_download" else name
    target = strangers_vault[NAMES_OBJECT[name]]
    # The back office's URLs are tried by an agent of a service the document is not shared with.
    login(client, make_agent(service) if name.startswith("agent_") else citizen)
    store(user=citizen)  # the visitor has a vault of their own
    documents, versions = Document.objects.count(), DocumentVersion.objects.count()
    reads = AuditEvent.objects.filter(action="coffre.document.read").count()
    url = reverse(f"coffre:{url_name}", args=[target.pk])

    assert client.get(url).status_code == 404
    post = client.post(url, {"title": "Piraté", "note": "Piraté", "until": "2099-01-01"})
    # A read-only page refuses the method first; a page that accepts POST still finds nothing.
    assert post.status_code == (405 if url_name in READ_ONLY else 404)

    assert (Document.objects.count(), DocumentVersion.objects.count()) == (documents, versions)
    assert Document.objects.get(pk=strangers_vault["document"].pk).title == "Pas à vous"
    assert Grant.objects.get(pk=strangers_vault["grant"].pk).revoked_at is None
    assert AuditEvent.objects.filter(action="coffre.document.read").count() == reads
