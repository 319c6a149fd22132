"""Batch actions of the queue: each ticked request through the instruction services, one transaction each."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from demarches import services
from demarches.enums import EventKind, RequestStatus
from demarches.models import Label, Request, RequestEvent
from guichet.audit.models import AuditEvent
from tests.demarches.factories import publish, simple_demarche, submitted
from tests.factories import ServiceFactory, make_agent
from tests.helpers import login

pytestmark = pytest.mark.django_db

BATCH = reverse("demarches:agent_batch")
QUEUE = reverse("demarches:agent_queue")


@pytest.fixture
def demarche(service):
    demarche = simple_demarche(service=service, title="Copie d'acte de naissance")
    publish(demarche)
    return demarche


@pytest.fixture
def colleague(service):
    return make_agent(service, first_name="Bastien", last_name="Collègue")


@pytest.fixture
def agent_client(client, town, agent):
    return login(client, agent)


@pytest.fixture
def three(citizen, demarche):
    return [submitted(user=citizen, demarche=demarche) for _ in range(3)]


def post(client, requests, action, **extra):
    data = {"demandes": [request.pk for request in requests], "action": action, **extra}
    return client.post(BATCH, data)


def test_assign_to_me_updates_each_request_and_goes_back_to_the_queue_with_its_filters(
    agent_client, agent, three
):
    response = post(agent_client, three, "m_attribuer", retour="onglet=a_traiter&q=martin&page=2&next=//evil")

    assertRedirects(response, f"{QUEUE}?q=martin&onglet=a_traiter&page=2", fetch_redirect_response=False)
    assert set(Request.objects.filter(pk__in=[r.pk for r in three]).values_list("assignee", flat=True)) == {
        agent.pk
    }
    assert AuditEvent.objects.filter(action="demarches.request.assign", actor_id=agent.pk).count() == 3
    page = agent_client.get(response.url.replace("page=2", "page=1"))
    assertContains(page, "3 dossiers mis à jour.")


def test_assign_to_a_colleague_notifies_them(agent_client, colleague, three):
    post(agent_client, three[:2], "attribuer", collegue=str(colleague.pk))

    assert Request.objects.filter(assignee=colleague).count() == 2
    assert colleague.notifications.filter(kind=services.ASSIGNED_NOTIFICATION_KIND).count() == 2


def test_add_a_label_keeps_the_labels_already_there(agent, agent_client, three):
    complete, urgent = Label.objects.get(name="Complet"), Label.objects.get(name="Urgent")
    services.set_labels(actor=agent, request=three[0], labels=[complete])

    response = post(agent_client, three, "etiqueter", etiquette=str(urgent.pk))

    assert response.status_code == 302
    assert set(three[0].labels.values_list("name", flat=True)) == {"Complet", "Urgent"}
    assert [set(r.labels.values_list("name", flat=True)) for r in three[1:]] == [{"Urgent"}, {"Urgent"}]


def test_start_review_moves_the_new_ones_and_refuses_the_others_with_their_reason(agent, agent_client, three):
    new, also_new, decided = three
    services.change_status(actor=agent, request=decided, status=RequestStatus.ACCEPTED)

    response = post(agent_client, three, "instruire")

    statuses = dict(Request.objects.filter(pk__in=[r.pk for r in three]).values_list("pk", "status"))
    assert statuses == {
        new.pk: RequestStatus.IN_REVIEW,
        also_new.pk: RequestStatus.IN_REVIEW,
        decided.pk: RequestStatus.ACCEPTED,
    }
    assert RequestEvent.objects.filter(request=new, kind=EventKind.STATUS, to_status="in_review").count() == 1
    page = agent_client.get(response.url)
    assertContains(
        page,
        f"2 dossiers mis à jour, 1 refusé ({decided.reference} : Seule une demande déposée passe en "
        "instruction ; celle-ci est « Acceptée ».).",
    )


def test_a_request_of_another_service_is_counted_as_refused_and_left_alone(agent_client, citizen, three):
    elsewhere = simple_demarche(service=ServiceFactory(name="Urbanisme", slug="urbanisme"))
    publish(elsewhere)
    theirs = submitted(user=citizen, demarche=elsewhere)

    response = post(agent_client, [three[0], theirs], "instruire")

    assert Request.objects.get(pk=theirs.pk).status == RequestStatus.SUBMITTED
    assert Request.objects.get(pk=three[0].pk).status == RequestStatus.IN_REVIEW
    page = agent_client.get(response.url)
    assertContains(page, f"1 dossier mis à jour, 1 refusé (n° {theirs.pk} : introuvable dans vos services).")
    assert theirs.reference not in page.content.decode()


def test_a_colleague_of_another_service_is_refused_per_request(agent, citizen, demarche, service):
    mine = submitted(user=citizen, demarche=demarche)
    stranger = make_agent(ServiceFactory(name="Urbanisme", slug="urbanisme"))

    result = services.apply_batch(actor=agent, requests=[mine], action=services.ASSIGN, assignee=stranger)

    assert result.updated == []
    assert result.refused == [
        (mine.reference, "Cette personne n'est pas agent du service chargé de la demande.")
    ]
    assert Request.objects.get(pk=mine.pk).assignee is None


def test_nothing_ticked_shows_the_queue_again_with_the_error_and_the_filters(agent_client, three):
    response = agent_client.post(BATCH, {"action": "m_attribuer", "retour": "q=martin"})

    assert response.status_code == 200
    assertContains(response, "Cochez au moins un dossier dans la liste.")
    assertContains(response, 'value="martin"')
    assert not Request.objects.filter(assignee__isnull=False).exists()


def test_assign_without_a_colleague_keeps_the_ticks(agent_client, three):
    response = post(agent_client, three[:2], "attribuer")

    assert response.status_code == 200
    assertContains(response, "Choisissez le ou la collègue à qui attribuer les dossiers.")
    for request in three[:2]:
        assertContains(response, f'value="{request.pk}" id="demande-{request.pk}" checked')
    assertContains(response, f'value="{three[2].pk}" id="demande-{three[2].pk}">')
    assert not Request.objects.filter(assignee__isnull=False).exists()


def test_garbage_ids_are_refused(agent_client, three):
    response = agent_client.post(BATCH, {"demandes": ["abc"], "action": "m_attribuer"})
    assertContains(response, "La sélection de dossiers n&#x27;est pas valide : cochez-les à nouveau.")


def test_a_citizen_gets_403_and_get_is_not_allowed(client, town, citizen, agent, three):
    login(client, citizen)
    assert post(client, three, "m_attribuer").status_code == 403
    client.logout()
    login(client, agent)
    assert client.get(BATCH).status_code == 405
    assert not Request.objects.filter(assignee__isnull=False).exists()
