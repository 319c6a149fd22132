"""System checks of the FranceConnect settings: nothing to say while FranceConnect is off."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def check_settings(app_configs, **kwargs) -> list:
    issuer = getattr(settings, "FRANCECONNECT_ISSUER", "")
    client_id = getattr(settings, "FRANCECONNECT_CLIENT_ID", "")
    secret = getattr(settings, "FRANCECONNECT_CLIENT_SECRET", "")
    if not (issuer or client_id or secret):
        return []
    errors = []
    if not (issuer and client_id and secret):
        errors.append(
            checks.Error(
                "FranceConnect is half configured: FRANCECONNECT_ISSUER, FRANCECONNECT_CLIENT_ID and "
                "FRANCECONNECT_CLIENT_SECRET go together.",
                id="franceconnect.E001",
            )
        )
    if issuer and not settings.DEBUG and urlsplit(issuer).scheme != "https":
        errors.append(
            checks.Error(
                "FRANCECONNECT_ISSUER must be an https:// address in production.", id="franceconnect.E002"
            )
        )
    return errors
