"""Deadlines, kept by Celery beat (demarches.tasks): the silence rule, reminders and escalations, and
closing the requests whose applicant never sent what the service asked for.

    apply_silence_rules(*, today=None) -> int
    remind_overdue(*, now=None) -> int
    remind_information(*, now=None) -> int

Each looks for candidates without a lock, then handles every request in its own
transaction: the row is locked with SKIP LOCKED (one being decided by an agent,
or by another run of the task, is left for the next run) and its state checked
again under the lock, so a second run, or two at once, change nothing more.
Each returns how many requests it moved, reminded or escalated.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from demarches.enums import RequestStatus, SilenceRule
from demarches.models import Request, RequestEvent
from demarches.services.instruction import bill_fee
from demarches.services.requests import applicant_users, move, request_url
from guichet import audit
from guichet.accounts.enums import AgentRole
from guichet.accounts.models import User
from guichet.notify import services as notify

OVERDUE_NOTIFICATION_KIND = "demarche_overdue"
ESCALATED_NOTIFICATION_KIND = "demarche_escalated"
INFORMATION_REMINDER_NOTIFICATION_KIND = "demarche_information_reminder"
# The service has the request: only these are late, or decided by its silence.
IN_PROGRESS = (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW)


def _locked(pk: int, condition: Q) -> Request | None:
    """The request's row locked for this transaction if it still meets `condition`; None if it no
    longer does, or if someone else holds it (SKIP LOCKED: the next run will see it again)."""
    return (
        Request.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("revision", "applicant", "demarche__service", "assignee")
        .filter(condition, pk=pk)
        .first()
    )


def _each(pks: list[int], handle: Callable[[int], bool]) -> int:
    """Handle each request in its own transaction; one that fails does not undo the others."""
    done = 0
    for pk in pks:
        with transaction.atomic():
            done += bool(handle(pk))
    return done


def _day(value: date) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return formats.date_format(value, "j F Y")


# The silence rule ------------------------------------------------------------------------------


def _silence_motivation(request: Request, rule: str) -> str:
    """Why the request was decided without an agent: the delay, the day, and the rule of the CRPA."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {"days": request.demarche.silence_days or 0, "date": _day(request.silence_date)}
        if rule == SilenceRule.ACCEPT:
            return (
                _(
                    "Décision implicite d'acceptation : le service n'a pas répondu dans le délai de "
                    "%(days)d jours, échu le %(date)s. Le silence gardé par l'administration vaut "
                    "acceptation (article L. 231-1 du code des relations entre le public et "
                    "l'administration)."
                )
                % values
            )
        return (
            _(
                "Décision implicite de rejet : le service n'a pas répondu dans le délai de %(days)d jours, "
                "échu le %(date)s. Pour cette démarche, le silence gardé par l'administration vaut rejet "
                "(article L. 231-4 du code des relations entre le public et l'administration et décret "
                "applicable). Vous pouvez demander les motifs de cette décision (article L. 232-4) et la "
                "contester dans les deux mois."
            )
            % values
        )


def apply_silence_rules(*, today: date | None = None) -> int:
    """Decide, as the procedure's silence rule says, the requests whose silence date has come.

    Only a request the service has (submitted, in review) is decided: one waiting
    for more information is paused, and its silence date moves back by the days
    waited when the applicant answers. The rule is read from the procedure now
    (silence vaut acceptation or rejet); a procedure whose rule was removed since
    decides nothing. An acceptance bills the procedure's fee as an agent's would.
    """
    today = today or timezone.localdate()
    rules = (SilenceRule.ACCEPT, SilenceRule.REJECT)
    condition = Q(status__in=IN_PROGRESS, silence_date__lte=today, demarche__silence_rule__in=rules)
    pks = list(Request.objects.filter(condition).order_by("silence_date", "pk").values_list("pk", flat=True))

    def decide(pk: int) -> bool:
        request = _locked(pk, condition)
        if request is None:
            return False
        rule = request.demarche.silence_rule
        status = RequestStatus.ACCEPTED if rule == SilenceRule.ACCEPT else RequestStatus.REFUSED
        move(
            request,
            actor=None,
            status=status,
            by_applicant=False,
            motivation=_silence_motivation(request, rule),
            action="demarches.request.silence",
        )
        if status == RequestStatus.ACCEPTED:
            bill_fee(actor=None, request=request)
        return True

    return _each(pks, decide)


# Late requests: the agent in charge, then the service's managers --------------------------------


def _managers(service_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            agent_memberships__service_id=service_id,
            agent_memberships__service__is_active=True,
            agent_memberships__role=AgentRole.MANAGER,
        )
        .distinct()
        .order_by("pk")
    )


def _overdue_context(request: Request, today: date) -> dict:
    return {
        "reference": request.reference,
        "title": request.demarche.title,
        "service": request.demarche.service.name,
        "due_date": _day(request.due_date),
        "days_late": (today - request.due_date).days,
        "assignee": request.assignee.get_full_name() if request.assignee_id else "",
    }


