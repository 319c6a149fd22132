"""What the rooms hold about a person, how it is exported and erased (personal-data registry).

A booking made for oneself is a person's (a family event: its purpose may name someone); one made
for an association is the association's, and its requester is a member. The town keeps the
booking itself (its invoice refers to it); erasure empties what a person wrote or was written about
them on their own bookings, and unlinks their account from the association's.
"""

from django.db.models import Q

from associations.rooms.models import (
    Booking,
    BookingSeries,
    FeedKey,
    OpeningHours,
    Room,
    RoomPhoto,
    SeriesConflict,
    Settlement,
)
from guichet.accounts import registry
from guichet.accounts.models import Party


def _booking(booking: Booking) -> dict:
    return {
        "réservation": booking.reference,
        "salle": booking.room.name,
        "pour": booking.party.name,
        "début": booking.period.lower.isoformat(),
        "fin": booking.period.upper.isoformat(),
        "objet": booking.purpose,
        "participants": booking.attendees,
        "état": booking.status,
        "prix_centimes": booking.price_cents,
        "caution_centimes": booking.deposit_cents,
        "motif_du_refus": booking.refusal_reason,
        "état_des_lieux": booking.condition,
        "constat": booking.damage_notes,
        "caution_retenue_centimes": booking.deposit_kept_cents,
    }


def export(user) -> dict:
    """The bookings and weekly series of the user's own party, and those they asked for an association."""
    own = Q(party__person=user) | Q(requested_by=user)
    return {
        "réservations": [
            _booking(booking)
            for booking in Booking.objects.filter(own)
            .select_related("room", "party")
            .order_by("period", "pk")
        ],
        "séries": [
            {
                "série": series.reference,
                "salle": series.room.name,
                "pour": series.party.name,
                "jour": series.weekday,
                "de": series.start_time.isoformat(),
                "à": series.end_time.isoformat(),
                "du": series.first_date.isoformat(),
                "au": series.last_date.isoformat(),
                "objet": series.purpose,
                "motif_du_refus": series.refusal_reason,
            }
            for series in BookingSeries.objects.filter(own).select_related("room", "party").order_by("pk")
        ],
    }


def erase(user) -> None:
    """Empty the texts of the user's own bookings (purpose, refusal, damage notes); unlink their
    account from what they asked for an association (which keeps its bookings)."""
    person = Party.objects.filter(person=user)
    Booking.objects.filter(party__in=person).update(purpose="", refusal_reason="", damage_notes="")
    BookingSeries.objects.filter(party__in=person).update(purpose="", refusal_reason="")
    Booking.objects.filter(requested_by=user).update(requested_by=None)
    BookingSeries.objects.filter(requested_by=user).update(requested_by=None)


registry.declare(
    app_label="rooms",
    personal_fields={
        Booking: (
            "party",
            "purpose",
            "requested_by",
            "decided_by",
            "refusal_reason",
            "cancelled_by",
            "checked_by",
            "damage_notes",
        ),
        BookingSeries: ("party", "purpose", "requested_by", "decided_by", "refusal_reason"),
        Settlement: ("requested_by", "done_by"),
        FeedKey: ("party", "renewed_by"),
        Room: (),
        OpeningHours: (),
        RoomPhoto: (),
        SeriesConflict: (),
    },
    exporter=export,
    eraser=erase,
    not_personal={
        Room: {
            **dict.fromkeys(
                ("name", "slug", "address", "description", "equipment", "accessibility_details"),
                "The town's rooms and their buildings, described for everyone.",
            ),
            "capacity": "A number of places ('capacity' only looks like 'city').",
        },
        RoomPhoto: dict.fromkeys(("image", "alt_text"), "A public photo of a town room and its description."),
        SeriesConflict: {
            "detail": "The public holiday's name, or the slot already booked ('18:00–20:00'): never a person's."
        },
        FeedKey: {"salt": "Random bits of the calendar feed's key, naming nobody."},
    },
)
