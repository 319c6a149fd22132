"""docker-compose.yml is parsed, since no Docker engine runs on these machines."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_it_runs_every_process_of_the_house_plan():
    assert set(SERVICES) == {"postgres", "redis", "migrate", "web", "worker", "beat", "mailpit"}


@pytest.mark.parametrize(
    ("service", "command"),
    [
        ("web", ["gunicorn", "guichet.wsgi"]),
        ("worker", ["celery", "--app", "guichet", "worker"]),
        ("beat", ["celery", "--app", "guichet", "beat"]),
        ("migrate", ["python", "manage.py", "migrate"]),
    ],
)
def test_each_application_process_runs_the_right_command(service, command):
    assert SERVICES[service]["command"][: len(command)] == command


@pytest.mark.parametrize("service", ["web", "worker", "beat", "migrate"])
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


def test_the_web_waits_for_migrations_and_the_databases_keep_their_data():
    assert SERVICES["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert "redisdata:/data" in SERVICES["redis"]["volumes"]
    assert set(COMPOSE["volumes"]) == {"pgdata", "redisdata", "media", "coffre", "exports"}
    assert SERVICES["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"


def test_the_database_password_is_required_not_defaulted():
    assert "${POSTGRES_PASSWORD:?" in SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"]


@pytest.mark.parametrize("service", ["web", "worker", "beat", "migrate"])
def test_the_vault_master_keys_are_required_not_defaulted(service):
    # Without them the demo key would be used, which `check --deploy` refuses (coffre.E001).
    assert SERVICES[service]["environment"]["COFFRE_KEKS"].startswith("${COFFRE_KEKS:?")


def test_the_gunicorn_config_and_celery_app_it_names_exist():
    from guichet import celery_app

    assert (Path(settings.BASE_DIR) / "guichet" / "gunicorn.conf.py").exists()
    assert celery_app.main == "guichet"
    assert "seal-audit-events" in settings.CELERY_BEAT_SCHEDULE
