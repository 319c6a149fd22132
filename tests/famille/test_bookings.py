"""Booking and cancelling through the services: results day by day, deadlines, waiting list, custody."""

import importlib
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps

from famille import services
from famille.enums import BookingStatus, EnrolmentStatus
from famille.exceptions import CancellationRefused, FamilleAccessDenied
from famille.models import Booking, ChildHousehold, Closure, Session
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.factories import UserFactory
from tests.famille.factories import (
    SiteFactory,
    activity_at,
    enrol,
    family,
    make_household,
    no_required_documents,
)

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def session(activity, site, day: date, *, capacity: int = 30, booked: int = 0) -> Session:
    return Session.objects.create(
        activity=activity,
        site=site,
        date=day,
        start_time=activity.start_time,
        end_time=activity.end_time,
        capacity=capacity,
        booked=booked,
    )


@pytest.fixture(autouse=True)
def _no_documents(db):
    no_required_documents()


@pytest.fixture(autouse=True)
def _today():
    # What the services do not get as `now` (the promotion task) sees the same day.
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setup():
    parent, household, (child,) = family()
    activity, site = activity_at()
    enrol(child, activity, site, household)
    return parent, household, child, activity, site


def booked_places(session_: Session) -> int:
    session_.refresh_from_db()
    return session_.booked


# Booking --------------------------------------------------------------------------------------------


def test_booking_a_day_takes_a_place_and_is_audited(setup):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 1))

    result = services.book(actor=parent, household=household, child=child, sessions=[day], now=NOW)

    assert [outcome.session for outcome in result.booked] == [day]
    assert result.waiting == result.refused == result.already == []
    booking = Booking.objects.get()
    assert (booking.status, booking.household, booking.created_by) == (
        BookingStatus.CONFIRMED,
        household,
        parent,
    )
    assert booked_places(day) == 1
    event = AuditEvent.objects.get(action="famille.booking.create")
    assert event.owner_party_id == household.party_id and event.details["booked"] == [booking.pk]


def test_one_action_books_a_week_and_lists_full_closed_and_late_days(setup):
    parent, household, child, activity, site = setup
    monday = session(activity, site, date(2026, 11, 23))  # booking deadline: Saturday 21 at 10:00
    tuesday = session(activity, site, date(2026, 11, 24), capacity=1, booked=1)
    thursday = session(activity, site, date(2026, 11, 26))
    friday = session(activity, site, date(2026, 11, 27))
    Session.objects.filter(pk=thursday.pk).update(
        closure=Closure.objects.create(date=thursday.date, site=site, reason="Grève")
    )

    result = services.book(
        actor=parent, household=household, child=child, sessions=[friday, thursday, tuesday, monday], now=NOW
    )

    assert [o.session for o in result.booked] == [monday, friday]
    assert [(o.session, o.reason) for o in result.waiting] == [(tuesday, "Complet : liste d'attente")]
    assert [(o.session, o.reason) for o in result.refused] == [(thursday, "Fermé : Grève")]
    assert booked_places(tuesday) == 1
    assert Booking.objects.get(session=tuesday).status == BookingStatus.WAITING


def test_a_full_day_without_waiting_list_is_refused_as_full(setup):
    parent, household, child, activity, site = setup
    activity.waiting_list = False
    activity.save()
    full = session(activity, site, date(2026, 12, 1), capacity=3, booked=3)

    result = services.book(actor=parent, household=household, child=child, sessions=[full], now=NOW)

    assert [(o.session, o.reason) for o in result.refused] == [(full, "Complet")]
    assert not Booking.objects.exists()


def test_booking_twice_reports_already_booked_and_books_nothing_more(setup):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 1))
    services.book(actor=parent, household=household, child=child, sessions=[day], now=NOW)

    again = services.book(actor=parent, household=household, child=child, sessions=[day], now=NOW)

    assert [(o.session, o.reason) for o in again.already] == [(day, "Déjà réservée")]
    assert Booking.objects.count() == 1
    assert booked_places(day) == 1


