"""Demo data of the rooms (idempotent), through the services, on the associations' demo
(`associations.demo.demo_associations()`):

    three rooms with small generated photos and their opening hours:
        the Salle des fêtes (open to private persons, 25 € an hour for them, 12 € for associations,
        a 300 € deposit, approval needed), the Salle de réunion Jean-Jaurès (free for associations,
        confirmed at once), the Gymnase Jean-Moulin (free for associations, approval needed);
    Basket Club: every Tuesday 18:00–20:00 in the gymnasium from September to June (the season's
        series, asked at the end of August and approved: confirmed);
    Les Amis du Parc: two requests waiting for the agent, one of them (its general assembly in the
        gymnasium on a Tuesday evening) in conflict with the basket series, the other a picnic in
        the Salle des fêtes; a spring party there, confirmed, with its rental and deposit invoices
        to pay; a composting workshop in the meeting room, confirmed at once (free).
"""

from datetime import date, datetime, time, timedelta
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from associations.demo import demo_associations
from associations.rooms import services
from associations.rooms.models import Booking, BookingSeries, OpeningHours, Room, RoomPhoto
from associations.rooms.schedule import PARIS, weekly_dates
from guichet.public_files import check_image

TUESDAY = 1
ROOMS = [
    {
        "slug": "salle-des-fetes",
        "name": "Salle des fêtes",
        "description": "Grande salle avec scène, cuisine équipée et parquet : repas, bals, lotos, fêtes de famille.",
        "address": "Place de la Mairie, Villebelle",
        "capacity": 180,
        "equipment": "Scène de 6 × 4 m\nSonorisation et micros\nCuisine équipée (fours, réfrigérateurs)\n30 tables et 180 chaises",
        "step_free_access": True,
        "adapted_toilets": True,
        "hearing_loop": True,
        "accessibility_details": "Deux places de stationnement réservées devant l'entrée. Rampe d'accès à la scène.",
        "association_hourly_cents": 1200,
        "private_allowed": True,
        "private_hourly_cents": 2500,
        "deposit_cents": 30000,
        "needs_approval": True,
        "free_cancellation_days": 14,
        "position": 10,
        "hours": [(day, time(9), time(23, 30)) for day in (4, 5)] + [(6, time(9), time(20))],
        "colour": (196, 90, 60),
        "alt": "La salle des fêtes dressée pour un repas, la scène au fond",
    },
    {
        "slug": "salle-de-reunion-jean-jaures",
        "name": "Salle de réunion Jean-Jaurès",
        "description": "Salle de réunion au rez-de-chaussée de la maison des associations.",
        "address": "Maison des associations, 8 rue Jean-Jaurès, Villebelle",
        "capacity": 25,
        "equipment": "Vidéoprojecteur et écran\nTableau blanc\nWi-Fi",
        "step_free_access": True,
        "adapted_toilets": True,
        "hearing_loop": False,
        "accessibility_details": "",
        "association_hourly_cents": 0,
        "private_allowed": False,
        "private_hourly_cents": 0,
        "deposit_cents": 0,
        "needs_approval": False,
        "free_cancellation_days": 2,
        "position": 20,
        "hours": [(day, time(9), time(22)) for day in range(6)],
        "colour": (60, 110, 170),
        "alt": "Une table de réunion de douze places face à un écran",
    },
    {
        "slug": "gymnase-jean-moulin",
        "name": "Gymnase Jean-Moulin",
        "description": "Terrain de basket et de handball, vestiaires et douches. Créneaux réguliers pour les clubs.",
        "address": "3 rue du Stade, Villebelle",
        "capacity": 60,
        "equipment": "Terrain de basket (2 paniers)\nButs de handball\nVestiaires et douches",
        "step_free_access": True,
        "adapted_toilets": False,
        "hearing_loop": False,
        "accessibility_details": "Tribune accessible par une rampe ; vestiaires à l'étage.",
        "association_hourly_cents": 0,
        "private_allowed": False,
        "private_hourly_cents": 0,
        "deposit_cents": 0,
        "needs_approval": True,
        "free_cancellation_days": 7,
        "position": 30,
        "hours": [(day, time(17), time(22, 30)) for day in range(5)] + [(5, time(9), time(19))],
        "colour": (70, 140, 80),
        "alt": "Le terrain du gymnase, parquet clair et deux paniers de basket",
    },
]


