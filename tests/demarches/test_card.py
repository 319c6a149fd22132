"""The "Mes demandes" card of Mon espace: requests in progress, the latest one, drafts to finish."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from demarches import services
from demarches.enums import RequestStatus
from tests.demarches.factories import DemarcheFactory, add_page, publish, submitted
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]


@pytest.fixture
def demarche(service):
    demarche = DemarcheFactory(service=service, title="Carte de résident")
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    return demarche


def card(response):
    [found] = [card for card in response.context["cards"] if card.title == "Mes demandes"]
    return found


def test_the_card_counts_requests_in_progress_and_drafts_and_links_the_latest(
    client, citizen, stranger, agent, demarche
):
    first = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    latest = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    services.change_status(
        actor=agent, request=first, status=RequestStatus.AWAITING_INFORMATION, motivation="RIB ?"
    )
    services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    submitted(user=stranger, demarche=demarche, answers={"nom": "Autre"})
    login(client, citizen)

    response = client.get(reverse("portal:dashboard"))

    summary = card(response).context["summary"]
    assert (summary.in_progress, summary.awaiting_information, summary.drafts, summary.latest) == (
        2,
        1,
        1,
        latest,
    )
    assertContains(response, "2 demandes en cours.")
    assertContains(response, "1 demande attend vos compléments.")
    assertContains(response, "1 brouillon à terminer.")
    assertContains(
        response,
        f'<a href="{reverse("demarches:request", args=[latest.pk])}">Carte de résident</a>',
        html=True,
    )
    assertContains(response, f'href="{reverse("demarches:requests")}"')


def test_a_newcomer_s_card_invites_to_a_first_procedure(client, citizen):
    login(client, citizen)

    response = client.get(reverse("portal:dashboard"))

    assertContains(response, "Aucune demande en cours.")
    assertNotContains(response, "Dernière demande")
    assertContains(response, f'href="{reverse("demarches:catalogue")}"')
