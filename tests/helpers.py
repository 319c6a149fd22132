"""Test helpers: sign in as a user, with the second factor when they have one; a vault of the test's own."""

from pathlib import Path

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts import services


def login(client: Client, user, *, verified: bool = True) -> Client:
    """Log in as `user`; with verified=True the second factor counts as given."""
    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session[services.OTP_REQUIRED_SESSION_KEY] = device is not None
    if verified and device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def vault_in_folder(settings, location: Path) -> Path:
    """The vault's blobs of this test are really written, encrypted, into `location` (its own folder)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {"BACKEND": "coffre.storage.VaultFileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location
