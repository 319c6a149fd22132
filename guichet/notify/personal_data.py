"""What notify holds about a person, how it is exported and erased.

notify imports nothing of accounts (the arrows point down), so the registry is
fed from accounts: `registry.declare(app_label="notify", personal_fields=PERSONAL_FIELDS,
exporter=export, eraser=erase)`.
"""

from datetime import datetime

from django.db import models
from django.utils import timezone

from guichet.notify.models import Delivery, Notification, NotificationPreference

PERSONAL_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Notification: ("user", "subject", "body", "body_html", "url"),
    Delivery: ("last_error",),
    NotificationPreference: ("user",),
}


def export(user) -> dict:
    """The user's notifications with the fate of each e-mail, and their choices (JSON-ready)."""
    notifications = Notification.objects.filter(user=user).prefetch_related("deliveries")
    preferences = NotificationPreference.objects.filter(user=user)
    return {
        "notifications": [
            {
                "type": notification.kind,
                "date": _date(notification.created_at),
                "objet": notification.subject,
                "texte": notification.body,
                "lien": notification.url,
                "lue_le": _date(notification.read_at),
                "envois": [
                    {
                        "canal": delivery.channel,
                        "état": delivery.status,
                        "tentatives": delivery.attempts,
                        "envoyé_le": _date(delivery.sent_at),
                    }
                    for delivery in notification.deliveries.all()
                ],
            }
            for notification in notifications
        ],
        "préférences": [{"canal": p.channel, "activé": p.enabled} for p in preferences],
    }


def _date(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def erase(user) -> None:
    """Delete the user's notifications (their deliveries go with them) and choices."""
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
