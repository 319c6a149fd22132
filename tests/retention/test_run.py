"""The nightly run: one report per run with a count per kind, an audit event, one run at a time,
and a kind that fails does not stop the others."""

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection

from demarches.models import Request
from guichet.audit.models import AuditEvent
from guichet.retention import registry, services, tasks
from guichet.retention.enums import RunStatus
from guichet.retention.models import RetentionRule, RetentionRun
from tests.retention.factories import draft, procedure, run

START = datetime.fromisoformat("2025-01-10T09:00:00+01:00")


@pytest.fixture
def failing_kind():
    def purge(*, policy, now):
        yield 2  # a first batch committed…
        raise RuntimeError("disk full")  # …then the failure

    kind = registry.register_kind(
        registry.Kind(
            code="tests.failing",
            label="Test",
            covers="Test",
            counted_from="%(duration)s",
            legal_basis="Test",
            default_days=10,
            purge=purge,
            position=0,
        )
    )
    yield kind
    registry.unregister_kind(kind.code)


@pytest.mark.django_db
def test_a_run_reports_every_kind_once_with_its_count_and_an_audit_event(time_machine, citizen, service):
    demarche = procedure(service=service)
    time_machine.move_to(START, tick=False)
    for _n in range(3):
        draft(user=citizen, demarche=demarche)

    time_machine.move_to(START + timedelta(days=101), tick=False)
    report = run()

    assert report.status == RunStatus.DONE
    assert report.started_at == START + timedelta(days=101)
    assert report.finished_at is not None
    assert set(report.counts) == {kind.code for kind in registry.kinds()}
    assert report.counts["demarches.drafts"] == 3
    assert report.total == sum(report.counts.values())
    assert report.errors == {}
    event = AuditEvent.objects.get(action="retention.run")
    assert (event.actor_id, event.target_type, event.target_id) == (
        None,
        "retention.retentionrun",
        str(report.pk),
    )
    assert event.details["demarches.drafts"] == 3
    assert event.details["total"] == report.total

    again = run()
    assert again.total == 0
    assert RetentionRun.objects.count() == 2


@pytest.mark.django_db
def test_a_failing_kind_is_reported_with_what_it_did_and_the_others_still_run(
    time_machine, failing_kind, citizen, service
):
    demarche = procedure(service=service)
    time_machine.move_to(START, tick=False)
    old = draft(user=citizen, demarche=demarche)
    time_machine.move_to(START + timedelta(days=101), tick=False)

    report = run()

    assert report.status == RunStatus.FAILED
    assert report.errors == {"tests.failing": "RuntimeError"}
    assert report.counts["tests.failing"] == 2
    assert report.counts["demarches.drafts"] == 1
    assert not Request.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.get(action="retention.run").details["failed"] == ["tests.failing"]


@pytest.mark.django_db
def test_a_kind_registered_later_gets_its_rule_with_its_defaults(failing_kind):
    RetentionRule.objects.filter(code=failing_kind.code).delete()

    run()

    rule = RetentionRule.objects.get(code=failing_kind.code)
    assert (rule.days, rule.action) == (10, "delete")


@pytest.mark.django_db
def test_the_nightly_task_runs_the_schedule_and_returns_the_report(time_machine, citizen, service):
    demarche = procedure(service=service)
    time_machine.move_to(START, tick=False)
    draft(user=citizen, demarche=demarche)
    time_machine.move_to(START + timedelta(days=101), tick=False)

    run_id = tasks.apply_retention.delay().get()

    report = RetentionRun.objects.get(pk=run_id)
    # The whole schedule, every kind of it, in one run.
    assert set(report.counts) == {kind.code for kind in registry.kinds()}
    assert {"demarches.drafts", "coffre.expired_documents", "notify.deliveries", "audit.events"} <= set(
        report.counts
    )
    assert report.counts["demarches.drafts"] == 1
    assert report.status == RunStatus.DONE
    # Run again (a retried task): nothing more.
    assert RetentionRun.objects.get(pk=tasks.apply_retention.delay().get()).total == 0


def test_the_nightly_task_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["retention-apply"]
    assert entry["task"] == tasks.apply_retention.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {40})


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("concurrency")
def test_two_runs_at_once_purge_each_draft_once(time_machine, citizen, service):
    import importlib

    from django.apps import apps

    importlib.import_module("guichet.retention.migrations.0002_seed_rules").seed(apps, None)
    demarche = procedure(service=service)
    time_machine.move_to(START, tick=False)
    drafts = [draft(user=citizen, demarche=demarche).pk for _n in range(20)]
    time_machine.move_to(START + timedelta(days=101), tick=False)
    barrier = threading.Barrier(8)
    reports: list = []

    def worker() -> None:
        try:
            barrier.wait()
            reports.append(services.run_retention())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    done = [report for report in reports if report is not None]
    assert len(reports) == 8 and done
    assert sum(report.counts["demarches.drafts"] for report in done) == 20
    assert not Request.objects.filter(pk__in=drafts).exists()
    assert (
        AuditEvent.objects.filter(action="demarches.request.delete", target_id__in=map(str, drafts)).count()
        == 20
    )
