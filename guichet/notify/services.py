"""State changes of notifications: create them, queue and send their e-mails, read them."""

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.backends.django import Template
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from guichet.notify import kinds, tasks
from guichet.notify.enums import Channel, DeliveryStatus
from guichet.notify.models import (
    ERROR_MAX_LENGTH,
    MAX_DELIVERY_ATTEMPTS,
    SUBJECT_MAX_LENGTH,
    Delivery,
    Notification,
    NotificationPreference,
)

logger = logging.getLogger(__name__)

# Worth another try later: the mail server refused for now, or could not be reached.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)
# Longer than the whole retry schedule, so only a lost task is queued again.
STALE_AFTER = timedelta(hours=1)


class DeliveryDeferred(Exception):
    """A transient failure with attempts left: the task tries again later."""

    def __init__(self, *, attempts: int):
        super().__init__(f"attempt {attempts} failed")
        self.attempts = attempts


# Creating notifications ------------------------------------------------------


def notify(*, user, kind: str, context: dict[str, Any] | None = None, url: str = "") -> Notification:
    """Tell one user something, in their space and by e-mail if they want it."""
    return notify_many(users=[user], kind=kind, context=context, url=url)[0]


@transaction.atomic
def notify_many(
    *, users: Iterable, kind: str, context: dict[str, Any] | None = None, url: str = ""
) -> list[Notification]:
    """Store one notification per user; queue an e-mail for those who want it, on commit.

    Each user's message is rendered from the kind's templates with `user` added to
    the context. A mandatory kind is e-mailed whatever the user's preference.
    """
    spec = kinds.get(kind)
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError("A notification links into the portal: give a path such as /mon-espace/.")
    users = list(users)
    templates = {name: get_template(spec.template(name)) for name in ("subject.txt", "body.txt", "body.html")}
    notifications = [
        Notification(
            user=user, kind=spec.code, url=url, **_render(templates, {**(context or {}), "user": user})
        )
        for user in users
    ]
    Notification.objects.bulk_create(notifications)
    by_email = _email_recipients(users, mandatory=spec.mandatory)
    deliveries = Delivery.objects.bulk_create(
        [Delivery(notification=n, channel=Channel.EMAIL) for n in notifications if n.user_id in by_email]
    )
    delivery_ids = [delivery.pk for delivery in deliveries]
    if delivery_ids:
        transaction.on_commit(lambda: _queue(delivery_ids))
    return notifications


def _render(templates: dict[str, Template], context: dict[str, Any]) -> dict[str, str]:
    # In the site's language, not the request's: the recipient is rarely the one who clicked.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _render_text(templates["subject.txt"], context)
        body = _render_text(templates["body.txt"], context)
        body_html = templates["body.html"].render(context)
    return {
        "subject": " ".join(subject.split())[:SUBJECT_MAX_LENGTH],
        "body": body.strip(),
        "body_html": body_html.strip(),
    }


def _render_text(template: Template, context: dict[str, Any]) -> str:
    """Plain text is not HTML: no autoescaping, so that « l'été » does not become « l&#x27;été »."""
    return template.template.render(Context(context, autoescape=False))


def _email_recipients(users: list, *, mandatory: bool) -> set[int]:
    """Ids of the users to e-mail: active, with an address, and not opted out (one query)."""
    candidates = {user.pk for user in users if user.is_active and user.email}
    if mandatory or not candidates:
        return candidates
    opted_out = NotificationPreference.objects.filter(
        user_id__in=candidates, channel=Channel.EMAIL, enabled=False
    ).values_list("user_id", flat=True)
    return candidates - set(opted_out)


def _queue(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        tasks.send_delivery.delay(delivery_id)


# Sending e-mails -------------------------------------------------------------


def send_email(*, delivery_id: int) -> Delivery | None:
    """Send one delivery's e-mail at most once.

    The row stays locked while the mail server answers, so a duplicate task waits,
    then finds it sent. A transient failure raises DeliveryDeferred while attempts
    remain; the last one, or any other error, marks the delivery failed.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__user")
            .filter(pk=delivery_id, status=DeliveryStatus.QUEUED)
            .first()
        )
        if delivery is None:  # already sent or failed, or erased with its user
            return None
        delivery.attempts += 1
        try:
            _email_for(delivery.notification).send(using="default")
        except TRANSIENT_ERRORS as error:
            delivery.last_error = _describe(error)
            if delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
        except Exception as error:
            # Anything else fails the same way every time: give up now, loudly.
            logger.exception("Notification delivery %s cannot be sent", delivery.pk)
            delivery.last_error = _describe(error)
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
        delivery.save(update_fields=["status", "attempts", "last_error", "sent_at", "updated_at"])
    if delivery.status == DeliveryStatus.QUEUED:
        raise DeliveryDeferred(attempts=delivery.attempts)
    return delivery


def _email_for(notification: Notification) -> EmailMultiAlternatives:
    user = notification.user
    context = {
        "notification": notification,
        "user": user,
        "link": _absolute(notification.url) if notification.url else "",
        "preferences_link": _absolute(reverse("notify:preferences")),
        "mandatory": kinds.get(notification.kind).mandatory,
    }
    with translation.override(settings.LANGUAGE_CODE):
        text = _render_text(get_template("notify/email/message.txt"), context)
        html = render_to_string("notify/email/message.html", context)
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=text,
        to=[user.email],
        # RFC 3834: tells mail servers not to send out-of-office replies back.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _describe(error: Exception) -> str:
    """The error's type and SMTP code: the server's text may quote the address or the message."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}{f' {code}' if code else ''}"[:ERROR_MAX_LENGTH]


def requeue_stale_deliveries(*, now: datetime | None = None) -> int:
    """Queue again the e-mails whose task was lost (broker down at commit time, worker killed)."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.QUEUED, updated_at__lt=now - STALE_AFTER)
            .values_list("pk", flat=True)[:1000]
        )
        # Touched, so that the next sweep leaves them to the tasks queued now.
        Delivery.objects.filter(pk__in=stale).update(updated_at=now)
        transaction.on_commit(lambda: _queue(stale))
    return len(stale)


# Reading and preferences -----------------------------------------------------


def mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read; reading it again keeps the first date."""
    if notification.user_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, actor) -> int:
    return Notification.objects.for_user(actor).unread().update(read_at=timezone.now())


def set_preference(*, actor, channel: str, enabled: bool) -> NotificationPreference:
    """Turn a channel on or off for the actor. In-app notifications cannot be turned off."""
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel {channel!r}.")
    preference, _created = NotificationPreference.objects.update_or_create(
        user=actor, channel=channel, defaults={"enabled": enabled}
    )
    return preference


def send_account_email(*, subject: str, body: str, html: str, to: list[str], from_email: str) -> None:
    """Send an e-mail about the account itself; it is not a notification and keeps no copy."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send(using="default")


def queue_account_email(message: EmailMultiAlternatives) -> None:
    """Queue an already rendered account e-mail, once the current transaction commits."""
    html = next(
        (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
    )
    payload = {
        "subject": message.subject,
        "body": message.body,
        "html": html,
        "to": list(message.to),
        "from_email": message.from_email,
    }
    transaction.on_commit(lambda: tasks.send_account_email.delay(**payload))


def queue_invitation_email(*, template: str, to: str, context: dict) -> None:
    """Render an e-mail to someone who may have no account yet (an invitation: it holds a link with its
    token, so it is rendered now and never kept) from `<template>_subject.txt`, `_body.txt` and
    `_body.html`, in the site's language, and queue it through Celery once the transaction commits."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
        html = render_to_string(f"{template}_body.html", context)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    queue_account_email(message)
