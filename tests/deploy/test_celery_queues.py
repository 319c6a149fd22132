"""Each task goes to the queue of its kind of work, so that an e-mail never waits behind a billing run."""

import pytest
from django.conf import settings

from guichet import celery_app


def queue_of(task_name: str) -> str:
    route = celery_app.amqp.router.route({}, task_name)
    return route["queue"].name


@pytest.fixture(scope="module")
def project_tasks() -> list[str]:
    celery_app.loader.import_default_modules()
    return sorted(name for name in celery_app.tasks if not name.startswith("celery."))


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("guichet.notify.tasks.send_delivery", "notifications"),
        ("demarches.tasks.remind_overdue", "notifications"),
        ("regie.tasks.send_payment_reminders", "notifications"),
        ("regie.tasks.send_receipt", "documents"),
        ("demarches.tasks.generate_decision_letter", "documents"),
        ("famille.tasks.generate_tax_certificate_batch", "documents"),
        ("famille.tasks.issue_billing_run", "billing"),
        ("famille.tasks.prepare_billing_run", "billing"),
        ("regie.tasks.reconcile_yesterday", "billing"),
        ("guichet.audit.tasks.seal_audit_events", "default"),
        ("guichet.retention.tasks.apply_retention", "default"),
    ],
)
def test_a_task_goes_to_the_queue_of_its_kind_of_work(task, queue):
    assert queue_of(task) == queue


def test_every_task_of_the_project_lands_on_a_declared_queue(project_tasks):
    assert len(project_tasks) > 20
    assert {queue_of(name) for name in project_tasks} <= set(settings.CELERY_TASK_QUEUES)
    # Every route names a real task: a renamed task would silently fall back on "default".
    for pattern in settings.CELERY_TASK_ROUTES:
        prefix = pattern.split("*")[0]
        assert any(name.startswith(prefix) for name in project_tasks), pattern


def test_a_worker_without_queues_consumes_them_all():
    # The demo, the tests and a one-process server run `celery worker` without -Q.
    # (Tests that publish to a queue of their own add it to this process's list: hence <=.)
    assert set(settings.CELERY_TASK_QUEUES) <= set(celery_app.amqp.queues)
    assert celery_app.conf.task_default_queue == "default"
