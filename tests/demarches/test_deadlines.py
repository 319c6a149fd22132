"""Deadlines kept by Celery beat: the silence rule, reminders and escalations, unanswered requests closed.

Time moves with time-machine; the tasks run as beat runs them (eagerly in tests), twice where it
matters, and each does its work exactly once.
"""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from demarches import services, tasks
from demarches.enums import RequestStatus as S
from demarches.enums import SilenceRule
from demarches.models import Request, RequestEvent
from guichet.accounts.enums import AgentRole
from guichet.audit.models import AuditEvent
from guichet.celery import app as celery_app
from guichet.notify.models import Notification
from regie.models import Invoice
from tests.coffre.factories import make_household
from tests.demarches.factories import DemarcheFactory, add_page, publish, submitted
from tests.factories import ServiceFactory, UserFactory, make_agent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]

PARIS = ZoneInfo("Europe/Paris")
# Submitted on Monday 2 March 2026, in the morning.
DAY_0 = date(2026, 3, 2)


def at(day: date, hour: int = 7) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=PARIS)


def days(n: int) -> date:
    return date.fromordinal(DAY_0.toordinal() + n)


def procedure(service, **settings_):
    demarche = DemarcheFactory(service=service, title="Permis de végétaliser", **settings_)
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    return demarche


@pytest.fixture
def send(time_machine, citizen):
    def send_(demarche, *, on: date = DAY_0) -> Request:
        time_machine.move_to(at(on, 10), tick=False)
        return submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})

    return send_


@pytest.fixture
def manager(service):
    return make_agent(service, role=AgentRole.MANAGER, first_name="Maud", last_name="Responsable")


def notifications(kind: str, user=None):
    found = Notification.objects.filter(kind=kind)
    return found.filter(user=user) if user is not None else found


def run(time_machine, task, on: date, hour: int = 7):
    time_machine.move_to(at(on, hour), tick=False)
    return task.delay().get()


# The silence rule ----------------------------------------------------------------------------------


def test_a_request_past_its_silence_delay_is_accepted_by_the_beat_task_exactly_once(
    time_machine, send, citizen, service
):
    demarche = procedure(service, silence_rule=SilenceRule.ACCEPT, silence_days=60, fee_cents=1500)
    request = send(demarche)
    assert request.silence_date == days(60)

    assert run(time_machine, tasks.apply_silence_rules, days(59)) == 0
    assert Request.objects.get(pk=request.pk).status == S.SUBMITTED

    assert run(time_machine, tasks.apply_silence_rules, days(60)) == 1
    assert run(time_machine, tasks.apply_silence_rules, days(60), hour=9) == 0
    assert run(time_machine, tasks.apply_silence_rules, days(61)) == 0

    request.refresh_from_db()
    assert request.status == S.ACCEPTED
    assert request.decided_at == at(days(60))
    [event] = RequestEvent.objects.filter(request=request, to_status=S.ACCEPTED)
    assert (event.actor, event.by_applicant) == (None, False)
    assert "Décision implicite d'acceptation" in event.motivation
    assert "article L. 231-1" in event.motivation
    assert "60 jours" in event.motivation
    assert "1 mai 2026" in event.motivation
    [notice] = notifications("demarche_status", citizen)
    assert "Acceptée" in notice.subject
    assert "article L. 231-1" in notice.body
    assert (
        AuditEvent.objects.filter(action="demarches.request.silence", target_id=str(request.pk)).count() == 1
    )
    # The fee is billed as for an agent's acceptance, once.
    invoice = Invoice.objects.get()
    assert (request.invoice, invoice.total_cents) == (invoice, 1500)


def test_silence_that_means_rejection_refuses_the_request_and_bills_nothing(
    time_machine, send, citizen, service
):
    demarche = procedure(service, silence_rule=SilenceRule.REJECT, silence_days=30, fee_cents=1500)
    request = send(demarche)

    assert run(time_machine, tasks.apply_silence_rules, days(30)) == 1
    assert run(time_machine, tasks.apply_silence_rules, days(31)) == 0

    request.refresh_from_db()
    assert request.status == S.REFUSED
    [event] = RequestEvent.objects.filter(request=request, to_status=S.REFUSED)
    assert "Décision implicite de rejet" in event.motivation
    assert "article L. 231-4" in event.motivation
    assert "L. 232-4" in event.motivation
    assert Invoice.objects.count() == 0
    assert notifications("demarche_status", citizen).count() == 1


