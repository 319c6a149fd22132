from base64 import b32encode

from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts.models import Party, Service, User


def user_for_edit(user: User) -> User:
    # A fresh copy, so that a failed form does not change request.user in the page header.
    return User.objects.get(pk=user.pk)


def totp_secret_for_display(device: TOTPDevice) -> str:
    """The secret in groups of four, for people who type it instead of scanning."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def parties_for_user(user: User):
    return Party.objects.for_user(user).order_by("kind", "name")


def agent_services(user: User):
    """The services this agent works for, for the agent shell's navigation."""
    return Service.objects.for_agent(user).order_by("name")