def remind_overdue(*, now: datetime | None = None) -> int:
    """Tell the agent in charge of a late request, once; then, `escalation_days` after the due date,
    the service's managers, once.

    Late: the service has it (submitted, in review) and its due date has passed (a
    request waiting for the applicant is not late; its due date moves back). A
    request without an agent in charge has nobody to remind until it is assigned
    (assigning resets the reminder); its managers are alerted all the same.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    late = Q(status__in=IN_PROGRESS, due_date__lt=today)
    to_remind = Q(assignee__isnull=False, overdue_reminded_at__isnull=True)
    candidates = (
        Request.objects.filter(late & (to_remind | Q(escalated_at__isnull=True)))
        .select_related("demarche")
        .order_by("due_date", "pk")
        .only(
            "pk",
            "due_date",
            "assignee_id",
            "overdue_reminded_at",
            "escalated_at",
            "demarche__escalation_days",
        )
    )

    def escalation_due(request: Request) -> bool:
        return (
            request.escalated_at is None
            and request.due_date + timedelta(days=request.demarche.escalation_days) <= today
        )

    pks = [
        request.pk
        for request in candidates
        if (request.assignee_id is not None and request.overdue_reminded_at is None)
        or escalation_due(request)
    ]

    def remind(pk: int) -> bool:
        request = _locked(pk, late)
        if request is None:
            return False
        url = reverse("demarches:agent_request", args=[request.pk])
        done = False
        if (
            request.assignee_id is not None
            and request.overdue_reminded_at is None
            and request.assignee.is_active
        ):
            notify.notify(
                user=request.assignee,
                kind=OVERDUE_NOTIFICATION_KIND,
                context=_overdue_context(request, today),
                url=url,
            )
            request.overdue_reminded_at = now
            request.save(update_fields=["overdue_reminded_at", "updated_at"])
            audit.record(
                actor=None, action="demarches.request.overdue", target=request, assignee=request.assignee_id
            )
            done = True
        if escalation_due(request):
            managers = _managers(request.demarche.service_id)
            # No manager yet: nobody is marked alerted, the first one named will be.
            if managers:
                notify.notify_many(
                    users=managers,
                    kind=ESCALATED_NOTIFICATION_KIND,
                    context=_overdue_context(request, today),
                    url=url,
                )
                request.escalated_at = now
                request.save(update_fields=["escalated_at", "updated_at"])
                audit.record(
                    actor=None,
                    action="demarches.request.escalate",
                    target=request,
                    managers=[manager.pk for manager in managers],
                )
                done = True
        return done

    return _each(pks, remind)


# Requests for more information: a reminder, then closed without follow-up ----------------------


def _asked_on(request: Request) -> date | None:
    event = (
        RequestEvent.objects.filter(request=request, to_status=RequestStatus.AWAITING_INFORMATION)
        .order_by("-created_at", "-pk")
        .only("created_at")
        .first()
    )
    return timezone.localdate(event.created_at) if event is not None else request.paused_since


def _closure_motivation(request: Request) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Classée sans suite : les compléments demandés le %(asked)s ne sont pas parvenus au service "
            "au %(due)s, date limite de réponse. Vous pouvez déposer une nouvelle demande."
        ) % {
            "asked": _day(_asked_on(request) or request.information_due_date),
            "due": _day(request.information_due_date),
        }


def remind_information(*, now: datetime | None = None) -> int:
    """Remind the applicant of a request for more information `information_reminder_days` before its
    due date, once; once that date has passed (and the reminder went out on an earlier day), close the
    request without follow-up, which tells the applicant (the notice).

    The applicant may answer until the due date included.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    waiting = Q(status=RequestStatus.AWAITING_INFORMATION, information_due_date__isnull=False)
    candidates = (
        Request.objects.filter(waiting)
        .select_related("demarche")
        .order_by("information_due_date", "pk")
        .only("pk", "information_due_date", "information_reminded_at", "demarche__information_reminder_days")
    )

    def reminder_due(request: Request) -> bool:
        reminder_day = request.information_due_date - timedelta(
            days=request.demarche.information_reminder_days
        )
        return request.information_reminded_at is None and reminder_day <= today

    def closure_due(request: Request) -> bool:
        return (
            request.information_reminded_at is not None
            and request.information_due_date < today
            and timezone.localdate(request.information_reminded_at) < today
        )

    pks = [request.pk for request in candidates if reminder_due(request) or closure_due(request)]

    def handle(pk: int) -> bool:
        request = _locked(pk, waiting)
        if request is None:
            return False
        if reminder_due(request):
            notify.notify_many(
                users=applicant_users(request),
                kind=INFORMATION_REMINDER_NOTIFICATION_KIND,
                context={
                    "reference": request.reference,
                    "title": request.demarche.title,
                    "service": request.demarche.service.name,
                    "due_date": _day(request.information_due_date),
                },
                url=request_url(request),
            )
            request.information_reminded_at = now
            request.save(update_fields=["information_reminded_at", "updated_at"])
            audit.record(actor=None, action="demarches.request.information_reminder", target=request)
            return True
        if closure_due(request):
            move(
                request,
                actor=None,
                status=RequestStatus.CLOSED,
                by_applicant=False,
                motivation=_closure_motivation(request),
                action="demarches.request.expire",
                now=now,
            )
            return True
        return False

    return _each(pks, handle)
