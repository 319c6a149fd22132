"""Celery tasks of the ops app: the beat's heartbeat, and a harmless probe for the worker's tests."""

import logging
import time

import redis
from celery import shared_task
from django.conf import settings

from guichet.ops import heartbeat

logger = logging.getLogger(__name__)

PROBE_PREFIX = "guichet:ops:probe:"


@shared_task(name="guichet.ops.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Scheduled by the beat every 30 s: the beat and a worker are alive (heartbeat.py)."""
    heartbeat.beat_beat()


@shared_task(name="guichet.ops.tasks.probe_task", ignore_result=True)
def probe_task(token: str, sleep_seconds: float = 0.0) -> bool:
    """Counts its starts, sleeps, then records its completion once per token, whatever the redeliveries.

    Writes only keys under guichet:ops:probe:<token> in the broker's Redis, which expire after a day.
    Returns whether this run was the one that completed it.
    """
    token = str(token)[:64]
    logger.info("probe task %s started", token)
    day = 24 * 3600
    with redis.Redis.from_url(heartbeat.broker_url() or settings.REDIS_URL) as connection:
        connection.incr(f"{PROBE_PREFIX}{token}:starts")
        connection.expire(f"{PROBE_PREFIX}{token}:starts", day)
        time.sleep(min(float(sleep_seconds), 60.0))
        first = bool(connection.set(f"{PROBE_PREFIX}{token}:done", "1", nx=True, ex=day))
        counted = f"{PROBE_PREFIX}{token}:{'completions' if first else 'repeats'}"
        connection.incr(counted)
        connection.expire(counted, day)
        return first
