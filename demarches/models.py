"""The démarches' tables.

Reading order: Demarche (a catalogue entry: a form procedure, or a link to
another app's page) → FormPage and FormField (its editable form, configured in
the admin) → DemarcheRevision (a frozen copy of that form, made on publishing,
never changed) → Request (a citizen's request, filled against one revision).
"""

import re

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from demarches import conditions, prefill
from demarches.enums import (
    Audience,
    Channel,
    ChoiceDisplay,
    DemarcheKind,
    DemarcheStatus,
    EventKind,
    ExportFormat,
    ExportStatus,
    FieldKind,
    LabelTone,
    RequestStatus,
    SilenceRule,
    Theme,
)
from demarches.normalise import format_amount, is_date_bound
from demarches.schema import KEY_PATTERN, FormSchema, parse_choices
from guichet.accounts.enums import PartyKind
from guichet.accounts.models import Party
from guichet.audit.models import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet

KEY_VALIDATOR = RegexValidator(
    KEY_PATTERN,
    _(
        "Commencez par une lettre minuscule, puis lettres minuscules, chiffres ou « _ » (50 caractères au plus)."
    ),
)
URL_NAME_VALIDATOR = RegexValidator(
    r"^[a-z_]+:[a-z0-9_]+$",
    _("Un nom de page au format « application:nom », par exemple famille:enrolments."),
)


def validate_date_bound(value: str) -> None:
    if value and not is_date_bound(value):
        raise ValidationError(
            _("Écrivez une date (2026-09-01) ou today, today-18y, today+30d, today+2w, today-6m."),
        )


def validate_pattern(value: str) -> None:
    try:
        re.compile(value)
    except re.error as error:
        raise ValidationError(_("Ce motif n'est pas une expression régulière valide.")) from error


def validate_condition(value) -> None:
    errors = conditions.structure_errors(value)
    if errors:
        raise ValidationError(errors)


# Procedures ----------------------------------------------------------------------------------


class DemarcheQuerySet(models.QuerySet):
    def published(self) -> "DemarcheQuerySet":
        return self.filter(status=DemarcheStatus.PUBLISHED)

    def for_audience(self, audience: str) -> "DemarcheQuerySet":
        return self.filter(**{Demarche.AUDIENCE_FLAGS[audience]: True})


