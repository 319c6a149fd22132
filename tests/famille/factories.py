"""Factories of the family app's tests, shared by every part: add yours, never rewrite the file."""

from datetime import date, time

import factory
from django.db import models

from famille.enums import (
    ActivityKind,
    BookingStatus,
    EnrolmentStatus,
    PricingMode,
    ReviewStatus,
    SiteKind,
)
from famille.models import (
    Activity,
    ActivitySite,
    Booking,
    Child,
    ChildHousehold,
    Enrolment,
    Household,
    QuotientFamilial,
    SchoolYear,
    Session,
    Site,
    TariffBracket,
    TariffRule,
)
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import Party, PartyMembership
from tests.factories import ServiceFactory, UserFactory

# Shared basics ------------------------------------------------------------------------------------


def make_household(*guardians, name: str = "Foyer Martin", **fields) -> Household:
    """A household Party with these users as its guardians (one new user when none is given)."""
    guardians = guardians or (UserFactory(),)
    party = Party.objects.create(kind=PartyKind.HOUSEHOLD, name=name)
    for user in guardians:
        PartyMembership.objects.create(user=user, party=party, role=PartyRole.GUARDIAN)
    return Household.objects.create(party=party, **fields)


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child
        skip_postgeneration_save = True

    first_name = factory.Sequence(lambda n: f"Enfant{n}")
    last_name = "Martin"
    birth_date = date(2018, 5, 14)

    @factory.post_generation
    def household(self, create, extracted, **kwargs):
        """ChildFactory(household=h) puts the child in that household."""
        if create and extracted is not None:
            ChildHousehold.objects.create(child=self, household=extracted)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"École {n}")
    kind = SiteKind.SCHOOL


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ["name"]

    name = "2026-2027"
    start_date = date(2026, 9, 1)
    end_date = date(2027, 7, 3)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = ActivityKind.CANTEEN
    name = "Restauration scolaire"
    slug = factory.Sequence(lambda n: f"activite-{n}")
    service = factory.LazyFunction(lambda: ServiceFactory(slug="education", name="Éducation"))
    weekdays = [0, 1, 3, 4]
    start_time = time(11, 45)
    end_time = time(13, 30)


def add_site(activity: Activity, site: Site, capacity: int = 30) -> ActivitySite:
    return ActivitySite.objects.create(activity=activity, site=site, capacity=capacity)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    activity = factory.SubFactory(ActivityFactory)
    site = factory.SubFactory(SiteFactory)
    date = date(2026, 11, 2)
    start_time = factory.LazyAttribute(lambda session: session.activity.start_time)
    end_time = factory.LazyAttribute(lambda session: session.activity.end_time)
    capacity = 30


class BookingFactory(factory.django.DjangoModelFactory):
    """A confirmed booking; pass household= and child= (the session's `booked` is not counted)."""

    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    status = BookingStatus.CONFIRMED


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    school_year = factory.SubFactory(SchoolYearFactory)
    status = EnrolmentStatus.VALIDATED


class QuotientFactory(factory.django.DjangoModelFactory):
    """A validated quotient familial for the 2026-2027 school year; pass household=."""

    class Meta:
        model = QuotientFamilial

    value = 850
    status = ReviewStatus.VALIDATED
    valid_from = date(2026, 1, 1)
    valid_until = date(2026, 12, 31)


class TariffRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TariffRule

    activity = factory.SubFactory(ActivityFactory)
    valid_from = date(2026, 9, 1)
    mode = PricingMode.BRACKETS


def bracket_rule(activity: Activity, brackets, **fields) -> TariffRule:
    """A bracket rule; `brackets` is [(qf_min, qf_max or None, price_cents), …]."""
    rule = TariffRuleFactory(activity=activity, mode=PricingMode.BRACKETS, **fields)
    TariffBracket.objects.bulk_create(
        TariffBracket(rule=rule, qf_min=low, qf_max=high, price_cents=cents) for low, high, cents in brackets
    )
    return rule


# Enrolments, sessions and bookings (part F2) -----------------------------------------------------


def family(user=None, *, children: int = 1, name: str = "Foyer Martin", **child_fields):
    """(guardian, household, [children]): a household with one guardian and its children (CE1)."""
    user = user or UserFactory()
    household = make_household(user, name=name)
    child_fields.setdefault("school_level", "ce1")
    kids = [ChildFactory(household=household, **child_fields) for _index in range(children)]
    return user, household, kids


