"""The agents' queue: tabs, filters, full-text search, sorting, pagination, and its cost in queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html
from pytest_django.asserts import assertContains, assertNotContains

from demarches import services
from demarches.enums import RequestStatus
from demarches.models import Label, Request
from tests.demarches.backoffice import sent_requests
from tests.demarches.factories import publish, simple_demarche, submitted
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party
from tests.helpers import login

pytestmark = pytest.mark.django_db

QUEUE = reverse("demarches:agent_queue")


@pytest.fixture
def demarche(service):
    demarche = simple_demarche(service=service, title="Copie d'acte de naissance")
    publish(demarche)
    return demarche


@pytest.fixture
def other_demarche(service):
    demarche = simple_demarche(service=service, title="Recensement citoyen")
    publish(demarche)
    return demarche


@pytest.fixture
def agent_client(client, town, agent):
    return login(client, agent)


def rows(response) -> list[str]:
    """The references listed in the queue's table, in order."""
    tree = html.fromstring(response.content)
    return [
        cell.text_content().strip()
        for cell in tree.xpath("//table[contains(@class, 'queue-table')]/tbody/tr/th[@scope='row']")
    ]


def tab_labels(response) -> dict[str, str]:
    tree = html.fromstring(response.content)
    links = tree.xpath("//nav[contains(@class, 'regie-tabs')]//a")
    return {" ".join(link.text_content().split()): link.get("aria-current") for link in links}


def test_the_queue_lists_the_services_requests_but_no_draft_and_nothing_of_another_service(
    agent_client, citizen, demarche
):
    mine = submitted(user=citizen, demarche=demarche)
    draft = services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    elsewhere = simple_demarche(service=ServiceFactory(name="Urbanisme", slug="urbanisme"))
    publish(elsewhere)
    theirs = submitted(user=citizen, demarche=elsewhere)

    response = agent_client.get(QUEUE)

    assert response.status_code == 200
    assert rows(response) == [mine.reference]
    assertNotContains(response, theirs.reference)
    assert Request.objects.filter(pk=draft.pk, status=RequestStatus.DRAFT).exists()
    assertContains(response, "Copie d&#x27;acte de naissance")
    assertContains(response, "Camille Martin")
    assertContains(response, f'href="{reverse("demarches:agent_request", args=[mine.pk])}"')
    assertContains(
        response, f'<input type="checkbox" name="demandes" value="{mine.pk}" id="demande-{mine.pk}">'
    )
    ids = html.fromstring(response.content).xpath("//@id")
    assert len(ids) == len(set(ids)), "two elements share an id (the filters' and the batch's fields)"


def test_each_tab_lists_its_requests_and_the_open_tabs_show_their_counts(
    agent_client, agent, citizen, demarche, service
):
    colleague = make_agent(service, first_name="Bastien", last_name="Collègue")
    new = submitted(user=citizen, demarche=demarche)
    reviewed = submitted(user=citizen, demarche=demarche)
    services.change_status(actor=agent, request=reviewed, status=RequestStatus.IN_REVIEW)
    services.assign_request(actor=agent, request=reviewed, assignee=agent)
    waiting = submitted(user=citizen, demarche=demarche)
    services.request_information(actor=agent, request=waiting, missing="Le livret de famille.")
    services.assign_request(actor=agent, request=waiting, assignee=agent)
    late = submitted(user=citizen, demarche=demarche)
    services.assign_request(actor=colleague, request=late, assignee=colleague)
    Request.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    done = submitted(user=citizen, demarche=demarche)
    services.change_status(actor=agent, request=done, status=RequestStatus.ACCEPTED)

    to_process = agent_client.get(QUEUE)
    assert sorted(rows(to_process)) == sorted([new.reference, reviewed.reference, late.reference])
    assert tab_labels(to_process) == {
        "À traiter (3 dossiers)": "page",
        "Mes dossiers (2 dossiers)": None,
        "En attente (1 dossier)": None,
        "En retard (1 dossier)": None,
        "Terminés": None,
    }
    assert sorted(rows(agent_client.get(QUEUE, {"onglet": "mes_dossiers"}))) == sorted(
        [reviewed.reference, waiting.reference]
    )
    assert rows(agent_client.get(QUEUE, {"onglet": "en_attente"})) == [waiting.reference]
    late_tab = agent_client.get(QUEUE, {"onglet": "en_retard"})
    assert rows(late_tab) == [late.reference]
    assertContains(late_tab, '<span class="badge badge--danger">En retard</span>', html=True)
    assertContains(late_tab, "Bastien Collègue")
    assert rows(agent_client.get(QUEUE, {"onglet": "termines"})) == [done.reference]
    assert tab_labels(agent_client.get(QUEUE, {"onglet": "termines"}))["Terminés"] == "page"


