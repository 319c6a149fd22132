"""docker-compose.yml is parsed, since no Docker engine runs on these machines."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


APPLICATION = ["web", "worker", "worker-documents", "worker-billing", "beat", "migrate"]
WORKERS = ["worker", "worker-documents", "worker-billing"]


def test_it_runs_every_process_of_the_house_plan():
    assert set(SERVICES) == {"postgres", "redis", "mailpit", *APPLICATION}


@pytest.mark.parametrize(
    ("service", "command"),
    [
        ("web", ["gunicorn", "guichet.wsgi"]),
        ("worker", ["celery", "--app", "guichet", "worker"]),
        ("worker-documents", ["celery", "--app", "guichet", "worker"]),
        ("worker-billing", ["celery", "--app", "guichet", "worker"]),
        ("beat", ["celery", "--app", "guichet", "beat"]),
        ("migrate", ["python", "manage.py", "migrate"]),
    ],
)
def test_each_application_process_runs_the_right_command(service, command):
    assert SERVICES[service]["command"][: len(command)] == command


@pytest.mark.parametrize("service", APPLICATION)
def test_application_processes_share_the_production_environment(service):
    environment = SERVICES[service]["environment"]
    assert environment["DJANGO_DEBUG"] == "false"
    assert environment["DATABASE_URL"].startswith("postgres://guichet:")
    assert "@postgres:5432/guichet" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert SERVICES[service]["env_file"] == ".env"
    assert "media:/app/var/media" in SERVICES[service]["volumes"]
    assert "coffre:/app/var/coffre" in SERVICES[service]["volumes"]
    assert environment["COFFRE_STORAGE_LOCATION"] == "/app/var/coffre"
    assert "exports:/app/var/exports" in SERVICES[service]["volumes"]
    assert environment["DEMARCHES_EXPORT_ROOT"] == "/app/var/exports"
    assert "backups:/app/var/backups" in SERVICES[service]["volumes"]
    # The shredding log outlives restores only if it lives on a volume of its own.
    assert "shredding:/app/var/shredding" in SERVICES[service]["volumes"]
    assert environment["COFFRE_SHREDDING_LOG"].startswith("/app/var/shredding/")


def test_the_web_waits_for_migrations_and_the_databases_keep_their_data():
    assert SERVICES["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert "redisdata:/data" in SERVICES["redis"]["volumes"]
    assert set(COMPOSE["volumes"]) == {
        "pgdata",
        "redisdata",
        "media",
        "coffre",
        "exports",
        "backups",
        "shredding",
    }
    assert SERVICES["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"


def test_the_database_password_is_required_not_defaulted():
    assert "${POSTGRES_PASSWORD:?" in SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"]


@pytest.mark.parametrize("service", APPLICATION)
def test_the_vault_master_keys_are_required_not_defaulted(service):
    # Without them the demo key would be used, which `check --deploy` refuses (coffre.E001).
    assert SERVICES[service]["environment"]["COFFRE_KEKS"].startswith("${COFFRE_KEKS:?")


def test_the_gunicorn_config_and_celery_app_it_names_exist():
    from guichet import celery_app

    assert (Path(settings.BASE_DIR) / "guichet" / "gunicorn.conf.py").exists()
    assert celery_app.main == "guichet"
    assert "seal-audit-events" in settings.CELERY_BEAT_SCHEDULE


def test_the_workers_consume_every_queue_and_each_queue_has_a_worker():
    consumed = []
    for service in WORKERS:
        command = SERVICES[service]["command"]
        consumed += command[command.index("--queues") + 1].split(",")
    assert sorted(consumed) == sorted(settings.CELERY_TASK_QUEUES)


def test_the_web_is_sized_by_the_environment_and_probed_on_healthz():
    environment = SERVICES["web"]["environment"]
    assert environment["GUNICORN_WORKERS"] == "${WEB_WORKERS:-3}"
    assert environment["GUNICORN_THREADS"] == "${WEB_THREADS:-4}"
    assert "http://127.0.0.1:8000/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])


def test_the_database_server_matches_the_client_tools_of_the_image():
    # `manage.py backup` dumps with the client of the server's major version: the image has 15.
    assert SERVICES["postgres"]["image"].startswith("postgres:15")
    assert "postgresql-client-15" in (Path(settings.BASE_DIR) / "Dockerfile").read_text()


@pytest.mark.parametrize("service", WORKERS)
def test_each_worker_serves_its_metrics_on_the_private_network_only(service):
    assert SERVICES[service]["environment"]["METRICS_PORT"] == "9808"
    assert "ports" not in SERVICES[service]
