"""The request id (header, context, log records), the JSON logs, and the Prometheus metrics at /metrics."""

import json
import logging
import logging.handlers
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.module_loading import import_string

from guichet.context import RequestContextMiddleware
from guichet.ops.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


# Request id ---------------------------------------------------------------------------------------


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get(reverse("ops:healthz"))["X-Request-ID"]
    second = client.get(reverse("portal:home"))["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


def test_a_valid_incoming_request_id_is_kept(client):
    response = client.get(reverse("ops:healthz"), headers={"X-Request-ID": "lb-2026.05_abc-0001"})

    assert response["X-Request-ID"] == "lb-2026.05_abc-0001"


@pytest.mark.parametrize(
    "given", ["short", "x" * 65, "a b c d e f g h", "<script>alert(1)</script>", "abcdefgh\n", "idé-12345678"]
)
def test_an_invalid_incoming_request_id_is_replaced(client, given):
    response = client.get(reverse("ops:healthz"), headers={"X-Request-ID": given})

    assert response["X-Request-ID"] != given
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdFilter())

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def collected():
    handler = Collect()
    logger = logging.getLogger("guichet.tests.ops")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)


def test_a_record_logged_during_a_request_carries_its_id_and_one_outside_none(collected):
    def view(request: HttpRequest) -> HttpResponse:
        logging.getLogger("guichet.tests.ops").info("inside the view")
        return HttpResponse()

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-ops-logs-0001")
    response = RequestContextMiddleware(view)(request)
    logging.getLogger("guichet.tests.ops").info("after the request")

    assert response["X-Request-ID"] == "req-ops-logs-0001"
    assert [(r.getMessage(), r.request_id) for r in collected.records] == [
        ("inside the view", "req-ops-logs-0001"),
        ("after the request", ""),
    ]


def test_the_console_handler_adds_the_request_id_then_redacts():
    handler = settings.LOGGING["handlers"]["console"]

    assert handler["filters"] == ["request_id", "redact"]
    assert settings.LOGGING["filters"]["redact"] == {"()": "guichet.security.logs.RedactingFilter"}


def json_line(logger_name: str, message: str, *args, **kwargs) -> dict:
    """What the production console handler (LOG_FORMAT=json) writes for one record, parsed: its filters
    and formatter, built from settings.LOGGING as logging.config would."""
    config = settings.LOGGING
    handler = logging.handlers.BufferingHandler(capacity=100)
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    handler.setFormatter(import_string(config["formatters"]["json"]["()"])())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info(message, *args, **kwargs)
        [record] = handler.buffer
        return json.loads(handler.format(record))
    finally:
        logger.removeHandler(handler)


def test_a_json_line_has_the_time_level_logger_message_and_request_id():
    def view(request: HttpRequest) -> HttpResponse:
        request.line = json_line("guichet.tests.ops.json", "invoice %s sent", 42)
        return HttpResponse()

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-ops-json-0001")
    RequestContextMiddleware(view)(request)

    line = request.line
    assert {key: line[key] for key in ("level", "logger", "message", "request_id")} == {
        "level": "INFO",
        "logger": "guichet.tests.ops.json",
        "message": "invoice 42 sent",
        "request_id": "req-ops-json-0001",
    }
    assert line["time"]


def test_a_json_line_is_redacted_message_extras_and_traceback():
    try:
        raise ValueError("no account for lea.martin@exemple.fr")
    except ValueError:
        line = json_line(
            "guichet.tests.ops.redact",
            "reset for %s",
            "lea.martin@exemple.fr",
            exc_info=True,
            extra={"path": "/compte/password/reset/key/3-abc123def456ghi789jkl/", "phone": "06 12 34 56 78"},
        )

    text = json.dumps(line)
    assert "lea.martin" not in text and "abc123def456ghi789jkl" not in text and "06 12 34 56 78" not in text
    assert line["message"] == "reset for [courriel]"
    assert "[courriel]" in line["exc_info"] and "ValueError" in line["exc_info"]
    assert line["phone"] == "[téléphone]"


def test_the_log_format_is_json_in_production_and_text_in_debug():
    def log_format(**env) -> str:
        script = "from guichet import settings; print(settings.LOG_FORMAT, settings.LOGGING['handlers']['console']['formatter'])"
        environment = {**os.environ, **env}
        environment.pop("LOG_FORMAT", None)
        environment.update(env)
        result = subprocess.run(
            [sys.executable, "-c", script],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        )
        return result.stdout.strip()

    assert log_format(DJANGO_DEBUG="false") == "json json"
    assert log_format(DJANGO_DEBUG="true") == "text text"
    assert log_format(DJANGO_DEBUG="false", LOG_FORMAT="text") == "text text"


