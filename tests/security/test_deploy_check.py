"""`manage.py check --deploy` with production settings (the Makefile's lint target sets the same):
zero warnings and nothing silenced; and the production values behind it."""

import base64
import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

# What a process needs from the test's environment; nothing else goes through. The tests' own variables
# (DJANGO_SETTINGS_MODULE, the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, async.E001) are no production's.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DATABASE_URL", "REDIS_URL")


def production_env(**extra) -> dict:
    """A clean environment with what `make lint` sets: production settings, as a server would start."""
    environment = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    environment.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    return {
        **environment,
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "guichet.example.fr",
        "COFFRE_KEKS": "prod:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        **extra,
    }


def run(*args: str, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        env=production_env(**extra),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deployment_check_finds_nothing_and_silences_nothing(monkeypatch):
    # Whatever the test process holds (the browser tests set this one): the check runs without it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    done = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "System check identified no issues (0 silenced)."


PRODUCTION_VALUES = """
import json
from django.conf import settings
import django
django.setup()
names = [
    "SILENCED_SYSTEM_CHECKS", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SAMESITE", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "SESSION_IDLE_TIMEOUT_CITIZEN",
    "SESSION_IDLE_TIMEOUT_AGENT", "ACCOUNT_REAUTHENTICATION_REQUIRED", "DEBUG",
]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def test_production_turns_every_protection_on():
    done = run("-c", PRODUCTION_VALUES, DJANGO_SETTINGS_MODULE="guichet.settings")
    assert done.returncode == 0, done.stderr
    values = json.loads(done.stdout.strip().splitlines()[-1])

    assert values == {
        "SILENCED_SYSTEM_CHECKS": [],
        "SECURE_HSTS_SECONDS": 63072000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SAMESITE": "Lax",
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "SESSION_IDLE_TIMEOUT_CITIZEN": 1800,
        "SESSION_IDLE_TIMEOUT_AGENT": 900,
        "ACCOUNT_REAUTHENTICATION_REQUIRED": True,
        "DEBUG": False,
    }


@pytest.mark.django_db
def test_the_email_is_unique_as_typed_and_whatever_its_case():
    from django.db import IntegrityError, transaction

    from guichet.accounts.models import User

    field = User._meta.get_field("email")
    assert field.unique
    User.objects.create_user("lea@exemple.fr", "Un-mot-de-passe-solide")
    for duplicate in ("lea@exemple.fr", "LEA@Exemple.fr"):
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.bulk_create([User(email=duplicate)])