class Demarche(models.Model):
    """A catalogue entry: an online form procedure, or a link to another app's page."""

    AUDIENCE_FLAGS = {
        Audience.PERSON: "for_person",
        Audience.HOUSEHOLD: "for_household",
        Audience.ASSOCIATION: "for_association",
    }

    title = models.CharField(_("intitulé"), max_length=200)
    slug = models.SlugField(_("identifiant dans l'adresse"), max_length=100, unique=True)
    service = models.ForeignKey(
        "accounts.Service",
        verbose_name=_("service instructeur"),
        on_delete=models.PROTECT,
        related_name="demarches",
    )
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    for_person = models.BooleanField(_("pour un particulier"), default=True)
    for_household = models.BooleanField(_("pour un foyer"), default=False)
    for_association = models.BooleanField(_("pour une association"), default=False)
    summary = models.CharField(
        _("résumé"), max_length=300, help_text=_("Une phrase, affichée dans le catalogue.")
    )
    description = models.TextField(_("présentation"), blank=True)
    what_to_prepare = models.TextField(
        _("ce qu'il faut préparer"),
        blank=True,
        help_text=_("Informations et documents à avoir sous la main ; une ligne par élément."),
    )
    processing_days = models.PositiveSmallIntegerField(
        _("délai de traitement annoncé (jours)"), null=True, blank=True
    )
    fee_cents = models.PositiveIntegerField(
        _("frais (centimes)"),
        null=True,
        blank=True,
        help_text=_("Facturés par la régie ; laissez vide si la démarche est gratuite. 1250 = 12,50 €."),
    )
    required_document_types = models.ManyToManyField(
        "coffre.DocumentType", verbose_name=_("documents à fournir"), blank=True, related_name="demarches"
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=DemarcheStatus.choices, default=DemarcheStatus.DRAFT
    )
    kind = models.CharField(_("type"), max_length=10, choices=DemarcheKind.choices, default=DemarcheKind.FORM)
    link_url_name = models.CharField(
        _("page liée"),
        max_length=100,
        blank=True,
        validators=[URL_NAME_VALIDATOR],
        help_text=_(
            "Pour un lien seulement : le nom de la page du guichet (famille:enrolments). "
            "Tant que cette page n'existe pas, l'entrée reste cachée du catalogue."
        ),
    )
    position = models.PositiveSmallIntegerField(_("ordre dans le catalogue"), default=100)
    # Instruction (the back-office) -------------------------------------------------------------
    is_declarative = models.BooleanField(
        _("démarche déclarative"),
        default=False,
        help_text=_("Acceptée dès son dépôt : le service en prend acte, sans instruction."),
    )
    silence_rule = models.CharField(
        _("silence de l'administration"),
        max_length=10,
        choices=SilenceRule.choices,
        default=SilenceRule.NONE,
        help_text=_("Décision implicite prise automatiquement si le service n'a pas répondu à temps."),
    )
    silence_days = models.PositiveSmallIntegerField(
        _("délai du silence (jours)"),
        null=True,
        blank=True,
        help_text=_("Jours après le dépôt (deux mois : 60) ; les demandes de compléments le suspendent."),
    )
    information_days = models.PositiveSmallIntegerField(
        _("délai de réponse aux demandes de compléments (jours)"),
        default=30,
        help_text=_("Sans réponse à temps, le demandeur est relancé puis la demande est classée sans suite."),
    )
    information_reminder_days = models.PositiveSmallIntegerField(
        _("relance du demandeur (jours avant l'échéance)"), default=7
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("alerte du responsable (jours de retard)"),
        default=7,
        help_text=_(
            "L'agent chargé du dossier est relancé dès le dépassement du délai ; "
            "le responsable du service, ce nombre de jours après."
        ),
    )
    current_revision = models.ForeignKey(
        "DemarcheRevision",
        verbose_name=_("version publiée"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = DemarcheQuerySet.as_manager()

    class Meta:
        verbose_name = _("démarche")
        verbose_name_plural = _("démarches")
        ordering = ["position", "title"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=DemarcheKind.LINK) & ~Q(link_url_name=""))
                | (Q(kind=DemarcheKind.FORM) & Q(link_url_name="")),
                name="demarches_demarche_link_iff_url_name",
                violation_error_message=_("Un lien indique sa page liée ; une démarche en ligne n'en a pas."),
            ),
            models.CheckConstraint(
                condition=Q(for_person=True) | Q(for_household=True) | Q(for_association=True),
                name="demarches_demarche_has_audience",
                violation_error_message=_("Cochez au moins un public : particulier, foyer ou association."),
            ),
            models.CheckConstraint(
                condition=Q(silence_rule=SilenceRule.NONE) | Q(silence_days__gte=1),
                name="demarches_demarche_silence_has_days",
                violation_error_message=_("Indiquez le délai après lequel le silence vaut décision."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.silence_rule != SilenceRule.NONE and not self.silence_days:
            raise ValidationError(
                {"silence_days": _("Indiquez le délai après lequel le silence vaut décision.")}
            )
        if self.kind == DemarcheKind.LINK and not self.link_url_name:
            raise ValidationError({"link_url_name": _("Indiquez la page vers laquelle ce lien mène.")})
        if self.kind == DemarcheKind.FORM and self.link_url_name:
            raise ValidationError(
                {"link_url_name": _("Une démarche en ligne n'a pas de page liée : videz ce champ.")}
            )

    @property
    def is_link(self) -> bool:
        return self.kind == DemarcheKind.LINK

    @property
    def audiences(self) -> list[Audience]:
        return [audience for audience, flag in self.AUDIENCE_FLAGS.items() if getattr(self, flag)]

    def allows(self, party: Party) -> bool:
        """Whether this party may file the procedure (its kind is among the audiences)."""
        return PartyKind(party.kind).value in {audience.value for audience in self.audiences}

    def link_url(self) -> str | None:
        """Where a link entry leads, or None while that page does not exist (the entry stays hidden)."""
        if not self.is_link or not self.link_url_name:
            return None
        try:
            return reverse(self.link_url_name)
        except NoReverseMatch:
            return None

    @property
    def fee_display(self) -> str:
        return format_amount(self.fee_cents) if self.fee_cents else ""

    @property
    def reference(self) -> str:
        return f"demarches.demarche:{self.pk}"


class RevisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RevisionFrozen("A published revision is never changed: publish a new one.")


class RevisionFrozen(Exception):
    pass


class DemarcheRevision(models.Model):
    """The form as it was published, frozen: requests filled against it keep it for ever.

    No update path: save() refuses an existing row, the queryset refuses update(),
    and a database trigger refuses an UPDATE that touches the frozen columns.
    """

    demarche = models.ForeignKey(
        Demarche, verbose_name=_("démarche"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    schema = models.JSONField(_("formulaire figé"), encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publiée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("version publiée")
        verbose_name_plural = _("versions publiées")
        ordering = ["demarche", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["demarche", "number"], name="demarches_revision_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="demarches_revision_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.demarche_id} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise RevisionFrozen("A published revision is never changed: publish a new one.")
        super().save(*args, **kwargs)

    @cached_property
    def form(self) -> FormSchema:
        """The frozen form, read by the engine."""
        return FormSchema.from_dict(self.schema)


# The editable form -----------------------------------------------------------------------------


class FormPage(models.Model):
    """One page of the editable form: one question or a small group of them (as GOV.UK does)."""

    demarche = models.ForeignKey(
        Demarche, verbose_name=_("démarche"), on_delete=models.CASCADE, related_name="pages"
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    title = models.CharField(_("titre de la page"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    condition = models.JSONField(
        _("condition d'affichage"),
        null=True,
        blank=True,
        validators=[validate_condition],
        help_text=_(
            'Vide : toujours affichée. Sinon, par exemple {"field": "type_copie", "op": "equals", '
            '"value": "plurilingue"} ; opérateurs equals, not_equals, contains, answered, not_answered ; '
            'combinez avec {"all": [...]} ou {"any": [...]}. Seuls les champs des pages précédentes comptent.'
        ),
    )

    class Meta:
        verbose_name = _("page de formulaire")
        verbose_name_plural = _("pages de formulaire")
        ordering = ["demarche", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class FormField(models.Model):
    """A question of the editable form (or a text shown between questions).

    A repeated group's fields point at the group through `parent` and sit on its page.
    A group of amounts may be balanced with another group of its page (`balance_with`):
    the page is refused while their totals differ (a budget's expenses and income).
    """

    demarche = models.ForeignKey(
        Demarche,
        verbose_name=_("démarche"),
        on_delete=models.CASCADE,
        related_name="form_fields",
        editable=False,
    )
    page = models.ForeignKey(
        FormPage, verbose_name=_("page"), on_delete=models.CASCADE, related_name="fields"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("groupe répétable"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        limit_choices_to={"kind": FieldKind.GROUP},
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    key = models.CharField(
        _("clé"),
        max_length=50,
        validators=[KEY_VALIDATOR],
        help_text=_("Identifiant de la réponse, unique dans la démarche : date_naissance, type_copie…"),
    )
    kind = models.CharField(_("type de champ"), max_length=20, choices=FieldKind.choices)
    label = models.CharField(_("libellé"), max_length=300)
    hint = models.TextField(_("aide"), blank=True, help_text=_("Affichée sous le libellé."))
    required = models.BooleanField(_("obligatoire"), default=True)
    choices = models.TextField(
        _("options"),
        blank=True,
        help_text=_(
            "Choix unique ou multiple : une option par ligne ; « code | Libellé » pour fixer le code enregistré."
        ),
    )
    display = models.CharField(
        _("présentation du choix"), max_length=10, choices=ChoiceDisplay.choices, default=ChoiceDisplay.RADIO
    )
    min_value = models.DecimalField(
        _("valeur minimale"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Nombre ou montant en euros."),
    )
    max_value = models.DecimalField(
        _("valeur maximale"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    min_length = models.PositiveIntegerField(_("longueur minimale"), null=True, blank=True)
    max_length = models.PositiveIntegerField(_("longueur maximale"), null=True, blank=True)
    min_date = models.CharField(
        _("date au plus tôt"),
        max_length=20,
        blank=True,
        validators=[validate_date_bound],
        help_text=_(
            "2026-09-01, ou relative : today (aujourd'hui), today-18y, today+30d, today+2w, today-6m."
        ),
    )
    max_date = models.CharField(
        _("date au plus tard"),
        max_length=20,
        blank=True,
        validators=[validate_date_bound],
        help_text=_("« today » : pas dans le futur."),
    )
    min_items = models.PositiveSmallIntegerField(
        _("nombre minimal"),
        null=True,
        blank=True,
        help_text=_("Cases à cocher, ou blocs d'un groupe répétable."),
    )
    max_items = models.PositiveSmallIntegerField(_("nombre maximal"), null=True, blank=True)
    pattern = models.CharField(
        _("motif"),
        max_length=200,
        blank=True,
        validators=[validate_pattern],
        help_text=_("Expression régulière que la réponse entière doit suivre."),
    )
    pattern_message = models.CharField(
        _("message si le motif n'est pas suivi"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : « Saisissez la plaque au format AB-123-CD. »"),
    )
    condition = models.JSONField(
        _("condition d'affichage"),
        null=True,
        blank=True,
        validators=[validate_condition],
        help_text=_(
            'Vide : toujours affiché. Par exemple {"field": "mode_envoi", "op": "equals", "value": "courrier"}. '
            "Seuls les champs demandés avant celui-ci comptent."
        ),
    )
    prefill = models.CharField(
        _("pré-remplissage"),
        max_length=50,
        blank=True,
        choices=prefill.choices,
        help_text=_("Réponse proposée d'après le profil de la personne (modifiable par elle)."),
    )
    document_type = models.ForeignKey(
        "coffre.DocumentType",
        verbose_name=_("type de document attendu"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Pour un document seulement ; vide : tout document du coffre-fort."),
    )
    balance_with = models.CharField(
        _("équilibré avec"),
        max_length=50,
        blank=True,
        validators=[KEY_VALIDATOR],
        help_text=_(
            "Pour un groupe répétable de montants : la clé d'un autre groupe de la même page dont le total "
            "doit être égal au sien (les dépenses et les recettes d'un budget). Nommez les deux groupes "
            "au pluriel (« Dépenses », « Recettes ») : le message d'erreur les reprend."
        ),
    )

    class Meta:
        verbose_name = _("champ de formulaire")
        verbose_name_plural = _("champs de formulaire")
        ordering = ["page", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["demarche", "key"], name="demarches_field_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_kind_display()})"

    def save(self, *args, **kwargs) -> None:
        self._sync_page_and_demarche()
        super().save(*args, **kwargs)

    def _sync_page_and_demarche(self) -> None:
        # A group's fields live on the group's page; every field knows its procedure, for the unique key.
        if self.parent_id:
            self.page_id = self.parent.page_id
        if self.page_id:
            self.demarche_id = self.page.demarche_id

    def clean(self) -> None:
        super().clean()
        self._sync_page_and_demarche()
        errors: dict[str, list] = {}
        kind = FieldKind(self.kind) if self.kind in FieldKind.values else None
        if kind is not None and kind.has_choices:
            options = parse_choices(self.choices)
            if len(options) < 2:
                errors.setdefault("choices", []).append(_("Proposez au moins deux options, une par ligne."))
            elif len({option.value for option in options}) != len(options):
                errors.setdefault("choices", []).append(_("Deux options ont le même code."))
        for low, high, message in (
            ("min_value", "max_value", _("La valeur minimale dépasse la valeur maximale.")),
            ("min_length", "max_length", _("La longueur minimale dépasse la longueur maximale.")),
            ("min_items", "max_items", _("Le nombre minimal dépasse le nombre maximal.")),
        ):
            if (
                getattr(self, low) is not None
                and getattr(self, high) is not None
                and getattr(self, low) > getattr(self, high)
            ):
                errors.setdefault(high, []).append(message)
        if self.parent_id:
            if self.parent.kind != FieldKind.GROUP:
                errors.setdefault("parent", []).append(
                    _("Seul un groupe répétable contient d'autres champs.")
                )
            if self.kind == FieldKind.GROUP:
                errors.setdefault("kind", []).append(
                    _("Un groupe répétable ne peut pas en contenir un autre.")
                )
        if self.balance_with:
            if self.kind != FieldKind.GROUP or self.parent_id:
                errors.setdefault("balance_with", []).append(
                    _("Seul un groupe répétable s'équilibre avec un autre groupe.")
                )
            elif self.balance_with == self.key:
                errors.setdefault("balance_with", []).append(
                    _("Un groupe s'équilibre avec un autre groupe, pas avec lui-même.")
                )
        if self.demarche_id and self.key:
            clash = FormField.objects.filter(demarche_id=self.demarche_id, key=self.key).exclude(pk=self.pk)
            if clash.exists():
                errors.setdefault("key", []).append(
                    _("Cette clé est déjà utilisée par un autre champ de la démarche.")
                )
        if errors:
            raise ValidationError(errors)


# Requests --------------------------------------------------------------------------------------


class RequestQuerySet(models.QuerySet):
    def for_user(self, user) -> "RequestQuerySet":
        """Requests of the parties this user acts for (their own, household, association)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(applicant__in=Party.objects.for_user(user))


class Request(models.Model):
    """A request filed by a party, filled against one revision of the procedure's form.

    The minimal core of the engine (answers, revision, status, reference); the
    citizen pages (issue 5) and the back-office (issue 6) add their own tables
    around it (timeline, messages, attachments) rather than columns here.
    """

    reference = models.CharField(_("référence"), max_length=20, blank=True, editable=False)
    demarche = models.ForeignKey(
        Demarche, verbose_name=_("démarche"), on_delete=models.PROTECT, related_name="requests"
    )
    revision = models.ForeignKey(
        DemarcheRevision,
        verbose_name=_("version du formulaire"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    applicant = models.ForeignKey(
        "accounts.Party",
        verbose_name=_("demandeur"),
        on_delete=models.PROTECT,
        related_name="demarche_requests",
    )
    status = models.CharField(
        _("statut"), max_length=24, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    answers = models.JSONField(_("réponses"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("commencée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    # Set when the request reaches a final status (accepted, refused, closed): the actual processing time.
    decided_at = models.DateTimeField(_("décision le"), null=True, blank=True)
    # The acknowledgement e-mail and its PDF went out (the task sends it once).
    acknowledged_at = models.DateTimeField(_("accusé de réception envoyé le"), null=True, blank=True)
    decision_document = models.ForeignKey(
        "coffre.Document",
        verbose_name=_("décision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Un document de l'espace du service, que le demandeur télécharge depuis sa demande."),
    )
    invoice = models.ForeignKey(
        "regie.Invoice",
        verbose_name=_("facture des frais"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Instruction (the back-office) -----------------------------------------------------------------
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    # At the counter: the applicant's consent to the agent filing for them, as the agent recorded it.
    consent_statement = models.CharField(_("consentement recueilli"), max_length=300, blank=True)
    consent_recorded_at = models.DateTimeField(_("consentement recueilli le"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent chargé du dossier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
    )
    labels = models.ManyToManyField(
        "Label", verbose_name=_("étiquettes"), blank=True, related_name="requests"
    )
    # The processing deadline, pushed back by the days spent waiting for the applicant.
    due_date = models.DateField(_("à traiter avant le"), null=True, blank=True)
    # The day the silence rule decides (the procedure's rule at submission), pushed back the same way.
    silence_date = models.DateField(_("décision implicite le"), null=True, blank=True)
    # While waiting for more information: since when (the clock is paused), and until when the applicant
    # may answer.
    paused_since = models.DateField(_("délai suspendu depuis le"), null=True, blank=True)
    information_due_date = models.DateField(_("compléments attendus avant le"), null=True, blank=True)
    information_reminded_at = models.DateTimeField(_("demandeur relancé le"), null=True, blank=True)
    overdue_reminded_at = models.DateTimeField(_("agent relancé le"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("responsable alerté le"), null=True, blank=True)
    # The agent asked for the decision's letter; cleared once it is in the service's space (or reopened).
    letter_requested_at = models.DateTimeField(_("courrier de décision demandé le"), null=True, blank=True)
    # Reference, applicant's name and answers, folded (lower case, no accents), for the agents' search.
    search_vector = SearchVectorField(_("index de recherche"), null=True, blank=True, editable=False)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["applicant", "status"], name="demarches_request_applicant"),
            models.Index(fields=["demarche", "status", "submitted_at"], name="demarches_request_queue"),
            models.Index(fields=["assignee", "status"], name="demarches_request_assignee"),
            models.Index(fields=["status", "due_date"], name="demarches_request_due"),
            GinIndex(fields=["search_vector"], name="demarches_request_search"),
            # The queues' pages (measured on 4 million requests: "À traiter" 340 → 70 ms, "Terminés"
            # 540 → 150 ms, tab counts 150 → 20 ms). A plain index on submitted_at misleads the planner.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status__in=[RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW]),
                name="demarches_request_to_process",
            ),
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status__in=[RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.CLOSED]),
                name="demarches_request_finished",
            ),
            models.Index(
                fields=["demarche", "status"],
                include=["assignee", "due_date"],
                condition=Q(
                    status__in=[
                        RequestStatus.SUBMITTED,
                        RequestStatus.IN_REVIEW,
                        RequestStatus.AWAITING_INFORMATION,
                    ]
                ),
                name="demarches_request_in_progress",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="demarches_request_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(status=RequestStatus.DRAFT) | (Q(submitted_at__isnull=False) & ~Q(reference="")),
                name="demarches_request_submitted_has_reference",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="demarches_request_status_known"
            ),
            models.CheckConstraint(
                condition=Q(channel=Channel.ONLINE) | Q(consent_recorded_at__isnull=False),
                name="demarches_request_counter_has_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"brouillon {self.pk}"

    @property
    def form(self) -> FormSchema:
        """The form this request was filled against (its revision's, never the current one)."""
        return self.revision.form

    @property
    def is_draft(self) -> bool:
        return self.status == RequestStatus.DRAFT

    @property
    def is_counter(self) -> bool:
        """Filed at the counter by an agent, for the applicant and with their consent."""
        return self.channel == Channel.COUNTER

    @property
    def status_enum(self) -> RequestStatus:
        return RequestStatus(self.status)

    def elapsed_days(self, today=None) -> int | None:
        """Days from submission to the decision, or to today while it is being processed."""
        if self.submitted_at is None:
            return None
        end = timezone.localdate(self.decided_at) if self.decided_at else (today or timezone.localdate())
        return (end - timezone.localdate(self.submitted_at)).days

    @property
    def vault_purpose(self) -> str:
        """How the vault names what reading this request's documents serves."""
        return f"demarches.request:{self.pk}"

    def is_overdue(self, today=None) -> bool:
        """Past its processing deadline while the service has it (a paused request is not late)."""
        return (
            self.due_date is not None
            and self.status in (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW)
            and self.due_date < (today or timezone.localdate())
        )


# Following a request (issue 5: the citizen's side) ---------------------------------------------


class ServiceSpace(models.Model):
    """A service's own space in the vault: the party without members that owns what citizens send it.

    On submission the documents of a request are re-encrypted into it (coffre's
    `copy_to_space`): the request's copy is the town's record, kept for the
    retention period whatever the citizen later does with their own vault.
    """

    # A service's own space: nobody is a member of it.
    PARTY_KIND = PartyKind.SERVICE

    service = models.OneToOneField(
        "accounts.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="demarches_space",
    )
    party = models.OneToOneField(
        "accounts.Party", verbose_name=_("titulaire du coffre"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("espace d'un service")
        verbose_name_plural = _("espaces des services")

    def __str__(self) -> str:
        return str(self.service_id)


class RequestMessage(models.Model):
    """A message of the applicant to the service, or of an agent to the applicant. Never changed."""

    request = models.ForeignKey(
        Request, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_applicant = models.BooleanField(_("écrit par le demandeur"))
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("message d'une demande")
        verbose_name_plural = _("messages des demandes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.pk}"


class RequestAttachment(models.Model):
    """A document of the request, in the service's space: an answer's, or a message's attachment.

    `document` is the service's copy (the town's record); `source_document_id`
    names the applicant's original in their own vault, which they may delete.
    """

    request = models.ForeignKey(
        Request, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        "coffre.Document", verbose_name=_("copie du service"), on_delete=models.PROTECT, related_name="+"
    )
    source_document_id = models.BigIntegerField(_("document d'origine"), null=True, blank=True)
    field_key = models.CharField(_("question"), max_length=50, blank=True)
    message = models.ForeignKey(
        RequestMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    created_at = models.DateTimeField(_("ajouté le"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce d'une demande")
        verbose_name_plural = _("pièces des demandes")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "document"], name="demarches_attachment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.document_id}"


# A request's timeline only grows: the same guards as the audit log's.
EventsAreAppendOnly = AppendOnlyError


class RequestEvent(AppendOnlyModel):
    """One line of a request's timeline: submitted, a status change, a message, a document.

    Append-only: save() refuses an existing row, the queryset refuses update() and
    delete(), and a database trigger refuses an UPDATE (but the author's account
    being deleted). Rows go with their request only, at the end of its retention.
    """

    request = models.ForeignKey(
        Request, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("type"), max_length=16, choices=EventKind.choices)
    from_status = models.CharField(
        _("statut avant"), max_length=24, choices=RequestStatus.choices, blank=True
    )
    to_status = models.CharField(_("statut après"), max_length=24, choices=RequestStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by_applicant = models.BooleanField(_("par le demandeur"))
    motivation = models.TextField(_("motif"), blank=True)
    message = models.ForeignKey(
        RequestMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement d'une demande")
        verbose_name_plural = _("événements des demandes")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["request", "created_at"], name="demarches_event_request")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


# Instruction (issue 6: the agents' side) --------------------------------------------------------


class Label(models.Model):
    """A label agents put on requests to sort their work (À examiner, Complet, Urgent…)."""

    name = models.CharField(_("nom"), max_length=40, unique=True)
    tone = models.CharField(_("couleur"), max_length=10, choices=LabelTone.choices, default=LabelTone.NEUTRAL)
    position = models.PositiveSmallIntegerField(_("ordre"), default=100)

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class RequestNote(models.Model):
    """A private note between the agents instructing a request; the applicant never sees it."""

    request = models.ForeignKey(
        Request, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("écrite le"), default=timezone.now)

    class Meta:
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.pk}"


class LetterTemplate(models.Model):
    """The letter sent with a decision of one procedure (accepted, refused or closed), as a PDF.

    `body` is a Django template: {{ reference }}, {{ demarche }}, {{ applicant }},
    {{ motivation }}, {{ submitted_on }}, {{ decided_on }}, {{ service }},
    {{ agent }} and {{ answers.<key> }}; every value is escaped.
    """

    OUTCOMES = [
        (RequestStatus.ACCEPTED, RequestStatus.ACCEPTED.label),
        (RequestStatus.REFUSED, RequestStatus.REFUSED.label),
        (RequestStatus.CLOSED, RequestStatus.CLOSED.label),
    ]

    demarche = models.ForeignKey(
        Demarche, verbose_name=_("démarche"), on_delete=models.CASCADE, related_name="letter_templates"
    )
    outcome = models.CharField(_("décision"), max_length=24, choices=OUTCOMES)
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(
        _("texte du courrier"),
        help_text=_(
            "Variables : {{ reference }}, {{ demarche }}, {{ applicant }}, {{ motivation }}, "
            "{{ submitted_on }}, {{ decided_on }}, {{ service }}, {{ agent }}, {{ answers.cle }}."
        ),
    )

    class Meta:
        verbose_name = _("modèle de courrier")
        verbose_name_plural = _("modèles de courrier")
        ordering = ["demarche", "outcome"]
        constraints = [
            models.UniqueConstraint(fields=["demarche", "outcome"], name="demarches_letter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.demarche_id} {self.outcome}"

    def clean(self) -> None:
        super().clean()
        # Checked when saved, so that a decision never meets a broken template.
        from demarches import letters

        errors = {}
        for name in ("subject", "body"):
            try:
                letters.check_template(getattr(self, name) or "")
            except ValidationError as error:
                errors[name] = error
        if errors:
            raise ValidationError(errors)


class ExportJob(models.Model):
    """An export of a service's requests, prepared by Celery and downloaded by the agent who asked.

    The file is kept encrypted (the vault's streaming AES-GCM, under a key wrapped
    by the master key) and deleted after DEMARCHES_EXPORT_TTL_HOURS (demarches.exports).
    """

    service = models.ForeignKey(
        "accounts.Service", verbose_name=_("service"), on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    filters = models.JSONField(_("filtres"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    status = models.CharField(
        _("état"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    row_count = models.PositiveIntegerField(_("lignes"), null=True, blank=True)
    file_name = models.CharField(_("fichier"), max_length=200, blank=True)
    wrapped_key = models.BinaryField(_("clé chiffrée"), null=True, blank=True)
    size = models.PositiveBigIntegerField(_("taille"), null=True, blank=True)
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("prêt le"), null=True, blank=True)

    class Meta:
        verbose_name = _("export de demandes")
        verbose_name_plural = _("exports de demandes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.service_id} {self.pk}"
