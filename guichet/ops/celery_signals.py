"""What the ops app adds to Celery: the request id carried into tasks, task metrics, the worker's heartbeat,
and the project's logging in the worker.

`install(app)` is called by guichet/celery.py when the app is made, so that it holds in the web processes
(which publish), in the workers and in the beat, before Django is set up:

- `before_task_publish` puts the current request id in the message's headers (`guichet_request_id`);
  `task_prerun` binds it in the worker (guichet.context) and `task_postrun` unbinds it, so the task's log
  lines and audit events carry the id of the request that queued it;
- `task_prerun`/`task_postrun` time each task and count its outcome (metrics.py);
- a consumer bootstep writes the worker's heartbeat when the worker starts and every
  OPS_WORKER_HEARTBEAT_INTERVAL seconds (heartbeat.py);
- `setup_logging`: a worker that takes over the root logger (the default) applies settings.LOGGING instead
  of Celery's own handlers, so its lines are JSON, redacted and carry the request id like the web's.
"""

import logging
import logging.config
import time

from celery import bootsteps, signals

from guichet import context
from guichet.ops import heartbeat, metrics

logger = logging.getLogger(__name__)

HEADER = "guichet_request_id"
OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}

# Per process, by task id: when the task started, and the context token to give back at its end.
_started: dict[str, float] = {}
_tokens: dict[str, object] = {}


def add_request_id(headers=None, **kwargs) -> None:
    request_id = context.current().request_id
    if request_id and headers is not None and not headers.get(HEADER):
        headers[HEADER] = request_id


def task_started(task_id=None, task=None, **kwargs) -> None:
    _started[task_id] = time.perf_counter()
    request = getattr(task, "request", None)
    if request is None or request.is_eager:
        return  # an eager task runs inside the caller's context already
    request_id = getattr(request, HEADER, None) or (request.headers or {}).get(HEADER)
    if request_id and context.is_valid_request_id(str(request_id)):
        _tokens[task_id] = context.bind(request_id=str(request_id))


def task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        context.unbind(token)
    started = _started.pop(task_id, None)
    name = getattr(task, "name", None) or "unknown"
    if started is not None:
        metrics.CELERY_DURATION.labels(task=name).observe(time.perf_counter() - started)
    metrics.CELERY_TASKS.labels(task=name, state=OUTCOMES.get(state, str(state or "unknown").lower())).inc()


def setup_logging(loglevel=None, **kwargs) -> None:
    from django.conf import settings

    from guichet.celery import app

    if not app.conf.worker_hijack_root_logger:
        return  # the logging already set up stays (a worker started inside the tests)
    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes this worker's heartbeat from the consumer's timer: fresh while the consumer runs."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.tref = None
        self.hostname = ""

    def start(self, parent) -> None:
        from django.conf import settings

        if not heartbeat.broker_url():
            return
        self.hostname = parent.hostname
        self.beat()
        self.tref = parent.timer.call_repeatedly(settings.OPS_WORKER_HEARTBEAT_INTERVAL, self.beat)

    def beat(self) -> None:
        try:
            heartbeat.beat_worker(self.hostname)
        except Exception:  # the next beat tries again; the key's time to live tells if none succeeds
            logger.warning("worker heartbeat not written", exc_info=True)

    def stop(self, parent) -> None:
        if self.tref is not None:
            parent.timer.cancel(self.tref)
            self.tref = None
            try:
                heartbeat.forget_worker(self.hostname)
            except Exception:
                logger.warning("worker heartbeat not removed", exc_info=True)

    shutdown = stop


def serve_metrics(**kwargs) -> None:
    """The worker's metrics endpoint, when METRICS_PORT says where (guichet/ops/metrics.py)."""
    port = metrics.serve_worker_metrics()
    if port is not None:
        logger.info("worker metrics on port %s", port)


def install(app) -> None:
    app.steps["consumer"].add(WorkerHeartbeat)
    signals.before_task_publish.connect(add_request_id, weak=False, dispatch_uid="guichet.ops.request_id")
    signals.task_prerun.connect(task_started, weak=False, dispatch_uid="guichet.ops.task_started")
    signals.task_postrun.connect(task_finished, weak=False, dispatch_uid="guichet.ops.task_finished")
    signals.setup_logging.connect(setup_logging, weak=False, dispatch_uid="guichet.ops.setup_logging")
    signals.worker_ready.connect(serve_metrics, weak=False, dispatch_uid="guichet.ops.worker_metrics")
