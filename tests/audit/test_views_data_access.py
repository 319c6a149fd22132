from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from guichet import audit
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import AgentMembership, Party, PartyMembership, Service
from guichet.audit import selectors
from tests.audit.helpers import table_rows
from tests.factories import ServiceFactory, UserFactory, make_admin, make_agent, make_town, person_party
from tests.helpers import login

pytestmark = pytest.mark.django_db

URL = reverse("audit:data_access")


@pytest.fixture(autouse=True)
def town():
    return make_town()


@pytest.fixture
def citizen():
    return UserFactory(first_name="Léa", last_name="Bernard")


@pytest.fixture
def agent():
    return make_agent(ServiceFactory(name="État civil"), first_name="Camille", last_name="Martin")


def test_a_citizen_sees_when_an_agent_changed_their_data(client, citizen, agent):
    with time_machine.travel(datetime(2026, 3, 10, 9, 30, tzinfo=UTC)):
        audit.record(actor=agent, action="user.update", target=citizen, owner=person_party(citizen))

    response = login(client, citizen).get(URL)

    assert response.status_code == 200
    # 09:30 UTC is 10:30 in Paris in March.
    assert table_rows(response.text) == [
        ["10 mars 2026 10:30", "Camille Martin", "État civil", "Modification de vos coordonnées"]
    ]


def test_an_unknown_action_gets_a_plain_french_label(client, citizen, agent):
    audit.record(actor=agent, action="coffre.document.download", owner=person_party(citizen))
    audit.record(actor=agent, action="demarches.request.instruct", owner=person_party(citizen))

    response = login(client, citizen).get(URL)

    assert [row[3] for row in table_rows(response.text)] == [
        "Consultation ou modification de vos données",
        "Téléchargement d'un de vos documents",
    ]


def test_a_citizen_sees_neither_other_peoples_events_nor_their_own_actions(client, citizen, agent):
    neighbour = UserFactory()
    audit.record(actor=agent, action="user.view", owner=person_party(neighbour))
    audit.record(actor=citizen, action="user.update", owner=person_party(citizen))
    audit.record(actor=None, action="famille.billing.run", owner=person_party(citizen))

    response = login(client, citizen).get(URL)

    assert table_rows(response.text) == []
    assert "Aucun accès à vos données pour le moment" in response.text


def test_household_members_see_the_town_halls_access_but_not_each_others(client, citizen, agent):
    partner = UserFactory()
    household = Party.objects.create(kind=PartyKind.HOUSEHOLD, name="Foyer Bernard")
    for member in (citizen, partner):
        PartyMembership.objects.create(user=member, party=household, role=PartyRole.GUARDIAN)
    audit.record(actor=partner, action="famille.child.update", owner=household)
    audit.record(actor=agent, action="famille.child.view", owner=household)

    response = login(client, citizen).get(URL)

    assert [row[1:] for row in table_rows(response.text)] == [
        ["Camille Martin", "État civil", "Consultation de vos données"]
    ]


def test_administrators_and_agents_who_left_still_show(client, citizen, agent):
    admin = make_admin(first_name="Sacha", last_name="Durand")
    audit.record(actor=agent, action="user.view", owner=person_party(citizen))
    AgentMembership.objects.filter(user=agent).delete()
    audit.record(actor=admin, action="otp.reset", owner=person_party(citizen))

    response = login(client, citizen).get(URL)

    assert table_rows(response.text)[0][1:] == [
        "Sacha Durand",
        "Administration du guichet",
        "Réinitialisation de votre double authentification",
    ]
    assert table_rows(response.text)[1][1:3] == ["Camille Martin", "Service non précisé"]


def test_an_agent_of_several_services_shows_them_all(client, citizen):
    agent = make_agent(ServiceFactory(name="Urbanisme"), first_name="Noé", last_name="Petit")
    AgentMembership.objects.create(user=agent, service=ServiceFactory(name="Éducation"))
    audit.record(actor=agent, action="user.view", owner=person_party(citizen))

    response = login(client, citizen).get(URL)

    name, services = table_rows(response.text)[0][1:3]
    assert (name, set(services.split(", "))) == ("Noé Petit", {"Urbanisme", "Éducation"})


def test_a_long_history_is_paginated_newest_first_in_a_fixed_number_of_queries(
    client, citizen, django_assert_max_num_queries
):
    agents = [make_agent(ServiceFactory(), first_name=f"Agent{n}", last_name="Test") for n in range(10)]
    for minute in range(30):
        with time_machine.travel(datetime(2026, 3, 10, 8, minute, tzinfo=UTC)):
            audit.record(actor=agents[minute % 10], action="user.view", owner=person_party(citizen))
    login(client, citizen)

    # Session, user, town, unread notifications, then the page's own four (see the selector's test),
    # and the audit log's retention rule, which the page states.
    with django_assert_max_num_queries(9):
        response = client.get(URL)

    rows = table_rows(response.text)
    assert len(rows) == 20
    assert rows[0][:2] == ["10 mars 2026 09:29", "Agent9 Test"]
    assert "Page 1 sur 2" in response.text
    second = client.get(URL, {"page": 2})
    assert len(table_rows(second.text)) == 10
    assert table_rows(second.text)[-1][:2] == ["10 mars 2026 09:00", "Agent0 Test"]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_only_answers_get(client, citizen):
    response = login(client, citizen).post(URL)

    assert response.status_code == 405


def test_the_selector_resolves_a_page_of_many_agents_in_four_queries(citizen, django_assert_num_queries):
    agents = [make_agent(ServiceFactory()) for _ in range(10)]
    for n in range(30):
        audit.record(actor=agents[n % 10], action="user.view", owner=person_party(citizen))

    # Count, page, agents' names, agents' services.
    with django_assert_num_queries(4):
        page = selectors.data_accesses_page(
            viewer=citizen, party_ids=selectors.party_ids_for(user=citizen), page=1
        )

    assert len(page.object_list) == 20
    assert {access.service for access in page.object_list} <= set(
        Service.objects.values_list("name", flat=True)
    )


def test_the_page_says_how_long_the_traces_are_kept(client, citizen):
    from guichet.retention.models import RetentionRule

    RetentionRule.objects.update_or_create(code="audit.events", defaults={"days": 730})
    login(client, citizen)

    response = client.get(URL)

    assert "Ces traces sont gardées 2 ans, puis supprimées." in response.text
