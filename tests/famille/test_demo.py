"""The family app's demo data (part F5): seeded through the services, once, with one full session and its
waiting list, and the demo parent's children ready to be booked."""

from collections import Counter
from datetime import date, datetime

import pytest
from django.apps import apps
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from famille import demo, services
from famille.deadlines import PARIS
from famille.enums import BookingStatus, EnrolmentStatus, PricingMode, ReviewStatus
from famille.models import (
    Activity,
    BillingRun,
    Booking,
    Child,
    Enrolment,
    Household,
    QuotientFamilial,
    SchoolYear,
    Session,
)
from famille.selectors.family import missing_documents
from guichet.accounts import demo as accounts_demo
from guichet.accounts.models import User
from tests.famille.factories import seed_requirements
from tests.helpers import login

pytestmark = pytest.mark.django_db

# A Thursday of November 2026, in the school year 2026-2027 of the demo town (zone C).
NOW = datetime(2026, 11, 12, 9, 30, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
    }


def _counts() -> dict[str, int]:
    labels = ("famille", "coffre", "regie", "audit", "notify", "accounts")
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


def test_the_demo_family_is_booked_with_one_full_session_and_seeding_again_adds_nothing(time_machine, client):
    """One test, one seed (twice): seeding goes through every service and takes seconds."""
    time_machine.move_to(NOW, tick=True)
    seed_requirements()
    accounts_demo.seed()
    demo.seed()

    # The school year holding today, its days taken from the zone's holidays, and its sessions.
    year = SchoolYear.objects.get(name="2026-2027")
    assert (year.start_date, year.end_date) == (date(2026, 9, 1), date(2027, 7, 2))
    activities = {activity.slug: activity for activity in Activity.objects.select_related("service")}
    assert set(activities) == {
        "restauration-scolaire",
        "periscolaire-matin",
        "periscolaire-soir",
        "loisirs-mercredi",
        "multi-accueil",
        "ecole-de-musique",
    }
    assert activities["restauration-scolaire"].service.slug == "education"
    assert {
        activity.service.slug for slug, activity in activities.items() if slug != "restauration-scolaire"
    } == {"enfance"}
    for activity in activities.values():
        assert activity.tariffs.exists(), activity.slug
        assert Session.objects.filter(
            activity=activity, date__range=(year.start_date, year.end_date)
        ).exists()
    assert activities["multi-accueil"].tariffs.get().mode == PricingMode.EFFORT_RATE
    assert activities["restauration-scolaire"].tariffs.get().brackets.count() == 5
    # No canteen on a public holiday nor in the school holidays (Toussaint, zone C).
    canteen_days = set(
        Session.objects.filter(activity=activities["restauration-scolaire"]).values_list("date", flat=True)
    )
    assert date(2026, 11, 11) not in canteen_days
    assert date(2026, 10, 19) not in canteen_days
    assert date(2026, 11, 12) in canteen_days

    # The demo parent's family file: two children, every paper validated, a validated quotient.
    parent = User.objects.get(email="parent@demo.guichet.fr")
    household = Household.objects.for_user(parent).get()
    assert household.phone and household.address
    children = {child.first_name: child for child in Child.objects.for_user(parent).select_related("school")}
    assert {name: child.school_level for name, child in children.items()} == {"Inès": "ce1", "Yanis": "cm2"}
    assert {child.school.name for child in children.values()} == {demo.SCHOOL}
    assert children["Inès"].health.has_pai
    for child in children.values():
        assert missing_documents(child=child, household=household, on=NOW.date()) == []
    assert set(household.documents.values_list("status", flat=True)) == {ReviewStatus.VALIDATED}
    quotient = QuotientFamilial.objects.get(household=household)
    assert (quotient.status, quotient.value) == (ReviewStatus.VALIDATED, 780)
    for child in children.values():
        validated = set(
            Enrolment.objects.filter(child=child, status=EnrolmentStatus.VALIDATED).values_list(
                "activity__slug", flat=True
            )
        )
        assert validated == {"restauration-scolaire", "periscolaire-soir"}

    # Bookings last month, this month and next.
    months = Counter(
        booking.session.date.month
        for booking in Booking.objects.filter(
            household=household, status=BookingStatus.CONFIRMED
        ).select_related("session")
    )
    assert months[10] and months[11] and months[12]

    # ONE full session, filled by other households, and the demo children on its waiting list.
    full = Session.objects.filter(bookings__status=BookingStatus.WAITING).distinct().get()
    assert full.activity.slug == "periscolaire-soir"
    assert full.booked == full.capacity == demo.EVENING_CAPACITY
    confirmed = Booking.objects.filter(session=full, status=BookingStatus.CONFIRMED)
    assert confirmed.count() == full.capacity
    assert not confirmed.filter(household=household).exists()
    waiting = Booking.objects.filter(session=full, status=BookingStatus.WAITING)
    assert set(waiting.values_list("child__first_name", flat=True)) == {"Inès", "Yanis"}

    # The agents: the education service's reads the health notes, the enfance service's does not.
    assert User.objects.get(email=demo.HEALTH_AGENT_EMAIL).has_perm("famille.view_childhealth_notes")
    assert not User.objects.get(email=demo.CHILDCARE_AGENT_EMAIL).has_perm("famille.view_childhealth_notes")
    # Queues to try: papers, a quotient and enrolments waiting for an agent, last month's draft bill.
    assert Enrolment.objects.filter(status=EnrolmentStatus.REQUESTED).count() == 2
    assert QuotientFamilial.objects.filter(status=ReviewStatus.PENDING).exists()
    run = BillingRun.objects.get()
    assert run.month == date(2026, 10, 1)
    assert run.summary["households"] == 1 and run.summary["total_cents"] > 0

    # Seeding again adds nothing.
    before = _counts()
    demo.seed()
    assert _counts() == before

    # The children are bookable: next month's calendar offers days, and a free evening books.
    response = login(client, parent).get(
        reverse("famille:calendar_month", args=[children["Inès"].pk, 2026, 12])
    )
    assertContains(response, 'name="book"')
    assertNotContains(response, "Les réservations sont bloquées")
    friday = Session.objects.get(
        activity=activities["periscolaire-soir"], site__name=demo.SCHOOL, date=date(2026, 12, 4)
    )
    result = services.book(actor=parent, household=household, child=children["Inès"], sessions=[friday])
    assert [outcome.session for outcome in result.booked] == [friday]
