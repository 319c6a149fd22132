"""A request to delete one's account: deactivated at once, erased after a grace period.

The row outlives the erasure (status ERASED): it proves when the person asked and when the
town erased, and holds nothing but ids and dates.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from guichet.privacy.enums import ComeBackChannel, DeletionStatus

GRACE_PERIOD = timedelta(days=30)


class DeletionRequestQuerySet(models.QuerySet):
    def pending(self) -> "DeletionRequestQuerySet":
        return self.filter(status=DeletionStatus.PENDING)

    def due(self, now) -> "DeletionRequestQuerySet":
        return self.pending().filter(erase_after__lte=now)


class DeletionRequest(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        on_delete=models.CASCADE,
        related_name="deletion_requests",
    )
    status = models.CharField(
        _("état"), max_length=16, choices=DeletionStatus.choices, default=DeletionStatus.PENDING
    )
    requested_at = models.DateTimeField(_("demandée le"))
    erase_after = models.DateTimeField(_("suppression définitive le"), db_index=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancelled_through = models.CharField(
        _("annulée"), max_length=16, choices=ComeBackChannel.choices, blank=True
    )
    erased_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

    objects = DeletionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande de suppression de compte")
        verbose_name_plural = _("demandes de suppression de compte")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status=DeletionStatus.PENDING),
                name="privacy_one_pending_deletion_per_user",
            ),
            models.CheckConstraint(
                condition=Q(erase_after__gt=F("requested_at")), name="privacy_deletion_grace_period"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=DeletionStatus.PENDING, cancelled_at__isnull=True, erased_at__isnull=True)
                    | Q(status=DeletionStatus.CANCELLED, cancelled_at__isnull=False, erased_at__isnull=True)
                    | Q(status=DeletionStatus.ERASED, cancelled_at__isnull=True, erased_at__isnull=False)
                ),
                name="privacy_deletion_dates_match_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.status})"

    @property
    def reference(self) -> str:
        return f"privacy.deletionrequest:{self.pk}"
