"""Renewing the secret URL of a room's or an association's iCalendar feed (see rooms/feeds.py).

The first call makes the key; every later one draws a new salt, so the URL given out before
answers 404 from then on.
"""

import secrets

from django.db import transaction
from django.utils import timezone

from associations import perms as association_perms
from associations.models import Association
from associations.rooms.exceptions import RoomsAccessDenied
from associations.rooms.models import FeedKey, Room
from associations.rooms.services.common import check_agent
from guichet import audit


def _renew(*, actor, lookup: dict, owner=None) -> FeedKey:
    key = FeedKey.objects.select_for_update().filter(**lookup).first()
    salt = secrets.token_hex(32)
    if key is None:
        key = FeedKey.objects.create(salt=salt, **lookup)
        action = "rooms.feed.create"
    else:
        key.salt = salt
        key.renewed_at = timezone.now()
        key.renewed_by = actor
        key.save(update_fields=["salt", "renewed_at", "renewed_by"])
        action = "rooms.feed.renew"
    audit.record(actor=actor, action=action, target=key, owner=owner)
    return key


@transaction.atomic
def renew_room_feed(*, actor, room: Room) -> FeedKey:
    """An agent of the vie associative service makes (or renews) the room's feed URL."""
    check_agent(actor)
    return _renew(actor=actor, lookup={"room": room})


@transaction.atomic
def renew_association_feed(*, actor, association: Association) -> FeedKey:
    """A member of the association makes (or renews) its feed URL, for its members' calendars."""
    if not association_perms.is_member(actor, association):
        raise RoomsAccessDenied()
    return _renew(actor=actor, lookup={"party_id": association.party_id}, owner=association.party_id)


__all__ = ["renew_association_feed", "renew_room_feed"]
