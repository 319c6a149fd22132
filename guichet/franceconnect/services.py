"""State changes of FranceConnect identities: linking one to an account, signing in, signing up.

An identity is linked to an account only by its owner: someone signed in to that account (by
password, then their second factor where they have one) or someone creating the account with it.
A FranceConnect identity whose e-mail is an existing account's is never linked on that ground alone.
"""

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet import audit
from guichet.accounts import services as accounts_services
from guichet.accounts.models import Town, User
from guichet.franceconnect import oidc, selectors
from guichet.franceconnect.exceptions import (
    AccountAlreadyLinked,
    EmailTaken,
    FranceConnectError,
    IdentityTaken,
)
from guichet.franceconnect.identity import CertifiedIdentity
from guichet.franceconnect.models import CERTIFIED_FIELDS, FranceConnectIdentity
from guichet.notify import services as notify_services

LINKED_NOTIFICATION_KIND = "franceconnect_linked"


def _apply(row: FranceConnectIdentity, identity: CertifiedIdentity, now) -> None:
    for name in CERTIFIED_FIELDS:
        setattr(row, name, getattr(identity, name))
    row.certified_at = now
    row.last_used_at = now


def _create(user: User, identity: CertifiedIdentity, now) -> FranceConnectIdentity:
    row = FranceConnectIdentity(user=user, sub=identity.sub)
    _apply(row, identity, now)
    try:
        # A savepoint: the identity may have been linked meanwhile by a concurrent request.
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        raise IdentityTaken() from error
    return row


@transaction.atomic
def link_identity(*, actor: User, identity: CertifiedIdentity, now=None) -> FranceConnectIdentity:
    """Link the certified identity to the actor's own account (they are signed in: they proved it is
    theirs). Linking the same identity again only refreshes it.

    Raises IdentityTaken (linked to another account), AccountAlreadyLinked (this account has another).
    """
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=actor.pk)
    rows = list(FranceConnectIdentity.objects.select_for_update().filter(Q(user=user) | Q(sub=identity.sub)))
    for row in rows:
        if row.user_id == user.pk and row.sub == identity.sub:
            _apply(row, identity, now)
            row.save()
            return row
        if row.sub == identity.sub:
            raise IdentityTaken()
        raise AccountAlreadyLinked()
    row = _create(user, identity, now)
    owner = accounts_services.person_party_id(user)
    audit.record(actor=actor, action="franceconnect.link", target=row, owner=owner)
    notify_services.notify(
        user=user, kind=LINKED_NOTIFICATION_KIND, context={}, url=reverse("accounts:profile")
    )
    return row


@transaction.atomic
def record_sign_in(*, actor: User, identity: CertifiedIdentity, now=None) -> FranceConnectIdentity:
    """The account `actor` signed in with its FranceConnect identity: the certified data are refreshed."""
    now = now or timezone.now()
    row = FranceConnectIdentity.objects.select_for_update().get(user=actor, sub=identity.sub)
    _apply(row, identity, now)
    row.save()
    audit.record(
        actor=actor,
        action="franceconnect.sign_in",
        target=row,
        owner=accounts_services.person_party_id(actor),
        acr=row.acr,
    )
    return row


@transaction.atomic
def create_account(
    *, identity: CertifiedIdentity, email: str, terms_accepted: bool, now=None
) -> tuple[User, bool]:
    """A new account for a person FranceConnect certified; returns it and whether its address is
    verified (kept as FranceConnect gave it: yes; changed: allauth's confirmation e-mail applies).

    The account has no usable password (one can be set later through "mot de passe oublié"), its
    names are the certified ones, and it records the terms of use accepted, as a sign-up does.
    Raises EmailTaken, IdentityTaken, FranceConnectError (terms not accepted).
    """
    if not terms_accepted:
        raise FranceConnectError(code="terms")
    now = now or timezone.now()
    email = User.objects.normalize_email(email.strip()).lower()
    if selectors.email_is_taken(email):
        raise EmailTaken()
    if FranceConnectIdentity.objects.filter(sub=identity.sub).exists():
        raise IdentityTaken()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password=None,
                first_name=identity.given_name[:150],
                last_name=identity.family_name[:150],
            )
    except IntegrityError as error:
        raise EmailTaken() from error
    verified = bool(identity.email) and email == identity.email
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    accounts_services.accept_terms(user=user, version=Town.current().terms_version)
    row = _create(user, identity, now)
    audit.record(
        actor=user,
        action="franceconnect.signup",
        target=row,
        owner=accounts_services.person_party_id(user),
        email_verified=verified,
    )
    return user, verified


def reauthentication_method(user: User) -> dict | None:
    """FranceConnect among the ways to confirm a sensitive action, for an account linked to it.

    Registered with guichet.security.reauth from the app's ready(); none while FranceConnect is off.
    """
    if not oidc.is_enabled() or not FranceConnectIdentity.objects.filter(user=user).exists():
        return None
    return {
        "id": "franceconnect",
        "description": _("Avec FranceConnect"),
        "url": reverse("franceconnect:reauthenticate"),
    }
