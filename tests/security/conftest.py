"""The attack tests' shared ground: the authorization matrix's world, and production-like settings."""

import pytest

# The matrix's world (every app's objects, built through their services) and its vault folders.
from tests.test_authorization_matrix import vault_storage, world  # noqa: F401 (fixtures)


@pytest.fixture
def production_security(settings):
    """What guichet/settings.py gives in production (DJANGO_DEBUG=false), over HTTPS."""
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 63072000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = True
    return settings
