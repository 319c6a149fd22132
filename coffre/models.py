"""The vault's tables. Content is never here: only wrapped keys, fingerprints and metadata.

Reading order: DocumentType (configured by administrators) → DataKey (one per
owner party) → Document (a paper in an owner's vault) → DocumentVersion (one
encrypted blob each) → Grant (a document shared with a service for a purpose)
→ ReminderSent (expiry reminders already sent) → ShreddingLog (owners whose
keys were destroyed, ids only).
"""

import uuid
from datetime import date, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coffre.enums import ExpiryStatus, MimeType, ValidityRule
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import PartyMembership

# Who may open a party's vault, by their role in it. A plain association member
# may not: the association's bank details and statutes are for its officers.
VAULT_ROLES = (
    PartyRole.HOLDER,
    PartyRole.GUARDIAN,
    PartyRole.PRESIDENT,
    PartyRole.TREASURER,
    PartyRole.SECRETARY,
)
# A grant's purpose points at the object it serves without importing its app: "demarches.request:12".
PURPOSE_PATTERN = r"^[a-z][a-z_]*\.[a-z][a-z_]*:[0-9]+$"


def vault_party_ids(user) -> models.QuerySet:
    """Ids of the parties whose vault the user may open, as a subquery (no query of its own)."""
    return PartyMembership.objects.filter(user=user, role__in=VAULT_ROLES).values("party_id")


class DocumentTypeQuerySet(models.QuerySet):
    def for_party_kind(self, kind: str) -> "DocumentTypeQuerySet":
        flag = {PartyKind.PERSON: "for_person", PartyKind.HOUSEHOLD: "for_household"}.get(
            kind, "for_association"
        )
        return self.filter(is_active=True, **{flag: True})