def test_the_json_formatter_is_python_json_loggers():
    from pythonjsonlogger.json import JsonFormatter as Base

    assert issubclass(JsonFormatter, Base)


# Metrics ------------------------------------------------------------------------------------------


def sample(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{"):
            found = line[len(name) + 1 : line.index("}")]
            if ",".join(sorted(found.split(","))) == wanted:
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_the_request_counter_counts_the_requests_by_url_name_and_status_class(client):
    before = client.get(reverse("ops:metrics")).content.decode()
    for _i in range(3):
        client.get(reverse("ops:healthz"))
    client.get("/no-such-page/for-metrics/")

    response = client.get(reverse("ops:metrics"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    after = response.content.decode()
    labels = {"method": "GET", "view": "ops:healthz", "status": "2xx"}
    assert (
        sample(after, "guichet_http_requests_total", **labels)
        == sample(before, "guichet_http_requests_total", **labels) + 3
    )
    # A path that matches no URL is counted under one label, never under its path.
    assert sample(after, "guichet_http_requests_total", method="GET", view="unresolved", status="4xx") >= 1
    assert "no-such-page" not in after
    assert sample(after, "guichet_http_request_duration_seconds_count", view="ops:healthz") >= 3


def test_metrics_answer_404_to_another_address_without_the_token(settings):
    settings.METRICS_TOKEN = "a-long-random-metrics-token"
    client = Client(REMOTE_ADDR="203.0.113.9")

    assert client.get(reverse("ops:metrics")).status_code == 404
    assert client.get(reverse("ops:metrics"), headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert (
        client.get(
            reverse("ops:metrics"), headers={"Authorization": "Basic a-long-random-metrics-token"}
        ).status_code
        == 404
    )
    response = client.get(
        reverse("ops:metrics"), headers={"Authorization": "Bearer a-long-random-metrics-token"}
    )
    assert response.status_code == 200
    assert b"guichet_http_requests_total" in response.content


def test_metrics_accept_no_token_when_none_is_set(settings):
    settings.METRICS_TOKEN = ""
    client = Client(REMOTE_ADDR="203.0.113.9")

    assert client.get(reverse("ops:metrics"), headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_answer_the_allowed_networks_and_ipv6_loopback(settings):
    settings.METRICS_ALLOWED_IPS = ["::1", "10.0.0.0/8"]

    assert Client(REMOTE_ADDR="::1").get(reverse("ops:metrics")).status_code == 200
    assert Client(REMOTE_ADDR="10.1.2.3").get(reverse("ops:metrics")).status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get(reverse("ops:metrics")).status_code == 404


def test_celery_tasks_are_counted_by_name_and_outcome(client):
    from guichet.ops.tasks import beat_heartbeat

    before = client.get(reverse("ops:metrics")).content.decode()
    beat_heartbeat.delay()  # eager in the tests: the same signals as in a worker

    after = client.get(reverse("ops:metrics")).content.decode()
    labels = {"task": "guichet.ops.tasks.beat_heartbeat", "state": "succeeded"}
    assert (
        sample(after, "guichet_celery_tasks_total", **labels)
        == sample(before, "guichet_celery_tasks_total", **labels) + 1
    )
    assert (
        sample(after, "guichet_celery_task_duration_seconds_count", task="guichet.ops.tasks.beat_heartbeat")
        >= 1
    )


MULTIPROCESS_SCRIPT = """
import sys
import django
django.setup()
from django.test import Client
client = Client()
if sys.argv[1] == "serve":
    for _i in range(int(sys.argv[2])):
        assert client.get("/healthz").status_code == 200
else:
    sys.stdout.write(client.get("/metrics").content.decode())
"""


def test_in_multiprocess_mode_metrics_add_up_every_processs_requests(tmp_path: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guichet.settings_test",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "PYTHONPATH": str(settings.BASE_DIR),
    }

    def run(*args: str) -> str:
        command = [sys.executable, "-c", MULTIPROCESS_SCRIPT, *args]
        return subprocess.run(
            command, env=env, capture_output=True, text=True, check=True, cwd=settings.BASE_DIR
        ).stdout

    run("serve", "2")
    run("serve", "3")
    exposed = run("scrape")

    assert len(list(tmp_path.glob("counter_*.db"))) >= 2
    assert sample(exposed, "guichet_http_requests_total", method="GET", view="ops:healthz", status="2xx") == 5
