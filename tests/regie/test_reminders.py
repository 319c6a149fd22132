"""Reminders of unpaid invoices: due date + 7 and + 30 days, once each, however often the task runs."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from guichet.notify.models import Notification
from regie import services, tasks
from regie.models import Reminder
from tests.factories import UserFactory
from tests.regie.conftest import bill, make_household, pay_at_counter

pytestmark = pytest.mark.django_db


def morning(day):
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


def test_reminders_at_plus_7_and_plus_30_days_once_each(
    citizen, payer, billed_service, django_capture_on_commit_callbacks
):
    invoice = bill(payer, billed_service, cents=4250, due_in_days=1)
    due = invoice.due_date
    sent = {}
    with django_capture_on_commit_callbacks(execute=True):
        for offset in range(0, 45):
            with time_machine.travel(morning(due + timedelta(days=offset)), tick=False):
                # The beat task, run twice a day by mistake: still once per level.
                for _ in range(2):
                    for level, count in tasks.send_payment_reminders.delay().get().items():
                        if count:
                            sent.setdefault(level, []).append(offset)

    assert sent == {"+7": [7], "+30": [30]}
    assert list(Reminder.objects.values_list("level", "amount_due_cents")) == [(7, 4250), (30, 4250)]
    notifications = Notification.objects.filter(user=citizen, kind="regie_reminder").order_by("created_at")
    assert [n.subject for n in notifications] == [
        f"Rappel : facture n° {invoice.number} à régler",
        f"Seconde relance : facture n° {invoice.number} impayée",
    ]
    assert "Il reste 42,50\u00a0€ à payer." in notifications[0].body
    assert notifications[0].url == f"/mon-espace/factures/{invoice.pk}/"
    assert "comptable public" in notifications[1].body
    assert len(mail.outbox) == 2 and mail.outbox[0].to == [citizen.email]


def test_a_paid_invoice_is_not_reminded(payer, billed_service, regie_agent):
    invoice = bill(payer, billed_service, due_in_days=1)
    pay_at_counter(regie_agent, payer, [invoice], invoice.total_cents)
    with time_machine.travel(morning(invoice.due_date + timedelta(days=8))):
        assert services.send_payment_reminders() == {"+7": 0, "+30": 0}
    assert not Reminder.objects.exists()


def test_an_invoice_first_seen_late_gets_the_second_reminder_only(payer, billed_service):
    invoice = bill(payer, billed_service, due_in_days=1)
    with time_machine.travel(morning(invoice.due_date + timedelta(days=40))):
        assert services.send_payment_reminders() == {"+7": 0, "+30": 1}


def test_every_member_of_a_household_is_reminded(billed_service):
    parents = [UserFactory(), UserFactory()]
    invoice = bill(make_household(*parents), billed_service, due_in_days=1)
    with time_machine.travel(morning(invoice.due_date + timedelta(days=7))):
        services.send_payment_reminders()
    assert set(Notification.objects.filter(kind="regie_reminder").values_list("user_id", flat=True)) == {
        parent.pk for parent in parents
    }


def test_an_invoice_being_debited_is_not_reminded(citizen, payer, billed_service, regie_agent):
    services.sign_mandate(
        actor=citizen, payer=payer, holder_name="S B", iban="FR7630006000011234567890189", bic="AGRIFRPP"
    )
    invoice = bill(payer, billed_service, due_in_days=1)
    services.create_direct_debit_batch(
        actor=regie_agent, collection_date=invoice.due_date + timedelta(days=2)
    )
    with time_machine.travel(morning(invoice.due_date + timedelta(days=7))):
        assert services.send_payment_reminders() == {"+7": 0, "+30": 0}


def test_the_task_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["regie-payment-reminders"]
    assert entry["task"] == "regie.tasks.send_payment_reminders"
