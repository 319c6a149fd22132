from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AppendOnlyError(Exception):
    """Append-only rows (the audit log, a request's timeline) are never changed nor deleted by the application."""


class AppendOnlyQuerySet(models.QuerySet):
    # A database trigger refuses the same (migration 0003); these fail earlier, with a clearer error.
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be updated.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted.")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted.")


class AuditEventQuerySet(AppendOnlyQuerySet):
    def for_owner(self, party_ids) -> "AuditEventQuerySet":
        return self.filter(owner_party_id__in=party_ids)


class AuditEvent(AppendOnlyModel):
    """One state change or one agent read of personal data. Ids only, never content."""

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("auteur"), null=True, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("type d'objet"), max_length=64, blank=True)
    target_id = models.CharField(pgettext_lazy("audit", "objet"), max_length=64, blank=True)
    owner_party_id = models.BigIntegerField(_("titulaire des données"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    request_id = models.CharField(_("identifiant de requête"), max_length=64, blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True)
    # Filled by the sealing task, never by the write path.
    seal_seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("événements d'audit")
        indexes = [
            models.Index(fields=["owner_party_id", "-created_at"], name="audit_owner_created"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["id"], name="audit_unsealed", condition=models.Q(seal_seq__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"


class AuditSeal(AppendOnlyModel):
    """A checkpoint of the chain: without it, deleting the last sealed rows would leave no trace.

    Seals are never deleted, not even when the events they sealed reach the end of
    their retention period: an AuditCheckpoint then names the seal the chain starts from.
    """

    up_to_seq = models.BigIntegerField(_("scellé jusqu'au n°"), unique=True)
    last_hash = models.CharField(_("dernière empreinte"), max_length=64)
    count = models.PositiveIntegerField(_("événements scellés"))
    sealed_at = models.DateTimeField(_("scellé le"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("sceau du journal d'audit")
        verbose_name_plural = _("sceaux du journal d'audit")
        get_latest_by = "up_to_seq"

    def __str__(self) -> str:
        return f"{self.up_to_seq} {self.last_hash[:12]}"


class AuditCheckpoint(AppendOnlyModel):
    """Where the chain starts again once its oldest stretch was deleted at the end of its retention period.

    The events sealed up to `up_to_seq` (the end of one seal's batch) are gone; the
    chain goes on from that seal's `last_hash`, and `verify_audit` starts there. A
    database trigger refuses a checkpoint that does not match a seal, goes backwards,
    or covers an event newer than `purged_before` or than 180 days; events are
    deleted only at or below the latest checkpoint, never otherwise (migration 0005).
    """

    up_to_seq = models.BigIntegerField(_("supprimés jusqu'au n°"), unique=True)
    last_hash = models.CharField(_("empreinte de reprise"), max_length=64)
    purged_count = models.PositiveIntegerField(_("événements supprimés"))
    purged_before = models.DateTimeField(_("tous antérieurs au"))
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("point de reprise du journal d'audit")
        verbose_name_plural = _("points de reprise du journal d'audit")
        get_latest_by = "up_to_seq"

    def __str__(self) -> str:
        return f"{self.up_to_seq} {self.last_hash[:12]}"
