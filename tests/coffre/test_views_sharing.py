"""Sharing a document with a service, revoking it, and the agents' side: they read through an
active grant only, and the owner sees each of their reads."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects
from time_machine import travel

from coffre import services
from coffre.models import Grant
from guichet.audit.models import AuditEvent
from tests.coffre.factories import jpeg_bytes, pdf_bytes, store
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town", "document_types")]

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def paris_day(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), tick=False)


def share(
    document, *, actor, service, until: date = date(2026, 3, 31), note: str = "Inscription cantine"
) -> Grant:
    return services.share_document(actor=actor, document=document, service=service, note=note, until=until)


# The owner shares and revokes ----------------------------------------------------------------


def test_the_owner_shares_a_document_with_a_service_until_a_day(client, citizen, service):
    document = store(user=citizen, title="Attestation CAF").document
    login(client, citizen)

    page = client.get(reverse("coffre:grant_create", args=[document.pk]))
    response = client.post(
        reverse("coffre:grant_create", args=[document.pk]),
        {"service": service.pk, "note": "  Inscription   cantine ", "until": "2026-03-31"},
        follow=True,
    )

    assertContains(page, "<h1>Partager « Attestation CAF »</h1>", html=True)
    assertContains(page, f'<option value="{service.pk}">État civil</option>', html=True)
    assertRedirects(response, reverse("coffre:document", args=[document.pk]))
    assertContains(response, "Le document est partagé avec le service « État civil ».")
    grant = Grant.objects.get()
    assert (grant.document, grant.service, grant.purpose, grant.note, grant.granted_by) == (
        document,
        service,
        f"coffre.document:{document.pk}",
        "Inscription cantine",
        citizen,
    )
    assert grant.expires_at == datetime(2026, 4, 1, 0, 0, tzinfo=PARIS)
    assertContains(response, "Motif : Inscription cantine")
    assertContains(response, "31 mars 2026 inclus")
    event = AuditEvent.objects.get(action="coffre.grant.create")
    assert event.details == {"document": document.pk, "service": service.pk, "purpose": grant.purpose}


@pytest.mark.parametrize(
    ("until", "message"),
    [
        ("2026-03-01", "Choisissez une date à partir d&#x27;aujourd&#x27;hui."),
        ("2027-03-03", "Un partage dure au plus 365 jours : choisissez une date plus proche."),
        ("31/02/2026", "Saisissez une date valide."),
    ],
)
def test_a_wrong_end_date_brings_the_form_back_with_what_was_typed(client, citizen, service, until, message):
    document = store(user=citizen).document
    login(client, citizen)

    response = client.post(
        reverse("coffre:grant_create", args=[document.pk]),
        {"service": service.pk, "note": "Dossier périscolaire", "until": until},
    )

    assert response.status_code == 200
    assertContains(response, f'<a href="#id_until">Partagé jusqu&#x27;au (inclus) : {message}</a>', html=True)
    assertContains(response, 'value="Dossier périscolaire"')
    assertContains(response, f'value="{until}"')
    assertContains(response, f'<option value="{service.pk}" selected>État civil</option>', html=True)
    assert not Grant.objects.exists()


def test_a_share_needs_a_service_and_a_reason(client, citizen):
    document = store(user=citizen).document
    login(client, citizen)

    response = client.post(reverse("coffre:grant_create", args=[document.pk]), {"until": "2026-03-10"})

    assertContains(
        response, '<a href="#id_service">Service de la mairie : Ce champ est obligatoire.</a>', html=True
    )
    assertContains(response, '<a href="#id_note">Motif du partage : Ce champ est obligatoire.</a>', html=True)
    assert not Grant.objects.exists()


def test_an_inactive_service_is_not_offered(client, citizen):
    closed = ServiceFactory(name="Service fermé", is_active=False)
    document = store(user=citizen).document
    login(client, citizen)

    response = client.post(
        reverse("coffre:grant_create", args=[document.pk]),
        {"service": closed.pk, "note": "Essai", "until": "2026-03-10"},
    )

    assertNotContains(response, f'<option value="{closed.pk}"')
    assertContains(response, "Sélectionnez un choix valide.")
    assert not Grant.objects.exists()


def test_the_owner_revokes_a_share_after_confirming(client, citizen, service, agent):
    version = store(user=citizen, title="Attestation CAF")
    grant = share(version.document, actor=citizen, service=service)
    login(client, citizen)

    confirm = client.get(reverse("coffre:grant_revoke", args=[grant.pk]))
    response = client.post(reverse("coffre:grant_revoke", args=[grant.pk]), follow=True)

    assertContains(confirm, "<h1>Retirer le partage avec « État civil » ?</h1>", html=True)
    assertContains(
        confirm,
        'Sans cela, il aurait pu le lire jusqu\'au <time datetime="2026-04-01T00:00:00+02:00">31 mars 2026 inclus</time>',
    )
    assertRedirects(response, reverse("coffre:document", args=[version.document_id]))
    assertContains(response, "Le service « État civil » ne peut plus lire ce document.")
    assertContains(response, "Ce document n'est partagé avec aucun service de la mairie.")
    grant.refresh_from_db()
    assert (grant.revoked_at, grant.revoked_by) == (datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), citizen)
    # Gone for the agent at once; the revoked grant's page is gone too.
    agent_client = login(Client(), agent)
    assert agent_client.get(reverse("coffre:agent_download", args=[version.pk])).status_code == 404
    assert client.get(reverse("coffre:grant_revoke", args=[grant.pk])).status_code == 404


def test_the_revoke_page_refuses_other_methods(client, citizen, service):
    grant = share(store(user=citizen).document, actor=citizen, service=service)
    login(client, citizen)

    assert client.put(reverse("coffre:grant_revoke", args=[grant.pk])).status_code == 405
    grant.refresh_from_db()
    assert grant.revoked_at is None


# The agents' side ----------------------------------------------------------------------------


def test_an_agent_lists_what_is_shared_with_their_services_only_while_it_is_active(
    client, citizen, agent, service
):
    other_service = ServiceFactory(name="Urbanisme")
    caf = store(user=citizen, title="Attestation CAF")
    share(caf.document, actor=citizen, service=service, note="Quotient familial")
    revoked = share(store(user=citizen, title="Retiré").document, actor=citizen, service=service)
    services.revoke_grant(actor=citizen, grant=revoked)
    share(store(user=citizen, title="Fini hier").document, actor=citizen, service=service, until=TODAY)
    share(store(user=citizen, title="Pour l'urbanisme").document, actor=citizen, service=other_service)
    store(user=citizen, title="Jamais partagé")
    login(client, agent)

    with_yesterday = client.get(reverse("coffre:agent_documents"))
    assertContains(with_yesterday, "Fini hier")

    with travel(datetime(2026, 3, 3, 9, 0, tzinfo=PARIS), tick=False):
        login(client, agent)  # the next day: a new session (an idle one ends after 15 minutes)
        response = client.get(reverse("coffre:agent_documents"))

    assert response.status_code == 200
    assertContains(response, "<h1>Documents partagés avec mes services</h1>", html=True)
    assertContains(response, "Attestation CAF")
    assertContains(response, "État civil : Quotient familial")
    assertContains(response, "31 mars 2026 inclus")
    assertContains(response, f"<td>{person_party(citizen).name}</td>", html=True)
    assertContains(response, reverse("coffre:agent_download", args=[caf.pk]))
    assertContains(response, reverse("coffre:agent_preview", args=[caf.pk]))
    for hidden in ("Retiré", "Fini hier", "Pour l&#x27;urbanisme", "Jamais partagé"):
        assertNotContains(response, hidden)


def test_the_agents_list_of_thirty_documents_keeps_a_fixed_number_of_queries(
    client, agent, service, django_assert_max_num_queries
):
    for number in range(30):
        owner = UserFactory()
        share(store(user=owner, title=f"Document {number}").document, actor=owner, service=service)
    login(client, agent)
    client.get(reverse("coffre:agent_documents"))

    # session, user, unread notifications, count, documents, their grants
    with django_assert_max_num_queries(7):
        response = client.get(reverse("coffre:agent_documents"))

    assert response.text.count("<tr>") == 31


def test_an_agent_reads_through_an_active_grant_and_the_owner_sees_it(client, citizen, agent, service):
    content = pdf_bytes(70_000)
    version = store(user=citizen, title="Attestation CAF", content=content)
    grant = share(version.document, actor=citizen, service=service)
    login(client, agent)

    download = client.get(reverse("coffre:agent_download", args=[version.pk]))
    preview = client.get(reverse("coffre:agent_preview", args=[version.pk]))

    assert b"".join(download.streaming_content) == content
    assert download["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download["Cache-Control"]
    assert preview["Content-Disposition"].startswith("inline;")
    assert "sandbox" in preview["Content-Security-Policy"]
    b"".join(preview.streaming_content)
    reads = AuditEvent.objects.filter(action="coffre.document.read", actor_id=agent.pk)
    assert reads.count() == 2
    assert {(event.owner_party_id, event.details["grant"], event.details["service"]) for event in reads} == {
        (person_party(citizen).pk, grant.pk, service.pk)
    }

    citizen_client = login(Client(), citizen)
    page = citizen_client.get(reverse("audit:data_access"))
    assertContains(page, "<td>Alix Agent</td>", html=True, count=2)
    assertContains(page, "<td>État civil</td>", html=True, count=2)
    assertContains(page, "<td>Consultation d&#x27;un document de votre coffre-fort</td>", html=True, count=2)


def test_an_expired_grant_opens_nothing(client, citizen, agent, service):
    version = store(user=citizen)
    share(version.document, actor=citizen, service=service, until=TODAY)
    login(client, agent)
    assert client.get(reverse("coffre:agent_download", args=[version.pk])).status_code == 200

    with travel(datetime(2026, 3, 3, 0, 0, tzinfo=PARIS) + timedelta(seconds=1), tick=False):
        login(client, agent)  # the next day: a new session (an idle one ends after 15 minutes)
        assert client.get(reverse("coffre:agent_download", args=[version.pk])).status_code == 404
        assert client.get(reverse("coffre:agent_preview", args=[version.pk])).status_code == 404


def test_another_service_an_older_version_or_an_unshared_document_answers_404(client, citizen, service):
    first = store(user=citizen)
    current = store(user=citizen, replaces=first.document, document_type=first.document.document_type)
    share(first.document, actor=citizen, service=service)
    unshared = store(user=citizen)
    other_agent = make_agent(ServiceFactory(name="Urbanisme"))
    same_service_agent = make_agent(service)

    login(client, other_agent)
    assert client.get(reverse("coffre:agent_download", args=[current.pk])).status_code == 404
    login(client, same_service_agent)
    assert client.get(reverse("coffre:agent_download", args=[current.pk])).status_code == 200
    assert client.get(reverse("coffre:agent_download", args=[first.pk])).status_code == 404
    assert client.get(reverse("coffre:agent_preview", args=[unshared.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="coffre.document.read", actor_id=other_agent.pk).exists()


@pytest.mark.parametrize("name", ["coffre:agent_documents", "coffre:agent_download", "coffre:agent_preview"])
def test_a_citizen_is_refused_the_back_office(client, citizen, service, name):
    version = store(user=citizen, content=jpeg_bytes())
    share(version.document, actor=citizen, service=service)
    args = [] if name == "coffre:agent_documents" else [version.pk]
    login(client, citizen)

    assert client.get(reverse(name, args=args)).status_code == 403


def test_an_agent_without_the_second_factor_is_sent_to_verify_it(client, agent):
    login(client, agent, verified=False)

    response = client.get(reverse("coffre:agent_documents"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_verify"))


@pytest.mark.parametrize("name", ["coffre:agent_documents", "coffre:agent_download", "coffre:agent_preview"])
def test_the_back_office_pages_refuse_other_methods(client, citizen, agent, service, name):
    version = store(user=citizen)
    share(version.document, actor=citizen, service=service)
    args = [] if name == "coffre:agent_documents" else [version.pk]
    login(client, agent)

    assert client.post(reverse(name, args=args)).status_code == 405
