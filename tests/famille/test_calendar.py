"""A child's month calendar: a table per week that works as a plain form, and a fixed number of queries."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from famille.enums import ActivityKind, BookingStatus
from famille.models import Booking, Closure, Session
from tests.factories import make_town
from tests.famille.factories import activity_at, enrol, family, no_required_documents
from tests.helpers import login

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)  # a Friday


@pytest.fixture(autouse=True)
def _world(db):
    make_town(school_holiday_zone="B")
    no_required_documents()
    with time_machine.travel(NOW, tick=False):
        yield


def add_session(activity, site, day: date, *, capacity: int = 30, booked: int = 0) -> Session:
    return Session.objects.create(
        activity=activity,
        site=site,
        date=day,
        start_time=activity.start_time,
        end_time=activity.end_time,
        capacity=capacity,
        booked=booked,
    )


def month_url(child, year=2026, month=11) -> str:
    return reverse("famille:calendar_month", args=[child.pk, year, month])


@pytest.fixture
def november(client):
    """Lucie's canteen in the week of 23 November, each day in another state, and Thursday 19 past."""
    parent, household, (child,) = family(first_name="Lucie")
    activity, site = activity_at(capacity=10)
    enrol(child, activity, site, household)
    days = {
        "past": add_session(activity, site, date(2026, 11, 19)),
        "booked": add_session(activity, site, date(2026, 11, 23)),
        "full": add_session(activity, site, date(2026, 11, 24), capacity=2, booked=2),
        "closed": add_session(activity, site, date(2026, 11, 26)),
        "waiting": add_session(activity, site, date(2026, 11, 27), capacity=1, booked=1),
        "open": add_session(activity, site, date(2026, 11, 30)),
    }
    Session.objects.filter(pk=days["closed"].pk).update(
        closure=Closure.objects.create(date=date(2026, 11, 26), reason="Journée pédagogique")
    )
    booked = Booking.objects.create(
        session=days["booked"], child=child, household=household, status=BookingStatus.CONFIRMED
    )
    Session.objects.filter(pk=days["booked"].pk).update(booked=1)
    Booking.objects.create(
        session=days["waiting"], child=child, household=household, status=BookingStatus.WAITING
    )
    login(client, parent)
    return parent, household, child, activity, days, booked


def test_each_day_says_its_state_in_an_accessible_table(client, november):
    _parent, _household, child, _activity, days, booked = november

    response = client.get(month_url(child))

    assert response.status_code == 200
    assertContains(response, "<h1>Réservations de Lucie – novembre 2026</h1>", html=True)
    assertContains(
        response, "<caption>Séances de Lucie en novembre 2026, semaine par semaine</caption>", html=True
    )
    assertContains(response, '<th scope="col">Lundi</th>', html=True)
    assertContains(response, '<span class="badge badge--success">Réservé</span>', html=True)
    assertContains(response, '<span class="badge badge--warning">Liste d\'attente</span>', html=True)
    assertContains(response, '<span class="badge badge--danger">Complet</span>', html=True)
    assertContains(response, '<span class="badge badge--neutral">Fermé</span>', html=True)
    assertContains(response, "Journée pédagogique")
    assertContains(response, '<span class="badge badge--neutral">Délai dépassé</span>', html=True)
    # Open days and full days with a waiting list have a checkbox; the booked day can be cancelled free.
    for key, label in (("open", "Réserver"), ("full", "Liste d'attente")):
        session = days[key]
        assertContains(
            response, f'<input type="checkbox" name="book" value="{session.pk}" id="book-{session.pk}">'
        )
        assertContains(response, f'<label for="book-{session.pk}">{label} : Restauration scolaire')
    assertNotContains(response, f'value="{days["past"].pk}"')
    assertNotContains(response, f'value="{days["closed"].pk}"')
    assertContains(
        response, f'<input type="checkbox" name="cancel" value="{booked.pk}" id="cancel-{booked.pk}">'
    )
    assertContains(response, 'name="week" value="2026-11-23"')


def test_ticking_days_books_them_without_javascript_and_shows_the_result(client, november):
    _parent, household, child, _activity, days, _booked = november

    response = client.post(month_url(child), {"book": [days["open"].pk, days["full"].pk]})

    assert response.status_code == 302 and response.url == reverse("famille:booking_result")
    assert Booking.objects.get(session=days["open"], child=child).status == BookingStatus.CONFIRMED
    assert Booking.objects.get(session=days["full"], child=child).status == BookingStatus.WAITING
    assert Booking.objects.get(session=days["open"], child=child).household == household
    page = client.get(response.url)
    assertContains(page, '<h2 id="booked-title">Jours réservés (1)</h2>', html=True)
    assertContains(page, "Lundi 30 novembre 2026 : Restauration scolaire")
    assertContains(page, '<h2 id="waiting-title">Jours sur liste d\'attente (complets) (1)</h2>', html=True)
    assertContains(page, "Mardi 24 novembre 2026 : Restauration scolaire")
    assertContains(page, f'href="{month_url(child)}"')


def test_the_week_button_books_every_open_day_of_the_week(client, november):
    _parent, _household, child, activity, days, _booked = november
    site = days["open"].site
    tuesday = add_session(activity, site, date(2026, 12, 1))

    response = client.post(month_url(child), {"week": "2026-11-30"})

    assert response.status_code == 302
    assert Booking.objects.filter(child=child, session__in=[days["open"], tuesday]).count() == 2


