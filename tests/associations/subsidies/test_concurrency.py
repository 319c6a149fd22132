"""The envelope holds under concurrency, for real: simultaneous committee decisions on PostgreSQL, one
thread per request, and simultaneous starts of one association's request.

Threads stay far below PostgreSQL's 100 connections and each closes its connection when done.
"""

import threading

import pytest
from django.db import connection

from associations.subsidies import services
from associations.subsidies.exceptions import ApplicationExists, EnvelopeExceeded
from associations.subsidies.models import Application, Campaign
from demarches.enums import RequestStatus
from tests.associations.factories import add_member, make_association
from tests.associations.subsidies.factories import make_campaign, submitted, subsidy_demarche
from tests.factories import UserFactory, make_town

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

THREADS = 12


def run_in_threads(count: int, work) -> list[BaseException]:
    """Run work(index) in `count` threads released together; returns the errors raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return errors


@pytest.fixture
def setting():
    make_town(name="Villebelle")
    from tests.associations.factories import associations_agent

    agent = associations_agent()
    demarche = subsidy_demarche()
    return agent, demarche


def test_simultaneous_decisions_never_grant_beyond_the_envelope(setting):
    agent, demarche = setting
    # 12 requests of 1 000 € in a campaign of 5 500 €: five fit, the sixth finds 500 € left.
    campaign = make_campaign(year=2027, demarche=demarche, envelope_cents=550_000)
    applications = []
    for _ in range(THREADS):
        president = UserFactory()
        association = make_association(president, agent=agent)
        applications.append(
            submitted(actor=president, campaign=campaign, association=association, amount=100_000)
        )

    def decide(index: int) -> None:
        services.decide_application(
            actor=agent, application=applications[index], granted_cents=100_000, motivation="Retenu."
        )

    errors = run_in_threads(THREADS, decide)

    assert len(errors) == THREADS - 5
    assert all(isinstance(error, EnvelopeExceeded) for error in errors), errors
    assert {error.message for error in errors} == {
        "Il ne reste que 500,00\u00a0€ dans l'enveloppe de la campagne 2027."
    }
    granted = Application.objects.filter(campaign=campaign, granted_cents__isnull=False)
    assert granted.count() == 5
    assert services.granted_total(Campaign.objects.get(pk=campaign.pk)) == 500_000
    assert Application.objects.filter(request__status=RequestStatus.ACCEPTED).count() == 5
    assert Application.objects.filter(request__status=RequestStatus.SUBMITTED).count() == THREADS - 5


def test_two_members_starting_at_once_make_one_request(setting):
    agent, demarche = setting
    campaign = make_campaign(year=2027, demarche=demarche)
    president = UserFactory()
    association = make_association(president, agent=agent)
    members = [president, *(add_member(association) for _ in range(5))]

    errors = run_in_threads(
        len(members),
        lambda index: services.start_application(
            actor=members[index], campaign=campaign, association=association
        ),
    )

    assert len(errors) == len(members) - 1
    assert all(isinstance(error, ApplicationExists) for error in errors), errors
    assert Application.objects.filter(association=association).count() == 1
