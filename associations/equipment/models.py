"""Equipment lent by the town to associations: items with a stock, loans of several items for a period.

An item's availability over a period is its stock minus the most that loans holding stock
(`enums.HOLDING_STATUSES`, loans late back, and the missing pieces of incomplete returns) hold
on any one day of that period; `associations.equipment.availability` does the arithmetic, the services lock
the item rows before they count, so nothing is ever lent beyond the stock.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.equipment.availability import period_label
from associations.equipment.enums import HOLDING_STATUSES, DeliveryMode, LoanStatus
from associations.models import Association
from guichet.public_files import RandomName, public_storage


class ItemQuerySet(models.QuerySet):
    def active(self) -> "ItemQuerySet":
        return self.filter(is_active=True)


class Item(models.Model):
    """A kind of equipment the town lends (folding chairs, tables, stands…) and how many it has."""

    name = models.CharField(
        _("nom"), max_length=120, unique=True, help_text=_("Par exemple « Chaise pliante ».")
    )
    # The words of the messages: "Il reste 4 chaises disponibles du 12 au 14 juin".
    unit_singular = models.CharField(
        _("unité au singulier"), max_length=60, help_text=_("En minuscules, par exemple « chaise ».")
    )
    unit_plural = models.CharField(
        _("unité au pluriel"), max_length=60, help_text=_("En minuscules, par exemple « chaises ».")
    )
    description = models.TextField(_("description"), blank=True)
    stock = models.PositiveIntegerField(
        _("stock"), help_text=_("Combien la commune en possède en état d'être prêtés.")
    )
    max_per_loan = models.PositiveIntegerField(
        _("au plus par prêt"),
        null=True,
        blank=True,
        help_text=_("Laissez vide pour permettre de tout emprunter d'un coup."),
    )
    deliverable = models.BooleanField(
        _("peut être livré"),
        default=True,
        help_text=_("Décochez pour le matériel à retirer à l'atelier municipal seulement."),
    )
    # A public image (the catalogue): the public storage, never the vault.
    photo = models.ImageField(
        _("photo"), upload_to=RandomName("equipment/items"), blank=True, storage=public_storage
    )
    photo_alt = models.CharField(
        _("texte de remplacement de la photo"),
        max_length=200,
        blank=True,
        help_text=_("Ce que montre la photo, pour les personnes qui ne la voient pas."),
    )
    position = models.PositiveSmallIntegerField(_("ordre dans le catalogue"), default=0)
    is_active = models.BooleanField(
        _("prêté"), default=True, help_text=_("Décochez pour retirer ce matériel du catalogue.")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("matériel")
        verbose_name_plural = _("matériel")
        ordering = ["position", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_per_loan__isnull=True) | Q(max_per_loan__gt=0),
                name="equipment_item_max_per_loan_positive",
                violation_error_message=_("Le maximum par prêt est d'au moins 1 (ou laissez-le vide)."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def units(self, count: int) -> str:
        """ "1 chaise", "4 chaises"."""
        return f"{count} {self.unit_singular if count == 1 else self.unit_plural}"


class LoanQuerySet(models.QuerySet):
    def for_user(self, user) -> "LoanQuerySet":
        """The loans of the associations this user is a member of (any role): a member who left
        no longer finds them."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(association__in=Association.objects.for_user(user))

    def holding(self) -> "LoanQuerySet":
        return self.filter(status__in=HOLDING_STATUSES)


class Loan(models.Model):
    """An association's request to borrow equipment for a period (start and end dates included),
    and what became of it: decision, hand-over (delivered or picked up), return check."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="equipment_loans"
    )
    status = models.CharField(
        _("état"), max_length=12, choices=LoanStatus.choices, default=LoanStatus.PENDING
    )
    start_date = models.DateField(_("du"))
    end_date = models.DateField(_("au"))
    purpose = models.CharField(_("manifestation"), max_length=200)
    delivery_mode = models.CharField(
        _("livraison ou retrait"), max_length=10, choices=DeliveryMode.choices, default=DeliveryMode.PICKUP
    )
    delivery_address = models.CharField(_("adresse de livraison"), max_length=255, blank=True)
    contact_name = models.CharField(_("personne à contacter"), max_length=140, blank=True)
    contact_phone = models.CharField(_("téléphone de la personne à contacter"), max_length=32, blank=True)
    note = models.TextField(_("précisions"), blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    return_note = models.TextField(_("remarques au retour"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handed_over_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("remis par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("retour vérifié le"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("retour vérifié par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("annulé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = _("prêt de matériel")
        verbose_name_plural = _("prêts de matériel")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="equipment_loan_end_after_start",
                violation_error_message=_("La date de fin est le jour du début ou après."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=LoanStatus.values), name="equipment_loan_status_known"
            ),
            models.CheckConstraint(
                condition=Q(delivery_mode__in=DeliveryMode.values), name="equipment_loan_delivery_mode_known"
            ),
            models.CheckConstraint(
                condition=Q(delivery_mode=DeliveryMode.PICKUP) | ~Q(delivery_address=""),
                name="equipment_loan_delivery_has_address",
                violation_error_message=_("Indiquez l'adresse de livraison."),
            ),
        ]
        indexes = [
            # The overlap query: loans holding stock whose period meets the one asked for.
            models.Index(fields=["status", "start_date", "end_date"], name="equipment_loan_period"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The loan's number, as agents say it on the phone: M000123."""
        return f"M{self.pk:06d}"

    @property
    def period(self) -> str:
        """ "du 12 au 14 juin 2026"."""
        return period_label(self.start_date, self.end_date, with_year=True)

    @property
    def status_enum(self) -> LoanStatus:
        return LoanStatus(self.status)

    @property
    def is_delivery(self) -> bool:
        return self.delivery_mode == DeliveryMode.DELIVERY

    def is_cancellable(self, today) -> bool:
        """The association may cancel a request or an accepted loan before its first day."""
        return self.status in (LoanStatus.PENDING, LoanStatus.APPROVED) and today < self.start_date

    def is_overdue(self, today) -> bool:
        return self.status == LoanStatus.HANDED_OVER and self.end_date < today


class LoanLine(models.Model):
    """How many of one item a loan asks for, and what came back at the return check."""

    loan = models.ForeignKey(Loan, verbose_name=_("prêt"), on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        Item, verbose_name=_("matériel"), on_delete=models.PROTECT, related_name="loan_lines"
    )
    quantity = models.PositiveIntegerField(_("quantité"))
    # Counted at the return check(s), in total: what came back (damaged or not), what came back
    # damaged, and what was written off as lost.
    returned_quantity = models.PositiveIntegerField(_("rendus"), default=0)
    damaged_quantity = models.PositiveIntegerField(_("abîmés"), default=0)
    lost_quantity = models.PositiveIntegerField(_("perdus"), default=0)
    damage_note = models.TextField(_("dégâts constatés"), blank=True)

    class Meta:
        verbose_name = _("ligne de prêt")
        verbose_name_plural = _("lignes de prêt")
        ordering = ["item__position", "item__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "item"], name="equipment_line_one_per_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="equipment_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(returned_quantity__lte=F("quantity") - F("lost_quantity")),
                name="equipment_line_returned_within_lent",
            ),
            models.CheckConstraint(
                condition=Q(damaged_quantity__lte=F("returned_quantity")),
                name="equipment_line_damaged_within_returned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}:{self.item_id}"

    @property
    def label(self) -> str:
        """ "40 chaises"."""
        return self.item.units(self.quantity)

    @property
    def missing(self) -> int:
        """Lent and neither back nor written off."""
        return self.quantity - self.returned_quantity - self.lost_quantity
