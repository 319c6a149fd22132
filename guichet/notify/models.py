from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guichet.notify.enums import Channel, DeliveryStatus

SUBJECT_MAX_LENGTH = 200
ERROR_MAX_LENGTH = 200
MAX_DELIVERY_ATTEMPTS = 5


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> "NotificationQuerySet":
        """A user's own notifications: anyone else's are out of reach (404)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one user, shown in their space and possibly e-mailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="notifications",
        # The (user, created_at) index below serves every lookup by user.
        db_index=False,
    )
    kind = models.CharField(_("type"), max_length=64)
    subject = models.CharField(pgettext_lazy("e-mail", "objet"), max_length=SUBJECT_MAX_LENGTH)
    body = models.TextField(_("texte"))
    # Rendered once from the kind's body.html, with autoescaping, so the e-mail can show it as is.
    body_html = models.TextField(_("texte mis en forme"))
    url = models.CharField(_("lien dans le guichet"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notify_notification_user"),
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notify_notification_unread"
            ),
        ]
        constraints = [
            # A link into the portal only: never an address elsewhere.
            models.CheckConstraint(
                condition=models.Q(url="")
                | (models.Q(url__startswith="/") & ~models.Q(url__startswith="//")),
                name="notify_notification_url_relative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Delivery(models.Model):
    """The sending of a notification on one channel. Holds no content, only its fate."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # the unique (notification, channel) constraint is the index
    )
    channel = models.CharField(_("canal"), max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(
        _("état"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    # The error's type and SMTP code only: a server's message may quote the address.
    last_error = models.CharField(_("dernière erreur"), max_length=ERROR_MAX_LENGTH, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        indexes = [
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status=DeliveryStatus.QUEUED),
                name="notify_delivery_queued",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notify_delivery_one_per_channel"
            ),
            models.CheckConstraint(
                condition=models.Q(status=DeliveryStatus.SENT, sent_at__isnull=False)
                | (~models.Q(status=DeliveryStatus.SENT) & models.Q(sent_at__isnull=True)),
                name="notify_delivery_sent_at_iff_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class NotificationPreference(models.Model):
    """A user's choice for one channel. No row means the channel is on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateur"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        db_index=False,  # the unique (user, channel) constraint is the index
    )
    channel = models.CharField(_("canal"), max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(_("activé"), default=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="notify_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel} {self.enabled}"
