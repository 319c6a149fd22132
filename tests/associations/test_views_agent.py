"""The vie associative service's pages: the associations to verify, an association's page, verification."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from associations.enums import AssociationStatus
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.associations.factories import add_member, associations_agent, make_association
from tests.factories import UserFactory, make_agent, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def town():
    return make_town()


@pytest.fixture
def agent():
    return associations_agent()


def test_the_list_puts_associations_to_verify_first_and_searches(
    client, agent, django_assert_max_num_queries
):
    for number in range(12):
        make_association(name=f"Club {number:02d}", agent=agent)
    waiting = make_association(name="Zèbres en attente", verified=False, city="Villebelle")
    login(client, agent)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("associations:agent_associations"))

    assertContains(response, "1 association attend votre vérification.")
    rows = response.context["page_obj"].object_list
    assert rows[0] == waiting
    assert len(rows) == 13
    found = client.get(reverse("associations:agent_associations"), {"q": waiting.rna})
    assert list(found.context["page_obj"].object_list) == [waiting]
    verified = client.get(reverse("associations:agent_associations"), {"status": "verified"})
    assert waiting not in verified.context["page_obj"].object_list


def test_citizens_and_other_services_agents_are_refused(client):
    make_association()
    for user in (UserFactory(), make_agent()):
        login(client, user)
        assert client.get(reverse("associations:agent_associations")).status_code == 403


def test_an_agent_reads_an_association_and_the_reading_is_audited_for_it(client, agent):
    association = make_association(name="Les Amis du Parc", verified=False)
    add_member(association, UserFactory(first_name="Inès", last_name="Roy"))
    login(client, agent)

    response = client.get(reverse("associations:agent_association", args=[association.pk]))

    assertContains(response, "Les Amis du Parc")
    assertContains(response, "Inès Roy — Membre")
    assertContains(response, "Statuts de l&#x27;association :")
    assertContains(response, "Vérifier l'association")
    assert AuditEvent.objects.filter(
        action="associations.association.view", actor_id=agent.pk, owner_party_id=association.party_id
    ).exists()
    assert client.get(reverse("associations:agent_association", args=[999999])).status_code == 404


def test_verifying_lets_the_association_ask_and_tells_its_members(client, agent):
    president = UserFactory()
    association = make_association(president, verified=False)
    login(client, agent)

    response = client.post(reverse("associations:agent_verify", args=[association.pk]), follow=True)

    assertContains(response, "est vérifiée : ses membres peuvent faire leurs demandes.")
    association.refresh_from_db()
    assert association.status == AssociationStatus.VERIFIED
    assert Notification.objects.filter(user=president, kind="association_status").exists()
    assert client.get(reverse("associations:agent_verify", args=[association.pk])).status_code == 405


def test_suspending_needs_a_reason_and_keeps_what_was_typed(client, agent):
    association = make_association()
    login(client, agent)

    empty = client.post(reverse("associations:agent_suspend", args=[association.pk]), {"reason": ""})
    assertContains(empty, "Expliquez à l&#x27;association pourquoi : le motif est obligatoire.")
    assertContains(empty, "<title>Erreur : ")

    response = client.post(
        reverse("associations:agent_suspend", args=[association.pk]),
        {"reason": "Assurance expirée."},
        follow=True,
    )
    assertContains(response, "est suspendue ; ses membres sont prévenus.")
    assertContains(response, "Motif : Assurance expirée.")
    assertNotContains(response, "Suspendre l'association")
    association.refresh_from_db()
    assert association.status == AssociationStatus.SUSPENDED
