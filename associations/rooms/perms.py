"""Who may do what with the rooms. Each function's docstring lists who may.

Selectors and services call these; views never decide alone.
"""

from associations import perms as association_perms
from associations.models import Association
from associations.rooms.models import Booking, Room
from guichet.accounts.enums import PartyKind
from guichet.accounts.models import Party
from regie import perms as regie_perms


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_book_for(user, party: Party) -> bool:
    """Book in the name of a party: oneself (one's person party), or a verified association one is a
    member of (any role: `associations.perms.can_request`)."""
    if not _active(user):
        return False
    if party.kind == PartyKind.PERSON:
        return party.person_id == user.pk
    if party.kind == PartyKind.ASSOCIATION:
        association = Association.objects.filter(party=party).first()
        return association is not None and association_perms.can_request(user, association)
    return False


def room_open_to(room: Room, party: Party) -> bool:
    """Associations may book every active room; private persons only the rooms open to them."""
    return room.is_active and room.hourly_cents_for(party) is not None


def can_manage_booking(user, booking: Booking) -> bool:
    """See and cancel a booking: the members of its party (the person themself, the association's
    members). A member who left no longer can, at once."""
    if not _active(user):
        return False
    return Party.objects.for_user(user).filter(pk=booking.party_id).exists()


def is_rooms_agent(user) -> bool:
    """Agents of the vie associative service decide the requests, check the rooms after the events,
    see who booked and renew the rooms' feeds."""
    return association_perms.is_associations_agent(user)


def can_settle(user) -> bool:
    """Credit notes and refunds are the régie's: its agents only (`regie.perms.is_regie_agent`)."""
    return regie_perms.is_regie_agent(user)
