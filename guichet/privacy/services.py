"""Deleting one's account: asked for, cancelled within the grace period, erased for good.

Public API (keyword-only arguments, `actor` first; every refusal is a
`guichet.privacy.exceptions.PrivacyError` with a French `message`):

    request_deletion(actor, now) -> DeletionRequest
        The person asks: their bookings still to come are cancelled (the family's, when nobody else
        answers for them, and their own rooms'), the account is deactivated and every session of it
        ends; a confirmation e-mail gives the date of the final erasure and the link to come back.
        Refuses an agent's or an administrator's account (DeletionRefused), or a second request
        (DeletionAlreadyRequested).
    cancel_deletion(deletion, through, now) -> DeletionRequest
        The person came back (the e-mail's link, or signing in) before the erasure: the account is
        active again. ComeBackRefused once the request is no longer pending.
    erase_account(deletion_id, now) -> bool
        The final erasure once the grace period is over: every app's eraser through the
        personal-data registry (the vault crypto-shredded, the drafts and notifications deleted, the
        account anonymised, what the town must keep left to its retention rules). Idempotent.
    erase_due_accounts(now) -> list[int]
        The daily task: every request whose grace period is over, each in its own transaction.
    end_sessions(user) -> int
        Sign the user out everywhere (their sessions deleted server-side).

The export of one's data (a read, audited) is `guichet.privacy.exports.export_personal_data`.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from associations.exceptions import AssociationError
from associations.rooms.services import cancellations as room_cancellations
from famille.exceptions import FamilleError
from famille.services import bookings as family_bookings
from guichet import audit
from guichet.accounts import registry
from guichet.accounts.models import User
from guichet.notify import services as notify
from guichet.privacy import selectors, tokens
from guichet.privacy.enums import ComeBackChannel, DeletionStatus
from guichet.privacy.exceptions import ComeBackRefused, DeletionAlreadyRequested, DeletionRefused
from guichet.privacy.models import GRACE_PERIOD, DeletionRequest

logger = logging.getLogger(__name__)

DELETION_REQUESTED_KIND = "privacy_deletion_requested"
DELETION_CANCELLED_KIND = "privacy_deletion_cancelled"


def come_back_path(deletion: DeletionRequest) -> str:
    """The link of the confirmation e-mail (a path of the portal)."""
    return f"{reverse('privacy:come_back')}?{urlencode({'jeton': tokens.come_back_token(deletion.pk)})}"


# Signing out everywhere -----------------------------------------------------------------------


def end_sessions(*, user: User, now: datetime | None = None) -> int:
    """Delete every live session of the user, in the database and in the cache in front of it.

    Sessions are found by decoding them (Django keeps no index by user): a deletion is rare, and
    the table holds only the sessions still valid. Returns how many were ended."""
    now = now or timezone.now()
    engine = import_module(settings.SESSION_ENGINE)
    wanted = str(user.pk)
    ended = 0
    for session in Session.objects.filter(expire_date__gt=now).iterator():
        if session.get_decoded().get("_auth_user_id") == wanted:
            engine.SessionStore(session_key=session.session_key).delete()
            ended += 1
    return ended


# Asking --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cancelled:
    family_bookings: int = 0
    room_bookings: int = 0


def _cancel_future_bookings(*, actor: User, now: datetime) -> Cancelled:
    """Through each app's own cancellation, by its own rules (a free place goes to the waiting list,
    a paid rental is refunded by the régie; past a deadline, what the rules bill stays billed; a
    slot already started stays). A household where another adult remains keeps its bookings."""
    family = 0
    for fate in selectors.households_of(user=actor, now=now):
        if not fate.only_adult:
            continue
        for booking in selectors.family_bookings_to_cancel(household_id=fate.household_id, now=now):
            try:
                family_bookings.cancel(actor=actor, booking=booking, now=now)
            except FamilleError:
                continue
            family += 1
    rooms = 0
    for series in selectors.upcoming_series(user=actor, now=now):
        try:
            rooms += len(room_cancellations.cancel_series(actor=actor, series=series, now=now))
        except AssociationError:
            continue
    for booking in selectors.upcoming_room_bookings(user=actor, now=now).select_related("room"):
        try:
            room_cancellations.cancel_booking(actor=actor, booking=booking, now=now)
        except AssociationError:
            continue
        rooms += 1
    return Cancelled(family_bookings=family, room_bookings=rooms)


def request_deletion(*, actor: User, now: datetime | None = None) -> DeletionRequest:
    """The person deletes their account: see the module's docstring."""
    now = now or timezone.now()
    refusal = selectors.deletion_refusal(actor)
    if refusal:
        raise DeletionRefused(refusal)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if not user.is_active or DeletionRequest.objects.pending().filter(user=user).exists():
            raise DeletionAlreadyRequested()
        cancelled = _cancel_future_bookings(actor=user, now=now)
        deletion = DeletionRequest.objects.create(user=user, requested_at=now, erase_after=now + GRACE_PERIOD)
        # Told while still active (only active accounts are e-mailed); sent once this commits.
        notify.notify(
            user=user,
            kind=DELETION_REQUESTED_KIND,
            context={
                "deletion": deletion,
                "come_back_url": settings.SITE_URL.rstrip("/") + come_back_path(deletion),
            },
            url=come_back_path(deletion),
        )
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record(
            actor=user,
            action="privacy.deletion.request",
            target=deletion,
            owner=user.person_party,
            family_bookings_cancelled=cancelled.family_bookings,
            room_bookings_cancelled=cancelled.room_bookings,
        )
        end_sessions(user=user, now=now)
    actor.is_active = False
    return deletion


