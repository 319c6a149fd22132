"""The pages of those who book: the forms (one-off and weekly), the weekly request's result, "Mes réservations
de salles", cancelling, and the association's feed; someone else's bookings are a 404, and so are an
association's for a member who left it."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from associations import services as association_services
from associations.rooms import feeds, services
from associations.rooms.enums import BookingStatus
from associations.rooms.models import Booking, BookingSeries, FeedKey
from associations.rooms.schedule import PARIS
from tests.associations.rooms.factories import (
    RoomFactory,
    association_of,
    confirmed,
    join,
    request,
    rooms_agent,
    vie_associative,
)
from tests.factories import UserFactory, make_town, person_party
from tests.helpers import login

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 8, 20, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _world():
    make_town(name="Villebelle")
    vie_associative()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent():
    return rooms_agent()


@pytest.fixture
def club(agent):
    return association_of(name="Basket Club", agent=agent)


@pytest.fixture
def gym():
    return RoomFactory(name="Gymnase", capacity=40, hours=[(1, time(17), time(22)), (5, time(9), time(18))])


@pytest.fixture
def president(client, club):
    login(client, club.created_by)
    return club.created_by


def form_data(club, **changes):
    return {
        "party": str(club.party_id),
        "day": "2025-09-06",
        "start": "10:00",
        "end": "12:00",
        "purpose": "Tournoi des jeunes",
        "attendees": "30",
        **changes,
    }


# The one-off form ---------------------------------------------------------------------------------


def test_the_form_offers_the_user_s_verified_associations_and_sends_the_request(client, president, club, gym):
    association_of(president, name="Club en attente", verified=False)

    page = client.get(reverse("associations:rooms_book", args=[gym.pk]))
    response = client.post(reverse("associations:rooms_book", args=[gym.pk]), form_data(club))

    assertContains(page, "Basket Club")
    # The room is not open to private persons; the association waiting for verification is not offered.
    assertNotContains(page, "Moi-même")
    assertNotContains(page, "Club en attente")
    assert response.status_code == 302 and response.url == reverse("associations:rooms_my_bookings")
    booking = Booking.objects.get()
    assert (booking.party, booking.status, booking.purpose, booking.attendees) == (
        club.party,
        BookingStatus.PENDING,
        "Tournoi des jeunes",
        30,
    )
    assert booking.starts_at == datetime(2025, 9, 6, 10, 0, tzinfo=PARIS)
    followed = client.get(response.url)
    assertContains(followed, "Votre demande est envoyée au service de la vie associative")


def test_a_refused_request_shows_the_french_reason_and_keeps_what_was_typed(client, president, club, gym):
    response = client.post(
        reverse("associations:rooms_book", args=[gym.pk]),
        form_data(club, start="08:00", end="10:00", attendees="12"),
    )

    assert response.status_code == 200
    assertContains(response, "Ce créneau sort des horaires de la salle, ouverte le samedi de 09:00 à 18:00.")
    assertContains(response, 'value="Tournoi des jeunes"')
    assertContains(response, 'value="08:00"')
    assertContains(response, 'value="12"')
    assert response.context["form"].data["day"] == "2025-09-06"
    assert not Booking.objects.exists()


def test_invalid_fields_are_shown_with_their_errors(client, president, club, gym):
    response = client.post(
        reverse("associations:rooms_book", args=[gym.pk]),
        form_data(club, day="31/02/2025", end="09:00", attendees="0"),
    )

    assertContains(response, "Indiquez une date valide")
    assertContains(response, "Indiquez au moins 1 participant.")
    assertContains(response, "<title>Erreur : ", count=1)
    assert not Booking.objects.exists()


def test_someone_else_s_association_cannot_be_chosen(client, gym, agent):
    other = association_of(name="Chorale", agent=agent)
    login(client, UserFactory())

    response = client.post(reverse("associations:rooms_book", args=[gym.pk]), form_data(other))

    assertContains(response, "se réserve au nom d'une association vérifiée")
    assert not Booking.objects.exists()


def test_a_private_person_books_a_room_open_to_them(client):
    hall = RoomFactory(private_allowed=True, needs_approval=False, private_hourly_cents=2000)
    citizen = UserFactory()
    login(client, citizen)

    response = client.post(
        reverse("associations:rooms_book", args=[hall.pk]),
        {
            "party": str(person_party(citizen).pk),
            "day": "2025-09-06",
            "start": "14:00",
            "end": "16:00",
            "purpose": "Anniversaire",
            "attendees": "20",
        },
    )

    assert response.status_code == 302
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assertContains(client.get(response.url), "Votre réservation est confirmée.")


def test_the_booking_pages_need_an_account_and_a_room_that_exists(client, gym):
    assert client.get(reverse("associations:rooms_book", args=[gym.pk])).status_code == 302
    login(client, UserFactory())
    assert client.get(reverse("associations:rooms_book", args=[9999])).status_code == 404
    assert client.put(reverse("associations:rooms_book", args=[gym.pk])).status_code == 405


# The weekly form and its result -----------------------------------------------------------------


def test_a_weekly_request_leads_to_its_result_with_the_conflicts_listed(client, president, club, gym, agent):
    confirmed(gym, day=date(2025, 9, 16), start=(19, 0), end=(20, 30), agent=agent)

    response = client.post(
        reverse("associations:rooms_book_series", args=[gym.pk]),
        {
            "party": str(club.party_id),
            "weekday": "1",
            "start": "18:00",
            "end": "20:00",
            "first_date": "2025-09-02",
            "last_date": "2025-11-25",
            "purpose": "Entraînement",
            "attendees": "24",
        },
    )

    series = BookingSeries.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "associations:rooms_series", args=[series.pk]
    )
    page = client.get(response.url)
    assertContains(page, "11 dates demandées.")
    assertContains(page, '<th scope="row">Mardi 16 septembre 2025</th>', html=True)
    assertContains(page, "Déjà réservé à cette heure (réservé 19:00–20:30)")
    assertContains(page, '<th scope="row">Mardi 11 novembre 2025</th>', html=True)
    assertContains(page, "Jour férié (Armistice)")
    assert page.content.decode().count("En attente de validation") == 11


def test_a_weekly_request_with_an_error_keeps_what_was_typed(client, president, club, gym):
    response = client.post(
        reverse("associations:rooms_book_series", args=[gym.pk]),
        {
            "party": str(club.party_id),
            "weekday": "1",
            "start": "18:00",
            "end": "20:00",
            "first_date": "2025-09-02",
            "last_date": "2025-08-01",
            "purpose": "Entraînement",
            "attendees": "24",
        },
    )

    assertContains(response, "La dernière date doit suivre la première.")
    assertContains(response, 'value="2025-08-01"')
    assertContains(response, '<option value="1" selected>Mardi</option>', html=True)
    assert not BookingSeries.objects.exists()


def test_a_series_is_its_party_s_and_a_member_who_left_loses_it_at_once(client, club, gym):
    member = join(club, UserFactory())
    series = services.request_series(
        actor=club.created_by,
        room=gym,
        party=club.party,
        weekday=1,
        start=time(18),
        end=time(20),
        first_date=date(2025, 9, 2),
        last_date=date(2025, 9, 30),
        purpose="Entraînement",
        attendees=20,
    ).series
    url = reverse("associations:rooms_series", args=[series.pk])

    login(client, member)
    assert client.get(url).status_code == 200
    association_services.leave_association(actor=member, association=club)
    assert client.get(url).status_code == 404
    assert client.get(reverse("associations:rooms_series_cancel", args=[series.pk])).status_code == 404
    first = series.bookings.order_by("period").first()
    assert client.get(reverse("associations:rooms_booking_cancel", args=[first.pk])).status_code == 404
    assert (
        client.post(reverse("associations:rooms_association_feed_renew", args=[club.pk])).status_code == 404
    )
    assert club.party.name not in client.get(reverse("associations:rooms_my_bookings")).content.decode()
    login(client, UserFactory())
    assert client.get(url).status_code == 404


# Mes réservations de salles ---------------------------------------------------------------------


def test_my_bookings_lists_the_user_s_and_their_associations_bookings_with_invoices(
    client, president, club, agent
):
    hall = RoomFactory(
        name="Salle des fêtes", association_hourly_cents=1000, deposit_cents=5000, needs_approval=False
    )
    paid = request(
        president, hall, party=club.party, day=date(2025, 9, 6), start=(14, 0), end=(16, 0), purpose="Loto"
    )
    confirmed(hall, day=date(2025, 9, 13), agent=agent)  # another association's

    response = client.get(reverse("associations:rooms_my_bookings"))

    assertContains(response, "<h1>Mes réservations de salles</h1>", html=True)
    assertContains(response, "Loto")
    assertContains(response, reverse("regie_pages:invoice_detail", args=[paid.invoice_id]))
    assertContains(response, reverse("regie_pages:invoice_detail", args=[paid.deposit_invoice_id]))
    assertContains(response, "À payer")
    assertContains(response, reverse("associations:rooms_booking_cancel", args=[paid.pk]))
    assert response.context["mine"].upcoming == [paid]
    assert client.post(reverse("associations:rooms_my_bookings")).status_code == 405


def test_my_bookings_keeps_a_fixed_number_of_queries(
    client, president, club, agent, django_assert_max_num_queries
):
    hall = RoomFactory(association_hourly_cents=1000, deposit_cents=5000, needs_approval=False)
    for day in range(1, 21):
        request(president, hall, party=club.party, day=date(2025, 9, day), start=(10, 0), end=(11, 0))
    for weekday in range(3):
        services.request_series(
            actor=president,
            room=hall,
            party=club.party,
            weekday=weekday,
            start=time(18),
            end=time(19),
            first_date=date(2025, 10, 1),
            last_date=date(2025, 12, 31),
            purpose="Cours",
            attendees=5,
        )

    with django_assert_max_num_queries(16):
        response = client.get(reverse("associations:rooms_my_bookings"))

    assert len(response.context["mine"].upcoming) == 20
    assert len(response.context["mine"].series) == 3


def test_a_member_creates_then_renews_the_association_feed(client, president, club):
    url = reverse("associations:rooms_association_feed_renew", args=[club.pk])

    created = client.post(url)
    key = FeedKey.objects.get(party=club.party)
    old = feeds.feed_path(key)
    renewed = client.post(url)

    assert created.status_code == 302 and created.url.endswith("#agendas")
    key.refresh_from_db()
    page = client.get(renewed.url)
    assertContains(page, "Nouvelle adresse de l&#x27;agenda")
    assertContains(page, feeds.feed_url(key))
    assert client.get(old).status_code == 404
    assert client.get(url).status_code == 405
    login(client, UserFactory())
    assert client.post(url).status_code == 404


# Cancelling -------------------------------------------------------------------------------------------


def test_the_cancel_page_shows_the_rules_then_cancels(client, president, club):
    hall = RoomFactory(association_hourly_cents=1000, needs_approval=False, free_cancellation_days=7)
    booking = request(president, hall, party=club.party, day=date(2025, 9, 6), start=(14, 0), end=(16, 0))
    url = reverse("associations:rooms_booking_cancel", args=[booking.pk])

    page = client.get(url)
    response = client.post(url)

    assertContains(page, "Annulation gratuite jusqu'au")
    assertContains(page, "samedi 30 août 2025 à 14:00")
    assertContains(page, "Vous êtes dans le délai d'annulation gratuite.")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_a_late_cancellation_says_the_rental_stays_due(client, president, club):
    hall = RoomFactory(association_hourly_cents=1000, needs_approval=False)
    booking = request(president, hall, party=club.party, day=date(2025, 8, 23), start=(14, 0), end=(16, 0))

    page = client.get(reverse("associations:rooms_booking_cancel", args=[booking.pk]))

    assertContains(page, "Le délai d'annulation gratuite est passé.")
    assertContains(page, "la location (20,00")
    assertContains(page, "Annuler quand même (location due)")


def test_a_booking_that_started_cannot_be_cancelled_and_the_page_says_why(client, president, club):
    booking = request(
        president,
        RoomFactory(needs_approval=False),
        party=club.party,
        day=date(2025, 8, 20),
        start=(14, 0),
        end=(16, 0),
    )

    with time_machine.travel(datetime(2025, 8, 20, 15, 0, tzinfo=PARIS), tick=False):
        # Back on the portal that day: a new session (the idle one of the fixture has ended).
        login(client, president)
        page = client.get(reverse("associations:rooms_booking_cancel", args=[booking.pk]))
        refused = client.post(reverse("associations:rooms_booking_cancel", args=[booking.pk]))

    assertContains(page, "ne peut plus être annulé en ligne")
    assertContains(refused, "L'annulation n'a pas abouti")
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_someone_else_s_booking_is_a_404(client, club, gym):
    booking = request(
        club.created_by, gym, party=club.party, day=date(2025, 9, 6), start=(10, 0), end=(12, 0)
    )
    login(client, UserFactory())

    assert client.get(reverse("associations:rooms_booking_cancel", args=[booking.pk])).status_code == 404
    assert client.post(reverse("associations:rooms_booking_cancel", args=[booking.pk])).status_code == 404
    assert Booking.objects.get().status == BookingStatus.PENDING


def test_the_series_cancel_page_lists_the_free_and_the_billed_dates(client, president, club):
    hall = RoomFactory(association_hourly_cents=1000, needs_approval=False)
    series = services.request_series(
        actor=president,
        room=hall,
        party=club.party,
        weekday=1,
        start=time(18),
        end=time(20),
        first_date=date(2025, 8, 26),
        last_date=date(2025, 9, 30),
        purpose="Entraînement",
        attendees=20,
    ).series
    url = reverse("associations:rooms_series_cancel", args=[series.pk])

    page = client.get(url)
    response = client.post(url)

    assertContains(page, "6 dates à venir seront annulées")
    assertContains(page, "1 hors délai, dont la location reste due :")
    assertContains(page, "26 août 2025")
    assert response.status_code == 302
    assert set(series.bookings.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    assertContains(client.get(url), "Il ne reste aucune date à venir")


def test_mon_espace_shows_the_next_bookings_in_a_card(client, president, club, gym):
    booking = request(president, gym, party=club.party, day=date(2025, 9, 6), start=(10, 0), end=(12, 0))

    response = client.get(reverse("portal:dashboard"))

    assertContains(response, "Mes réservations de salles")
    assertContains(response, "Samedi 6 septembre, 10:00–12:00 : Gymnase")
    assertContains(response, reverse("associations:rooms_my_bookings"))
    services.cancel_booking(actor=president, booking=booking)
    assertNotContains(client.get(reverse("portal:dashboard")), "Samedi 6 septembre")
