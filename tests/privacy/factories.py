"""A citizen with something of everything, made through each app's own services."""

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from associations.rooms import services as room_services
from coffre.models import DocumentType, DocumentVersion
from demarches.models import Request
from famille.models import Booking, Child, Household
from guichet.notify import services as notify_services
from tests.associations.rooms.factories import RoomFactory, vie_associative
from tests.coffre.factories import pdf_bytes, png_bytes, store
from tests.demarches.factories import document_demarche, fill, submitted
from tests.factories import UserFactory, person_party
from tests.famille.factories import (
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    SessionFactory,
    SiteFactory,
    add_site,
    make_household,
)


@dataclass
class Citizen:
    user: object
    documents: list[tuple[DocumentVersion, bytes]] = field(default_factory=list)
    draft: Request | None = None
    sent: Request | None = None
    household: Household | None = None
    child: Child | None = None
    family_bookings: list[Booking] = field(default_factory=list)
    room_booking: object = None


def family_bookings(household: Household, child: Child, days: list[date], **activity_fields) -> list[Booking]:
    """Confirmed canteen bookings of the child on those days (counted in each session's places)."""
    activity = ActivityFactory(slug=f"cantine-{household.pk}", **activity_fields)
    site = SiteFactory()
    add_site(activity, site)
    return [
        BookingFactory(
            session=SessionFactory(
                activity=activity,
                site=site,
                date=day,
                start_time=time(11, 45),
                end_time=time(13, 30),
                booked=1,
            ),
            child=child,
            household=household,
        )
        for day in days
    ]


def citizen(*, today: date, with_family: bool = True, with_room: bool = True, **user_fields) -> Citizen:
    """A citizen with two documents in their vault, a draft and a sent request, a notification, and
    (by default) a household of their own with a child booked at the canteen next week and the
    week after, and a room booked for themself in three weeks."""
    user = UserFactory(**user_fields)
    result = Citizen(user=user)
    for content, filename in (
        (pdf_bytes(90_000, marker=b"impots"), "avis.pdf"),
        (png_bytes(3, 3), "photo.png"),
    ):
        version = store(user=user, content=content, filename=filename, title=f"Mon {filename}")
        result.documents.append((version, content))
    demarche = document_demarche()
    proof = store(
        user=user,
        title="Facture d'électricité",
        document_type=DocumentType.objects.get(code="justificatif-domicile"),
    )
    result.sent = submitted(
        user=user,
        demarche=demarche,
        answers={"nom": user.last_name, "justificatif": proof.document_id, "telephone": "+33612345678"},
    )
    result.draft = fill(user=user, demarche=demarche, answers={"nom": user.last_name})
    notify_services.notify(user=user, kind="message", context={"subject": "Objet", "message": "Texte."})
    if with_family:
        result.household = make_household(user, name=f"Foyer {user.last_name}", address="3 rue des Tilleuls")
        result.child = ChildFactory(household=result.household, first_name="Inès", last_name=user.last_name)
        result.family_bookings = family_bookings(
            result.household, result.child, [today + timedelta(days=7), today + timedelta(days=14)]
        )
    if with_room:
        vie_associative()
        room = RoomFactory(name="Salle des fêtes", private_allowed=True)
        result.room_booking = room_services.request_booking(
            actor=user,
            room=room,
            party=person_party(user),
            day=today + timedelta(days=21),
            start=time(14, 0),
            end=time(18, 0),
            purpose="Anniversaire d'Inès",
            attendees=20,
        )
    return result
