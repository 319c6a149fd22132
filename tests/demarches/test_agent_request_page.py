"""The back-office page of one request: what the agent sees, its documents (each opening shown to the
applicant), and the actions on it (status, more information, message, note, assignment, labels, letter).
Someone else's request answers 404, a citizen 403, a wrong method 405; a refused action shows the page
again with the French error and what was typed; its query count does not grow with the request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from coffre.models import DocumentType
from demarches import services
from demarches.enums import EventKind, RequestStatus
from demarches.models import Label, Request, RequestMessage, RequestNote
from guichet.accounts.enums import AgentRole
from guichet.audit.models import AuditEvent
from tests.coffre.factories import pdf_bytes, store
from tests.demarches.factories import document_demarche, submitted
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]

S = RequestStatus


@pytest.fixture
def demarche(service):
    return document_demarche(service=service, title="Inscription sur les listes électorales")


@pytest.fixture
def outsider(db):
    return make_agent(
        ServiceFactory(name="Urbanisme", slug="urbanisme"), first_name="Olga", last_name="Ailleurs"
    )


def proof(citizen, title="Facture d'eau", marker=b"FACTURE"):
    return store(
        user=citizen,
        title=title,
        content=pdf_bytes(3000, marker=marker),
        document_type=DocumentType.objects.get(code="justificatif-domicile"),
    )


def send(citizen, demarche) -> Request:
    return submitted(
        user=citizen,
        demarche=demarche,
        answers={"nom": "Martin", "justificatif": proof(citizen).document_id, "telephone": "+33612345678"},
    )


@pytest.fixture
def sent(citizen, demarche):
    return send(citizen, demarche)


def url(name: str, request: Request, *more) -> str:
    return reverse(f"demarches:{name}", args=[request.pk, *more])


def page_url(request: Request) -> str:
    return url("agent_request", request)


# The page ----------------------------------------------------------------------------------------------


def test_the_page_shows_answers_documents_timeline_deadlines_and_the_actions(client, agent, citizen, sent):
    services.add_note(actor=agent, request=sent, body="Rappeler en fin de semaine.")
    services.set_labels(actor=agent, request=sent, labels=[Label.objects.get(name="Urgent")])
    attachment = sent.attachments.get()
    login(client, agent)

    response = client.get(page_url(sent))

    assert response.status_code == 200
    assertContains(response, "<h1>Inscription sur les listes électorales</h1>", html=True)
    assertContains(response, '<span class="badge badge--info">Déposée</span>', html=True)
    assertContains(response, '<span class="badge badge--danger">Urgent</span>', html=True)
    # The answers as the applicant saw them, the document by its title.
    assertContains(response, "<dt>Votre nom</dt>", html=True)
    assertContains(response, "06 12 34 56 78")
    assertContains(response, "<dd>Facture d&#x27;eau</dd>", html=True)
    assertContains(
        response,
        f'<a href="{url("agent_attachment", sent, attachment.pk)}" download>Facture d&#x27;eau</a>',
        html=True,
    )
    assertContains(response, "Réponse à « Justificatif de domicile »")
    assertContains(response, "Demande déposée en ligne")
    assertContains(response, f"Par {citizen.get_full_name()} (demandeur)")
    assertContains(response, "À traiter avant le")
    assertContains(response, "Visible des agents seulement")
    assertContains(response, "Rappeler en fin de semaine.")
    assertContains(response, f'href="{url("agent_status", sent)}"')
    assertContains(response, f'href="{url("agent_request_information", sent)}"')
    assertContains(response, 'name="message-body"')
    assertContains(response, f'<option value="{agent.pk}">Moi-même (Alix Agent)</option>', html=True)
    urgent = Label.objects.get(name="Urgent")
    assertContains(response, f'value="{urgent.pk}" id="id_labels-labels_3" checked')
    assertContains(response, sent.reference)


def test_reading_the_page_is_shown_on_the_applicant_s_who_saw_my_data(client, agent, citizen, sent):
    login(client, agent)
    client.get(page_url(sent))

    event = AuditEvent.objects.get(action="demarches.request.read")
    assert (event.actor_id, event.owner_party_id, event.target_id) == (
        agent.pk,
        person_party(citizen).pk,
        str(sent.pk),
    )
    login(client, citizen)
    response = client.get(reverse("audit:data_access"))
    assertContains(response, "Consultation d&#x27;une de vos demandes par un agent de la mairie")
    assertContains(response, "Alix Agent")


def test_the_page_shows_a_paused_clock_and_a_closed_request_s_limits(client, agent, citizen, sent):
    services.request_information(actor=agent, request=sent, missing="Le justificatif est illisible.")
    login(client, agent)

    response = client.get(page_url(sent))

    assertContains(response, "Délai suspendu")
    assertContains(response, "Compléments attendus avant le")
    assertContains(response, "Le justificatif est illisible.")
    assertNotContains(response, f'href="{url("agent_request_information", sent)}"')

    services.change_status(actor=agent, request=sent, status=S.REFUSED, motivation="Hors délai.")
    response = client.get(page_url(sent))
    assertContains(response, "La demande est close : seul un responsable du service peut la rouvrir.")
    assertContains(response, "Cette demande est close : rouvrez-la pour écrire au demandeur.")
    assertNotContains(response, 'name="message-body"')


def test_a_manager_is_offered_to_reopen_a_decided_request(client, service, agent, citizen, sent):
    manager = make_agent(service, role=AgentRole.MANAGER)
    services.change_status(actor=agent, request=sent, status=S.ACCEPTED)
    login(client, manager)

    response = client.get(page_url(sent))

    assertContains(response, "Rouvrir la demande")
    response = client.get(url("agent_status", sent))
    assertContains(response, 'value="in_review"')
    assertNotContains(response, 'name="letter"')
    response = client.post(
        url("agent_status", sent), {"status": S.IN_REVIEW, "motivation": "Pièce retrouvée."}
    )
    assertRedirects(response, page_url(sent))
    sent.refresh_from_db()
    assert (sent.status, sent.decided_at) == (S.IN_REVIEW, None)


def build(citizen, agent, demarche, *, exchanges: int, documents: int, notes: int) -> Request:
    """A request in review with `exchanges` messages each way, `documents` documents in all (one answers
    the form, the others come with the applicant's messages), and `notes` private notes."""
    request = send(citizen, demarche)
    services.change_status(actor=agent, request=request, status=S.IN_REVIEW)
    for number in range(exchanges):
        attached = [proof(citizen, title=f"Pièce {number}").document] if number < documents - 1 else []
        services.send_message(actor=citizen, request=request, body=f"Message {number}", documents=attached)
        services.send_agent_message(actor=agent, request=request, body=f"Réponse {number}")
    for number in range(notes):
        services.add_note(actor=agent, request=request, body=f"Note {number}")
    services.set_labels(actor=agent, request=request, labels=Label.objects.all()[:3])
    return request


def test_the_page_costs_the_same_queries_with_30_events_and_10_documents_as_with_a_few(
    client, agent, citizen, demarche, django_assert_max_num_queries
):
    small = build(citizen, agent, demarche, exchanges=1, documents=2, notes=1)
    large = build(citizen, agent, demarche, exchanges=14, documents=10, notes=12)
    assert large.events.count() == 30
    assert large.attachments.count() == 10
    login(client, agent)
    client.get(page_url(small))  # session and town cached, as on every page after the first

    with CaptureQueriesContext(connection) as few:
        assert client.get(page_url(small)).status_code == 200
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        response = client.get(page_url(large))

    assert response.status_code == 200
    assertContains(response, "Réponse 13")
    assertContains(response, "Pièce 8")
    assertContains(response, "Note 11")
    assert len(many) == len(few), [query["sql"] for query in many]


# Who may ---------------------------------------------------------------------------------------------


def test_an_agent_of_another_service_gets_404_on_the_request_its_documents_and_its_actions(
    client, outsider, sent
):
    attachment = sent.attachments.get()
    login(client, outsider)

    gets = [
        page_url(sent),
        url("agent_attachment", sent, attachment.pk),
        url("agent_status", sent),
        url("agent_request_information", sent),
        url("agent_letter", sent),
    ]
    for address in gets:
        assert client.get(address).status_code == 404, address
    posts = {
        "agent_message": {"message-body": "Bonjour"},
        "agent_note": {"note-body": "Note"},
        "agent_assign": {"assign-assignee": str(outsider.pk)},
        "agent_labels": {"labels-labels": [str(Label.objects.first().pk)]},
        "agent_status": {"status": "in_review"},
        "agent_request_information": {"missing": "Tout."},
    }
    for name, data in posts.items():
        assert client.post(url(name, sent), data).status_code == 404, name

    sent.refresh_from_db()
    assert (sent.status, sent.assignee, sent.labels.count()) == (S.SUBMITTED, None, 0)
    assert not RequestMessage.objects.filter(from_applicant=False).exists()
    assert not RequestNote.objects.exists()
    assert not AuditEvent.objects.filter(actor_id=outsider.pk).exists()


def test_a_draft_is_not_on_the_back_office(client, agent, citizen, demarche):
    draft = services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    login(client, agent)

    assert client.get(page_url(draft)).status_code == 404


def test_a_citizen_gets_403_and_an_agent_without_a_verified_second_factor_is_sent_to_it(
    client, citizen, agent, sent
):
    login(client, citizen)
    assert client.get(page_url(sent)).status_code == 403
    assert client.post(url("agent_note", sent), {"note-body": "Note"}).status_code == 403

    client.logout()
    login(client, agent, verified=False)
    response = client.get(page_url(sent))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_verify"))


def test_wrong_methods_answer_405(client, agent, sent):
    attachment = sent.attachments.get()
    login(client, agent)

    for name in ("agent_message", "agent_note", "agent_assign", "agent_labels"):
        assert client.get(url(name, sent)).status_code == 405, name
    for address in (page_url(sent), url("agent_attachment", sent, attachment.pk), url("agent_letter", sent)):
        assert client.post(address).status_code == 405, address
    for name in ("agent_status", "agent_request_information"):
        assert client.put(url(name, sent)).status_code == 405, name


# Documents ------------------------------------------------------------------------------------------------


def test_opening_a_document_streams_the_service_s_copy_and_tells_the_applicant(client, agent, citizen, sent):
    attachment = sent.attachments.get()
    login(client, agent)

    response = client.get(url("agent_attachment", sent, attachment.pk))

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-") and b"FACTURE" in content
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    vault_read = AuditEvent.objects.get(action="coffre.document.read")
    assert vault_read.details["purpose"] == sent.vault_purpose
    read = AuditEvent.objects.get(action="demarches.attachment.read")
    assert (read.actor_id, read.owner_party_id, read.details["document"]) == (
        agent.pk,
        person_party(citizen).pk,
        attachment.document_id,
    )
    login(client, citizen)
    response = client.get(reverse("audit:data_access"))
    assertContains(response, "Consultation par un agent d&#x27;un document joint à une de vos demandes")


def test_another_request_s_document_is_404_through_this_one(client, agent, citizen, demarche, sent):
    other = send(citizen, demarche)
    login(client, agent)

    assert client.get(url("agent_attachment", sent, other.attachments.get().pk)).status_code == 404
    assert client.get(url("agent_attachment", sent, 999_999)).status_code == 404
    assert not AuditEvent.objects.filter(action="demarches.attachment.read").exists()


def test_the_letter_is_404_while_the_request_has_none(client, agent, sent):
    login(client, agent)

    assert client.get(url("agent_letter", sent)).status_code == 404


# Status ---------------------------------------------------------------------------------------------------


def test_the_status_form_offers_the_allowed_statuses_and_moves_the_request(client, agent, citizen, sent):
    login(client, agent)

    response = client.get(url("agent_status", sent))
    for status in (S.IN_REVIEW, S.AWAITING_INFORMATION, S.ACCEPTED, S.REFUSED, S.CLOSED):
        assertContains(response, f'value="{status}"')
    assertNotContains(response, 'value="submitted"')

    response = client.post(url("agent_status", sent), {"status": S.IN_REVIEW, "motivation": ""}, follow=True)

    assertRedirects(response, page_url(sent))
    assertContains(response, "La demande est maintenant « En cours d&#x27;instruction ».")
    sent.refresh_from_db()
    assert sent.status == S.IN_REVIEW
    event = sent.events.latest("pk")
    assert (event.kind, event.to_status, event.actor) == (EventKind.STATUS, S.IN_REVIEW, agent)


def test_a_refusal_without_motivation_shows_the_form_again_with_what_was_chosen(client, agent, sent):
    login(client, agent)

    response = client.post(url("agent_status", sent), {"status": S.REFUSED, "motivation": "  "})

    assert response.status_code == 200
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(response, "Expliquez ce changement au demandeur : le motif est obligatoire.")
    assertContains(
        response,
        '<input type="radio" name="status" value="refused" required id="id_status_3" checked>',
        html=True,
    )
    assert Request.objects.get(pk=sent.pk).status == S.SUBMITTED


def test_a_status_outside_the_table_or_a_letter_without_decision_is_refused(client, agent, sent):
    login(client, agent)

    response = client.post(url("agent_status", sent), {"status": S.SUBMITTED, "motivation": "Retour."})
    assertContains(response, "Choisissez un des statuts proposés.")
    response = client.post(
        url("agent_status", sent), {"status": S.IN_REVIEW, "motivation": "Je regarde.", "letter": "on"}
    )
    assertContains(response, "Le courrier accompagne une décision : acceptée, refusée ou classée sans suite.")
    assertContains(response, "Je regarde.</textarea>")
    assert Request.objects.get(pk=sent.pk).status == S.SUBMITTED


def test_an_agent_cannot_open_the_status_form_of_a_decided_request(client, agent, sent):
    services.change_status(actor=agent, request=sent, status=S.ACCEPTED)
    login(client, agent)

    response = client.get(url("agent_status", sent), follow=True)

    assertRedirects(response, page_url(sent))
    assertContains(response, "Seul un responsable du service peut rouvrir une demande close.")
    response = client.post(url("agent_status", sent), {"status": S.IN_REVIEW, "motivation": "Erreur."})
    assert Request.objects.get(pk=sent.pk).status == S.ACCEPTED


# More information -----------------------------------------------------------------------------------------


def test_asking_for_more_information_pauses_the_request_and_tells_the_applicant(client, agent, citizen, sent):
    login(client, agent)
    assertContains(client.get(url("agent_request_information", sent)), "Ce qui manque")

    response = client.post(url("agent_request_information", sent), {"missing": ""})
    assertContains(response, "Écrivez ce qui manque au demandeur.")

    response = client.post(
        url("agent_request_information", sent),
        {"missing": "Une facture de moins de trois mois."},
        follow=True,
    )

    assertRedirects(response, page_url(sent))
    assertContains(
        response, "La demande de compléments est envoyée au demandeur ; le délai de traitement est suspendu."
    )
    sent.refresh_from_db()
    assert (sent.status, sent.paused_since is not None) == (S.AWAITING_INFORMATION, True)
    login(client, citizen)
    response = client.get(reverse("demarches:request", args=[sent.pk]))
    assertContains(response, "Le service attend des compléments")
    assertContains(response, "Une facture de moins de trois mois.")


def test_more_information_is_not_asked_twice(client, agent, sent):
    services.request_information(actor=agent, request=sent, missing="La facture.")
    login(client, agent)

    response = client.get(url("agent_request_information", sent), follow=True)

    assertRedirects(response, page_url(sent))
    assertContains(
        response,
        "Des compléments ne peuvent pas être demandés pour une demande « En attente de compléments ».",
    )


# Messages and notes -----------------------------------------------------------------------------------------


def test_a_message_reaches_the_applicant_s_page_and_a_note_never_does(client, agent, citizen, sent):
    login(client, agent)

    response = client.post(
        url("agent_message", sent), {"message-body": "Votre dossier est complet."}, follow=True
    )
    assertRedirects(response, page_url(sent))
    assertContains(response, "Votre message est envoyé au demandeur.")
    response = client.post(
        url("agent_note", sent), {"note-body": "Vérifier l'adresse au cadastre."}, follow=True
    )
    assertContains(response, "Votre note est ajoutée au dossier.")
    assertContains(response, "Vérifier l&#x27;adresse au cadastre.")

    login(client, citizen)
    response = client.get(reverse("demarches:request", args=[sent.pk]))
    assertContains(response, "Message du service")
    assertContains(response, "Votre dossier est complet.")
    assertNotContains(response, "cadastre")
    assertNotContains(response, "Notes internes")
    assert RequestNote.objects.get().author == agent


def test_an_empty_or_too_long_message_shows_the_page_again_with_the_text(client, agent, sent):
    login(client, agent)

    response = client.post(url("agent_message", sent), {"message-body": ""})
    assert response.status_code == 200
    assertContains(response, "Écrivez votre message.")

    long_note = "Note trop longue. " * 300
    response = client.post(url("agent_note", sent), {"note-body": long_note})
    assertContains(response, "Un texte compte 5000 caractères au plus")
    assertContains(response, long_note.strip()[:200])
    assert not RequestMessage.objects.filter(from_applicant=False).exists()
    assert not RequestNote.objects.exists()


def test_no_message_once_the_request_is_decided(client, agent, sent):
    services.change_status(actor=agent, request=sent, status=S.ACCEPTED)
    login(client, agent)

    response = client.post(url("agent_message", sent), {"message-body": "Encore une chose."})

    assertContains(response, "Cette demande est close : rouvrez-la pour écrire au demandeur.")
    assertContains(response, "Encore une chose.")
    assert not RequestMessage.objects.filter(from_applicant=False).exists()


# Assignment and labels ------------------------------------------------------------------------------------------


def test_assigning_to_oneself_a_colleague_or_nobody(client, service, agent, sent):
    colleague = make_agent(service, first_name="Claude", last_name="Collègue")
    login(client, agent)

    response = client.post(url("agent_assign", sent), {"assign-assignee": str(agent.pk)}, follow=True)
    assertContains(response, "Le dossier vous est attribué.")
    assert Request.objects.get(pk=sent.pk).assignee == agent
    response = client.post(url("agent_assign", sent), {"assign-assignee": str(colleague.pk)}, follow=True)
    assertContains(response, "Le dossier est attribué à Claude Collègue.")
    assert Request.objects.get(pk=sent.pk).assignee == colleague
    response = client.post(url("agent_assign", sent), {"assign-assignee": ""}, follow=True)
    assertContains(response, "Le dossier n&#x27;est plus attribué.")
    assert Request.objects.get(pk=sent.pk).assignee is None


def test_assigning_to_someone_outside_the_service_is_refused(client, agent, outsider, citizen, sent):
    login(client, agent)

    for someone in (outsider, citizen, UserFactory()):
        response = client.post(url("agent_assign", sent), {"assign-assignee": str(someone.pk)})
        assert response.status_code == 200
        assertContains(response, "Choisissez un agent du service.")
    assert Request.objects.get(pk=sent.pk).assignee is None


def test_labels_are_ticked_and_unticked(client, agent, sent):
    urgent, complete = Label.objects.get(name="Urgent"), Label.objects.get(name="Complet")
    login(client, agent)

    response = client.post(
        url("agent_labels", sent), {"labels-labels": [str(urgent.pk), str(complete.pk)]}, follow=True
    )
    assertContains(response, "Les étiquettes du dossier sont enregistrées.")
    assert set(Request.objects.get(pk=sent.pk).labels.all()) == {urgent, complete}
    client.post(url("agent_labels", sent), {"labels-labels": [str(complete.pk)]})
    assert list(Request.objects.get(pk=sent.pk).labels.all()) == [complete]

    response = client.post(url("agent_labels", sent), {"labels-labels": ["999999"]})
    assertContains(response, "Choisissez parmi les étiquettes proposées.")
    assert list(Request.objects.get(pk=sent.pk).labels.all()) == [complete]
