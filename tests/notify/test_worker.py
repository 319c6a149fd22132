"""Notification e-mails through a real Celery worker on Redis and a real SMTP server.

The worker runs in a thread of this process (solo pool), so it shares the
settings overridden here; the SMTP server is aiosmtpd on a free local port.
A broker that cannot be reached makes these tests fail: they never skip.
"""

import email
import email.policy
import socket
import time

import pytest
import redis
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.result import _set_task_join_will_block
from celery.signals import task_prerun

from guichet.celery import app
from guichet.notify import services
from guichet.notify.enums import DeliveryStatus
from guichet.notify.models import MAX_DELIVERY_ATTEMPTS, Delivery
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class FlakySMTPHandler:
    """Answers "try again later" (451) to the first `failures` messages, then accepts them."""

    def __init__(self) -> None:
        self.failures = 0
        self.received: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.failures:
            self.failures -= 1
            return "451 4.3.0 Mailbox temporarily unavailable"
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = FlakySMTPHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def worker(settings):
    """A Celery worker consuming the test Redis broker; yields the tasks it ran as (name, eager)."""
    settings.NOTIFY_RETRY_DELAY = 0.1  # 0.1, 0.2, 0.4, 0.8 s between the five attempts
    assert app.conf.broker_url == settings.TEST_REDIS_URL, "the worker must use the test Redis database"
    redis.Redis.from_url(app.conf.broker_url, socket_connect_timeout=2).ping()
    saved = {key: app.conf[key] for key in ("task_always_eager", "worker_hijack_root_logger")}
    # Keep pytest's log capture: the worker would otherwise take over the root logger.
    app.conf.update(task_always_eager=False, worker_hijack_root_logger=False)
    app.control.purge()  # what an interrupted run may have left
    runs: list[tuple[str, bool]] = []

    def record(sender, task_id, task, **kwargs) -> None:
        runs.append((task.name, bool(task.request.is_eager)))

    task_prerun.connect(record, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield runs
    finally:
        task_prerun.disconnect(record)
        app.conf.update(saved)
        # A worker started in this process marks it as one where joining a result would block;
        # the tests after this one are not inside a worker.
        _set_task_join_will_block(False)


def send_message(*, subject: str) -> Delivery:
    user = UserFactory(email="lea@exemple.fr")
    services.notify(user=user, kind="message", context={"subject": subject, "message": "Elle vous attend."})
    return Delivery.objects.get(notification__user=user)


def outcome(delivery: Delivery, *, timeout: float = 10) -> Delivery:
    """The delivery once the worker is done with it (sent or failed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status != DeliveryStatus.QUEUED:
            return delivery
        time.sleep(0.05)
    raise AssertionError(f"delivery still queued after {timeout} s ({delivery.attempts} attempts)")


def test_a_refused_email_is_retried_by_the_worker_and_arrives(smtp_server, worker):
    smtp_server.failures = 1

    delivery = outcome(send_message(subject="Votre carte d'identité est prête"))

    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 2, "")
    assert worker == [("guichet.notify.tasks.send_delivery", False)] * 2
    assert delivery.sent_at is not None
    [message] = smtp_server.received
    assert message["Subject"] == "Votre carte d'identité est prête"
    assert message["To"] == "lea@exemple.fr"
    assert "Elle vous attend." in message.get_body(preferencelist=("plain",)).get_content()
    assert "<p>Elle vous attend.</p>" in message.get_body(preferencelist=("html",)).get_content()


def test_an_email_the_server_keeps_refusing_ends_failed_after_the_last_attempt(smtp_server, worker):
    smtp_server.failures = 99

    delivery = outcome(send_message(subject="Votre carte d'identité est prête"))

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_DELIVERY_ATTEMPTS)
    assert delivery.last_error == "SMTPDataError 451"
    assert smtp_server.received == []