class DocumentType(models.Model):
    """A kind of paper (proof of address, insurance certificate…) and how long it stays valid."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("libellé"), max_length=120)
    validity_rule = models.CharField(
        _("validité"), max_length=16, choices=ValidityRule.choices, default=ValidityRule.NONE
    )
    validity_days = models.PositiveIntegerField(
        _("durée de validité (jours)"),
        null=True,
        blank=True,
        help_text=_("Pour une durée fixe seulement : nombre de jours après la date d'émission."),
    )
    for_person = models.BooleanField(_("pour une personne"), default=True)
    for_household = models.BooleanField(_("pour un foyer"), default=True)
    for_association = models.BooleanField(_("pour une association"), default=False)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=100)
    is_active = models.BooleanField(_("proposé au dépôt"), default=True)

    objects = DocumentTypeQuerySet.as_manager()

    class Meta:
        verbose_name = _("type de document")
        verbose_name_plural = _("types de document")
        ordering = ["position", "label"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(validity_rule=ValidityRule.DAYS, validity_days__isnull=False, validity_days__gt=0)
                    | (~Q(validity_rule=ValidityRule.DAYS) & Q(validity_days__isnull=True))
                ),
                name="coffre_documenttype_days_iff_rule_days",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def allows(self, kind: str) -> bool:
        return {
            PartyKind.PERSON: self.for_person,
            PartyKind.HOUSEHOLD: self.for_household,
            PartyKind.ASSOCIATION: self.for_association,
        }.get(kind, False)

    def default_expiry(self, issue_date: date) -> date | None:
        if self.validity_rule == ValidityRule.DAYS and self.validity_days:
            return issue_date + timedelta(days=self.validity_days)
        return None


class DataKey(models.Model):
    """An owner's data key, stored only wrapped by a KEK. Deleting it shreds the owner's vault.

    The row is also the owner's lock: uploads take it FOR UPDATE before checking
    the quota, so two uploads at once cannot both take the last free bytes.
    """

    party = models.OneToOneField(
        "accounts.Party", verbose_name=_("titulaire"), on_delete=models.PROTECT, related_name="vault_key"
    )
    key_uuid = models.UUIDField(_("identifiant de clé"), default=uuid.uuid4, unique=True, editable=False)
    wrapped_key = models.BinaryField(_("clé chiffrée"), editable=False)
    kek_id = models.CharField(_("clé maîtresse"), max_length=32, db_index=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    rewrapped_at = models.DateTimeField(_("re-chiffrée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("clé de coffre")
        verbose_name_plural = _("clés de coffre")

    def __str__(self) -> str:
        return f"{self.party_id} ({self.kek_id})"


class DocumentQuerySet(models.QuerySet):
    def for_user(self, user) -> "DocumentQuerySet":
        """Documents of the parties whose vault this user may open (their role allows it)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner_id__in=vault_party_ids(user))

    def shared_with_agent(self, user, *, now=None) -> "DocumentQuerySet":
        """Documents an active grant opens to one of this agent's services."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            pk__in=Grant.objects.active(now=now)
            .filter(service__agent_memberships__user=user, service__is_active=True)
            .values("document_id")
        )


class Document(models.Model):
    """A paper in an owner's vault; its bytes are in its versions, the current one in use."""

    owner = models.ForeignKey(
        "accounts.Party", verbose_name=_("titulaire"), on_delete=models.PROTECT, related_name="documents"
    )
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(_("intitulé"), max_length=150)
    issue_date = models.DateField(_("date d'émission"), null=True, blank=True)
    expiry_date = models.DateField(_("fin de validité"), null=True, blank=True, db_index=True)
    current_version = models.OneToOneField(
        "DocumentVersion",
        verbose_name=_("version en cours"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["owner", "document_type"], name="coffre_doc_owner_type")]
        constraints = [
            models.CheckConstraint(
                condition=Q(issue_date__isnull=True)
                | Q(expiry_date__isnull=True)
                | Q(expiry_date__gte=models.F("issue_date")),
                name="coffre_document_expiry_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_type_id}:{self.pk}"

    @property
    def reference(self) -> str:
        return f"coffre.document:{self.pk}"

    def expiry_status(self, today: date | None = None) -> ExpiryStatus:
        """The list's badge: expired, expires within COFFRE_EXPIRY_SOON_DAYS, valid, or no end."""
        if self.expiry_date is None:
            return ExpiryStatus.NONE
        today = today or timezone.localdate()
        if self.expiry_date < today:
            return ExpiryStatus.EXPIRED
        if self.expiry_date <= today + timedelta(days=settings.COFFRE_EXPIRY_SOON_DAYS):
            return ExpiryStatus.EXPIRES_SOON
        return ExpiryStatus.VALID


class DocumentVersion(models.Model):
    """One encrypted blob: its wrapped content key and the fingerprint of its plaintext."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    data_key = models.ForeignKey(
        DataKey, verbose_name=_("clé de coffre"), on_delete=models.PROTECT, related_name="versions"
    )
    blob_name = models.CharField(_("fichier chiffré"), max_length=100, unique=True, editable=False)
    wrapped_content_key = models.BinaryField(_("clé de contenu chiffrée"), editable=False)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    mime_type = models.CharField(_("type de fichier"), max_length=32, choices=MimeType.choices)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    filename = models.CharField(_("nom du fichier"), max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("version de document")
        verbose_name_plural = _("versions de document")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="coffre_version_number_unique"),
            models.CheckConstraint(condition=Q(size__gt=0), name="coffre_version_not_empty"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="coffre_version_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(mime_type__in=MimeType.values), name="coffre_version_mime_allowed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"

    @property
    def reference(self) -> str:
        return f"coffre.documentversion:{self.pk}"


class GrantQuerySet(models.QuerySet):
    def active(self, *, now=None) -> "GrantQuerySet":
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class Grant(models.Model):
    """A document shared with the agents of one service, for one purpose, until a date."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="grants"
    )
    service = models.ForeignKey(
        "accounts.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="vault_grants"
    )
    purpose = models.CharField(_("motif"), max_length=100)
    # The owner's own words when they share from their vault (the purpose then points at the document).
    note = models.CharField(_("motif indiqué par le titulaire"), max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("partagé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("partagé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("jusqu'au"))
    revoked_at = models.DateTimeField(_("retiré le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retiré par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("partage de document")
        verbose_name_plural = _("partages de document")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["service", "expires_at"],
                name="coffre_grant_active",
                condition=Q(revoked_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="coffre_grant_expires_later"
            ),
            models.CheckConstraint(
                condition=Q(purpose__regex=PURPOSE_PATTERN), name="coffre_grant_purpose_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.service_id} ({self.purpose})"

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def ends_at_midnight(self) -> bool:
        """A grant "until the 12th" ends when the 13th begins, in the town's time."""
        return timezone.localtime(self.expires_at).time() == time.min

    @property
    def last_day(self) -> date:
        """The last day the grant covers (the day before, when it ends at midnight)."""
        end = timezone.localtime(self.expires_at)
        return end.date() - timedelta(days=1) if end.time() == time.min else end.date()


class ReminderSent(models.Model):
    """An expiry reminder already sent: the daily task sends each one once.

    Keyed on the expiry date too, so that a document renewed with a new date
    gets its reminders again for that date.
    """

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="reminders"
    )
    expiry_date = models.DateField(_("fin de validité"))
    days_before = models.PositiveSmallIntegerField(_("jours avant l'échéance"))
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("rappel d'échéance")
        verbose_name_plural = _("rappels d'échéance")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "expiry_date", "days_before"], name="coffre_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} J-{self.days_before} ({self.expiry_date})"


class ShreddingLog(models.Model):
    """Owners whose data key was destroyed: ids only, kept forever.

    A restore of an older database brings their wrapped data key back; re-applying
    this log (`manage.py coffre_apply_shredding_log`) destroys it again before
    anything is served. The data key's id is kept so that a vault opened again
    later by the same party is not shredded by mistake.
    """

    party_id = models.BigIntegerField(_("titulaire"), db_index=True)
    data_key_uuid = models.UUIDField(_("identifiant de la clé détruite"), null=True, blank=True, unique=True)
    shredded_at = models.DateTimeField(_("détruit le"), default=timezone.now)

    class Meta:
        verbose_name = _("destruction de coffre")
        verbose_name_plural = _("destructions de coffre")
        ordering = ["-shredded_at"]

    def __str__(self) -> str:
        return f"{self.party_id} {self.shredded_at:%Y-%m-%d}"
