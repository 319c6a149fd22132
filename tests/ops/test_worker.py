"""Real Celery workers (their own processes, on this test worker's Redis broker): heartbeats seen by
/readyz, a task redelivered after its worker was killed, the request id carried into a task."""

import json
import time
import urllib.request
import uuid

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from guichet.celery import app
from guichet.context import RequestContextMiddleware
from guichet.ops import heartbeat
from guichet.ops.celery_signals import HEADER
from guichet.ops.tasks import PROBE_PREFIX, beat_heartbeat, probe_task
from tests.ops.conftest import free_port, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("ops"), pytest.mark.django_db]


@pytest.fixture
def publishing():
    """Tasks go to the broker rather than run eagerly, as in production (restored afterwards)."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


def queue_name() -> str:
    return f"ops-test-{uuid.uuid4().hex[:8]}"


def counter(broker, token: str, name: str) -> int:
    return int(broker.get(f"{PROBE_PREFIX}{token}:{name}") or 0)


def test_readyz_sees_the_workers_heartbeat_while_it_runs_and_fails_once_it_is_gone(
    client, publishing, broker, start_worker
):
    assert client.get(reverse("ops:readyz")).json()["checks"]["celery_worker"] == "fail"

    worker = start_worker(queue_name())
    wait_for(lambda: heartbeat.live_workers(), timeout=30, what="the worker's heartbeat")
    assert heartbeat.live_workers() == [worker.hostname]
    assert client.get(reverse("ops:readyz")).json()["checks"]["celery_worker"] == "ok"
    # It beats again and again (every second in these tests), with a short time to live.
    key = f"{heartbeat.WORKER_PREFIX}{worker.hostname}"
    first = broker.get(key)
    wait_for(lambda: broker.get(key) not in (None, first), timeout=10, what="a second heartbeat")
    assert 0 < broker.ttl(key) <= 5

    worker.stop()  # a worker stopping cleanly removes its heartbeat
    assert heartbeat.live_workers() == []
    response = client.get(reverse("ops:readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["celery_worker"] == "fail"


def test_a_killed_workers_heartbeat_expires(publishing, broker, start_worker):
    worker = start_worker(queue_name())
    wait_for(lambda: heartbeat.live_workers(), timeout=30, what="the worker's heartbeat")

    worker.kill()

    assert heartbeat.live_workers() == [worker.hostname]
    wait_for(lambda: heartbeat.live_workers() == [], timeout=10, what="the heartbeat's expiry")


def test_readyz_sees_the_beats_heartbeat_once_its_task_ran(
    client, publishing, broker, start_worker, settings
):
    assert client.get(reverse("ops:readyz")).json()["checks"]["celery_beat"] == "fail"
    queue = queue_name()
    start_worker(queue)

    beat_heartbeat.apply_async(queue=queue)  # what the beat sends every 30 s
    wait_for(lambda: heartbeat.beat_age() is not None, timeout=30, what="the beat's heartbeat")

    response = client.get(reverse("ops:readyz"))
    assert response.json()["checks"]["celery_beat"] == "ok"
    assert response.status_code == 200
    # Stale: older than the time to live (a heartbeat written 5 minutes ago).
    broker.set(heartbeat.BEAT_KEY, f"{time.time() - 300:.3f}")
    assert client.get(reverse("ops:readyz")).json()["checks"]["celery_beat"] == "fail"


def test_a_task_whose_worker_is_killed_midway_runs_again_on_another_and_completes_once(
    publishing, broker, start_worker
):
    queue, token = queue_name(), uuid.uuid4().hex
    first = start_worker(queue)
    probe_task.apply_async(args=[token, 8], queue=queue)
    wait_for(lambda: counter(broker, token, "starts") == 1, timeout=30, what="the first start")

    first.kill()  # SIGKILL while the task sleeps: never acknowledged (acks_late)
    assert counter(broker, token, "completions") == 0
    start_worker(queue)

    # Delivered again once the visibility timeout (3 s here) is over, and completed by the new worker.
    wait_for(lambda: counter(broker, token, "completions") == 1, timeout=60, what="the completion")
    time.sleep(2)
    assert counter(broker, token, "starts") == 2
    assert counter(broker, token, "completions") == 1
    assert counter(broker, token, "repeats") == 0


def test_a_task_queued_during_a_request_carries_its_id_into_the_message_and_the_workers_logs(
    publishing, broker, start_worker, tmp_path
):
    queue, token = queue_name(), uuid.uuid4().hex

    def view(request: HttpRequest) -> HttpResponse:
        probe_task.apply_async(args=[token, 0], queue=queue)
        return HttpResponse()

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-ops-0123456789")
    response = RequestContextMiddleware(view)(request)
    assert response["X-Request-ID"] == "req-ops-0123456789"

    # In the broker, before any worker takes it: the message's headers.
    [raw] = broker.lrange(queue, 0, -1)
    message = json.loads(raw)
    assert message["headers"][HEADER] == "req-ops-0123456789"
    assert message["headers"]["task"] == "guichet.ops.tasks.probe_task"

    worker = start_worker(queue)
    wait_for(lambda: counter(broker, token, "completions") == 1, timeout=30, what="the task")
    worker.stop()
    lines = [json.loads(line) for line in worker.log.read_text().splitlines() if line.startswith("{")]
    [started] = [line for line in lines if line.get("message") == f"probe task {token} started"]
    assert started["request_id"] == "req-ops-0123456789"
    assert started["logger"] == "guichet.ops.tasks"
    # Outside of a task, the worker's lines have no request id.
    assert any(line["request_id"] == "" for line in lines)


def test_a_worker_serves_its_own_metrics_on_its_port(publishing, broker, start_worker):
    # In docker-compose.yml the workers run in containers of their own: the web's /metrics cannot see
    # their tasks, so each worker answers Prometheus itself.
    port = free_port()
    queue = queue_name()
    start_worker(queue, env={"METRICS_PORT": str(port)})
    token = uuid.uuid4().hex
    probe_task.apply_async(args=[token, 0], queue=queue)
    wait_for(lambda: counter(broker, token, "done") == 1, timeout=30, what="the probe task")

    def scraped() -> str:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                return response.read().decode()
        except OSError:
            return ""

    line = 'guichet_celery_tasks_total{state="succeeded",task="guichet.ops.tasks.probe_task"} 1.0'
    wait_for(lambda: line in scraped(), timeout=10, what="the worker's metrics")
