"""Reads about FranceConnect identities and the accounts they may belong to."""

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, Q

from guichet.accounts.models import User
from guichet.franceconnect.models import FranceConnectIdentity


def identity_for_user(user) -> FranceConnectIdentity | None:
    """The certified identity of this account, if it has one (one query, none when signed out)."""
    if user is None or not user.is_authenticated:
        return None
    return FranceConnectIdentity.objects.filter(user=user).first()


def identity_for_sub(sub: str) -> FranceConnectIdentity | None:
    return FranceConnectIdentity.objects.select_related("user").filter(sub=sub).first()


def email_is_taken(email: str) -> bool:
    """Whether any account, active or not, uses this address (as its login or as an allauth address)."""
    if not email:
        return False
    return (
        User.objects.with_email(email).exists() or EmailAddress.objects.filter(email__iexact=email).exists()
    )


def active_account_with_email(email: str) -> User | None:
    """The active account whose login, or one of whose addresses, is this e-mail."""
    if not email:
        return None
    addresses = EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=email)
    by_login = Q(pk__in=User.objects.with_email(email).values("pk"))
    return User.objects.filter(is_active=True).filter(by_login | Exists(addresses)).order_by("pk").first()
