"""The subsidies' demo: an open campaign of the coming year (50 000 €, 4 criteria) with the Amis du Parc's
request sent and the Basket Club's draft; this year's campaign, closed, where the Amis du Parc were
granted 1 500 € and owe their financial report in 20 days. Seeding twice adds nothing."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from associations import demo as associations_demo
from associations.subsidies import demo
from associations.subsidies.enums import ApplicationState, ReportState
from associations.subsidies.models import Application, Campaign
from demarches.catalogue import load_catalogue
from guichet.accounts import demo as accounts_demo
from tests.helpers import login

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in ("subsidies", "demarches", "coffre")
    }


def test_the_demo_seeds_two_campaigns_through_the_services_and_seeding_again_adds_nothing(
    client, django_capture_on_commit_callbacks
):
    accounts_demo.seed()
    load_catalogue(slugs=[demo.SLUG])
    people = associations_demo.seed()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    counts = _counts()
    demo.seed()
    assert _counts() == counts

    coming = Campaign.objects.get(year=today.year + 1)
    assert (coming.envelope_cents, coming.criteria.count(), coming.is_open()) == (5_000_000, 4, True)
    states = {
        a.association.party.name: a.state
        for a in coming.applications.select_related("request", "association__party")
    }
    assert states == {
        "Les Amis du Parc de Villebelle": ApplicationState.SUBMITTED,
        "Basket Club de Villebelle": ApplicationState.DRAFT,
    }
    past = Campaign.objects.get(year=today.year)
    assert past.is_closed() and past.report_due_on == today + timedelta(days=20)
    granted = Application.objects.select_related("request", "campaign").get(campaign=past)
    assert (granted.granted_cents, granted.state, granted.report_state()) == (
        150_000,
        ApplicationState.GRANTED,
        ReportState.DUE,
    )
    assert granted.request.decision_document is not None
    assert granted.score_points is not None and granted.opinion == "favourable"

    # The Basket Club's draft waits for its board: its plain member reads why.
    basket_draft = coming.applications.get(association=people.basket).request
    login(client, people.president)
    review = client.get(reverse("demarches:review", args=[basket_draft.pk]))
    assertContains(
        review, "un membre du bureau (présidence, trésorerie, secrétariat) doit envoyer cette demande"
    )
    page = client.get(reverse("associations:association_subsidies", args=[people.parc.pk]))
    assertContains(page, "Compte rendu financier attendu")