def test_ticking_a_booking_cancels_it_free_and_frees_the_place(client, november):
    _parent, _household, child, _activity, days, booked = november

    response = client.post(month_url(child), {"cancel": [booked.pk]})

    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == BookingStatus.CANCELLED
    days["booked"].refresh_from_db()
    assert days["booked"].booked == 0
    assertContains(client.get(response.url), "Réservations annulées sans frais (1)")


def test_nothing_ticked_or_a_foreign_day_shows_the_error_and_keeps_the_ticks(client, november):
    _parent, _household, child, _activity, days, booked = november
    stranger, their_household, (their_child,) = family()
    theirs = Booking.objects.create(
        session=days["open"], child=their_child, household=their_household, status=BookingStatus.CONFIRMED
    )

    empty = client.post(month_url(child), {})
    foreign = client.post(month_url(child), {"book": [days["open"].pk], "cancel": [theirs.pk]})

    assertContains(empty, "Cochez au moins un jour à réserver ou une réservation à annuler.")
    assertContains(
        foreign,
        "<li>Une des réservations cochées n&#x27;est plus la vôtre : rechargez la page.</li>",
        html=True,
    )
    assertContains(
        foreign,
        f'<input type="checkbox" name="book" value="{days["open"].pk}" id="book-{days["open"].pk}" checked>',
    )
    assert foreign.status_code == 200
    assert not Booking.objects.filter(child=child, session=days["open"]).exists()
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.CONFIRMED


def test_someone_elses_child_is_not_found_and_other_methods_are_refused(client, november):
    _parent, _household, child, _activity, _days, _booked = november
    _stranger, _their_household, (their_child,) = family()

    assert client.get(month_url(their_child)).status_code == 404
    assert client.post(month_url(their_child), {"week": "2026-11-23"}).status_code == 404
    assert client.get(reverse("famille:calendar", args=[their_child.pk])).status_code == 404
    assert client.get(month_url(child, 2026, 13)).status_code == 404
    assert client.put(month_url(child)).status_code == 405
    assert client.post(reverse("famille:calendar", args=[child.pk])).status_code == 405


def test_this_month_is_the_default_and_the_months_link_to_each_other(client, november):
    _parent, _household, child, _activity, _days, _booked = november

    response = client.get(reverse("famille:calendar", args=[child.pk]))

    assertContains(response, "novembre 2026")
    # Its form posts to the month's own address, which books.
    assertContains(response, f'<form method="post" action="{month_url(child)}" novalidate>')
    assertContains(response, f'href="{month_url(child, 2026, 10)}"')
    assertContains(response, f'href="{month_url(child, 2026, 12)}"')


def test_the_calendar_keeps_its_query_count_from_1_to_60_bookings_of_3_children(
    client, django_assert_max_num_queries
):
    parent, household, children = family(children=3)
    canteen, school = activity_at(capacity=30)
    evening, _same = activity_at(school, kind=ActivityKind.EVENING_CARE, name="Accueil du soir")
    sessions = []
    day = date(2026, 12, 1)
    while day <= date(2026, 12, 18):
        if day.weekday() < 5:
            sessions += [add_session(canteen, school, day), add_session(evening, school, day)]
        day += timedelta(days=1)
    for child in children:
        enrol(child, canteen, school, household)
        enrol(child, evening, school, household)
    Booking.objects.create(
        session=sessions[0], child=children[0], household=household, status=BookingStatus.CONFIRMED
    )
    login(client, parent)
    url = month_url(children[0], 2026, 12)
    client.get(url)  # warm: the session, the town

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    pairs = [(session, child) for child in children for session in sessions][1:60]
    Booking.objects.bulk_create(
        Booking(
            session=session,
            child=child,
            household=household,
            status=BookingStatus.WAITING if index % 5 == 0 else BookingStatus.CONFIRMED,
        )
        for index, (session, child) in enumerate(pairs)
    )
    assert Booking.objects.filter(household=household).count() == 60
    with django_assert_max_num_queries(len(one)), CaptureQueriesContext(connection) as sixty:
        response = client.get(url)

    assert len(sixty) == len(one)
    assert response.content.decode().count("badge--success") > 10
    assert response.content.decode().count("position ") > 0


def test_a_missing_document_is_named_above_the_calendar(client, november):
    import importlib

    from django.apps import apps as django_apps

    from famille.models import RequiredDocument

    _parent, household, child, _activity, _days, _booked = november
    importlib.import_module("coffre.migrations.0002_seed_document_types").seed(django_apps, None)
    importlib.import_module("famille.migrations.0001_initial").seed_required_documents(django_apps, None)
    RequiredDocument.objects.update(is_active=True)

    response = client.get(month_url(child))

    assertContains(response, "Les réservations sont bloquées : des documents manquent ou sont périmés.")
    for label in RequiredDocument.objects.values_list("document_type__label", flat=True):
        assertContains(response, f"<li>{escape(label)} (manquant)</li>", html=True)
    assertContains(response, reverse("famille:documents", args=[household.pk]))


def test_a_session_started_today_offers_no_cancellation(client, november):
    _parent, household, child, activity, days, _booked = november
    with time_machine.travel(datetime.combine(date(2026, 11, 23), time(12, 0), tzinfo=PARIS), tick=False):
        # Back on the portal that day: a new session (the idle one of the fixture has ended).
        login(client, _parent)
        response = client.get(month_url(child))

    assertNotContains(response, f'name="cancel" value="{_booked.pk}"')
    assertNotContains(response, reverse("famille:booking_cancel", args=[_booked.pk]))
    assertContains(response, '<span class="badge badge--success">Réservé</span>', html=True)
