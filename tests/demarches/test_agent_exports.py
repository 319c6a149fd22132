"""Exports of the queue: asked for on the page, built by a Celery task, kept encrypted, downloaded by their
requester only, deleted after a day."""

import csv
import io
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pytest_django.asserts import assertContains, assertRedirects

from coffre.exceptions import VaultIntegrityError
from demarches import exports, services
from demarches.enums import ExportStatus, RequestStatus
from demarches.models import ExportJob, Label
from demarches.selectors.queues import QueueFilters
from guichet.audit.models import AuditEvent
from guichet.celery import app
from tests.demarches.backoffice import sent_requests
from tests.demarches.factories import publish, simple_demarche, submitted
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party
from tests.helpers import login
from tests.notify.test_worker import worker  # noqa: F401 (the real Celery worker fixture, reused)

pytestmark = pytest.mark.django_db

EXPORTS = reverse("demarches:agent_exports")
HEADER = [
    "Référence",
    "Démarche",
    "Service",
    "Demandeur",
    "Canal",
    "Statut",
    "Déposée le",
    "À traiter avant le",
    "Décision le",
    "Agent chargé",
    "Étiquettes",
    "Réponses",
]


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path) -> Path:
    """Each test's exports go to a folder of its own."""
    location = tmp_path / "exports"
    settings.STORAGES = {
        **settings.STORAGES,
        "demarches_exports": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location


@pytest.fixture
def demarche(service):
    demarche = simple_demarche(service=service, title="Copie d'acte de naissance")
    publish(demarche)
    return demarche


@pytest.fixture
def agent_client(client, town, agent):
    return login(client, agent)


def download(client, job) -> bytes:
    response = client.get(reverse("demarches:agent_export_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def parse_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def ask(client, django_capture_on_commit_callbacks, **data) -> ExportJob:
    """Post the export form; the task runs (eagerly here) once the transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORTS, data)
    assertRedirects(response, EXPORTS, fetch_redirect_response=False)
    return ExportJob.objects.latest("pk")


def test_the_page_shows_the_queue_filters_it_will_export(agent_client, service):
    response = agent_client.get(
        EXPORTS, {"onglet": "termines", "q": "dupont", "statut": "refused", "page": "3"}
    )

    assert response.status_code == 200
    assertContains(response, "<li>Onglet : Terminés</li>", html=True)
    assertContains(response, "<li>Recherche : « dupont »</li>", html=True)
    assertContains(response, "<li>Statut : Refusée</li>", html=True)
    assertContains(response, '<input type="hidden" name="onglet" value="termines" id="id_onglet">', html=True)
    assertContains(response, '<input type="hidden" name="q" value="dupont" id="id_q">', html=True)
    assertContains(response, f'<option value="{service.pk}" selected>État civil</option>', html=True)
    assertContains(response, "Aucun export récent")
    assertContains(response, 'href="/agent/demarches/?onglet=termines&amp;q=dupont&amp;statut=refused"')


def test_an_export_is_built_by_the_task_and_downloaded_as_csv_by_its_requester(
    agent_client, agent, citizen, demarche, django_capture_on_commit_callbacks
):
    first = submitted(user=citizen, demarche=demarche, answers={"nom": '=HYPERLINK("x")', "moment": "matin"})
    second = submitted(user=citizen, demarche=demarche)
    services.assign_request(actor=agent, request=second, assignee=agent)
    services.set_labels(
        actor=agent, request=second, labels=Label.objects.filter(name__in=["Urgent", "Complet"])
    )

    job = ask(
        agent_client, django_capture_on_commit_callbacks, export_service=demarche.service_id, format="csv"
    )

    assert (job.status, job.row_count, job.requested_by, job.format) == (ExportStatus.DONE, 2, agent, "csv")
    page = agent_client.get(EXPORTS)
    assertContains(page, f'href="{reverse("demarches:agent_export_download", args=[job.pk])}"')
    assertContains(page, "Télécharger (CSV,")
    response = agent_client.get(reverse("demarches:agent_export_download", args=[job.pk]))
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{exports.download_name(job)}"'
    table = parse_csv(b"".join(response.streaming_content))
    assert table[0] == HEADER
    by_reference = {row[0]: row for row in table[1:]}
    assert set(by_reference) == {first.reference, second.reference}
    row = by_reference[second.reference]
    assert row[1:6] == ["Copie d'acte de naissance", "État civil", "Camille Martin", "En ligne", "Déposée"]
    assert row[6] == timezone.localtime(second.submitted_at).strftime("%d/%m/%Y %H:%M")
    assert row[9:11] == ["Alix Agent", "Complet, Urgent"]
    assert row[11] == "Nom : Martin | Moment : Le matin"
    # What a citizen typed never becomes a formula in the spreadsheet.
    assert by_reference[first.reference][11].startswith("Nom : =HYPERLINK")
    assert AuditEvent.objects.filter(action="demarches.export.create", actor_id=agent.pk).count() == 1
    assert AuditEvent.objects.filter(
        action="demarches.export.download", actor_id=agent.pk, target_id=str(job.pk)
    ).exists()


def test_a_cell_starting_like_a_formula_is_neutralised(
    agent_client, citizen, service, django_capture_on_commit_callbacks
):
    formula = simple_demarche(service=service, title="=1+1")
    publish(formula)
    submitted(user=citizen, demarche=formula)

    job = ask(agent_client, django_capture_on_commit_callbacks, export_service=service.pk, format="csv")

    [row] = parse_csv(download(agent_client, job))[1:]
    assert row[1] == "'=1+1"


def test_an_xlsx_export_parses_back_with_dates_as_dates(
    agent_client, citizen, demarche, django_capture_on_commit_callbacks
):
    sent_requests(demarche=demarche, applicants=[person_party(citizen)], count=3)

    job = ask(
        agent_client, django_capture_on_commit_callbacks, export_service=demarche.service_id, format="xlsx"
    )

    response = agent_client.get(reverse("demarches:agent_export_download", args=[job.pk]))
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADER
    assert len(values) == 4
    assert isinstance(values[1][6], datetime)
    assert values[1][0] == "GN-2019-000001"


def test_the_export_follows_the_queue_tab_and_filters(
    agent_client, agent, citizen, demarche, django_capture_on_commit_callbacks
):
    applicants = [person_party(citizen)]
    sent_requests(demarche=demarche, applicants=applicants, count=4)
    finished = sent_requests(
        demarche=demarche, applicants=applicants, count=2, start=4, status=RequestStatus.REFUSED
    )

    job = ask(
        agent_client,
        django_capture_on_commit_callbacks,
        export_service=demarche.service_id,
        format="csv",
        onglet="termines",
        tri="-reference",
        service=demarche.service_id,
    )

    assert job.filters["tab"] == "termines"
    table = parse_csv(download(agent_client, job))
    assert [row[0] for row in table[1:]] == [finished[1].reference, finished[0].reference]
    assert {row[5] for row in table[1:]} == {"Refusée"}


def test_the_file_is_encrypted_at_rest_in_a_private_folder(
    agent_client, citizen, demarche, export_dir, django_capture_on_commit_callbacks
):
    request = submitted(user=citizen, demarche=demarche)

    job = ask(
        agent_client, django_capture_on_commit_callbacks, export_service=demarche.service_id, format="csv"
    )

    stored = (export_dir / job.file_name).read_bytes()
    assert stored.startswith(b"CFR1")
    assert request.reference.encode() not in stored
    assert b"Martin" not in stored and "Référence".encode() not in stored
    assert "GN" not in job.file_name and job.file_name.startswith("exports/")
    assert not str(export_dir / job.file_name).startswith(str(django_settings.MEDIA_ROOT))
    assert (export_dir / job.file_name).stat().st_mode & 0o077 == 0
    assert request.reference in download(agent_client, job).decode()


def test_a_key_moved_or_a_size_altered_no_longer_opens_the_file(
    agent_client, agent, citizen, demarche, django_capture_on_commit_callbacks
):
    submitted(user=citizen, demarche=demarche)
    job = ask(
        agent_client, django_capture_on_commit_callbacks, export_service=demarche.service_id, format="csv"
    )
    ExportJob.objects.filter(pk=job.pk).update(size=job.size + 1)
    job.refresh_from_db()

    with pytest.raises(VaultIntegrityError):
        services.open_export(actor=agent, job=job)
    assert not AuditEvent.objects.filter(action="demarches.export.download").exists()


def test_only_the_requester_downloads_anyone_else_gets_404_and_a_citizen_403(
    client, town, agent, service, citizen, demarche, django_capture_on_commit_callbacks
):
    submitted(user=citizen, demarche=demarche)
    login(client, agent)
    job = ask(client, django_capture_on_commit_callbacks, export_service=service.pk, format="csv")
    url = reverse("demarches:agent_export_download", args=[job.pk])

    for someone in (make_agent(service), make_agent(ServiceFactory(name="Urbanisme", slug="urbanisme"))):
        client.logout()
        login(client, someone)
        assert client.get(url).status_code == 404
        assertContains(client.get(EXPORTS), "Aucun export récent")
    client.logout()
    login(client, citizen)
    assert client.get(url).status_code == 403
    assert client.get(EXPORTS).status_code == 403
    assert not AuditEvent.objects.filter(action="demarches.export.download").exists()


def test_a_job_not_ready_or_of_a_service_left_is_not_downloadable(agent_client, agent, service):
    pending = ExportJob.objects.create(service=service, requested_by=agent, format="csv")
    assert agent_client.get(reverse("demarches:agent_export_download", args=[pending.pk])).status_code == 404
    assertContains(agent_client.get(EXPORTS), "En préparation : rechargez la page.")


def test_an_agent_who_left_the_service_gets_a_failed_export(agent, service):
    other = ServiceFactory(name="Urbanisme", slug="urbanisme")
    agent.agent_memberships.create(service=other)
    job = ExportJob.objects.create(service=service, requested_by=agent, format="csv")
    agent.agent_memberships.filter(service=service).delete()

    services.build_export(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.file_name) == (ExportStatus.FAILED, "")


def test_building_twice_writes_one_file(agent, service, citizen, demarche, export_dir):
    submitted(user=citizen, demarche=demarche)
    job = services.request_export(
        actor=agent, service=service, file_format="csv", filters=QueueFilters(tab="a_traiter")
    )

    assert services.build_export(job_id=job.pk).status == ExportStatus.DONE
    assert services.build_export(job_id=job.pk) is None
    assert len([path for path in export_dir.rglob("*") if path.is_file()]) == 1


def test_a_service_must_be_chosen_with_several_and_the_filters_stay(agent_client, agent, service):
    agent.agent_memberships.create(service=ServiceFactory(name="Urbanisme", slug="urbanisme"))

    response = agent_client.post(EXPORTS, {"format": "csv", "onglet": "en_retard", "q": "dupont"})

    assert response.status_code == 200
    assertContains(response, "Choisissez le service dont exporter les demandes.")
    assertContains(
        response, '<input type="hidden" name="onglet" value="en_retard" id="id_onglet">', html=True
    )
    assertContains(response, "<li>Onglet : En retard</li>", html=True)
    assert not ExportJob.objects.exists()


def test_a_service_not_ones_own_is_refused(agent_client):
    other = ServiceFactory(name="Urbanisme", slug="urbanisme")
    response = agent_client.post(EXPORTS, {"export_service": str(other.pk), "format": "csv"})
    assertContains(response, "Sélectionnez un choix valide")
    assert not ExportJob.objects.exists()


def test_the_wrong_methods_are_refused(agent_client, agent, service):
    job = ExportJob.objects.create(service=service, requested_by=agent, format="csv")
    assert agent_client.put(EXPORTS).status_code == 405
    assert agent_client.post(reverse("demarches:agent_export_download", args=[job.pk])).status_code == 405


def test_exports_older_than_a_day_are_deleted_with_their_file(agent, service, citizen, demarche, export_dir):
    submitted(user=citizen, demarche=demarche)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old = services.request_export(actor=agent, service=service, file_format="csv", filters=QueueFilters())
        services.build_export(job_id=old.pk)
    with time_machine.travel(start + timedelta(hours=20), tick=False):
        recent = services.request_export(
            actor=agent, service=service, file_format="csv", filters=QueueFilters()
        )
        services.build_export(job_id=recent.pk)
    old.refresh_from_db()
    recent.refresh_from_db()
    orphan = export_dir / "exports" / "ab" / "abandoned"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"CFR1 left by a build that failed")

    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert services.purge_exports() == 0
    assert (export_dir / old.file_name).exists()

    with time_machine.travel(start + timedelta(hours=25), tick=False):
        assert services.purge_exports() == 1
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not (export_dir / old.file_name).exists()
    assert (export_dir / recent.file_name).exists()

    with time_machine.travel(start + timedelta(days=3), tick=False):
        assert services.purge_exports() == 1
    assert not orphan.exists()
    assert not ExportJob.objects.exists()


def test_the_beat_schedule_purges_exports():
    entry = django_settings.CELERY_BEAT_SCHEDULE["demarches-purge-exports"]
    assert entry["task"] == "demarches.tasks.purge_exports"
    assert entry["task"] in app.tasks


# Through a real Celery worker on Redis ---------------------------------------------------------


def wait_for(job: ExportJob, *, timeout: float = 120) -> ExportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status != ExportStatus.PENDING:
            return job
        time.sleep(0.2)
    raise AssertionError(f"export {job.pk} still pending after {timeout} s")


@pytest.mark.worker
@pytest.mark.usefixtures("worker")
@pytest.mark.django_db(transaction=True)
def test_10000_requests_are_exported_through_the_worker_and_parse_back(client, town, agent, service):
    demarche = simple_demarche(service=service, title="Inscription sur les listes électorales")
    publish(demarche)
    applicants = [person_party(UserFactory()) for _ in range(50)]
    created = sent_requests(
        demarche=demarche, applicants=applicants, count=10_000, labels=[Label.objects.first()]
    )
    login(client, agent)

    started = time.monotonic()
    response = client.post(EXPORTS, {"export_service": str(service.pk), "format": "csv"})
    assert response.status_code == 302
    job = wait_for(ExportJob.objects.get())
    elapsed = time.monotonic() - started

    assert (job.status, job.row_count) == (ExportStatus.DONE, 10_000), job.status
    table = parse_csv(download(client, job))
    assert table[0] == HEADER
    assert len(table) == 10_001
    assert [row[0] for row in table[1:]] == [request.reference for request in created]
    assert elapsed < 120
