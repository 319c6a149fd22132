"""The retention schedule administrators edit, and the report of each nightly run.

Reading order: RetentionRule (one per kind of data of guichet.retention.registry:
its duration and what happens at its end) → RetentionOverride (a procedure's own
duration, under a rule that takes them) → RetentionRun (what a run purged, per kind).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.retention import registry
from guichet.retention.enums import RetentionAction, RunStatus


def _check_duration(kind: registry.Kind | None, days: int | None, action: str, errors: dict) -> None:
    if kind is None:
        return
    if days is not None and days < kind.min_days:
        errors["days"] = _("Cette durée ne peut pas être inférieure à %(days)d jours.") % {
            "days": kind.min_days
        }
    if action not in kind.actions:
        errors["action"] = _("Ces données ne peuvent pas être pseudonymisées : elles sont supprimées.")


class RetentionRule(models.Model):
    """How long one kind of data is kept (the defaults come from the code, seeded by migration 0002)."""

    code = models.CharField(_("type de données"), max_length=64, unique=True, editable=False)
    days = models.PositiveIntegerField(
        _("durée de conservation (jours)"),
        validators=[MinValueValidator(1)],
        help_text=_("En jours : 365 pour un an, 1825 pour cinq ans, 3650 pour dix ans."),
    )
    action = models.CharField(
        _("à la fin de la durée"),
        max_length=16,
        choices=RetentionAction.choices,
        default=RetentionAction.DELETE,
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifiée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("règle de conservation")
        verbose_name_plural = _("calendrier de conservation")
        ordering = ["code"]

    def __str__(self) -> str:
        kind = self.kind
        return str(kind.label) if kind else self.code

    @property
    def kind(self) -> registry.Kind | None:
        try:
            return registry.kind(self.code)
        except registry.UnknownKind:
            return None

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        _check_duration(self.kind, self.days, self.action, errors)
        if errors:
            raise ValidationError(errors)


class RetentionOverride(models.Model):
    """A procedure's own duration for its closed requests, instead of its rule's default.

    One per procedure, whichever rule it is filed under (the general one or the
    civil-status one): that rule's run applies it.
    """

    # The only link from this app to another app's table: procedures are what the rule is about.
    rule = models.ForeignKey(
        RetentionRule, verbose_name=_("règle"), on_delete=models.CASCADE, related_name="overrides"
    )
    demarche = models.OneToOneField(
        "demarches.Demarche",
        verbose_name=_("démarche"),
        on_delete=models.CASCADE,
        related_name="retention_override",
    )
    days = models.PositiveIntegerField(_("durée de conservation (jours)"), validators=[MinValueValidator(1)])
    action = models.CharField(
        _("à la fin de la durée"),
        max_length=16,
        choices=RetentionAction.choices,
        default=RetentionAction.PSEUDONYMISE,
    )

    class Meta:
        verbose_name = _("durée propre à une démarche")
        verbose_name_plural = _("durées propres à des démarches")
        ordering = ["rule", "demarche"]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.demarche_id}"

    def clean(self) -> None:
        super().clean()
        errors: dict = {}
        kind = self.rule.kind if self.rule_id else None
        if kind is not None and not kind.per_demarche:
            errors["rule"] = _("Cette règle ne prend pas de durée par démarche.")
        _check_duration(kind, self.days, self.action, errors)
        if errors:
            raise ValidationError(errors)


class RetentionRun(models.Model):
    """One run of the schedule (nightly, by Celery beat): how many items of each kind it purged."""

    started_at = models.DateTimeField(_("commencé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    # Kind code → items purged (deleted or pseudonymised); every kind of the schedule appears, 0 included.
    counts = models.JSONField(_("éléments traités par type"), default=dict)
    # Kind code → the type of the error that stopped it (the log holds the rest).
    errors = models.JSONField(_("erreurs"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("total"), default=0)

    class Meta:
        verbose_name = _("passage de la conservation")
        verbose_name_plural = _("passages de la conservation")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.total})"