def demo_photo(colour: tuple[int, int, int], seed: int) -> ContentFile:
    """A small PNG drawn with Pillow: a floor, a wall and a few shapes in the room's colour."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 427), (236, 232, 224))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 280, 640, 427), fill=tuple(max(0, c - 40) for c in colour))
    draw.rectangle((0, 0, 640, 40), fill=colour)
    for index in range(4):
        left = 60 + index * 140 + seed * 7
        draw.rounded_rectangle(
            (left, 180, left + 90, 300), radius=12, fill=colour, outline=(40, 40, 40), width=3
        )
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    upload = ContentFile(buffer.getvalue(), name="photo.png")
    check_image(upload)
    return upload


def _room(spec: dict) -> Room:
    fields = {k: v for k, v in spec.items() if k not in ("slug", "hours", "colour", "alt")}
    room, created = Room.objects.get_or_create(slug=spec["slug"], defaults=fields)
    if created:
        OpeningHours.objects.bulk_create(
            [
                OpeningHours(room=room, weekday=day, opens=opens, closes=closes)
                for day, opens, closes in spec["hours"]
            ]
        )
    if not room.photos.exists():
        for position in range(2):
            RoomPhoto.objects.create(
                room=room,
                image=demo_photo(spec["colour"], position),
                alt_text=spec["alt"] if position == 0 else f"{room.name} : vue d'ensemble",
                position=position,
            )
    return room


def season_of(today: date) -> tuple[date, date]:
    """The sports season around `today`: September to June (from July on, the next one)."""
    year = today.year if today.month >= 7 else today.year - 1
    return date(year, 9, 1), date(year + 1, 6, 30)


@transaction.atomic
def seed() -> None:
    people = demo_associations()
    agent = people.agent
    rooms = {spec["slug"]: _room(spec) for spec in ROOMS}
    hall, meeting, gym = (
        rooms["salle-des-fetes"],
        rooms["salle-de-reunion-jean-jaures"],
        rooms["gymnase-jean-moulin"],
    )
    now = timezone.now()
    today = timezone.localdate()
    first, last = season_of(today)
    # The season was asked for at the end of August, before its first Tuesday.
    asked_at = min(now, datetime.combine(first - timedelta(days=7), time(10), tzinfo=PARIS))
    upcoming_tuesdays = weekly_dates(TUESDAY, max(first, today + timedelta(days=14)), last)

    if not BookingSeries.objects.filter(party=people.basket.party, room=gym).exists():
        if upcoming_tuesdays:
            # Asked before the basket series was approved: it now overlaps one of its Tuesdays.
            services.request_booking(
                actor=people.president,
                room=gym,
                party=people.parc.party,
                day=upcoming_tuesdays[0],
                start=time(19),
                end=time(21),
                purpose="Assemblée générale des Amis du Parc",
                attendees=45,
                now=asked_at,
            )
        result = services.request_series(
            actor=people.treasurer,
            room=gym,
            party=people.basket.party,
            weekday=TUESDAY,
            start=time(18),
            end=time(20),
            first_date=weekly_dates(TUESDAY, first, first + timedelta(days=6))[0],
            last_date=last,
            purpose="Entraînements des équipes jeunes",
            attendees=30,
            now=asked_at,
        )
        services.approve_series(actor=agent, series=result.series, now=asked_at + timedelta(days=1))

    spring = "Fête de printemps du parc"
    if not Booking.objects.filter(party=people.parc.party, purpose=spring).exists():
        saturday = today + timedelta(days=(5 - today.weekday()) % 7 + 35)
        booking = services.request_booking(
            actor=people.president,
            room=hall,
            party=people.parc.party,
            day=saturday,
            start=time(14),
            end=time(22),
            purpose=spring,
            attendees=120,
        )
        services.approve_booking(actor=agent, booking=booking)
    workshop = "Atelier compostage"
    if not Booking.objects.filter(party=people.parc.party, purpose=workshop).exists():
        thursday = today + timedelta(days=(3 - today.weekday()) % 7 + 21)
        services.request_booking(
            actor=people.member,
            room=meeting,
            party=people.parc.party,
            day=thursday,
            start=time(18, 30),
            end=time(20, 30),
            purpose=workshop,
            attendees=15,
        )
    picnic = "Pique-nique de fin d'année"
    if not Booking.objects.filter(party=people.parc.party, purpose=picnic).exists():
        sunday = today + timedelta(days=(6 - today.weekday()) % 7 + 49)
        services.request_booking(
            actor=people.president,
            room=hall,
            party=people.parc.party,
            day=sunday,
            start=time(11),
            end=time(17),
            purpose=picnic,
            attendees=80,
        )
