"""The associations' space: an association (a Party of kind association, with its profile) and the
invitations that bring its members in. Members are `PartyMembership` rows of its party, with the
roles of `associations.enums.MEMBER_ROLES`; documents live in the party's vault space.

What associations ask the town for lives in the sub-apps: associations.subsidies,
associations.rooms and associations.equipment.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.enums import AssociationStatus, member_role_choices
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import Party
from guichet.public_files import RandomName, public_storage

RNA_VALIDATOR = RegexValidator(
    r"^W\d{9}$", _("Le numéro RNA commence par W suivi de 9 chiffres, par exemple W751234567.")
)


class AssociationQuerySet(models.QuerySet):
    def for_user(self, user) -> "AssociationQuerySet":
        """The associations this user is a member of (any role)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(party__memberships__user=user)

    def verified(self) -> "AssociationQuerySet":
        return self.filter(status=AssociationStatus.VERIFIED)


class Association(models.Model):
    """An association of the town: its party (members, vault, invoices, requests) and its profile."""

    party = models.OneToOneField(
        Party, verbose_name=_("titulaire"), on_delete=models.PROTECT, related_name="association"
    )
    rna = models.CharField(
        _("numéro RNA"),
        max_length=10,
        blank=True,
        validators=[RNA_VALIDATOR],
        help_text=_("W suivi de 9 chiffres, sur le récépissé de la préfecture."),
    )
    siret = models.CharField(_("numéro SIRET"), max_length=14, blank=True)
    purpose = models.TextField(
        _("objet"), help_text=_("L'objet de l'association, tel que ses statuts le disent.")
    )
    address_line = models.CharField(_("adresse du siège"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=120, blank=True)
    email = models.EmailField(_("adresse électronique de l'association"), blank=True)
    phone = models.CharField(_("téléphone de l'association"), max_length=32, blank=True)
    website = models.URLField(_("site internet"), blank=True)
    # A public image (the association's pages, the town's directory): the public storage, never the vault.
    logo = models.ImageField(
        _("logo"), upload_to=RandomName("associations/logos"), blank=True, storage=public_storage
    )
    # Bank details for subsidies and refunds; the RIB itself is a document of the association's vault.
    bank_account_holder = models.CharField(_("titulaire du compte"), max_length=140, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=AssociationStatus.choices, default=AssociationStatus.PENDING
    )
    # Why the service suspended the association (shown to its members), or what it asked for.
    status_reason = models.TextField(_("motif"), blank=True)
    status_changed_at = models.DateTimeField(_("état changé le"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("état changé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subsidies_board_only = models.BooleanField(
        _("seul le bureau dépose les demandes de subvention"),
        default=True,
        help_text=_("Les autres membres peuvent préparer une demande ; un membre du bureau l'envoie."),
    )
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

    objects = AssociationQuerySet.as_manager()

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        ordering = ["party__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(rna="") | ~Q(siret=""),
                name="associations_association_rna_or_siret",
                violation_error_message=_("Indiquez le numéro RNA ou le numéro SIRET de l'association."),
            ),
            models.UniqueConstraint(
                fields=["rna"], condition=~Q(rna=""), name="associations_association_rna_unique"
            ),
            models.UniqueConstraint(
                fields=["siret"], condition=~Q(siret=""), name="associations_association_siret_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssociationStatus.values), name="associations_association_status_known"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="associations_status")]

    def __str__(self) -> str:
        return str(self.party_id)

    @property
    def name(self) -> str:
        return self.party.name

    @property
    def is_verified(self) -> bool:
        return self.status == AssociationStatus.VERIFIED

    @property
    def status_enum(self) -> AssociationStatus:
        return AssociationStatus(self.status)

    @property
    def my_role_label(self) -> str:
        """The signed-in member's role, when the selector annotated it (`my_role`)."""
        role = getattr(self, "my_role", None)
        return str(PartyRole(role).label) if role in PartyRole.values else ""

    @property
    def reference(self) -> str:
        """The association's number on the guichet, as agents say it on the phone: A000123."""
        return f"A{self.pk:06d}"


class AssociationInvitation(models.Model):
    """A person invited by e-mail to join an association with a role; they join with their own account."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse invitée"))
    role = models.CharField(_("rôle"), max_length=16, choices=member_role_choices)
    # SHA-256 of the token sent by e-mail: the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invité par"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("valable jusqu'au"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acceptée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation dans une association")
        verbose_name_plural = _("invitations dans les associations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.association_id} {self.pk}"
