"""Settings of the Celery workers the ops tests start: the test settings, with a short visibility timeout
(a task whose worker died is delivered again after 3 s, looked for every second) and a heartbeat every
second."""

from guichet.settings_test import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
OPS_WORKER_HEARTBEAT_INTERVAL = 1.0
OPS_HEARTBEAT_TTL = 5
