"""System checks: the vault's keys and storage are configured, and no demo key in production."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from coffre import crypto
from coffre.storage import ALIAS


@register(Tags.security)
def check_vault_configuration(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    try:
        crypto.KeyRing.parse(getattr(settings, "COFFRE_KEKS", ""))
    except ValueError as error:
        errors.append(
            Error(
                f"COFFRE_KEKS is not usable: {error}",
                hint="Set COFFRE_KEKS to 'id:base64 of 32 random bytes', newest first, comma-separated.",
                id="coffre.E002",
            )
        )
    if ALIAS not in settings.STORAGES:
        errors.append(Error(f'STORAGES has no "{ALIAS}" entry for the vault\'s blobs.', id="coffre.E003"))
    return errors


@register(Tags.security, deploy=True)
def check_no_demo_key_in_production(app_configs=None, **kwargs) -> list[Error]:
    """The demo KEK is published in the repository: with it, every wrapped data key is readable."""
    if settings.DEBUG:
        return []
    try:
        ring = crypto.KeyRing.parse(getattr(settings, "COFFRE_KEKS", ""))
    except ValueError:
        return []  # coffre.E002 says it
    if not ring.demo_ids:
        return []
    return [
        Error(
            "The vault uses a demo master key (COFFRE_KEKS) with DEBUG off.",
            hint=(
                'Generate a key with: python -c "import base64, secrets; '
                'print(base64.b64encode(secrets.token_bytes(32)).decode())" and set '
                "COFFRE_KEKS=<id>:<key>. Keep it out of the database backups. Keys of a real "
                f"deployment must not have an id starting with {crypto.DEMO_KEK_PREFIX!r}."
            ),
            id="coffre.E001",
        )
    ]