def test_filters_by_procedure_status_dates_assignee_label_and_service(
    agent_client, agent, citizen, demarche, other_demarche, service
):
    colleague = make_agent(service, first_name="Bastien", last_name="Collègue")
    urgent = Label.objects.get(name="Urgent")
    applicants = [person_party(citizen)]
    yesterday = timezone.now() - timedelta(days=1)
    [births] = sent_requests(demarche=demarche, applicants=applicants, count=1, submitted_at=yesterday)
    [census] = sent_requests(
        demarche=other_demarche,
        applicants=applicants,
        count=1,
        start=1,
        status=RequestStatus.IN_REVIEW,
        submitted_at=yesterday - timedelta(days=30),
        assignee=agent,
        labels=[urgent],
    )
    [theirs] = sent_requests(
        demarche=demarche, applicants=applicants, count=1, start=2, submitted_at=yesterday, assignee=colleague
    )

    def listed(**params) -> list[str]:
        return sorted(rows(agent_client.get(QUEUE, params)))

    assert listed(demarche=other_demarche.pk) == [census.reference]
    assert listed(statut="in_review") == [census.reference]
    day = timezone.localdate(yesterday).isoformat()
    assert listed(du=day, au=day) == sorted([births.reference, theirs.reference])
    assert listed(agent="moi") == [census.reference]
    assert listed(agent="personne") == [births.reference]
    assert listed(agent=str(colleague.pk)) == [theirs.reference]
    assert listed(etiquette=str(urgent.pk)) == [census.reference]
    assert listed(service=str(service.pk), statut="submitted") == sorted([births.reference, theirs.reference])
    empty = agent_client.get(QUEUE, {"statut": "refused"})
    assertContains(empty, "Aucun dossier ne correspond à ces critères")


def test_search_finds_a_request_by_name_without_accents_by_prefix_by_reference_and_by_answer(
    agent_client, demarche
):
    lea = UserFactory(first_name="Léa", last_name="Dupont-Élysée")
    other = UserFactory(first_name="Marc", last_name="Bernard")
    hers = submitted(user=lea, demarche=demarche, answers={"nom": "Dupont", "moment": "matin"})
    his = submitted(
        user=other,
        demarche=demarche,
        answers={"nom": "Bernard", "moment": "soir", "date_souhaitee": timezone.localdate().isoformat()},
    )

    def found(q: str) -> list[str]:
        return rows(agent_client.get(QUEUE, {"q": q}))

    assert found("lea") == [hers.reference]
    assert found("ELYSEE") == [hers.reference]
    assert found("dup") == [hers.reference]
    assert found("léa dup") == [hers.reference]
    assert found(his.reference) == [his.reference]
    assert found(his.reference.lower().rsplit("-", 1)[1]) == [his.reference]
    assert found("soir") == [his.reference]
    assert found("lea bernard") == []
    response = agent_client.get(QUEUE, {"q": "introuvable"})
    assertContains(response, "Aucun dossier ne correspond à ces critères")
    assertContains(response, 'value="introuvable"')


def test_sortable_headers_are_links_with_aria_sort_and_an_unknown_sort_is_ignored(
    agent_client, citizen, demarche
):
    parties = [person_party(UserFactory(first_name="", last_name=name)) for name in ("Zoé", "Alain", "Marie")]
    created = sent_requests(demarche=demarche, applicants=parties, count=3)
    by_reference = [request.reference for request in created]

    default = agent_client.get(QUEUE)
    assert rows(default) == by_reference  # oldest first
    tree = html.fromstring(default.content)
    [submitted_header] = tree.xpath("//th[@aria-sort='ascending']")
    assert "Déposée le" in submitted_header.text_content()
    assert submitted_header.xpath(".//a")[0].get("href") == f"{QUEUE}?tri=-submitted_at"

    by_applicant = agent_client.get(QUEUE, {"tri": "applicant"})
    assert rows(by_applicant) == [by_reference[1], by_reference[2], by_reference[0]]
    [header] = html.fromstring(by_applicant.content).xpath("//th[@aria-sort='ascending']")
    assert "Demandeur" in header.text_content()
    assert header.xpath(".//a")[0].get("href") == f"{QUEUE}?tri=-applicant"

    descending = agent_client.get(QUEUE, {"tri": "-applicant"})
    assert rows(descending) == [by_reference[0], by_reference[2], by_reference[1]]
    assert html.fromstring(descending.content).xpath("//th[@aria-sort='descending']")

    assert rows(agent_client.get(QUEUE, {"tri": "applicant__person__password"})) == by_reference