# Coming back ---------------------------------------------------------------------------------


def cancel_deletion(
    *, deletion: DeletionRequest, through: str, now: datetime | None = None
) -> DeletionRequest:
    """The person came back before the erasure: their account is active again (bookings cancelled
    when they asked stay cancelled)."""
    now = now or timezone.now()
    with transaction.atomic():
        deletion = (
            DeletionRequest.objects.select_for_update().select_related("user").filter(pk=deletion.pk).first()
        )
        if deletion is None or deletion.status != DeletionStatus.PENDING or deletion.erase_after <= now:
            raise ComeBackRefused()
        deletion.status = DeletionStatus.CANCELLED
        deletion.cancelled_at = now
        deletion.cancelled_through = ComeBackChannel(through)
        deletion.save(update_fields=["status", "cancelled_at", "cancelled_through"])
        user = deletion.user
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit.record(
            actor=user,
            action="privacy.deletion.cancel",
            target=deletion,
            owner=user.person_party,
            through=deletion.cancelled_through,
        )
        notify.notify(user=user, kind=DELETION_CANCELLED_KIND, context={"deletion": deletion})
    return deletion


# Erasing -------------------------------------------------------------------------------------


def erase_account(*, deletion_id: int, now: datetime | None = None) -> bool:
    """Erase the account of a pending request whose grace period is over. Returns whether it erased:
    a request cancelled, already erased or not yet due is left alone, so running it twice is safe."""
    now = now or timezone.now()
    with transaction.atomic():
        deletion = (
            DeletionRequest.objects.select_for_update()
            .select_related("user")
            .filter(Q(pk=deletion_id), Q(status=DeletionStatus.PENDING), Q(erase_after__lte=now))
            .first()
        )
        if deletion is None:
            return False
        user = deletion.user
        person_party_id = user.person_party.pk
        registry.erase_user_data(user)
        deletion.status = DeletionStatus.ERASED
        deletion.erased_at = now
        deletion.save(update_fields=["status", "erased_at"])
        audit.record(actor=None, action="privacy.deletion.erase", target=deletion, owner=person_party_id)
        end_sessions(user=user, now=now)
    return True


def erase_due_accounts(*, now: datetime | None = None) -> list[int]:
    """Every account whose grace period is over, erased one by one (one failing leaves the others
    erased; it is tried again the next day). Returns the ids of the requests erased."""
    now = now or timezone.now()
    erased = []
    for deletion_id in (
        DeletionRequest.objects.due(now).order_by("erase_after", "pk").values_list("pk", flat=True)
    ):
        try:
            if erase_account(deletion_id=deletion_id, now=now):
                erased.append(deletion_id)
        except Exception:
            logger.exception(
                "The erasure of deletion request %s failed; it is tried again tomorrow", deletion_id
            )
    return erased
