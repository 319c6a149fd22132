"""Readiness checks: can this process serve? One function per dependency, each quick and bounded.

Each check returns "ok", "skipped" (not used in this deployment: it passes) or "fail"; the reason of a
failure is logged (redacted, with the request id), never returned, since the answer is public.

- database: `SELECT 1` on every alias of settings.DATABASES; a connection that failed is closed, so the
  next check (or request) opens a new one once the server is back;
- redis: PING on settings.REDIS_URL ("skipped" without it: the demo's cache is in memory);
- celery_worker: at least one worker's heartbeat in the broker's Redis (heartbeat.py);
- celery_beat: the beat's heartbeat, younger than OPS_HEARTBEAT_TTL;
  both "skipped" when tasks run eagerly (CELERY_TASK_ALWAYS_EAGER: the demo without REDIS_URL);
- storage: a small file written, read back and deleted in the vault's storage and the default one.
"""

import logging
import secrets
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connections

from guichet.ops import heartbeat

logger = logging.getLogger(__name__)

OK, SKIPPED, FAIL = "ok", "skipped", "fail"
PASSING = {OK, SKIPPED}
STORAGES_CHECKED = ("coffre", "default")
PROBE_FOLDER = "readiness"


def check_database() -> str:
    failed = []
    for alias in connections:
        connection = connections[alias]
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception:
            logger.warning("readiness: database %s does not answer", alias, exc_info=True)
            failed.append(alias)
            try:
                connection.close()
            except Exception:
                logger.info("readiness: closing the connection to %s failed", alias, exc_info=True)
    return FAIL if failed else OK


def check_redis() -> str:
    if not settings.REDIS_URL:
        return SKIPPED
    try:
        with heartbeat.client(settings.REDIS_URL) as connection:
            connection.ping()
    except (redis.RedisError, OSError):
        logger.warning("readiness: Redis does not answer", exc_info=True)
        return FAIL
    return OK


def _celery_is_eager() -> bool:
    # The Celery app's own configuration (loaded from CELERY_* settings) says how tasks run.
    from guichet import celery_app

    return bool(celery_app.conf.task_always_eager) or not heartbeat.broker_url()


def check_celery_worker() -> str:
    if _celery_is_eager():
        return SKIPPED
    try:
        workers = heartbeat.live_workers()
    except (redis.RedisError, OSError):
        logger.warning("readiness: the broker does not answer", exc_info=True)
        return FAIL
    if not workers:
        logger.warning("readiness: no Celery worker's heartbeat")
        return FAIL
    return OK


def check_celery_beat() -> str:
    if _celery_is_eager():
        return SKIPPED
    try:
        age = heartbeat.beat_age()
    except (redis.RedisError, OSError, ValueError):
        logger.warning("readiness: the beat's heartbeat cannot be read", exc_info=True)
        return FAIL
    if age is None or age > settings.OPS_HEARTBEAT_TTL:
        logger.warning("readiness: no fresh heartbeat of the Celery beat (age %s)", age)
        return FAIL
    return OK


def check_storage() -> str:
    failed = False
    for alias in STORAGES_CHECKED:
        content = secrets.token_bytes(16)
        name = None
        try:
            storage = storages[alias]
            name = storage.save(f"{PROBE_FOLDER}/{secrets.token_hex(16)}", ContentFile(content))
            with storage.open(name, "rb") as probe:
                if probe.read() != content:
                    raise OSError("the probe read back differs from what was written")
        except Exception:
            logger.warning("readiness: storage %s cannot write and read", alias, exc_info=True)
            failed = True
        finally:
            if name is not None:
                try:
                    storages[alias].delete(name)
                except Exception:
                    logger.warning("readiness: the probe of storage %s stays", alias, exc_info=True)
                    failed = True
    return FAIL if failed else OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
    "celery_worker": check_celery_worker,
    "celery_beat": check_celery_beat,
    "storage": check_storage,
}


def run() -> tuple[bool, dict[str, str]]:
    """Every check's result, and whether they all pass."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:  # a check's bug is a failure, never a 500 with its traceback
            logger.exception("readiness: the %s check failed unexpectedly", name)
            results[name] = FAIL
    return all(result in PASSING for result in results.values()), results