def test_pagination_shows_50_a_page_and_keeps_the_filters(agent_client, citizen, demarche):
    sent_requests(demarche=demarche, applicants=[person_party(citizen)], count=60)

    first = agent_client.get(QUEUE, {"statut": "submitted"})
    assert len(rows(first)) == 50
    assertContains(first, "60 dossiers")
    assertContains(first, "Page 1 sur 2")
    assertContains(first, 'href="?statut=submitted&amp;page=2"')
    second = agent_client.get(QUEUE, {"statut": "submitted", "page": "2"})
    assert len(rows(second)) == 10
    assert set(rows(first)).isdisjoint(rows(second))
    assert len(rows(agent_client.get(QUEUE, {"page": "99"}))) == 10  # past the end: the last page


def test_a_backwards_date_range_is_refused_with_what_was_typed_kept(agent_client, citizen, demarche):
    submitted(user=citizen, demarche=demarche)

    response = agent_client.get(QUEUE, {"du": "2026-12-31", "au": "2026-01-01", "q": "Martin"})

    assert response.status_code == 200
    assertContains(response, "Cette date est avant la date de début : inversez-les.")
    assertContains(response, 'value="2026-12-31"')
    assertContains(response, 'value="Martin"')
    assert rows(response) == []


def test_an_unknown_procedure_or_a_colleague_of_another_service_is_refused(agent_client, citizen, demarche):
    stranger = make_agent(ServiceFactory(name="Urbanisme", slug="urbanisme"))
    elsewhere = simple_demarche(service=stranger.services.get())

    for params in ({"demarche": str(elsewhere.pk)}, {"agent": str(stranger.pk)}, {"service": "999999"}):
        response = agent_client.get(QUEUE, params)
        assert response.status_code == 200
        assertContains(response, "Le formulaire contient des erreurs")
        assert rows(response) == []


def test_a_citizen_gets_403_and_an_agent_without_second_factor_is_sent_to_it(client, town, citizen, service):
    login(client, citizen)
    assert client.get(QUEUE).status_code == 403

    unverified = make_agent(service)
    client.logout()
    login(client, unverified, verified=False)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_verify"))


def test_an_agent_of_an_inactive_service_gets_403(client, town, agent, service):
    service.is_active = False
    service.save()
    login(client, agent)
    assert client.get(QUEUE).status_code == 403


def test_the_queue_answers_only_get(agent_client):
    assert agent_client.post(QUEUE).status_code == 405


def _queries(client, params: dict) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(QUEUE, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_a_page_of_50_costs_the_same_number_of_queries_for_10_or_60_requests(
    agent_client, agent, citizen, demarche, other_demarche, service, django_assert_max_num_queries
):
    colleagues = [make_agent(service) for _ in range(3)]
    labels = list(Label.objects.all()[:2])
    parties = [person_party(UserFactory()) for _ in range(5)]
    sent_requests(demarche=demarche, applicants=parties, count=10, assignee=colleagues[0], labels=labels)
    agent_client.get(QUEUE)  # the town's settings are cached by the first page
    small = _queries(agent_client, {"tri": "assignee"})

    sent_requests(demarche=other_demarche, applicants=parties, count=25, start=10, assignee=colleagues[1])
    sent_requests(
        demarche=demarche, applicants=parties, count=25, start=35, assignee=colleagues[2], labels=labels
    )
    large = _queries(agent_client, {"tri": "assignee"})

    assert small == large, (small, large)
    with django_assert_max_num_queries(14):
        response = agent_client.get(QUEUE, {"tri": "assignee", "etiquette": str(labels[0].pk)})
    assert len(rows(response)) == 35
