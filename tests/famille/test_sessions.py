"""Sessions of a school year (weekdays, school holidays of the town's zone, public holidays) and closures."""

from datetime import date, time

import pytest
from django.core.management import call_command

from famille import services
from famille.enums import ActivityKind, BookingStatus, SessionPeriod
from famille.exceptions import SessionsRefused
from famille.models import Booking, Closure, Session
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.factories import UserFactory, make_admin, make_town
from tests.famille.factories import (
    BookingFactory,
    SchoolYearFactory,
    SiteFactory,
    activity_at,
    add_site,
    family,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone_b(db):
    return make_town(school_holiday_zone="B")


@pytest.fixture
def year(db):
    return SchoolYearFactory()  # 1 September 2026 – 3 July 2027


def days_of(activity, site=None) -> set[date]:
    sessions = Session.objects.filter(activity=activity)
    if site is not None:
        sessions = sessions.filter(site=site)
    return set(sessions.values_list("date", flat=True))


# Generating -----------------------------------------------------------------------------------------


def test_school_days_skip_the_zone_b_holidays_and_public_holidays(zone_b, year):
    activity, site = activity_at(capacity=24, weekdays=[0, 1, 2, 3, 4])

    created = services.generate_sessions(activity=activity, school_year=year)

    days = days_of(activity)
    assert created == len(days) > 150
    assert min(days) == date(2026, 9, 1) and max(days) <= date(2027, 7, 2)
    assert date(2026, 11, 16) in days  # an ordinary Monday
    assert not any(date(2026, 10, 19) <= day <= date(2026, 10, 30) for day in days)  # Toussaint
    assert not any(date(2026, 12, 21) <= day <= date(2027, 1, 1) for day in days)  # Christmas
    # Winter holidays: zone B from 20 February 2027; zones A and C went a week earlier.
    assert date(2027, 2, 15) in days
    assert date(2027, 2, 22) not in days
    # Public holidays on school days: 11 November, Easter Monday, Whit Monday.
    assert {date(2026, 11, 11), date(2027, 3, 29), date(2027, 5, 17)}.isdisjoint(days)
    assert all(day.weekday() < 5 for day in days)
    session = Session.objects.filter(activity=activity).first()
    assert (session.site, session.capacity, session.booked) == (site, 24, 0)
    assert (session.start_time, session.end_time) == (time(11, 45), time(13, 30))


def test_the_zone_is_the_towns(year):
    make_town(school_holiday_zone="C")
    activity, _site = activity_at(weekdays=[0])

    services.generate_sessions(activity=activity, school_year=year)

    days = days_of(activity)
    assert date(2027, 2, 15) not in days  # zone C is on holiday
    assert date(2027, 2, 22) in days


def test_holidays_only_keeps_the_holidays_and_still_skips_public_holidays(zone_b, year):
    activity, _site = activity_at(
        kind=ActivityKind.HOLIDAY_CENTRE, period=SessionPeriod.HOLIDAYS, weekdays=[0, 1, 2, 3, 4]
    )

    services.generate_sessions(activity=activity, school_year=year)

    days = days_of(activity)
    assert date(2026, 10, 19) in days
    assert date(2026, 11, 16) not in days
    assert date(2026, 12, 25) not in days  # Christmas day, in the holidays
    assert date(2026, 12, 24) in days


def test_wednesdays_only_on_school_days(zone_b, year):
    activity, _site = activity_at(kind=ActivityKind.WEDNESDAY_CENTRE, weekdays=[2])

    services.generate_sessions(activity=activity, school_year=year)

    days = days_of(activity)
    assert {day.weekday() for day in days} == {2}
    assert date(2026, 11, 11) not in days
    assert date(2026, 11, 18) in days


def test_generating_again_creates_only_what_is_missing(zone_b, year):
    activity, first_site = activity_at(capacity=20, weekdays=[0, 3])
    services.generate_sessions(activity=activity, school_year=year)
    count = Session.objects.filter(activity=activity).count()
    Session.objects.filter(activity=activity, date=date(2026, 11, 16)).update(capacity=12)
    second_site = SiteFactory()
    add_site(activity, second_site, capacity=8)

    again = services.generate_sessions(activity=activity, school_year=year)

    assert again == count  # the same days at the new site, nothing twice at the first
    assert Session.objects.filter(activity=activity).count() == 2 * count
    assert Session.objects.get(activity=activity, site=first_site, date=date(2026, 11, 16)).capacity == 12
    assert services.generate_sessions(activity=activity, school_year=year) == 0


def test_a_day_already_closed_is_generated_closed(zone_b, year):
    activity, site = activity_at(weekdays=[0])
    closure = Closure.objects.create(date=date(2026, 11, 16), site=site, reason="Grève")

    services.generate_sessions(activity=activity, school_year=year)

    assert Session.objects.get(activity=activity, date=date(2026, 11, 16)).closure == closure
    assert Session.objects.get(activity=activity, date=date(2026, 11, 23)).closure is None


def test_an_unknown_zone_refuses_in_french(year):
    make_town(school_holiday_zone="corse")
    activity, _site = activity_at(weekdays=[0])

    with pytest.raises(SessionsRefused, match="zone A, B ou C"):
        services.generate_sessions(activity=activity, school_year=year)
    assert not Session.objects.exists()


def test_the_command_generates_the_sessions_of_every_active_activity(zone_b, year, capsys):
    canteen, _site = activity_at(weekdays=[0, 1, 3, 4])
    music, _other = activity_at(kind=ActivityKind.MUSIC_SCHOOL, name="École de musique", weekdays=[2])

    call_command("generate_sessions", "--year", "2026-2027")
    call_command("generate_sessions", "--year", "2026-2027", "--activity", canteen.slug)

    assert Session.objects.filter(activity=canteen).exists()
    assert Session.objects.filter(activity=music).exists()
    out = capsys.readouterr().out
    assert "Restauration scolaire" in out and "0 séance" in out


# Closures -------------------------------------------------------------------------------------------


def test_a_closure_cancels_the_days_bookings_frees_the_places_and_tells_the_families(zone_b):
    activity, site = activity_at(capacity=2)
    other_site = SiteFactory()
    add_site(activity, other_site, 2)
    day = date(2026, 11, 16)
    closed = Session.objects.create(
        activity=activity,
        site=site,
        date=day,
        start_time=time(11, 45),
        end_time=time(13, 30),
        capacity=2,
        booked=2,
    )
    elsewhere = Session.objects.create(
        activity=activity,
        site=other_site,
        date=day,
        start_time=time(11, 45),
        end_time=time(13, 30),
        capacity=2,
        booked=1,
    )
    parent, household, (first, second) = family(children=2)
    other_parent, other_household, (third,) = family(name="Foyer Durand")
    BookingFactory(session=closed, child=first, household=household)
    BookingFactory(session=closed, child=second, household=household)
    BookingFactory(session=closed, child=third, household=other_household, status=BookingStatus.WAITING)
    untouched = BookingFactory(session=elsewhere, child=third, household=other_household)
    admin = make_admin()
    closure = Closure.objects.create(date=day, site=site, reason="Grève du personnel", created_by=admin)

    result = services.close_sessions(actor=admin, closure=closure)

    assert (result.sessions, result.bookings, result.households) == (1, 3, 2)
    closed.refresh_from_db()
    assert (closed.closure, closed.booked) == (closure, 0)
    assert set(Booking.objects.filter(session=closed).values_list("status", flat=True)) == {
        BookingStatus.CLOSED
    }
    assert Booking.objects.filter(session=closed, cancelled_by=admin, cancelled_at__isnull=False).count() == 3
    # Nothing left to bill on that day (a CLOSED booking is never billed), nothing touched elsewhere.
    assert not Booking.objects.filter(
        session=closed, status__in=[BookingStatus.CONFIRMED, BookingStatus.LATE_CANCELLED]
    ).exists()
    untouched.refresh_from_db()
    assert untouched.status == BookingStatus.CONFIRMED
    notifications = Notification.objects.filter(kind="famille_closure")
    assert sorted(n.user_id for n in notifications) == sorted([parent.pk, other_parent.pk])
    mine = notifications.get(user=parent)
    assert "Grève du personnel" in mine.body and "ne vous seront pas facturées" in mine.body
    assert first.first_name in mine.body and second.first_name in mine.body
    assert third.first_name not in mine.body
    assert AuditEvent.objects.filter(
        action="famille.booking.close", owner_party_id=household.party_id
    ).exists()
    assert AuditEvent.objects.filter(action="famille.closure.apply", target_id=str(closure.pk)).exists()

    # Saving the closure again changes nothing and tells nobody twice.
    again = services.close_sessions(actor=admin, closure=closure)
    assert again.bookings == 0
    assert Notification.objects.filter(kind="famille_closure").count() == 2


def test_a_closure_without_site_closes_the_activity_everywhere_and_one_without_activity_every_activity():
    canteen, school = activity_at()
    care, _same = activity_at(school, kind=ActivityKind.EVENING_CARE, name="Accueil du soir")
    day = date(2026, 12, 3)
    for activity in (canteen, care):
        Session.objects.create(
            activity=activity, site=school, date=day, start_time=time(8, 0), end_time=time(9, 0), capacity=5
        )
    everything = Closure.objects.create(date=day, reason="Journée pédagogique", created_by=UserFactory())

    result = services.close_sessions(actor=None, closure=everything)

    assert result.sessions == 2
    assert Session.objects.filter(date=day, closure=everything).count() == 2


# The admin ------------------------------------------------------------------------------------------


def test_saving_a_closure_in_the_admin_closes_the_day_and_says_so(client, zone_b):
    from django.urls import reverse

    from tests.helpers import login

    activity, site = activity_at()
    day = date(2026, 12, 3)
    session = Session.objects.create(
        activity=activity,
        site=site,
        date=day,
        start_time=time(11, 45),
        end_time=time(13, 30),
        capacity=5,
        booked=1,
    )
    _parent, household, (child,) = family()
    booking = BookingFactory(session=session, child=child, household=household)
    admin = make_admin()
    login(client, admin)

    response = client.post(
        reverse("admin:famille_closure_add"),
        {"date": "2026-12-03", "site": site.pk, "activity": "", "reason": "Grève"},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 séance(s) fermée(s), 1 réservation(s) annulée(s) sans facturation." in response.content.decode()
    closure = Closure.objects.get()
    assert closure.created_by == admin
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CLOSED


def test_the_admin_action_generates_the_sessions_of_the_years_not_over(client, zone_b, year):
    import time_machine
    from django.urls import reverse

    from tests.helpers import login

    activity, _site = activity_at(weekdays=[0])
    login(client, make_admin())

    with time_machine.travel(date(2026, 11, 20), tick=False):
        response = client.post(
            reverse("admin:famille_activity_changelist"),
            {"action": "generate_year_sessions", "_selected_action": [activity.pk]},
            follow=True,
        )

    count = Session.objects.filter(activity=activity).count()
    assert count > 30
    assert f"{count} séances créées." in response.content.decode()


def test_the_admin_refuses_a_capacity_below_what_is_booked(client, zone_b):
    from django.urls import reverse

    from tests.helpers import login

    activity, site = activity_at()
    session = Session.objects.create(
        activity=activity,
        site=site,
        date=date(2026, 12, 3),
        start_time=time(11, 45),
        end_time=time(13, 30),
        capacity=5,
        booked=4,
    )
    login(client, make_admin())

    response = client.post(reverse("admin:famille_session_change", args=[session.pk]), {"capacity": 3})

    assert response.status_code == 200
    assert "4 places sont déjà réservées" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 5
