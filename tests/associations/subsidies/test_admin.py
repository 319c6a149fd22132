"""Administrators open the campaigns in the admin: dates, envelope, procedure, the score grid inline;
the campaign's rules are checked there, with French messages."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from associations.subsidies.models import Campaign
from demarches.enums import RequestStatus
from demarches.models import LetterTemplate
from tests.associations.subsidies.factories import grant, submitted
from tests.factories import make_admin
from tests.helpers import login

pytestmark = pytest.mark.django_db


def campaign_data(demarche, **overrides) -> dict:
    data = {
        "year": "2028",
        "name": "Subventions aux associations 2028",
        "opens_on": "2027-09-01",
        "closes_on": "2027-10-31",
        "envelope_cents": "6000000",
        "demarche": str(demarche.pk),
        "report_due_on": "2028-06-30",
        "committee_on": "2027-12-10",
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
        "criteria-0-position": "10",
        "criteria-0-label": "Intérêt pour les habitants",
        "criteria-0-max_score": "5",
        "criteria-0-weight": "3",
        "criteria-1-position": "20",
        "criteria-1-label": "Qualité du projet",
        "criteria-1-max_score": "10",
        "criteria-1-weight": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, world):
    return login(client, make_admin())


def test_an_administrator_opens_a_campaign_with_its_grid(admin_client, world):
    response = admin_client.post(reverse("admin:subsidies_campaign_add"), campaign_data(world.demarche))

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    campaign = Campaign.objects.get(year=2028)
    assert (campaign.envelope_cents, campaign.created_by.is_superuser) == (6_000_000, True)
    assert [(c.label, c.max_score, c.weight) for c in campaign.criteria.order_by("position")] == [
        ("Intérêt pour les habitants", 5, 3),
        ("Qualité du projet", 10, 1),
    ]
    assert LetterTemplate.objects.filter(demarche=world.demarche).count() == 2
    listing = admin_client.get(reverse("admin:subsidies_campaign_changelist"))
    assertContains(listing, "60\u202f000,00\u00a0€", count=2)


def test_overlapping_dates_reversed_dates_and_a_wrong_procedure_are_refused(admin_client, world):
    overlapping = admin_client.post(
        reverse("admin:subsidies_campaign_add"),
        campaign_data(world.demarche, opens_on="2026-12-01", closes_on="2027-01-31"),
    )
    assertContains(overlapping, "ne se chevauchent pas")
    reversed_dates = admin_client.post(
        reverse("admin:subsidies_campaign_add"),
        campaign_data(world.demarche, opens_on="2027-10-31", closes_on="2027-09-01"),
    )
    assertContains(reversed_dates, "La campagne se clôt après son ouverture.")
    from tests.demarches.factories import simple_demarche

    person_only = simple_demarche()
    wrong = admin_client.post(reverse("admin:subsidies_campaign_add"), campaign_data(person_only))
    assertContains(wrong, "Sélectionnez un choix valide")
    assert not Campaign.objects.filter(year=2028).exists()


def test_the_envelope_is_not_lowered_below_what_was_granted(admin_client, world):
    application = grant(
        agent=world.agent,
        application=submitted(actor=world.president, campaign=world.campaign, association=world.association),
    )
    assert application.request.status == RequestStatus.ACCEPTED
    campaign = world.campaign
    data = campaign_data(
        world.demarche,
        year="2027",
        name=campaign.name,
        opens_on=campaign.opens_on.isoformat(),
        closes_on=campaign.closes_on.isoformat(),
        report_due_on=campaign.report_due_on.isoformat(),
        committee_on="",
        envelope_cents="100000",
        **{"criteria-TOTAL_FORMS": "0"},
    )

    response = admin_client.post(reverse("admin:subsidies_campaign_change", args=[campaign.pk]), data)

    assertContains(
        response, "L&#x27;enveloppe ne peut pas être inférieure aux 1\u202f500,00\u00a0€ déjà accordés."
    )
    assert Campaign.objects.get(pk=campaign.pk).envelope_cents == 5_000_000
    page = admin_client.get(reverse("admin:subsidies_campaign_change", args=[campaign.pk]))
    assertContains(page, "48\u202f500,00\u00a0€")
