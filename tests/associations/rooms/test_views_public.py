"""The public pages: the rooms, a room, its week and month calendars (busy slots without names)."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from associations.rooms.models import RoomPhoto
from associations.rooms.schedule import PARIS
from tests.associations.rooms.factories import (
    RoomFactory,
    association_of,
    confirmed,
    request,
    rooms_agent,
    vie_associative,
)
from tests.factories import make_town

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)  # Monday 2 March


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
def hall():
    return RoomFactory(
        name="Salle des fêtes",
        capacity=120,
        equipment="Cuisine équipée\nSonorisation",
        step_free_access=True,
        hearing_loop=True,
        accessibility_details="Deux places de stationnement réservées.",
        association_hourly_cents=1500,
        private_allowed=True,
        private_hourly_cents=3500,
        deposit_cents=30000,
        hours=[(5, time(9), time(23)), (6, time(9), time(12)), (6, time(14), time(20))],
    )


def test_the_rooms_list_is_public_and_its_url_is_the_catalogue_s(client, hall):
    closed = RoomFactory(name="Ancienne école", is_active=False)
    RoomPhoto.objects.create(
        room=hall, image=ContentFile(b"x", name="a.png"), alt_text="La grande salle, tables dressées"
    )

    response = client.get(reverse("associations:rooms"))

    assert reverse("associations:rooms") == "/salles/"
    assertContains(response, "<h1>Salles municipales</h1>", html=True)
    assertContains(
        response,
        f'<a href="{reverse("associations:rooms_room", args=[hall.pk])}">Salle des fêtes</a>',
        html=True,
    )
    assertContains(response, "Jusqu'à 120 personnes")
    assertContains(response, "Associations : 15,00")
    assertContains(response, 'alt="La grande salle, tables dressées"')
    assertNotContains(response, closed.name)
    assert client.post(reverse("associations:rooms")).status_code == 405


def test_the_room_page_shows_what_a_booker_needs(client, hall):
    response = client.get(reverse("associations:rooms_room", args=[hall.pk]))

    assertContains(response, "<h1>Salle des fêtes</h1>", html=True)
    for text in (
        "120 personnes",
        "<li>Cuisine équipée</li>",
        "Accès de plain-pied, par rampe ou ascenseur",
        "Pas de toilettes adaptées",
        "Boucle magnétique pour les personnes malentendantes",
        "Deux places de stationnement réservées.",
        "15,00\u00a0€ de l'heure",
        "35,00\u00a0€ de l'heure (événements familiaux)",
        "300,00\u00a0€ par réservation ponctuelle",
        "Chaque demande est validée par le service",
        "Gratuite jusqu'à 7 jours avant le créneau",
    ):
        assertContains(response, text, html=text.startswith("<"))
    assertContains(
        response,
        '<tr><th scope="row">Dimanche</th><td data-label="Horaires">de 09:00 à 12:00, de 14:00 à 20:00</td></tr>',
        html=True,
    )
    assertContains(
        response, '<tr><th scope="row">Lundi</th><td data-label="Horaires">Fermée</td></tr>', html=True
    )
    assert (
        client.get(reverse("associations:rooms_room", args=[RoomFactory(is_active=False).pk])).status_code
        == 404
    )
    assert client.get(reverse("associations:rooms_room", args=[9999])).status_code == 404


def test_the_week_calendar_shows_busy_slots_as_reserved_without_names(client, hall, agent):
    club = association_of(name="Basket Club Secret", agent=agent)
    confirmed(
        hall,
        day=date(2026, 3, 7),
        start=(18, 30),
        end=(20, 0),
        party=club.party,
        actor=club.created_by,
        agent=agent,
    )
    request(club.created_by, hall, party=club.party, day=date(2026, 3, 8), start=(10, 0), end=(11, 0))

    response = client.get(reverse("associations:rooms_week", args=[hall.pk]), {"du": "2026-03-04"})

    assertContains(response, "Salle des fêtes : semaine du 2 mars au 8 mars 2026")
    assertContains(
        response,
        "<caption>Disponibilités de la salle « Salle des fêtes », semaine du 2 mars au 8 mars 2026, heure par heure</caption>",
        html=True,
    )
    assertContains(
        response,
        '<th scope="col">Samedi 7 mars<span class="rooms-calendar__hours">09:00–23:00</span></th>',
        html=True,
    )
    assertContains(response, '<th scope="row">18:00–19:00</th>', html=True)
    assertContains(response, "Réservé 18:30–20:00")
    assertNotContains(response, "Basket Club Secret")
    assertNotContains(response, "Demande en attente")
    assertContains(response, "?du=2026-02-23")
    assertContains(response, "?du=2026-03-09")
    assertContains(response, "Fermé")
    assertContains(response, "Libre")


def test_the_month_calendar_lists_each_day_s_busy_slots(client, hall, agent):
    confirmed(hall, day=date(2026, 3, 21), start=(14, 0), end=(18, 0), agent=agent)

    response = client.get(reverse("associations:rooms_month", args=[hall.pk]), {"mois": "2026-03"})

    assertContains(response, "<h1>Salle des fêtes : mars 2026</h1>", html=True)
    assertContains(response, "14:00–18:00 Réservé")
    assertContains(
        response,
        '<th scope="col"><span aria-hidden="true">Lun.</span><span class="visually-hidden">Lundi</span></th>',
        html=True,
    )
    assertContains(response, "?mois=2026-02")
    assertContains(response, "?mois=2026-04")
    # A bad month is this month.
    assertContains(
        client.get(reverse("associations:rooms_month", args=[hall.pk]), {"mois": "2026-13"}), "mars 2026"
    )


def test_calendars_keep_a_fixed_number_of_queries(client, agent, django_assert_max_num_queries):
    hall = RoomFactory()
    RoomFactory.create_batch(5)
    monday = date(2026, 3, 9)
    for offset in range(7):
        for start in (9, 12, 15, 18):
            confirmed(
                hall, day=monday + timedelta(days=offset), start=(start, 0), end=(start + 2, 0), agent=agent
            )

    with django_assert_max_num_queries(8):
        week = client.get(reverse("associations:rooms_week", args=[hall.pk]), {"du": "2026-03-09"})
    with django_assert_max_num_queries(8):
        month = client.get(reverse("associations:rooms_month", args=[hall.pk]), {"mois": "2026-03"})
    with django_assert_max_num_queries(8):
        listing = client.get(reverse("associations:rooms"))

    assert week.content.decode().count("Réservé") >= 28
    assert month.content.decode().count("Réservé") >= 28
    assert listing.status_code == 200
