"""Enrolments through the services: eligibility in French, one request per year, the service decides."""

from datetime import date

import pytest

from famille import services
from famille.enums import ActivityKind, EnrolmentStatus
from famille.exceptions import EnrolmentRefused, FamilleAccessDenied, NotEligible
from famille.models import Enrolment
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.factories import ServiceFactory, make_agent
from tests.famille.factories import SchoolYearFactory, SiteFactory, activity_at, family

pytestmark = pytest.mark.django_db


@pytest.fixture
def year():
    return SchoolYearFactory()  # starts 1 September 2026


def ask(parent, household, child, activity, site, year):
    return services.request_enrolment(
        actor=parent, household=household, child=child, activity=activity, site=site, school_year=year
    )


def test_a_parent_asks_and_an_agent_of_the_service_validates(year):
    parent, household, (child,) = family()
    activity, site = activity_at(min_level="cp", max_level="cm2")
    agent = make_agent(activity.service)

    enrolment = ask(parent, household, child, activity, site, year)
    assert (enrolment.status, enrolment.requested_by, enrolment.household) == (
        EnrolmentStatus.REQUESTED,
        parent,
        household,
    )
    validated = services.validate_enrolment(actor=agent, enrolment=enrolment)

    assert (validated.status, validated.decided_by) == (EnrolmentStatus.VALIDATED, agent)
    notification = Notification.objects.get(kind="famille_enrolment_decision", user=parent)
    assert notification.subject == "Inscription validée : Restauration scolaire"
    assert AuditEvent.objects.filter(
        action="famille.enrolment.validate", owner_party_id=household.party_id
    ).exists()


def test_a_refusal_needs_a_reason_which_the_family_reads(year):
    parent, household, (child,) = family()
    activity, site = activity_at()
    agent = make_agent(activity.service)
    enrolment = ask(parent, household, child, activity, site, year)

    with pytest.raises(EnrolmentRefused, match="motif"):
        services.refuse_enrolment(actor=agent, enrolment=enrolment, reason="  ")
    services.refuse_enrolment(actor=agent, enrolment=enrolment, reason="Plus de place à cette école.")

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.refusal_reason) == (
        EnrolmentStatus.REFUSED,
        "Plus de place à cette école.",
    )
    assert "Plus de place à cette école." in Notification.objects.get(kind="famille_enrolment_decision").body
    with pytest.raises(EnrolmentRefused, match="déjà été traitée"):
        services.validate_enrolment(actor=agent, enrolment=enrolment)


def test_an_agent_of_another_service_cannot_decide(year):
    parent, household, (child,) = family()
    activity, site = activity_at()
    enrolment = ask(parent, household, child, activity, site, year)

    with pytest.raises(FamilleAccessDenied):
        services.validate_enrolment(actor=make_agent(ServiceFactory()), enrolment=enrolment)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REQUESTED


def test_one_request_per_child_activity_and_year(year):
    parent, household, (child,) = family()
    activity, site = activity_at()
    ask(parent, household, child, activity, site, year)

    with pytest.raises(EnrolmentRefused, match="déjà demandée ou validée"):
        ask(parent, household, child, activity, site, year)
    assert Enrolment.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "level", "message"),
    [
        (
            {"min_level": "cp", "max_level": "cm2"},
            "gs",
            "Cette activité est réservée aux élèves des classes de CP à CM2 ; votre enfant est en Grande section.",
        ),
        (
            {"min_level": "cp"},
            "",
            "Cette activité est réservée aux élèves des classes de CP à CM2 : indiquez la classe de votre enfant.",
        ),
    ],
)
def test_a_class_outside_the_range_is_not_eligible(year, fields, level, message):
    parent, household, (child,) = family(school_level=level)
    activity, site = activity_at(**fields)

    with pytest.raises(NotEligible) as refusal:
        ask(parent, household, child, activity, site, year)
    assert refusal.value.message == message


def test_the_age_counts_in_months_on_the_first_day_of_the_school_year(year):
    # Born 15 March 2024: 29 months on 1 September 2026.
    parent, household, (child,) = family(birth_date=date(2024, 3, 15), school_level="")
    nursery, site = activity_at(kind=ActivityKind.NURSERY, min_age_months=30, max_age_months=48)
    older, _site = activity_at(site, kind=ActivityKind.NURSERY, name="Crèche des petits", max_age_months=24)

    with pytest.raises(NotEligible) as too_young:
        ask(parent, household, child, nursery, site, year)
    with pytest.raises(NotEligible) as too_old:
        ask(parent, household, child, older, site, year)

    assert too_young.value.message == (
        "Cette activité accueille les enfants d'au moins 30 mois au 1 septembre 2026 ; votre enfant en aura 29."
    )
    assert too_old.value.message == (
        "Cette activité accueille les enfants de 24 mois au plus au 1 septembre 2026 ; votre enfant en aura 29."
    )
    nursery.min_age_months = 29
    nursery.save()
    assert ask(parent, household, child, nursery, site, year).status == EnrolmentStatus.REQUESTED


def test_a_site_without_the_activity_or_someone_elses_child_is_refused(year):
    parent, household, (child,) = family()
    activity, _site = activity_at()

    with pytest.raises(EnrolmentRefused, match="Ce lieu ne propose pas cette activité"):
        ask(parent, household, child, activity, SiteFactory(), year)
    stranger, _their, _kids = family()
    with pytest.raises(FamilleAccessDenied, match="pas accès"):
        ask(stranger, household, child, activity, _site, year)
