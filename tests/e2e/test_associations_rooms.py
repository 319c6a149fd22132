"""The rooms in a real browser, on Monday 24 August 2026 (the clock moved by time-machine):

1. Anyone looks at the rooms, the Salle des fêtes' page and its week and month calendars (a booked slot
   says "Réservé", never who).
2. The president of the Basket Club signs in, asks for the Salle des fêtes with too many people (the
   page says so and keeps what was typed), then for 80 people; asks for the gymnasium every Tuesday
   18:00–20:00 until mid-December: the result lists the one Tuesday already booked;
   looks at "Mes réservations de salles" and at the cancellation pages (the rules shown first).
3. The vie associative service's agent (password and TOTP, also an agent of the régie) finds the requests,
   approves the hall (billed) and the season, looks at the room's page and its calendars with names,
   records the check of an event that is over, and settles what a cancellation gave back.

Every page passes axe's WCAG 2.1 A/AA rules; screenshots at 360 and 1280 px go to
/tmp/screens/associations-rooms-*.png.
"""

import re
from datetime import date, datetime, time

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from associations import services as association_services
from associations.rooms import services
from associations.rooms.enums import BookingStatus, SettlementStatus
from associations.rooms.models import Booking, BookingSeries, OpeningHours, Room, Settlement
from associations.rooms.schedule import PARIS
from guichet.accounts.models import AgentMembership
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, ServiceFactory, UserFactory, make_agent, make_town

pytestmark = pytest.mark.e2e

