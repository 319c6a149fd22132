"""Signing in again during the grace period offers to cancel the deletion.

The account is inactive, so allauth refuses the sign-in and shows its "inactive account" page.
Just before, when the password (or any first factor) has been checked, allauth sends
`authentication_step_completed`: for an account whose deletion is pending, the person is sent to
the page that offers to cancel it instead, the deletion's id kept in the session (they proved who
they are). Nobody is signed in by this: once the deletion is cancelled, they sign in as usual.
"""

import time

from allauth.account.internal.stagekit import clear_login
from allauth.account.signals import authentication_step_completed
from allauth.core.exceptions import ImmediateHttpResponse
from django.shortcuts import redirect

from guichet.privacy.models import DeletionRequest

COME_BACK_SESSION_KEY = "privacy_come_back"
# The proof of the password is good for this long on the page that offers to come back.
COME_BACK_SECONDS = 15 * 60


def offer_to_come_back(sender, request, user, **kwargs) -> None:
    if request is None or user is None or user.is_active or kwargs.get("reauthenticated"):
        return
    deletion_id = DeletionRequest.objects.pending().filter(user=user).values_list("pk", flat=True).first()
    if deletion_id is None:
        return
    clear_login(request)
    request.session[COME_BACK_SESSION_KEY] = {"deletion": deletion_id, "at": time.time()}
    raise ImmediateHttpResponse(redirect("privacy:come_back"))


def come_back_deletion_id(request) -> int | None:
    """The deletion of whoever signed in on this browser in the last minutes, if any."""
    value = request.session.get(COME_BACK_SESSION_KEY)
    if not isinstance(value, dict) or not isinstance(value.get("at"), int | float):
        return None
    if time.time() - value["at"] > COME_BACK_SECONDS:
        return None
    deletion = value.get("deletion")
    return deletion if isinstance(deletion, int) else None


def forget_come_back(request) -> None:
    request.session.pop(COME_BACK_SESSION_KEY, None)


def connect() -> None:
    authentication_step_completed.connect(offer_to_come_back, dispatch_uid="privacy_offer_to_come_back")