def activity_at(site: Site | None = None, *, capacity: int = 30, **fields) -> tuple[Activity, Site]:
    """An activity (canteen by default) offered at one site with `capacity` places per session."""
    activity = ActivityFactory(**fields)
    site = site or SiteFactory()
    add_site(activity, site, capacity)
    return activity, site


def enrol(child: Child, activity: Activity, site: Site, household: Household, **fields) -> Enrolment:
    """A validated enrolment for 2026-2027 (pass status= for another)."""
    return EnrolmentFactory(child=child, activity=activity, site=site, household=household, **fields)


def no_required_documents() -> None:
    """The town asks no document: bookings then depend only on enrolments, places and deadlines."""
    from famille.models import RequiredDocument

    RequiredDocument.objects.update(is_active=False)


# (end of F2)


# The family file (part F1) -----------------------------------------------------------------------


def seed_requirements() -> None:
    """The vault's document types and the town's four required documents, seeded again: transactional
    tests elsewhere in the suite empty the tables their migrations filled."""
    import importlib

    from django.apps import apps as django_apps

    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(django_apps, None)
    importlib.import_module("famille.migrations.0001_initial").seed_required_documents(django_apps, None)


def requirement(code: str):
    from famille.models import RequiredDocument

    return RequiredDocument.objects.select_related("document_type").get(document_type__code=code)


def vault_document(user, household: Household, code: str, *, title: str = "Pièce", **kwargs):
    """A document of the household's vault, stored through the vault's own code (really encrypted)."""
    from coffre.models import DocumentType
    from tests.coffre.factories import store

    version = store(
        user=user,
        owner=household.party,
        document_type=DocumentType.objects.get(code=code),
        title=title,
        **kwargs,
    )
    return version.document


def give(user, household: Household, code: str, *, child: Child | None = None, **document_fields):
    """Give a new vault document of type `code` for that requirement (of the household, or of `child`)."""
    from famille import services

    document = vault_document(user, household, code, **document_fields)
    return services.give_document(
        actor=user, household=household, requirement=requirement(code), document=document, child=child
    )


HOUSEHOLD_CODES = ("justificatif-domicile", "attestation-assurance")
CHILD_CODES = ("carnet-vaccination", "fiche-sanitaire")


def complete_file(user, household: Household, children=(), *, expiry_date=None) -> list:
    """Give every required document (of the household and of each child), valid a year by default;
    they wait for a check."""
    from datetime import timedelta

    from django.utils import timezone

    expiry_date = expiry_date or timezone.localdate() + timedelta(days=365)
    given = [give(user, household, code, expiry_date=expiry_date) for code in HOUSEHOLD_CODES]
    for child in children:
        given += [give(user, household, code, child=child, expiry_date=expiry_date) for code in CHILD_CODES]
    return given


def famille_agent(service=None, **kwargs):
    """An agent (2FA confirmed) of a service that runs an activity: an agent of the family services."""
    from tests.factories import make_agent

    service = service or ServiceFactory(slug="education", name="Éducation")
    if not Activity.objects.filter(service=service).exists():
        ActivityFactory(service=service)
    return make_agent(service, **kwargs)


# (end of F1)


# Attendance and occupancy (part F4) --------------------------------------------------------------


def book_children(session: Session, count: int, *, status: str = BookingStatus.CONFIRMED, **child_fields):
    """`count` children, each of a household of their own (with a phone), booked in the session;
    confirmed ones are counted in the session's `booked`. Returns the bookings."""
    bookings = []
    for _index in range(count):
        household = make_household(name="Foyer", phone="02 40 00 00 00")
        child = ChildFactory(household=household, **{"school_level": "ce1", **child_fields})
        bookings.append(BookingFactory(session=session, child=child, household=household, status=status))
    if status == BookingStatus.CONFIRMED:
        Session.objects.filter(pk=session.pk).update(booked=models.F("booked") + count)
        session.refresh_from_db(fields=["booked"])
    return bookings


def child_health(child: Child, **fields):
    from famille.models import ChildHealth

    return ChildHealth.objects.create(child=child, **fields)


# (end of F4)