PRESIDENT = "nadia.keller@exemple.fr"
MONDAY = datetime(2026, 8, 24, 9, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def storages(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
    }


def _room(**fields) -> Room:
    hours = fields.pop("hours")
    room = Room.objects.create(**fields)
    OpeningHours.objects.bulk_create(
        [OpeningHours(room=room, weekday=d, opens=o, closes=c) for d, o, c in hours]
    )
    return room


@pytest.fixture
def world(time_machine):
    """The town, its vie associative service (an agent also of the régie), two rooms with photos, the Basket
    Club (verified) and the Chorale, which booked the gymnasium on one Tuesday and the hall last Saturday."""
    from associations.rooms.demo import demo_photo
    from associations.rooms.models import RoomPhoto

    time_machine.move_to(MONDAY, tick=True)
    make_town(name="Villebelle")
    service = ServiceFactory(slug=settings.ASSOCIATIONS_SERVICE_SLUG, name="Vie associative")
    agent = make_agent(service, email="agent.salles@villebelle.fr", first_name="Alex", last_name="Durand")
    AgentMembership.objects.create(
        user=agent, service=ServiceFactory(slug=settings.REGIE_SERVICE_SLUG, name="Régie")
    )
    hall = _room(
        name="Salle des fêtes",
        slug="salle-des-fetes",
        description="Grande salle avec scène et cuisine équipée.",
        address="Place de la Mairie",
        capacity=120,
        equipment="Scène\nSonorisation\nCuisine équipée",
        step_free_access=True,
        adapted_toilets=True,
        hearing_loop=True,
        association_hourly_cents=1200,
        private_allowed=True,
        private_hourly_cents=2500,
        deposit_cents=30000,
        free_cancellation_days=14,
        hours=[(4, time(9), time(23)), (5, time(9), time(23)), (6, time(9), time(20))],
    )
    gym = _room(
        name="Gymnase Jean-Moulin",
        slug="gymnase",
        capacity=60,
        equipment="Terrain de basket",
        step_free_access=True,
        hours=[(day, time(17), time(22)) for day in range(5)] + [(5, time(9), time(19))],
    )
    for room, colour in ((hall, (196, 90, 60)), (gym, (70, 140, 80))):
        RoomPhoto.objects.create(
            room=room, image=demo_photo(colour, 0), alt_text=f"Vue de la salle « {room.name} »"
        )
    president = UserFactory(email=PRESIDENT, first_name="Nadia", last_name="Keller")
    club = association_services.verify_association(
        actor=agent,
        association=association_services.create_association(
            actor=president, name="Basket Club de Villebelle", rna="W751000456", purpose="Basket-ball."
        ),
    )
    chorale_president = UserFactory()
    chorale = association_services.verify_association(
        actor=agent,
        association=association_services.create_association(
            actor=chorale_president, name="Chorale du Lac", rna="W751000789", purpose="Chant choral."
        ),
    )

    def book(room, day, start, end, purpose, *, now=None):
        booking = services.request_booking(
            actor=chorale_president,
            room=room,
            party=chorale.party,
            day=day,
            start=start,
            end=end,
            purpose=purpose,
            attendees=30,
            now=now,
        )
        return services.approve_booking(actor=agent, booking=booking, now=now)

    book(gym, date(2026, 9, 15), time(19), time(21), "Concert de rentrée")
    book(hall, date(2026, 9, 5), time(14), time(18), "Répétition générale")
    # Last Saturday's concert, over: its check is to do.
    over = book(
        hall,
        date(2026, 8, 22),
        time(14),
        time(18),
        "Concert d'été",
        now=datetime(2026, 8, 1, 9, 0, tzinfo=PARIS),
    )
    return {"agent": agent, "president": president, "club": club, "hall": hall, "gym": gym, "over": over}


def main(page):
    return page.get_by_role("main")


def look(page, name: str) -> None:
    check_accessibility(page)
    take_screenshots(page, name=f"associations-rooms-{name}")


def log_in(page, email: str, *, next_path: str) -> None:
    page.goto(f"/compte/login/?next={next_path}")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()


def log_in_agent(page, agent, *, next_path: str) -> None:
    log_in(page, agent.email, next_path=next_path)
    device = TOTPDevice.objects.get(user=agent)
    page.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Valider").click()


def log_out(page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()


def test_rooms_are_seen_booked_weekly_decided_checked_and_settled(page, world):
    hall, gym, agent = world["hall"], world["gym"], world["agent"]

    # 1. The public pages.
    page.goto("/salles/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Salles municipales")
    look(page, "list")
    main(page).get_by_role("link", name="Salle des fêtes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Salle des fêtes")
    expect(main(page)).to_contain_text("300,00")
    look(page, "room")
    page.goto(f"/salles/{hall.pk}/semaine/?du=2026-09-05")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Salle des fêtes : semaine du 31 août au 6 septembre 2026"
    )
    expect(main(page)).to_contain_text("Réservé 14:00–18:00")
    expect(main(page)).not_to_contain_text("Chorale")
    look(page, "week")
    main(page).get_by_role("link", name="Voir le mois").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Salle des fêtes : août 2026")
    look(page, "month")

    # 2. The president books the hall, then the gymnasium every Tuesday of the season.
    log_in(page, PRESIDENT, next_path=f"/salles/{hall.pk}/reserver/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Réserver un créneau : Salle des fêtes")
    page.get_by_label("Basket Club de Villebelle").check()
    page.get_by_label(re.compile(r"^Date")).fill("2026-10-10")
    page.get_by_label(re.compile(r"^De \(")).fill("14:00")
    page.get_by_label(re.compile(r"^À \(")).fill("22:00")
    page.get_by_label(re.compile("^Objet ou nom")).fill("Loto du club")
    page.get_by_label(re.compile("^Nombre de participants")).fill("150")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "La salle accueille 120 personnes au plus : vous en attendez 150."
    )
    expect(page.get_by_label(re.compile("^Objet ou nom"))).to_have_value("Loto du club")
    look(page, "book-error")
    page.get_by_label(re.compile("^Nombre de participants")).fill("80")
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes réservations de salles")
    expect(page.get_by_role("status").first).to_contain_text("Votre demande est envoyée")
    loto = Booking.objects.get(purpose="Loto du club")
    assert loto.status == BookingStatus.PENDING

    page.goto(f"/salles/{gym.pk}/reserver-chaque-semaine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Réserver chaque semaine : Gymnase Jean-Moulin")
    look(page, "book-series")
    page.get_by_label("Basket Club de Villebelle").check()
    page.get_by_label("Chaque").select_option(label="Mardi")
    page.get_by_label(re.compile(r"^De \(")).fill("18:00")
    page.get_by_label(re.compile(r"^À \(")).fill("20:00")
    page.get_by_label("À partir du").fill("2026-09-01")
    page.get_by_label("Jusqu'au").fill("2026-12-15")
    page.get_by_label(re.compile("^Objet ou nom")).fill("Entraînements des jeunes")
    page.get_by_label(re.compile("^Nombre de participants")).fill("30")
    page.get_by_role("button", name="Demander ces dates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gymnase Jean-Moulin : chaque mardi, 18:00–20:00"
    )
    expect(main(page)).to_contain_text("15 dates demandées")
    expect(main(page)).to_contain_text("Déjà réservé à cette heure (réservé 19:00–21:00)")
    look(page, "series")
    series = BookingSeries.objects.get()
    assert [c.date for c in series.conflicts.order_by("date")] == [date(2026, 9, 15)]

    page.goto("/mon-espace/salles/")
    look(page, "my-bookings")
    main(page).get_by_role("link", name=re.compile("^Retirer la demande")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annuler la réservation : Salle des fêtes")
    look(page, "cancel")
    page.goto(f"/mon-espace/salles/series/{series.pk}/annuler/")
    expect(main(page)).to_contain_text("15 dates à venir seront annulées")
    look(page, "series-cancel")
    log_out(page)

    # 3. The agent decides, looks at the calendars, checks the room after the concert, settles.
    log_in_agent(page, agent, next_path="/agent/associations/salles/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Salles : demandes et réservations")
    look(page, "agent-home")
    main(page).get_by_role("link", name=re.compile("10 octobre 2026")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Salle des fêtes, samedi 10 octobre 2026")
    look(page, "agent-booking")
    page.get_by_role("button", name="Valider la réservation").click()
    expect(page.get_by_role("status").first).to_contain_text("confirmée : le demandeur est prévenu")
    loto.refresh_from_db()
    assert loto.status == BookingStatus.CONFIRMED and loto.invoice_id and loto.deposit_invoice_id

    main(page).get_by_role("link", name=re.compile("^Chaque mardi")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gymnase Jean-Moulin : chaque mardi, 18:00–20:00"
    )
    look(page, "agent-series")
    page.get_by_role("button", name="Valider la série").click()
    expect(page.get_by_role("status").first).to_contain_text("15 dates confirmées.")
    look(page, "agent-series-approved")

    page.goto(f"/agent/associations/salles/{gym.pk}/")
    page.get_by_role("button", name="Créer l'agenda").click()
    expect(main(page)).to_contain_text("/salles/agenda/")
    look(page, "agent-room")
    page.goto(f"/agent/associations/salles/{gym.pk}/semaine/?du=2026-09-08")
    expect(main(page)).to_contain_text("Réservé 18:00–20:00 : Basket Club de Villebelle")
    look(page, "agent-week")
    page.goto(f"/agent/associations/salles/{gym.pk}/mois/?mois=2026-09")
    expect(main(page)).to_contain_text("19:00–21:00 : Chorale du Lac")
    expect(main(page)).to_contain_text("18:00–20:00 : Basket Club de Villebelle")
    look(page, "agent-month")

    page.goto(f"/agent/associations/salles/reservations/{world['over'].pk}/etat-des-lieux/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "État des lieux : Salle des fêtes, samedi 22 août 2026"
    )
    page.get_by_label("Dégradations ou manquements constatés").check()
    page.get_by_role("button", name="Enregistrer l'état des lieux").click()
    expect(page.get_by_role("alert")).to_contain_text("Décrivez les dégradations ou manquements constatés.")
    look(page, "agent-check-error")
    page.get_by_label(re.compile(r"^Constat")).fill("Une vitre de la porte fêlée.")
    page.get_by_label(re.compile("^Retenue sur la caution")).fill("60")
    page.get_by_role("button", name="Enregistrer l'état des lieux").click()
    expect(page.get_by_role("status").first).to_contain_text("État des lieux enregistré")
    over = Booking.objects.get(pk=world["over"].pk)
    assert over.deposit_kept_cents == 6000
    # The agent is a régie agent too: the released part was credited at once.
    assert Settlement.objects.get(booking=over).status == SettlementStatus.DONE

    # The Basket Club withdraws its hall request... now confirmed: cancelled in time, its settlement waits.
    services.cancel_booking(actor=world["president"], booking=loto)
    page.goto("/agent/associations/salles/reglements/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Salles : avoirs et remboursements")
    look(page, "agent-settlements")
    main(page).get_by_role("button", name=re.compile("^Régler")).first.click()
    expect(page.get_by_role("status").first).to_contain_text(f"Réglé pour la réservation {loto.reference}")
    look(page, "agent-settlements-done")
