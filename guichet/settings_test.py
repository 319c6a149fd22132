"""Test settings: the real settings with fast hashing, Redis cache per xdist worker, eager Celery."""

import os

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from guichet.settings import *  # noqa: F403
from guichet.settings import CACHES, REDIS_URL

# Each xdist worker gets its own Redis database and key prefix, so that
# throttling counters of one worker never reach another's tests.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_worker_index = int(_worker.removeprefix("gw") or 0)
_redis_base, _redis_db = REDIS_URL.rsplit("/", 1)
TEST_REDIS_URL = f"{_redis_base}/{int(_redis_db or 0) + 1 + _worker_index}"
CACHES["default"] = {
    "BACKEND": "guichet.cache.RedisCache",
    "LOCATION": TEST_REDIS_URL,
    "KEY_PREFIX": f"test-{_worker}",
}
# Tests that are about the queue start a real worker on this broker; the rest run tasks eagerly.
CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_TASK_ALWAYS_EAGER = True

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media" / _worker  # noqa: F405
STORAGES["coffre"] = {
    **STORAGES["coffre"],
    "OPTIONS": {"location": BASE_DIR / "var" / "test-coffre" / _worker},  # noqa: F405
}
STORAGES["public"] = {
    **STORAGES["public"],
    "OPTIONS": {**STORAGES["public"]["OPTIONS"], "location": BASE_DIR / "var" / "test-public" / _worker},  # noqa: F405
}
# Off: a file shared by every test would replay other tests' shreddings; tests/backup turns it on.
COFFRE_SHREDDING_LOG = ""
STORAGES["demarches_exports"] = {
    **STORAGES["demarches_exports"],
    "OPTIONS": {"location": BASE_DIR / "var" / "test-exports" / _worker},  # noqa: F405
}

# Régie: never a real provider. Each test that pays starts tests.regie's local
# fakes and points these at them; anything else fails fast on a closed port.
REGIE_PAYMENT_BACKEND = "stripe"
REGIE_FAKE_PROVIDER = True
STRIPE_SECRET_KEY = "sk_test_guichet"  # noqa: S105 (tests only, no real key)
STRIPE_WEBHOOK_SECRET = "whsec_test_guichet"  # noqa: S105 (tests only)
STRIPE_API_BASE = "http://127.0.0.1:9"
STRIPE_TIMEOUT = 2.0
STRIPE_MAX_NETWORK_RETRIES = 2
PAYFIP_API_URL = "http://127.0.0.1:9/tpa/services/securite"
PAYFIP_PAYMENT_URL = "http://127.0.0.1:9/tpa/paiementws.web"
PAYFIP_NUMCLI = "123456"
PAYFIP_TIMEOUT = 2.0

# FranceConnect stays off whatever the developer's environment says: the tests that need it start a local
# provider and turn it on themselves (tests/franceconnect).
FRANCECONNECT_ISSUER = ""
FRANCECONNECT_CLIENT_ID = ""
FRANCECONNECT_CLIENT_SECRET = ""
