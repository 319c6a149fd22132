"""Celery application: tasks run on Redis in production, eagerly in the demo."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

app = Celery("guichet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id carried into tasks, task metrics, the worker's heartbeat, the project's logging.
from guichet.ops.celery_signals import install  # noqa: E402 (needs the app above)

install(app)
