"""Invariants of the accounts app that must hold however a user is created."""

import time

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from guichet.accounts import services
from guichet.accounts.models import User
from guichet.security import sessions


@receiver(post_save, sender=User, dispatch_uid="accounts_person_party")
def create_person_party(sender, instance: User, created: bool, raw: bool = False, **kwargs) -> None:
    # Every account is a person party, whether made by sign-up, the admin or a script.
    if created and not raw:
        services.create_person_party(user=instance)


@receiver(user_logged_in, dispatch_uid="accounts_otp_required")
def remember_second_factor(sender, request, user: User, **kwargs) -> None:
    # Remembered in the session so that every later page knows, without a query,
    # that this user must still give their code.
    if request is not None and hasattr(request, "session"):
        request.session[services.OTP_REQUIRED_SESSION_KEY] = services.has_second_factor(user)


@receiver(user_logged_in, dispatch_uid="accounts_count_login")
def count_login(sender, request, user: User, **kwargs) -> None:
    services.count_login(user=user)


@receiver(user_logged_in, dispatch_uid="accounts_session_clock")
def start_session_clock(sender, request, user: User, **kwargs) -> None:
    # The idle expiry counts from the login, saved with the login's own session write.
    if request is not None and hasattr(request, "session"):
        sessions.start(request, user, now=time.time())
