"""The vault's beat tasks: expiry reminders 30 and 7 days ahead, once each; the orphan purge."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from coffre import services, tasks
from coffre.models import DocumentType, ReminderSent
from coffre.uploads import EncryptedUpload
from guichet.notify.models import Notification
from tests.coffre.factories import make_association, make_household, pdf_bytes, store
from tests.coffre.helpers import blob_files
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("document_types")]

PARIS = ZoneInfo("Europe/Paris")
EXPIRY = date(2026, 6, 30)


def run_reminders_on(time_machine, day: date) -> int:
    time_machine.move_to(datetime(day.year, day.month, day.day, 8, 0, tzinfo=PARIS), tick=False)
    return tasks.send_expiry_reminders.apply().get()


@pytest.fixture
def insurance():
    return DocumentType.objects.get(code="attestation-assurance")


def test_owners_are_reminded_30_then_7_days_before_once_each(time_machine, insurance, citizen):
    time_machine.move_to(datetime(2026, 5, 1, 9, 0, tzinfo=PARIS), tick=False)
    version = store(user=citizen, title="Assurance habitation", document_type=insurance, expiry_date=EXPIRY)
    document = version.document

    days = [
        date(2026, 5, 30),  # 31 days before: too early
        date(2026, 5, 31),  # 30 days before
        date(2026, 5, 31),  # the same day again (a retried task)
        date(2026, 6, 1),
        date(2026, 6, 23),  # 7 days before
        date(2026, 6, 23),
        date(2026, 6, 29),
        date(2026, 6, 30),
        date(2026, 7, 1),  # expired: nothing more
    ]
    sent = [(day, run_reminders_on(time_machine, day)) for day in days]

    assert [count for _day, count in sent] == [0, 1, 0, 0, 1, 0, 0, 0, 0]
    notifications = list(Notification.objects.filter(user=citizen, kind="coffre_expiry").order_by("pk"))
    assert [n.subject for n in notifications] == [
        "Votre document « Assurance habitation » expire dans 30 jours",
        "Votre document « Assurance habitation » expire dans 7 jours",
    ]
    assert notifications[0].url == reverse("coffre:document", args=[document.pk])
    assert "n'est valable que jusqu'au 30 juin 2026" in notifications[0].body
    assert "Attestation d'assurance" in notifications[0].body
    assert sorted(ReminderSent.objects.values_list("days_before", flat=True)) == [7, 30]


def test_each_run_reports_what_it_sent(time_machine, insurance, citizen):
    time_machine.move_to(datetime(2026, 5, 1, 9, 0, tzinfo=PARIS), tick=False)
    store(user=citizen, document_type=insurance, expiry_date=EXPIRY)
    store(user=citizen, document_type=insurance, expiry_date=EXPIRY + timedelta(days=1))

    assert run_reminders_on(time_machine, date(2026, 5, 31)) == 1
    assert run_reminders_on(time_machine, date(2026, 5, 31)) == 0
    assert run_reminders_on(time_machine, date(2026, 6, 1)) == 1
    assert run_reminders_on(time_machine, date(2026, 6, 1)) == 0


def test_a_document_first_seen_within_a_week_gets_only_the_last_reminder(time_machine, insurance, citizen):
    time_machine.move_to(datetime(2026, 6, 25, 9, 0, tzinfo=PARIS), tick=False)
    store(user=citizen, title="Assurance scolaire", document_type=insurance, expiry_date=EXPIRY)

    assert run_reminders_on(time_machine, date(2026, 6, 25)) == 1
    assert run_reminders_on(time_machine, date(2026, 6, 26)) == 0

    [notification] = Notification.objects.filter(kind="coffre_expiry")
    assert notification.subject == "Votre document « Assurance scolaire » expire dans 5 jours"


def test_a_day_the_task_did_not_run_is_caught_up(time_machine, insurance, citizen):
    time_machine.move_to(datetime(2026, 5, 1, 9, 0, tzinfo=PARIS), tick=False)
    store(user=citizen, document_type=insurance, expiry_date=EXPIRY)

    assert run_reminders_on(time_machine, date(2026, 6, 2)) == 1  # the 31 May run was missed

    assert Notification.objects.get(kind="coffre_expiry").subject.endswith("expire dans 28 jours")


def test_a_renewed_document_is_reminded_again_for_its_new_date(time_machine, insurance, citizen):
    time_machine.move_to(datetime(2026, 5, 1, 9, 0, tzinfo=PARIS), tick=False)
    document = store(user=citizen, document_type=insurance, expiry_date=EXPIRY).document
    assert run_reminders_on(time_machine, date(2026, 6, 23)) == 1

    services.update_document(
        actor=citizen, document=document, title=document.title, issue_date=None, expiry_date=date(2027, 6, 30)
    )

    assert run_reminders_on(time_machine, date(2026, 6, 23)) == 0
    assert run_reminders_on(time_machine, date(2027, 5, 31)) == 1
    assert run_reminders_on(time_machine, date(2027, 6, 23)) == 1


def test_every_guardian_of_a_household_is_told_and_plain_members_are_not(time_machine, insurance):
    parent, other_parent, gone = UserFactory(), UserFactory(), UserFactory(is_active=False)
    household = make_household(parent, other_parent, gone, name="Foyer Martin")
    member = UserFactory()
    association = make_association(president=parent, members=(member,))
    time_machine.move_to(datetime(2026, 5, 1, 9, 0, tzinfo=PARIS), tick=False)
    store(
        user=parent, owner=household, title="Assurance du foyer", document_type=insurance, expiry_date=EXPIRY
    )
    store(
        user=parent, owner=association, title="Assurance du club", document_type=insurance, expiry_date=EXPIRY
    )

    assert run_reminders_on(time_machine, date(2026, 5, 31)) == 2

    recipients = sorted(Notification.objects.filter(kind="coffre_expiry").values_list("user_id", "subject"))
    assert recipients == sorted(
        [
            (parent.pk, "Votre document « Assurance du foyer » expire dans 30 jours"),
            (other_parent.pk, "Votre document « Assurance du foyer » expire dans 30 jours"),
            (parent.pk, "Votre document « Assurance du club » expire dans 30 jours"),
        ]
    )
    body = Notification.objects.filter(subject__contains="foyer").first().body
    assert "Il est rangé dans le coffre-fort de « Foyer Martin »." in body


def test_the_reminder_is_emailed_once_committed(
    time_machine, insurance, citizen, django_capture_on_commit_callbacks
):
    time_machine.move_to(datetime(2026, 5, 1, 9, 0, tzinfo=PARIS), tick=False)
    store(user=citizen, title="Assurance habitation", document_type=insurance, expiry_date=EXPIRY)
    time_machine.move_to(datetime(2026, 5, 31, 8, 0, tzinfo=PARIS), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_expiry_reminders.apply()

    [message] = mail.outbox
    assert message.to == [citizen.email]
    assert message.subject == "Votre document « Assurance habitation » expire dans 30 jours"
    assert "n'est valable que jusqu'au 30 juin 2026" in message.body


def test_beat_runs_the_vault_tasks_daily():
    schedule = settings.CELERY_BEAT_SCHEDULE
    reminders = schedule["coffre-expiry-reminders"]
    purge = schedule["coffre-purge-orphan-blobs"]
    assert reminders["task"] == tasks.send_expiry_reminders.name
    assert purge["task"] == tasks.purge_orphan_blobs.name
    # Once a day each, at a fixed time: the reminders in the morning, the purge at night.
    assert (reminders["schedule"].hour, reminders["schedule"].minute) == ({8}, {0})
    assert (purge["schedule"].hour, purge["schedule"].minute) == ({3}, {30})
    for entry in (reminders, purge):
        assert entry["schedule"].day_of_week == set(range(7))
        assert len(entry["schedule"].day_of_month) == 31


def test_the_purge_task_removes_day_old_orphan_blobs_only(time_machine, vault_dir):
    kept = store(content=pdf_bytes(2_000))
    orphan = EncryptedUpload(original_name="interrompu.pdf")
    orphan.write(pdf_bytes(2_000))
    orphan.finish()  # encrypted into its blob, never stored: an interrupted request's leftover

    assert tasks.purge_orphan_blobs.apply().get() == 0  # too young: maybe an upload in progress
    time_machine.move_to(datetime.now(tz=PARIS) + timedelta(hours=25), tick=False)
    assert tasks.purge_orphan_blobs.apply().get() == 1

    assert [path.relative_to(vault_dir).as_posix() for path in blob_files(vault_dir)] == [kept.blob_name]


def test_the_worker_finds_the_vault_tasks_by_the_names_beat_sends():
    from guichet import celery_app

    celery_app.loader.import_default_modules()  # what a worker does at start (autodiscovery)

    assert {
        settings.CELERY_BEAT_SCHEDULE["coffre-expiry-reminders"]["task"],
        settings.CELERY_BEAT_SCHEDULE["coffre-purge-orphan-blobs"]["task"],
    } <= set(celery_app.tasks)