def test_without_a_validated_enrolment_every_day_is_refused_with_the_reason(setup):
    parent, household, child, activity, site = setup
    other_site = SiteFactory()
    elsewhere = session(activity, other_site, date(2026, 12, 1))
    other_activity, _site = activity_at(site, name="Accueil du soir")
    requested = session(other_activity, site, date(2026, 12, 1))
    enrol(child, other_activity, site, household, status=EnrolmentStatus.REQUESTED)

    result = services.book(
        actor=parent, household=household, child=child, sessions=[elsewhere, requested], now=NOW
    )

    assert len(result.refused) == 2
    assert {o.reason for o in result.refused} == {
        "Pas d'inscription validée à cette activité sur ce lieu pour cette année scolaire"
    }
    assert not Booking.objects.exists()


def test_missing_documents_refuse_every_day_and_name_the_documents(setup):
    from famille.models import RequiredDocument

    parent, household, child, activity, site = setup
    # Seeded by migrations, which a transactional test elsewhere may have flushed: seed them back.
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(django_apps, None)
    importlib.import_module("famille.migrations.0001_initial").seed_required_documents(django_apps, None)
    RequiredDocument.objects.update(is_active=True)
    day = session(activity, site, date(2026, 12, 1))

    result = services.book(actor=parent, household=household, child=child, sessions=[day], now=NOW)

    (refused,) = result.refused
    assert refused.reason.startswith("Documents manquants ou périmés : ")
    labels = set(RequiredDocument.objects.values_list("document_type__label", flat=True))
    assert labels and all(label in refused.reason for label in labels)
    assert not Booking.objects.exists()


def test_someone_elses_child_cannot_be_booked(setup):
    _parent, household, child, activity, site = setup
    stranger, _their_household, _kids = family()
    day = session(activity, site, date(2026, 12, 1))

    with pytest.raises(FamilleAccessDenied, match="pas accès"):
        services.book(actor=stranger, household=household, child=child, sessions=[day], now=NOW)
    _stranger, their_household, _kids = family(stranger)
    with pytest.raises(FamilleAccessDenied, match="pas rattaché"):
        services.book(actor=stranger, household=their_household, child=child, sessions=[day], now=NOW)
    assert not Booking.objects.exists()


def test_in_alternating_custody_each_household_books_and_is_billed_its_own_days(setup):
    mother, first_home, child, activity, site = setup
    father = UserFactory()
    second_home = make_household(father, name="Foyer Dupont")
    ChildHousehold.objects.create(child=child, household=second_home)
    monday = session(activity, site, date(2026, 11, 30))
    tuesday = session(activity, site, date(2026, 12, 1))

    services.book(actor=mother, household=first_home, child=child, sessions=[monday], now=NOW)
    services.book(actor=father, household=second_home, child=child, sessions=[tuesday], now=NOW)
    clash = services.book(actor=father, household=second_home, child=child, sessions=[monday], now=NOW)

    assert Booking.objects.get(session=monday).household == first_home
    assert Booking.objects.get(session=tuesday).household == second_home
    assert [o.reason for o in clash.already] == ["Déjà réservée"]


# Deadlines ------------------------------------------------------------------------------------------


def test_booking_just_before_the_deadline_is_accepted_and_just_after_refused(setup):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 10))  # deadline Tuesday 8 December at 10:00

    with time_machine.travel(paris(2026, 12, 8, 9, 59, 59), tick=False):
        before = services.book(actor=parent, household=household, child=child, sessions=[day])
    services.cancel(actor=parent, booking=before.booked[0].booking, now=paris(2026, 12, 7))
    with time_machine.travel(paris(2026, 12, 8, 10, 0, 1), tick=False):
        after = services.book(actor=parent, household=household, child=child, sessions=[day])

    assert len(before.booked) == 1
    assert [o.reason for o in after.refused] == [
        "Délai dépassé : il fallait réserver avant le mardi 8 décembre 2026 à 10:00"
    ]


def test_a_day_not_yet_open_says_from_when(setup):
    parent, household, child, activity, site = setup
    far = session(activity, site, date(2027, 3, 1))  # opens 90 days before: 1 December 2026

    result = services.book(actor=parent, household=household, child=child, sessions=[far], now=NOW)

    assert [o.reason for o in result.refused] == [
        "Réservation ouverte à partir du mardi 1 décembre 2026 à 00:00"
    ]


