"""/healthz and /readyz on the suite's own services, and what they never tell."""

import json

import pytest
from django.core.files.storage import storages
from django.test import Client
from django.urls import reverse

from guichet.ops import checks

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_a_query_a_session_or_a_cache(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("ops:healthz"))

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert reverse("ops:healthz") == "/healthz"


def test_healthz_answers_a_head_and_refuses_a_post(client):
    assert client.head(reverse("ops:healthz")).status_code == 200
    assert client.post(reverse("ops:healthz")).status_code == 405


def test_readyz_reports_every_check_and_passes_on_the_suites_services(client):
    response = client.get(reverse("ops:readyz"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "redis": "ok",
            # The tests run tasks eagerly, as the demo does: no worker nor beat to wait for.
            "celery_worker": "skipped",
            "celery_beat": "skipped",
            "storage": "ok",
        },
    }
    assert reverse("ops:readyz") == "/readyz"


def test_the_storage_probe_leaves_nothing_behind(client):
    client.get(reverse("ops:readyz"))

    for alias in checks.STORAGES_CHECKED:
        storage = storages[alias]
        assert not storage.exists(checks.PROBE_FOLDER) or storage.listdir(checks.PROBE_FOLDER) == ([], [])


def test_without_redis_url_the_redis_check_is_skipped_and_passes(client, settings):
    settings.REDIS_URL = ""

    response = client.get(reverse("ops:readyz"))

    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "skipped"


def test_a_failing_check_answers_503_and_tells_no_detail(client, settings, caplog):
    settings.REDIS_URL = "redis://user:s3cret-password@127.0.0.1:9/0"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": "/proc/nope"},
        },
    }

    response = Client(raise_request_exception=False).get(reverse("ops:readyz"))

    assert response.status_code == 503
    body = response.json()
    assert body == {
        "status": "fail",
        "checks": {
            "database": "ok",
            "redis": "fail",
            "celery_worker": "skipped",
            "celery_beat": "skipped",
            "storage": "fail",
        },
    }
    # Only the words of the answer above: no exception, address, path or secret.
    text = response.content.decode()
    for leak in ("Error", "refused", "127.0.0.1", "s3cret", "/proc", "Traceback"):
        assert leak not in text
    assert json.loads(text) == body
    # The reason is in the logs, for whoever runs the service.
    assert any("Redis does not answer" in record.getMessage() for record in caplog.records)
