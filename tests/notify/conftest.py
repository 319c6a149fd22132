import pytest

from tests.notify.mailers import FlakyBackend


@pytest.fixture
def mailer(settings):
    """Point the default mailer at one of the stand-ins of tests.notify.mailers."""

    def use(name: str, *, failures: int = 0) -> None:
        settings.MAILERS = {"default": {"BACKEND": f"tests.notify.mailers.{name}"}}
        FlakyBackend.failures = failures

    yield use
    FlakyBackend.failures = 0