def test_waiting_for_more_information_pushes_the_silence_date_back_by_the_days_waited(
    time_machine, send, citizen, agent, service
):
    demarche = procedure(service, silence_rule=SilenceRule.ACCEPT, silence_days=30)
    request = send(demarche)
    time_machine.move_to(at(days(5), 10), tick=False)
    services.request_information(actor=agent, request=request, missing="Le plan du balcon.")

    # Paused: its silence date passes, and nothing is decided.
    assert run(time_machine, tasks.apply_silence_rules, days(31)) == 0
    assert Request.objects.get(pk=request.pk).status == S.AWAITING_INFORMATION

    time_machine.move_to(at(days(15), 10), tick=False)
    services.answer_information_request(actor=citizen, request=request, body="Voici le plan.")
    request.refresh_from_db()
    assert request.silence_date == days(40)

    assert run(time_machine, tasks.apply_silence_rules, days(39)) == 0
    assert run(time_machine, tasks.apply_silence_rules, days(40)) == 1
    assert Request.objects.get(pk=request.pk).status == S.ACCEPTED


def test_decided_requests_and_procedures_without_a_silence_rule_are_left_alone(
    time_machine, send, agent, service
):
    silent = procedure(service, silence_rule=SilenceRule.ACCEPT, silence_days=30)
    decided = send(silent)
    services.change_status(actor=agent, request=decided, status=S.REFUSED, motivation="Hors zone.")
    without_rule = send(procedure(service))
    rule_removed = send(silent)
    silent.silence_rule, silent.silence_days = SilenceRule.NONE, None
    silent.save(update_fields=["silence_rule", "silence_days"])

    assert run(time_machine, tasks.apply_silence_rules, days(90)) == 0

    assert Request.objects.get(pk=decided.pk).status == S.REFUSED
    assert without_rule.silence_date is None
    assert Request.objects.get(pk=without_rule.pk).status == S.SUBMITTED
    assert Request.objects.get(pk=rule_removed.pk).status == S.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_simultaneous_runs_of_the_silence_rule_decide_once(time_machine, citizen, service, town):
    demarche = procedure(service, silence_rule=SilenceRule.ACCEPT, silence_days=30, fee_cents=900)
    time_machine.move_to(at(DAY_0, 10), tick=False)
    requests = [submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"}) for _n in range(5)]
    time_machine.move_to(at(days(30)), tick=False)
    runs = 4
    barrier = threading.Barrier(runs)
    decided: list[int] = []
    errors: list[BaseException] = []

    def run_once() -> None:
        try:
            barrier.wait()
            decided.append(services.apply_silence_rules())
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_once) for _run in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(decided) == len(requests)
    assert RequestEvent.objects.filter(to_status=S.ACCEPTED).count() == len(requests)
    assert Invoice.objects.count() == len(requests)
    assert services.apply_silence_rules() == 0


# Late requests: the agent in charge, then the managers ----------------------------------------------


def test_the_agent_in_charge_of_a_late_request_is_reminded_once(time_machine, send, agent, service):
    request = send(procedure(service, processing_days=10))
    services.assign_request(actor=agent, request=request, assignee=agent)
    assert request.due_date == days(10)

    assert run(time_machine, tasks.remind_overdue, days(10)) == 0
    assert run(time_machine, tasks.remind_overdue, days(11)) == 1
    assert run(time_machine, tasks.remind_overdue, days(11), hour=9) == 0
    assert run(time_machine, tasks.remind_overdue, days(12)) == 0

    [reminder] = notifications("demarche_overdue")
    assert reminder.user == agent
    assert request.reference in reminder.subject
    assert "devait être traité au plus tard le 12 mars 2026 : il a 1 jour de retard" in reminder.body
    assert reminder.url == f"/agent/demarches/demandes/{request.pk}/"
    request.refresh_from_db()
    assert request.overdue_reminded_at == at(days(11))
    assert request.status == S.SUBMITTED


def test_managers_are_alerted_once_escalation_days_after_the_due_date(
    time_machine, send, agent, manager, service
):
    other_manager = make_agent(ServiceFactory(), role=AgentRole.MANAGER)
    request = send(procedure(service, processing_days=10, escalation_days=3))
    services.assign_request(actor=agent, request=request, assignee=agent)

    run(time_machine, tasks.remind_overdue, days(11))
    assert notifications("demarche_escalated").count() == 0
    assert run(time_machine, tasks.remind_overdue, days(12)) == 0
    assert run(time_machine, tasks.remind_overdue, days(13)) == 1
    assert run(time_machine, tasks.remind_overdue, days(14)) == 0

    [alert] = notifications("demarche_escalated")
    assert alert.user == manager
    assert "il a 3 jours de retard" in alert.body
    assert "Agent chargé du dossier : Alix Agent." in alert.body
    assert notifications("demarche_escalated", other_manager).count() == 0
    assert notifications("demarche_overdue").count() == 1
    assert Request.objects.get(pk=request.pk).escalated_at == at(days(13))