def test_in_working_days_a_monday_closes_on_thursday_across_the_weekend(setup):
    parent, household, child, activity, site = setup
    activity.working_days = True
    activity.save()
    monday = session(activity, site, date(2026, 11, 30))  # D-2 working days: Thursday 26 at 10:00

    with time_machine.travel(paris(2026, 11, 26, 9, 30), tick=False):
        thursday = services.book(actor=parent, household=household, child=child, sessions=[monday])
    Booking.objects.all().delete()
    Session.objects.filter(pk=monday.pk).update(booked=0)
    with time_machine.travel(paris(2026, 11, 27, 9, 0), tick=False):
        friday = services.book(actor=parent, household=household, child=child, sessions=[monday])
    # The same Friday, counted in calendar days, the deadline would be Saturday 28 at 10:00.
    activity.working_days = False
    activity.save()
    with time_machine.travel(paris(2026, 11, 27, 9, 0), tick=False):
        calendar_days = services.book(actor=parent, household=household, child=child, sessions=[monday])

    assert len(thursday.booked) == 1
    assert [o.reason for o in friday.refused] == [
        "Délai dépassé : il fallait réserver avant le jeudi 26 novembre 2026 à 10:00"
    ]
    assert len(calendar_days.booked) == 1


def test_across_the_change_to_winter_time_the_deadline_is_10_local(setup):
    parent, household, child, activity, site = setup
    tuesday = session(activity, site, date(2026, 10, 27))  # D-2: Sunday 25 October, the night clocks go back

    # 09:30 UTC is 10:30 in Paris that Sunday (UTC+1): too late, though 09:30 UTC was 11:30 the day before.
    with time_machine.travel(datetime(2026, 10, 25, 9, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        late = services.book(actor=parent, household=household, child=child, sessions=[tuesday])
    with time_machine.travel(datetime(2026, 10, 25, 8, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        in_time = services.book(actor=parent, household=household, child=child, sessions=[tuesday])

    assert [o.reason for o in late.refused] == [
        "Délai dépassé : il fallait réserver avant le dimanche 25 octobre 2026 à 10:00"
    ]
    assert len(in_time.booked) == 1


# Cancelling -----------------------------------------------------------------------------------------


def booked(parent, household, child, day_session, now=NOW) -> Booking:
    result = services.book(actor=parent, household=household, child=child, sessions=[day_session], now=now)
    return (result.booked or result.waiting)[0].booking


def test_cancelling_before_the_deadline_is_free_and_frees_the_place(
    setup, django_capture_on_commit_callbacks
):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 10))
    booking = booked(parent, household, child, day)

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel(actor=parent, booking=booking, now=paris(2026, 12, 8, 10, 0))

    assert (cancelled.status, cancelled.cancelled_by) == (BookingStatus.CANCELLED, parent)
    assert booked_places(day) == 0
    assert AuditEvent.objects.filter(action="famille.booking.cancel", target_id=str(booking.pk)).exists()


def test_cancelling_after_the_deadline_is_billed_when_the_activity_says_so(setup):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 10))
    booking = booked(parent, household, child, day)

    terms = services.cancellation_terms(booking, paris(2026, 12, 8, 10, 0, 1))
    cancelled = services.cancel(actor=parent, booking=booking, now=paris(2026, 12, 8, 10, 0, 1))

    assert (terms.allowed, terms.billed) == (True, True)
    assert cancelled.status == BookingStatus.LATE_CANCELLED
    assert booked_places(day) == 0


