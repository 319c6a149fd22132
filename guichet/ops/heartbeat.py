"""Heartbeats of the Celery worker and beat, in the broker's Redis, read by the readiness checks.

Each worker writes `guichet:ops:worker:<hostname>` when it starts, then every
OPS_WORKER_HEARTBEAT_INTERVAL seconds, with a time to live of OPS_HEARTBEAT_TTL, and deletes it when it
stops cleanly; a worker killed or stuck lets it expire. The beat's heartbeat is the task
`guichet.ops.tasks.beat_heartbeat`, scheduled every 30 s (CELERY_BEAT_SCHEDULE): it writes
`guichet:ops:beat` with the time it ran, so the key is fresh only while the beat schedules and a
worker runs what it schedules.
"""

import time

import redis
from django.conf import settings

WORKER_PREFIX = "guichet:ops:worker:"
BEAT_KEY = "guichet:ops:beat"
TIMEOUT = 2.0  # seconds, to connect and for each command


def broker_url() -> str:
    """The Redis the workers consume, where they beat; "" when the broker is not Redis (the demo)."""
    url = settings.CELERY_BROKER_URL or ""
    return url if url.startswith(("redis://", "rediss://", "unix://")) else ""


def client(url: str | None = None) -> redis.Redis:
    return redis.Redis.from_url(
        url or broker_url(), socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT, retry_on_timeout=False
    )


def beat_worker(hostname: str, *, url: str | None = None) -> None:
    with client(url) as connection:
        connection.set(f"{WORKER_PREFIX}{hostname}", f"{time.time():.3f}", ex=settings.OPS_HEARTBEAT_TTL)


def forget_worker(hostname: str, *, url: str | None = None) -> None:
    with client(url) as connection:
        connection.delete(f"{WORKER_PREFIX}{hostname}")


def live_workers(*, url: str | None = None) -> list[str]:
    with client(url) as connection:
        keys = connection.scan_iter(match=f"{WORKER_PREFIX}*", count=1000)
        return sorted(key.decode().removeprefix(WORKER_PREFIX) for key in keys)


def beat_beat(*, url: str | None = None) -> None:
    with client(url) as connection:
        connection.set(BEAT_KEY, f"{time.time():.3f}", ex=settings.OPS_HEARTBEAT_TTL)


def beat_age(*, url: str | None = None) -> float | None:
    """Seconds since the beat's last heartbeat; None when there is none."""
    with client(url) as connection:
        value = connection.get(BEAT_KEY)
    return None if value is None else max(0.0, time.time() - float(value))
