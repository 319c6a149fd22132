import pytest

from tests.franceconnect.provider import FakeFranceConnect

SITE = "http://testserver"


@pytest.fixture
def provider(settings):
    """The local FranceConnect, running, and the portal configured to use it (as a town would)."""
    fake = FakeFranceConnect().start()
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    settings.SITE_URL = SITE
    fake.redirect_uri = f"{SITE}/franceconnect/retour/"
    fake.post_logout_redirect_uri = f"{SITE}/franceconnect/deconnexion/retour/"
    yield fake
    fake.stop()


@pytest.fixture
def franceconnect_off(settings):
    settings.FRANCECONNECT_ISSUER = ""
    settings.FRANCECONNECT_CLIENT_ID = ""
    settings.FRANCECONNECT_CLIENT_SECRET = ""
