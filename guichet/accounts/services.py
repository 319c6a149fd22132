"""State changes of accounts: parties, terms, two-factor authentication."""

import secrets

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet import audit
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import (
    AgentMembership,
    DailyLogins,
    LoginAudience,
    Party,
    PartyMembership,
    User,
)

OTP_REQUIRED_SESSION_KEY = "guichet_otp_required"
BACKUP_CODE_COUNT = 10
TOTP_DIGITS = 6


class SecondFactorError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def person_party_id(user: User) -> int | None:
    return Party.objects.filter(person=user).values_list("pk", flat=True).first()


@transaction.atomic
def create_person_party(*, user: User) -> Party:
    party = Party.objects.create(kind=PartyKind.PERSON, name=user.get_full_name() or user.email, person=user)
    PartyMembership.objects.create(user=user, party=party, role=PartyRole.HOLDER)
    return party


@transaction.atomic
def update_profile(*, actor: User, user: User, **fields) -> User:
    """Update a user's own contact details; the person party follows the name."""
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=[*fields])
    Party.objects.filter(person=user).update(name=user.get_full_name() or user.email)
    audit.record(
        actor=actor, action="user.update", target=user, owner=person_party_id(user), fields=sorted(fields)
    )
    return user


def accept_terms(*, user: User, version: str) -> None:
    user.terms_version = version
    user.terms_accepted_at = timezone.now()
    user.save(update_fields=["terms_version", "terms_accepted_at"])


# Sign-in statistics --------------------------------------------------------


def count_login(*, user: User, now=None) -> None:
    """Add one sign-in to today's count for the user's audience (agents, families, other citizens).

    One upsert, no name kept: the statistics page reads weekly totals from it.
    """
    if user.is_staff or is_agent(user):
        audience = LoginAudience.AGENT
    elif PartyMembership.objects.filter(user=user, party__kind=PartyKind.HOUSEHOLD).exists():
        audience = LoginAudience.FAMILY
    else:
        audience = LoginAudience.CITIZEN
    table = DailyLogins._meta.db_table
    with connection.cursor() as cursor:
        # One statement, right under concurrency: the first sign-in of the day inserts, the others add one.
        cursor.execute(
            f"INSERT INTO {table} (day, audience, count) VALUES (%s, %s, 1) "  # noqa: S608 (our own table name)
            f"ON CONFLICT (day, audience) DO UPDATE SET count = {table}.count + 1",
            [timezone.localdate(now), audience],
        )


# Two-factor authentication -------------------------------------------------


def is_agent(user: User) -> bool:
    return user.is_authenticated and AgentMembership.objects.filter(user=user).exists()


def requires_second_factor(user: User) -> bool:
    """Agents, managers and administrators must use a second factor."""
    return user.is_authenticated and (user.is_staff or user.is_superuser or is_agent(user))


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """The device being enrolled: a new secret until a first code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=_("Application d'authentification"), confirmed=False
        )
    return device


@transaction.atomic
def confirm_totp_enrolment(*, actor: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the device with a first code; returns the new backup codes, shown once."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=actor)
    if not device.verify_token(token.strip()):
        raise SecondFactorError(
            _("Ce code ne correspond pas. Vérifiez l'heure de votre téléphone et saisissez le code affiché.")
        )
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _replace_backup_codes(actor)
    audit.record(actor=actor, action="otp.enrol", target=actor, owner=person_party_id(actor))
    return codes


def _replace_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Codes de secours"), confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def regenerate_backup_codes(*, actor: User) -> list[str]:
    if not has_second_factor(actor):
        raise SecondFactorError(_("Activez d'abord la double authentification."))
    codes = _replace_backup_codes(actor)
    audit.record(actor=actor, action="otp.backup_codes", target=actor, owner=person_party_id(actor))
    return codes


def verify_second_factor(*, user: User, token: str):
    """The device that accepts this code, else an error.

    Six digits are checked against the application, eight against the backup
    codes, so that a backup code never counts as a wrong application code (and
    the other way round) in django-otp's throttling.
    """
    token = "".join(token.split())
    devices = (
        TOTPDevice.objects.filter(user=user, confirmed=True)
        if len(token) == TOTP_DIGITS
        else StaticDevice.objects.filter(user=user, confirmed=True)
    )
    for device in devices:
        allowed, _detail = device.verify_is_allowed()
        if not allowed:
            raise SecondFactorError(
                _("Trop de codes erronés. Patientez quelques secondes avant de réessayer.")
            )
        with transaction.atomic():
            if device.verify_token(token):
                audit.record(
                    actor=user,
                    action="otp.verify",
                    target=user,
                    owner=person_party_id(user),
                    backup_code=isinstance(device, StaticDevice),
                )
                return device
    raise SecondFactorError(
        _("Ce code n'est pas valable. Saisissez le code à 6 chiffres ou un code de secours.")
    )


@transaction.atomic
def disable_second_factor(*, actor: User) -> None:
    """A citizen turns 2FA off; the back-office cannot do without it."""
    if requires_second_factor(actor):
        raise SecondFactorError(
            _("La double authentification est obligatoire pour les agents et les administrateurs.")
        )
    TOTPDevice.objects.filter(user=actor).delete()
    StaticDevice.objects.filter(user=actor).delete()
    audit.record(actor=actor, action="otp.disable", target=actor, owner=person_party_id(actor))


@transaction.atomic
def reset_second_factor(*, actor: User, user: User) -> None:
    """An administrator resets the second factor of someone who lost their device."""
    if not actor.is_superuser:
        raise PermissionError("Only administrators may reset a second factor.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(actor=actor, action="otp.reset", target=user, owner=person_party_id(user))