def test_cancelling_after_the_deadline_is_refused_with_the_deadline_when_not_billed(setup):
    parent, household, child, activity, site = setup
    activity.bill_late_cancellation = False
    activity.save()
    day = session(activity, site, date(2026, 12, 10))
    booking = booked(parent, household, child, day)

    with pytest.raises(CancellationRefused) as refusal:
        services.cancel(actor=parent, booking=booking, now=paris(2026, 12, 9, 8, 0))

    assert refusal.value.message == (
        "Le délai d'annulation est dépassé : il fallait annuler avant le mardi 8 décembre 2026 à 10:00."
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booked_places(day) == 1


def test_the_calendar_form_never_cancels_with_a_bill(setup):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 10))
    booking = booked(parent, household, child, day)

    result = services.change_bookings(
        actor=parent,
        household=household,
        child=child,
        cancel_bookings=[booking],
        now=paris(2026, 12, 9, 8, 0),
    )

    assert result.cancelled == []
    assert result.refused[0].reason.startswith("Le délai d'annulation gratuite est passé")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_started_session_cannot_be_cancelled(setup):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 10))
    booking = booked(parent, household, child, day)

    with pytest.raises(CancellationRefused, match="La séance a commencé"):
        services.cancel(
            actor=parent, booking=booking, now=datetime.combine(day.date, time(12, 0), tzinfo=PARIS)
        )


def test_someone_else_cannot_cancel_a_booking(setup):
    parent, household, child, activity, site = setup
    booking = booked(parent, household, child, session(activity, site, date(2026, 12, 10)))
    stranger, _household, _kids = family()

    with pytest.raises(CancellationRefused, match="pas accès"):
        services.cancel(actor=stranger, booking=booking, now=NOW)


# The waiting list -----------------------------------------------------------------------------------


def test_a_cancellation_promotes_the_first_waiting_child_once_and_tells_the_family(
    setup, django_capture_on_commit_callbacks
):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 10), capacity=1)
    booking = booked(parent, household, child, day)
    waiting = []
    for index in range(2):
        other_parent, other_household, (other_child,) = family(name=f"Foyer {index}")
        enrol(other_child, activity, site, other_household)
        waiting.append(
            (
                other_parent,
                booked(other_parent, other_household, other_child, day, now=paris(2026, 11, 20, 9, index)),
            )
        )
    assert [b.status for _p, b in waiting] == [BookingStatus.WAITING] * 2

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(actor=parent, booking=booking, now=NOW)

    first_parent, first = waiting[0]
    first.refresh_from_db()
    waiting[1][1].refresh_from_db()
    assert (first.status, first.promoted_at is not None) == (BookingStatus.CONFIRMED, True)
    assert waiting[1][1].status == BookingStatus.WAITING
    assert booked_places(day) == 1
    notification = Notification.objects.get(kind="famille_booking_promoted")
    assert notification.user == first_parent
    assert "Une place s'est libérée" in notification.subject
    # Run again (a task delivered twice): nobody is promoted twice.
    assert services.promote_waiting_list(session_id=day.pk, now=NOW) == []
    assert Notification.objects.filter(kind="famille_booking_promoted").count() == 1


def test_leaving_the_waiting_list_is_free_and_takes_no_place(setup):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 10), capacity=1, booked=1)
    booking = booked(parent, household, child, day)

    cancelled = services.cancel(actor=parent, booking=booking, now=paris(2026, 12, 9, 8, 0))

    assert cancelled.status == BookingStatus.CANCELLED
    assert booked_places(day) == 1


def test_a_place_freed_goes_to_the_waiting_child_not_to_the_next_family_booking(setup):
    parent, household, child, activity, site = setup
    day = session(activity, site, date(2026, 12, 10), capacity=1)
    booking = booked(parent, household, child, day)
    first_parent, first_household, (first_child,) = family(name="Foyer Attente")
    enrol(first_child, activity, site, first_household)
    first = booked(first_parent, first_household, first_child, day)
    late_parent, late_household, (late_child,) = family(name="Foyer Tardif")
    enrol(late_child, activity, site, late_household)

    # The cancellation commits; its promotion task has not run yet (its on_commit is not executed here).
    services.cancel(actor=parent, booking=booking, now=NOW)
    late = services.book(
        actor=late_parent, household=late_household, child=late_child, sessions=[day], now=NOW
    )
    promoted = services.promote_waiting_list(session_id=day.pk, now=NOW)

    assert [o.booking.status for o in late.waiting] == [BookingStatus.WAITING]
    assert promoted == [first]
    assert Booking.objects.get(pk=first.pk).status == BookingStatus.CONFIRMED
    assert Booking.objects.get(child=late_child).status == BookingStatus.WAITING
    assert booked_places(day) == 1