def test_a_late_request_without_an_agent_goes_to_the_managers_and_to_whoever_gets_it(
    time_machine, send, agent, manager, service
):
    request = send(procedure(service, processing_days=10, escalation_days=0))

    assert run(time_machine, tasks.remind_overdue, days(11)) == 1
    assert notifications("demarche_overdue").count() == 0
    [alert] = notifications("demarche_escalated")
    assert "Aucun agent n'est chargé de ce dossier." in alert.body

    time_machine.move_to(at(days(12), 10), tick=False)
    services.assign_request(actor=manager, request=request, assignee=agent)
    assert run(time_machine, tasks.remind_overdue, days(13)) == 1
    assert [n.user for n in notifications("demarche_overdue")] == [agent]
    assert notifications("demarche_escalated").count() == 1


def test_a_request_waiting_for_the_applicant_is_not_late(time_machine, send, agent, manager, service):
    request = send(procedure(service, processing_days=10, escalation_days=0))
    services.assign_request(actor=agent, request=request, assignee=agent)
    time_machine.move_to(at(days(8), 10), tick=False)
    services.request_information(actor=agent, request=request, missing="Une photo.")

    assert run(time_machine, tasks.remind_overdue, days(20)) == 0
    assert Notification.objects.filter(kind__in=["demarche_overdue", "demarche_escalated"]).count() == 0


# Requests for more information: a reminder, then closed without follow-up --------------------------


def test_an_unanswered_request_for_information_is_reminded_once_then_closed_with_notice(
    time_machine, send, citizen, agent, service
):
    demarche = procedure(service, information_days=30, information_reminder_days=7)
    request = send(demarche)
    time_machine.move_to(at(days(1), 10), tick=False)
    services.request_information(actor=agent, request=request, missing="Le plan du balcon.")
    request.refresh_from_db()
    assert request.information_due_date == days(31)

    assert run(time_machine, tasks.remind_information, days(23)) == 0
    assert run(time_machine, tasks.remind_information, days(24)) == 1
    assert run(time_machine, tasks.remind_information, days(24), hour=9) == 0
    [reminder] = notifications("demarche_information_reminder", citizen)
    assert reminder.subject == f"Demande {request.reference} : compléments attendus avant le 2 avril 2026"
    assert "au plus tard le 2 avril 2026" in reminder.body
    assert "classée sans suite" in reminder.body
    assert reminder.url == f"/mon-espace/demandes/{request.pk}/"

    # The applicant may still answer on the due date itself.
    assert run(time_machine, tasks.remind_information, days(31)) == 0
    assert Request.objects.get(pk=request.pk).status == S.AWAITING_INFORMATION

    assert run(time_machine, tasks.remind_information, days(32)) == 1
    assert run(time_machine, tasks.remind_information, days(33)) == 0

    request.refresh_from_db()
    assert request.status == S.CLOSED
    [event] = RequestEvent.objects.filter(request=request, to_status=S.CLOSED)
    assert (event.actor, event.by_applicant) == (None, False)
    assert "les compléments demandés le 3 mars 2026 ne sont pas parvenus au service au 2 avril 2026" in (
        event.motivation
    )
    [notice] = notifications("demarche_status", citizen).filter(subject__contains="Classée sans suite")
    assert "ne sont pas parvenus" in notice.body
    assert notifications("demarche_information_reminder", citizen).count() == 1
    assert (
        AuditEvent.objects.filter(action="demarches.request.expire", target_id=str(request.pk)).count() == 1
    )


def test_an_answer_in_time_stops_the_reminder_and_the_closure(time_machine, send, citizen, agent, service):
    request = send(procedure(service, information_days=10, information_reminder_days=3))
    services.request_information(actor=agent, request=request, missing="Une photo.")
    run(time_machine, tasks.remind_information, days(7))
    time_machine.move_to(at(days(9), 10), tick=False)
    services.answer_information_request(actor=citizen, request=request, body="Voici la photo.")

    assert run(time_machine, tasks.remind_information, days(20)) == 0

    request.refresh_from_db()
    assert request.status == S.IN_REVIEW
    assert (request.information_due_date, request.information_reminded_at) == (None, None)
    assert notifications("demarche_information_reminder").count() == 1


def test_every_guardian_of_a_household_is_reminded(time_machine, citizen, agent, service):
    partner = UserFactory()
    household = make_household(citizen, partner)
    demarche = procedure(service, for_household=True, information_days=10, information_reminder_days=3)
    time_machine.move_to(at(DAY_0, 10), tick=False)
    request = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"}, party=household)
    services.request_information(actor=agent, request=request, missing="Une photo.")

    assert run(time_machine, tasks.remind_information, days(7)) == 1

    assert {n.user for n in notifications("demarche_information_reminder")} == {citizen, partner}


# The schedule --------------------------------------------------------------------------------------


def test_beat_runs_each_deadline_task_every_morning_in_paris_time():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "demarches.tasks.apply_silence_rules",
        "demarches.tasks.remind_overdue",
        "demarches.tasks.remind_information",
    ):
        assert name in celery_app.tasks
        hours = schedule[name].hour
        assert len(hours) == 1 and min(hours) < 12, name  # once a day, in the morning
    assert settings.CELERY_TIMEZONE == "Europe/Paris"
