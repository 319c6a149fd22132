"""The e-mail task run eagerly, against stand-in mail servers; test_worker.py runs it for real."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from guichet.notify import services, tasks
from guichet.notify.enums import DeliveryStatus
from guichet.notify.models import MAX_DELIVERY_ATTEMPTS, Delivery, Notification
from tests.factories import UserFactory


def queued_delivery(*, email: str = "habitant@exemple.fr") -> Delivery:
    """A notification whose e-mail is queued but whose task has not run yet."""
    services.notify(
        user=UserFactory(email=email),
        kind="message",
        context={"subject": "Travaux", "message": "Rue barrée."},
    )
    return Delivery.objects.get()


@pytest.mark.django_db
def test_a_temporary_refusal_is_retried_until_the_server_accepts(mailer):
    mailer("FlakyBackend", failures=2)
    delivery = queued_delivery()
    tasks.send_delivery.delay(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 3, "")
    assert [email.subject for email in mail.outbox] == ["Travaux"]


@pytest.mark.django_db
def test_a_server_that_keeps_refusing_leaves_the_delivery_failed_after_the_last_attempt(mailer):
    mailer("FlakyBackend", failures=99)
    delivery = queued_delivery(email="lea@exemple.fr")
    tasks.send_delivery.delay(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_DELIVERY_ATTEMPTS)
    assert delivery.get_status_display() == "Échec de l'envoi"
    # The type and code only: the server's text quoted an address.
    assert delivery.last_error == "SMTPDataError 451"
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_error_that_another_try_would_not_fix_fails_at_once(mailer):
    mailer("BrokenBackend")
    delivery = queued_delivery()
    tasks.send_delivery.delay(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.FAILED,
        1,
        "ValueError",
    )


@pytest.mark.django_db
def test_a_sent_email_is_not_sent_again():
    delivery = queued_delivery()
    tasks.send_delivery.delay(delivery.pk)
    tasks.send_delivery.delay(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_task_for_a_deleted_delivery_does_nothing():
    delivery = queued_delivery()
    delivery.notification.delete()
    tasks.send_delivery.delay(delivery.pk)
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_tasks_for_the_same_email_running_together_send_it_once(mailer):
    mailer("SlowBackend")
    # Made by hand: notify() would send it at once here, tasks being eager and commits real.
    notification = Notification.objects.create(
        user=UserFactory(), kind="message", subject="Travaux", body="…"
    )
    delivery = Delivery.objects.create(notification=notification)
    errors = []

    def run() -> None:
        try:
            services.send_email(delivery_id=delivery.pk)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    delivery.refresh_from_db()
    assert errors == []
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_emails_whose_task_was_lost_are_queued_again(django_capture_on_commit_callbacks):
    lost = queued_delivery()
    Delivery.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    services.notify(user=UserFactory(), kind="message", context={"subject": "Récent", "message": "…"})

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stale_deliveries.delay().get() == 1

    assert [email.subject for email in mail.outbox] == ["Travaux"]
    assert Delivery.objects.get(pk=lost.pk).status == DeliveryStatus.SENT
    assert Delivery.objects.exclude(pk=lost.pk).get().status == DeliveryStatus.QUEUED
