"""Prometheus metrics (prometheus_client), and the middleware that counts the requests.

Requests: `guichet_http_requests_total{method, view, status}` (status class: 2xx, 3xx…, view: the URL
name, "unresolved" for a path no URL matches) and `guichet_http_request_duration_seconds{view}`.
Celery tasks: `guichet_celery_tasks_total{task, state}` (succeeded, failed, retried) and
`guichet_celery_task_duration_seconds{task}` (celery_signals.py). Bookings and payments: observers.py.

Several processes (gunicorn's workers, Celery's pool): set PROMETHEUS_MULTIPROC_DIR to an empty folder
writable by every process, before they start (prometheus_client's multiprocess mode: each process writes
its values there, `/metrics` adds them up); gunicorn.conf.py empties it at start and forgets the dead
workers. Without it, each process has its own registry, and `/metrics` shows the answering process's.
A Celery worker is not behind the web: with METRICS_PORT set it serves its own (serve_worker_metrics).
"""

import os
import time

from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

HTTP_REQUESTS = Counter(
    "guichet_http_requests",
    "HTTP requests answered, by method, URL name and status class.",
    ["method", "view", "status"],
)
HTTP_DURATION = Histogram(
    "guichet_http_request_duration_seconds",
    "Time to answer an HTTP request, by URL name.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CELERY_TASKS = Counter(
    "guichet_celery_tasks",
    "Celery tasks run, by task name and outcome (succeeded, failed, retried).",
    ["task", "state"],
)
CELERY_DURATION = Histogram(
    "guichet_celery_task_duration_seconds",
    "Time a Celery task ran, by task name.",
    ["task"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
FAMILLE_BOOKINGS = Counter(
    "guichet_famille_bookings",
    "Famille bookings, by what happened (confirmed, waitlisted, cancelled).",
    ["outcome"],
)
ROOM_BOOKINGS = Counter(
    "guichet_room_bookings",
    "Room bookings, by what happened (requested, confirmed, refused, cancelled).",
    ["outcome"],
)
PAYMENTS = Counter(
    "guichet_regie_payments",
    "Régie payments, by outcome (settled, failed, expired).",
    ["outcome"],
)
INVOICES_PAID = Counter("guichet_regie_invoices_paid", "Régie invoices settled in full.")
REFUNDS = Counter(
    "guichet_regie_refunds",
    "Régie refunds, by outcome (succeeded, failed).",
    ["outcome"],
)


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_ENV))


def registry() -> CollectorRegistry:
    """Every process's metrics in multiprocess mode, else this process's."""
    if is_multiprocess():
        gathered = CollectorRegistry()
        multiprocess.MultiProcessCollector(gathered)
        return gathered
    return REGISTRY


def render() -> tuple[bytes, str]:
    return generate_latest(registry()), CONTENT_TYPE_LATEST


def serve_worker_metrics() -> int | None:
    """A Celery worker's own /metrics, on METRICS_PORT (its tasks run in other processes than the web's).

    Only where METRICS_PORT is set: a worker container of docker-compose.yml, scraped on its private
    network (METRICS_ADDR, 127.0.0.1 by default), never published. Returns the port, or None.
    """
    port = os.environ.get("METRICS_PORT")
    if not port:
        return None
    start_http_server(int(port), addr=os.environ.get("METRICS_ADDR", "127.0.0.1"), registry=registry())
    return int(port)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class MetricsMiddleware:
    """Counts and times every response. Early in MIDDLEWARE, so that redirects to HTTPS count too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        # The URL's name, never the path: a path may carry ids and tokens, and would make a label per URL.
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route or "unnamed") if match else "unresolved"
        method = request.method if request.method in METHODS else "other"
        HTTP_REQUESTS.labels(method=method, view=view, status=status_class(response.status_code)).inc()
        HTTP_DURATION.labels(view=view).observe(time.perf_counter() - started)
        return response
