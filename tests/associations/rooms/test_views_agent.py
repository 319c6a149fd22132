"""The back-office of the rooms: requests to decide with their conflicts, a booking's and a series' decisions,
the calendars with who booked, the after-event check, the room's feed, and the régie's settlements."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from associations.rooms import feeds, services
from associations.rooms.enums import BookingStatus, SettlementStatus
from associations.rooms.models import Booking, FeedKey, Settlement
from associations.rooms.schedule import PARIS
from regie.enums import InvoiceStatus
from regie.models import Invoice
from tests.associations.rooms.factories import (
    RoomFactory,
    association_of,
    both_agent,
    confirmed,
    regie_agent,
    request,
    rooms_agent,
    vie_associative,
)
from tests.factories import UserFactory, make_agent, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
SATURDAY = date(2026, 3, 14)


@pytest.fixture(autouse=True)
def _world():
    make_town(name="Villebelle")
    vie_associative()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent(client):
    agent = rooms_agent(first_name="Alex", last_name="Durand")
    login(client, agent)
    return agent


@pytest.fixture
def club(agent):
    return association_of(name="Basket Club", agent=agent)


@pytest.fixture
def room():
    return RoomFactory(name="Salle des fêtes", association_hourly_cents=1000, deposit_cents=20000)


# The list --------------------------------------------------------------------------------------------


def test_the_list_shows_requests_with_their_conflicts_and_series(client, agent, club, room):
    waiting = request(club.created_by, room, party=club.party, day=SATURDAY, start=(19, 0), end=(21, 0))
    taken = confirmed(room, day=SATURDAY, start=(18, 0), end=(20, 0), agent=agent)
    chorale = association_of(name="Chorale", agent=agent)
    rival = request(chorale.created_by, room, party=chorale.party, day=SATURDAY, start=(20, 30), end=(22, 0))
    series = services.request_series(
        actor=club.created_by,
        room=room,
        party=club.party,
        weekday=1,
        start=time(18),
        end=time(20),
        first_date=date(2026, 3, 3),
        last_date=date(2026, 3, 31),
        purpose="Entraînement",
        attendees=10,
    ).series

    response = client.get(reverse("associations:agent_rooms"))

    assert reverse("associations:agent_rooms") == "/agent/associations/salles/"
    assertContains(response, "<h1>Salles : demandes et réservations</h1>", html=True)
    assertContains(response, reverse("associations:rooms_agent_booking", args=[waiting.pk]))
    assertContains(response, reverse("associations:rooms_agent_booking", args=[taken.pk]))
    assertContains(response, reverse("associations:rooms_agent_series", args=[series.pk]))
    assertContains(
        response, '<a href="/agent/associations/salles/" aria-current="page">Salles</a>', html=True
    )
    page = response.context["home"]
    by_booking = {row.booking.pk: row for row in page.requests}
    assert by_booking[waiting.pk].conflicts == [taken]
    assert by_booking[waiting.pk].competing == [rival]
    assert by_booking[rival.pk].conflicts == []
    assert [(row.series, row.pending) for row in page.series] == [(series, 5)]
    assert client.post(reverse("associations:agent_rooms")).status_code == 405


def test_the_list_keeps_a_fixed_number_of_queries(client, agent, room, django_assert_max_num_queries):
    for day in range(3, 28):
        club = association_of(agent=agent)
        request(club.created_by, room, party=club.party, day=date(2026, 3, day))
        services.request_series(
            actor=club.created_by,
            room=RoomFactory(),
            party=club.party,
            weekday=day % 7,
            start=time(18),
            end=time(20),
            first_date=date(2026, 3, 3),
            last_date=date(2026, 4, 28),
            purpose="Cours",
            attendees=5,
        )

    with django_assert_max_num_queries(16):
        response = client.get(reverse("associations:agent_rooms"))

    assert len(response.context["home"].requests) == 25 and len(response.context["home"].series) == 25


@pytest.mark.parametrize("who", ["citizen", "other_service", "regie_only"])
def test_citizens_and_other_services_get_403(client, who):
    user = {"citizen": UserFactory(), "other_service": make_agent(), "regie_only": regie_agent()}[who]
    login(client, user)

    assert client.get(reverse("associations:agent_rooms")).status_code == 403


# A booking --------------------------------------------------------------------------------------------


def test_an_agent_approves_a_request_which_is_billed(client, agent, club, room):
    booking = request(club.created_by, room, party=club.party, day=SATURDAY, start=(14, 0), end=(18, 0))

    page = client.get(reverse("associations:rooms_agent_booking", args=[booking.pk]))
    response = client.post(reverse("associations:rooms_agent_booking_approve", args=[booking.pk]))

    assertContains(page, "Valider la réservation")
    assertContains(page, "Basket Club (association)")
    assert response.status_code == 302 and response.url == reverse("associations:agent_rooms")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert Invoice.objects.get(pk=booking.invoice_id).total_cents == 4000
    assertContains(client.get(response.url), f"Réservation {booking.reference} confirmée")


def test_approving_over_a_confirmed_booking_shows_why_on_the_page(client, agent, club, room):
    booking = request(club.created_by, room, party=club.party, day=SATURDAY, start=(19, 0), end=(21, 0))
    confirmed(room, day=SATURDAY, start=(20, 0), end=(22, 0), agent=agent)

    response = client.post(reverse("associations:rooms_agent_booking_approve", args=[booking.pk]))

    assert response.status_code == 200
    assertContains(response, "La décision n'a pas été enregistrée")
    assertContains(response, "la demande reste en attente")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.PENDING


def test_a_refusal_without_a_reason_is_shown_again_then_made(client, agent, club, room):
    booking = request(club.created_by, room, party=club.party, day=SATURDAY)
    url = reverse("associations:rooms_agent_booking_refuse", args=[booking.pk])

    empty = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "La salle est réservée au conseil municipal."})

    assertContains(empty, "Indiquez le motif du refus.")
    assert done.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.refusal_reason) == (
        BookingStatus.REFUSED,
        "La salle est réservée au conseil municipal.",
    )


def test_the_decision_pages_answer_404_405_and_403_as_they_should(client, agent, club, room):
    booking = request(club.created_by, room, party=club.party, day=SATURDAY)

    assert client.get(reverse("associations:rooms_agent_booking", args=[9999])).status_code == 404
    assert (
        client.get(reverse("associations:rooms_agent_booking_approve", args=[booking.pk])).status_code == 405
    )
    assert (
        client.get(reverse("associations:rooms_agent_booking_refuse", args=[booking.pk])).status_code == 405
    )
    login(client, club.created_by)
    assert (
        client.post(reverse("associations:rooms_agent_booking_approve", args=[booking.pk])).status_code == 403
    )
    assert Booking.objects.get().status == BookingStatus.PENDING


def test_the_check_form_keeps_what_was_typed_and_releases_the_deposit(client, agent, club, room):
    booking = services.approve_booking(
        actor=agent,
        booking=request(club.created_by, room, party=club.party, day=SATURDAY, start=(14, 0), end=(18, 0)),
    )
    url = reverse("associations:rooms_agent_check", args=[booking.pk])

    with time_machine.travel(datetime(2026, 3, 15, 9, 0, tzinfo=PARIS), tick=False):
        # Back on the portal that day: a new session (the idle one of the fixture has ended).
        login(client, agent)
        wrong = client.post(url, {"condition": "damaged", "damage_notes": "", "kept": "50"})
        too_much = client.post(url, {"condition": "damaged", "damage_notes": "Porte abîmée", "kept": "250"})
        done = client.post(url, {"condition": "damaged", "damage_notes": "Porte abîmée", "kept": "50"})

    assertContains(wrong, "Décrivez les dégradations ou manquements constatés.")
    assertContains(wrong, 'value="50"')
    assertContains(too_much, "La retenue ne peut pas dépasser la caution.")
    assertContains(too_much, "Porte abîmée")
    assert done.status_code == 302
    booking.refresh_from_db()
    assert (booking.deposit_kept_cents, booking.damage_notes) == (5000, "Porte abîmée")
    assert Settlement.objects.get().amount_cents == 15000


def test_the_check_before_the_end_is_refused_on_the_page(client, agent, club, room):
    booking = services.approve_booking(
        actor=agent, booking=request(club.created_by, room, party=club.party, day=SATURDAY)
    )

    response = client.post(
        reverse("associations:rooms_agent_check", args=[booking.pk]), {"condition": "good"}
    )

    assertContains(response, "L&#x27;état des lieux se fait après la fin du créneau")
    assertContains(response, 'value="good" required id="id_condition_0" checked')
    assert Booking.objects.get(pk=booking.pk).checked_at is None


# A series ------------------------------------------------------------------------------------------------


def test_approving_a_series_reports_the_dates_taken_meanwhile(client, agent, club, room):
    series = services.request_series(
        actor=club.created_by,
        room=room,
        party=club.party,
        weekday=1,
        start=time(18),
        end=time(20),
        first_date=date(2026, 3, 3),
        last_date=date(2026, 3, 31),
        purpose="Entraînement",
        attendees=10,
    ).series
    confirmed(room, day=date(2026, 3, 17), start=(17, 0), end=(18, 30), agent=agent)

    page = client.get(reverse("associations:rooms_agent_series", args=[series.pk]))
    response = client.post(reverse("associations:rooms_agent_series_approve", args=[series.pk]), follow=True)

    assertContains(page, "5 dates attendent votre décision.")
    assertContains(page, "Déjà réservé")
    assertContains(response, "4 dates confirmées.")
    assertContains(response, "Dates refusées car déjà réservées ou passées : 17 mars 2026.")
    assert series.bookings.filter(status=BookingStatus.CONFIRMED).count() == 4


def test_refusing_a_series_needs_a_reason(client, agent, club, room):
    series = services.request_series(
        actor=club.created_by,
        room=room,
        party=club.party,
        weekday=1,
        start=time(18),
        end=time(20),
        first_date=date(2026, 3, 3),
        last_date=date(2026, 3, 10),
        purpose="Entraînement",
        attendees=10,
    ).series
    url = reverse("associations:rooms_agent_series_refuse", args=[series.pk])

    empty = client.post(url, {"reason": " "})
    done = client.post(url, {"reason": "Gymnase fermé en mars."})

    assertContains(empty, "Indiquez le motif du refus.")
    assert done.status_code == 302
    assert set(series.bookings.values_list("status", flat=True)) == {BookingStatus.REFUSED}
    again = client.post(reverse("associations:rooms_agent_series_approve", args=[series.pk]))
    assertContains(again, "plus de date en attente")


# Calendars and feed -------------------------------------------------------------------------------------


def test_the_agent_calendars_say_who_booked_and_what_waits(client, agent, club, room):
    confirmed(
        room, day=SATURDAY, start=(18, 0), end=(20, 0), party=club.party, actor=club.created_by, agent=agent
    )
    waiting = request(UserFactory(), RoomFactory(private_allowed=True), day=SATURDAY)
    chorale = association_of(name="Chorale", agent=agent)
    request(chorale.created_by, room, party=chorale.party, day=SATURDAY, start=(10, 0), end=(12, 0))

    week = client.get(reverse("associations:rooms_agent_week", args=[room.pk]), {"du": "2026-03-14"})
    month = client.get(reverse("associations:rooms_agent_month", args=[room.pk]), {"mois": "2026-03"})

    assertContains(week, "Réservé 18:00–20:00 : Basket Club")
    assertContains(week, "Demande en attente 10:00–12:00 : Chorale")
    assertContains(month, "18:00–20:00 : Basket Club")
    assertContains(month, "10:00–12:00 en attente : Chorale")
    assertNotContains(week, waiting.reference)


def test_an_agent_creates_and_renews_the_room_feed(client, agent, room):
    url = reverse("associations:rooms_agent_feed_renew", args=[room.pk])

    client.post(url)
    key = FeedKey.objects.get(room=room)
    old = feeds.feed_path(key)
    client.post(url)
    key.refresh_from_db()
    page = client.get(reverse("associations:rooms_agent_room", args=[room.pk]))

    assertContains(page, feeds.feed_url(key))
    assert client.get(old).status_code == 404
    assert client.get(url).status_code == 405


# The régie's settlements ---------------------------------------------------------------------------------


def test_a_regie_agent_settles_what_a_cancellation_asked_for(client, club, room):
    agent = rooms_agent()
    booking = services.approve_booking(
        actor=agent, booking=request(club.created_by, room, party=club.party, day=SATURDAY)
    )
    services.cancel_booking(actor=club.created_by, booking=booking)
    cashier = regie_agent()
    login(client, cashier)

    page = client.get(reverse("associations:rooms_agent_settlements"))
    for settlement in Settlement.objects.all():
        assert (
            client.post(reverse("associations:rooms_agent_settle", args=[settlement.pk])).status_code == 302
        )

    assert len(page.context["page"].waiting) == 2
    assertContains(page, "Régler")
    assert set(Settlement.objects.values_list("status", flat=True)) == {SettlementStatus.DONE}
    assert Invoice.objects.get(pk=booking.invoice_id).status == InvoiceStatus.CANCELLED
    assert client.get(reverse("associations:rooms_agent_settle", args=[1])).status_code == 405


def test_settlements_are_the_regie_s(client, agent):
    assert client.get(reverse("associations:rooms_agent_settlements")).status_code == 403
    login(client, both_agent())
    assert client.get(reverse("associations:rooms_agent_settlements")).status_code == 200
    assert client.post(reverse("associations:rooms_agent_settle", args=[9999])).status_code == 404


def test_the_agent_calendars_and_a_season_s_page_keep_a_fixed_number_of_queries(
    client, agent, club, django_assert_max_num_queries
):
    gym = RoomFactory(name="Gymnase")
    for weekday in range(5):
        other = association_of(agent=agent)
        services.request_series(
            actor=other.created_by,
            room=gym,
            party=other.party,
            weekday=weekday,
            start=time(8),
            end=time(10),
            first_date=date(2026, 3, 2),
            last_date=date(2026, 6, 30),
            purpose="Cours",
            attendees=5,
        )
    season = services.request_series(
        actor=club.created_by,
        room=gym,
        party=club.party,
        weekday=1,
        start=time(18),
        end=time(20),
        first_date=date(2026, 3, 3),
        last_date=date(2026, 12, 29),
        purpose="Entraînement",
        attendees=10,
    ).series
    for day in (date(2026, 3, 10), date(2026, 5, 5), date(2026, 9, 8)):
        confirmed(gym, day=day, start=(19, 0), end=(21, 0), agent=agent)

    with django_assert_max_num_queries(12):
        week = client.get(reverse("associations:rooms_agent_week", args=[gym.pk]), {"du": "2026-03-09"})
    with django_assert_max_num_queries(12):
        month = client.get(reverse("associations:rooms_agent_month", args=[gym.pk]), {"mois": "2026-03"})
    with django_assert_max_num_queries(12):
        page = client.get(reverse("associations:rooms_agent_series", args=[season.pk]))

    assert week.content.decode().count("Demande en attente") >= 5
    assert month.status_code == 200
    assert len(page.context["file"].bookings) == 43  # 44 Tuesdays, less 14 July
    assert sum(1 for booking in page.context["file"].bookings if booking.conflicts_now) == 3
