"""Subsidy campaigns and the associations' requests.

Reading order: Campaign (a yearly call: dates, envelope, the démarche filled, the
financial report's deadline) → Criterion (its score grid) → Application (one
association's request in one campaign, one-to-one with its démarches Request: the
answers, documents, messages and statuses live there) → Score (the grid, filled by
an agent) → FinancialReport (the compte rendu financier filed after the project).

What remains of a campaign's envelope is derived (envelope minus the amounts granted),
never stored twice; the committee's decision locks the campaign's row to keep it whole.
"""

from datetime import date

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.subsidies.enums import ApplicationState, Opinion, ReportState
from demarches.enums import RequestStatus


class DateRange(Func):
    """PostgreSQL's daterange(lower, upper, '[]'): both days included."""

    function = "daterange"
    output_field = DateRangeField()


class CampaignQuerySet(models.QuerySet):
    def open_on(self, day: date) -> "CampaignQuerySet":
        """Campaigns receiving requests on this day (opening and closing days included)."""
        return self.filter(opens_on__lte=day, closes_on__gte=day)


class Campaign(models.Model):
    """The town's yearly call for subsidy requests."""

    year = models.PositiveSmallIntegerField(
        _("année"),
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("L'année des projets subventionnés, par exemple 2027."),
    )
    name = models.CharField(_("intitulé"), max_length=200)
    opens_on = models.DateField(_("ouverte le"), help_text=_("Premier jour où les demandes sont reçues."))
    closes_on = models.DateField(
        _("close le"), help_text=_("Dernier jour où les associations peuvent envoyer leur demande.")
    )
    envelope_cents = models.PositiveBigIntegerField(
        _("enveloppe (centimes)"),
        help_text=_("Le budget voté pour la campagne ; les montants accordés ne peuvent pas le dépasser."),
    )
    demarche = models.ForeignKey(
        "demarches.Demarche",
        verbose_name=_("démarche utilisée"),
        on_delete=models.PROTECT,
        related_name="subsidy_campaigns",
        help_text=_("La démarche en ligne que les associations remplissent (elle demande le « montant »)."),
    )
    report_due_on = models.DateField(
        _("compte rendu financier à transmettre avant le"),
        help_text=_(
            "Les associations subventionnées déposent leur compte rendu financier au plus tard ce jour."
        ),
    )
    committee_on = models.DateField(_("date du comité"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campagne de subventions")
        verbose_name_plural = _("campagnes de subventions")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="subsidies_campaign_closes_after_opening",
                violation_error_message=_("La campagne se clôt après son ouverture."),
            ),
            models.CheckConstraint(
                condition=Q(report_due_on__gte=F("closes_on")),
                name="subsidies_campaign_report_after_closing",
                violation_error_message=_(
                    "Le compte rendu financier est attendu après la clôture de la campagne."
                ),
            ),
            # "The open campaign of a procedure" is never ambiguous: two campaigns of one démarche
            # never receive requests on the same day.
            ExclusionConstraint(
                name="subsidies_campaign_no_overlap",
                expressions=[
                    (DateRange(F("opens_on"), F("closes_on"), Value("[]")), RangeOperators.OVERLAPS),
                    ("demarche", RangeOperators.EQUAL),
                ],
                violation_error_message=_(
                    "Une autre campagne de cette démarche est ouverte pendant ces dates : "
                    "les périodes de deux campagnes ne se chevauchent pas."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on

    def is_closed(self, today: date | None = None) -> bool:
        return (today or timezone.localdate()) > self.closes_on

    @property
    def reference(self) -> str:
        return f"subsidies.campaign:{self.pk}"


class Criterion(models.Model):
    """One line of a campaign's score grid: a score from 0 to its maximum, weighted."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campagne"), on_delete=models.CASCADE, related_name="criteria"
    )
    label = models.CharField(_("critère"), max_length=200)
    max_score = models.PositiveSmallIntegerField(
        _("note maximale"), default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    weight = models.PositiveSmallIntegerField(
        _("coefficient"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère d'évaluation")
        verbose_name_plural = _("critères d'évaluation")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "label"], name="subsidies_criterion_unique"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="subsidies_criterion_max_positive"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="subsidies_criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class Application(models.Model):
    """One association's subsidy request in one campaign: its démarches Request, and what the
    instruction and the committee add to it."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campagne"), on_delete=models.PROTECT, related_name="applications"
    )
    association = models.ForeignKey(
        "associations.Association",
        verbose_name=_("association"),
        on_delete=models.PROTECT,
        related_name="subsidy_applications",
    )
    request = models.OneToOneField(
        "demarches.Request",
        verbose_name=_("demande"),
        on_delete=models.PROTECT,
        related_name="subsidy_application",
    )
    # Read from the answers when the request is sent (demarches.hooks.request_submitted).
    requested_cents = models.PositiveBigIntegerField(_("montant demandé (centimes)"), null=True, blank=True)
    expenses_cents = models.PositiveBigIntegerField(_("dépenses prévues (centimes)"), null=True, blank=True)
    income_cents = models.PositiveBigIntegerField(_("recettes prévues (centimes)"), null=True, blank=True)
    # The score grid (Score rows): its weighted total, kept with the grid so lists sort and show it.
    score_points = models.PositiveIntegerField(_("points pondérés"), null=True, blank=True)
    score_max = models.PositiveIntegerField(_("points pondérés possibles"), null=True, blank=True)
    score_comment = models.TextField(_("commentaire de l'évaluation"), blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("évaluée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    scored_at = models.DateTimeField(_("évaluée le"), null=True, blank=True)
    opinion = models.CharField(_("avis"), max_length=12, choices=Opinion.choices, blank=True)
    opinion_text = models.TextField(_("motif de l'avis"), blank=True)
    opinion_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("avis donné par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opinion_at = models.DateTimeField(_("avis donné le"), null=True, blank=True)
    # The committee's decision: None until it decides; 0 is a refusal.
    granted_cents = models.PositiveBigIntegerField(_("montant accordé (centimes)"), null=True, blank=True)
    decision_motivation = models.TextField(_("motif de la décision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décision enregistrée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décision le"), null=True, blank=True)
    # The financial report's reminders to the board, each sent once (tasks.send_report_reminders).
    report_reminded_at = models.DateTimeField(_("rappel du compte rendu envoyé le"), null=True, blank=True)
    report_overdue_reminded_at = models.DateTimeField(
        _("relance du compte rendu en retard envoyée le"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commencée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("commencée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("demande de subvention")
        verbose_name_plural = _("demandes de subvention")
        ordering = ["campaign", "association__party__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "association"],
                name="subsidies_application_one_per_campaign",
                violation_error_message=_("Une association fait une seule demande par campagne."),
            ),
            models.CheckConstraint(
                condition=Q(granted_cents__isnull=True)
                | (Q(requested_cents__isnull=False) & Q(granted_cents__lte=F("requested_cents"))),
                name="subsidies_application_granted_within_requested",
            ),
            models.CheckConstraint(
                condition=Q(opinion="") | Q(opinion__in=Opinion.values), name="subsidies_application_opinion"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "granted_cents"], name="subsidies_app_granted")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.association_id}"

    @property
    def is_decided(self) -> bool:
        return self.granted_cents is not None

    @property
    def is_granted(self) -> bool:
        return bool(self.granted_cents)

    @property
    def state(self) -> ApplicationState:
        """Read from the request's status (select_related("request")) and the committee's decision."""
        status = self.request.status
        if status == RequestStatus.ACCEPTED:
            return ApplicationState.GRANTED
        if status == RequestStatus.REFUSED:
            return ApplicationState.REFUSED
        return ApplicationState(status)

    @property
    def opinion_enum(self) -> Opinion | None:
        return Opinion(self.opinion) if self.opinion else None

    @property
    def score_percent(self) -> int | None:
        if not self.score_max or self.score_points is None:
            return None
        return round(100 * self.score_points / self.score_max)

    @property
    def financial_report(self) -> "FinancialReport | None":
        """The report filed, or None (select_related("report") reads it without a query)."""
        return getattr(self, "report", None)

    def report_state(self, today: date | None = None) -> ReportState | None:
        """None when no report is expected (not granted, or refused); else where it stands.
        Reads `report` (select_related it) and the campaign's deadline."""
        if not self.is_granted or self.request.status != RequestStatus.ACCEPTED:
            return None
        report = self.financial_report
        if report is not None:
            return ReportState.CHECKED if report.checked_at else ReportState.RECEIVED
        today = today or timezone.localdate()
        return ReportState.OVERDUE if today > self.campaign.report_due_on else ReportState.DUE

    @property
    def reference(self) -> str:
        """How the vault and the audit name it: subsidies.application:12."""
        return f"subsidies.application:{self.pk}"


class Score(models.Model):
    """One criterion's score in an application's grid."""

    application = models.ForeignKey(
        Application, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("critère"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.PositiveSmallIntegerField(_("note"))

    class Meta:
        verbose_name = _("note d'un critère")
        verbose_name_plural = _("notes des critères")
        ordering = ["application", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="subsidies_score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.criterion_id}"


class FinancialReport(models.Model):
    """The compte rendu financier of a granted subsidy: actual totals, a comment and the document,
    re-encrypted into the service's space (the town's record) from the association's vault."""

    application = models.OneToOneField(
        Application, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="report"
    )
    actual_expenses_cents = models.PositiveBigIntegerField(_("dépenses réalisées (centimes)"))
    actual_income_cents = models.PositiveBigIntegerField(_("recettes réalisées (centimes)"))
    comment = models.TextField(_("commentaire de l'association"), blank=True)
    document = models.ForeignKey(
        "coffre.Document", verbose_name=_("copie du service"), on_delete=models.PROTECT, related_name="+"
    )
    source_document_id = models.BigIntegerField(_("document d'origine"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("transmis par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("transmis le"), default=timezone.now)
    # Filed after the campaign's deadline: accepted, and marked so.
    is_late = models.BooleanField(_("transmis en retard"), default=False)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contrôlé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("contrôlé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("compte rendu financier")
        verbose_name_plural = _("comptes rendus financiers")
        ordering = ["-filed_at", "-pk"]

    def __str__(self) -> str:
        return str(self.application_id)
