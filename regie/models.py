"""The treasury's ledger: invoices, payments and their allocations, refunds, credit notes.

Append-only: a payment, an allocation, a refund or a credit note is never edited
after the fact, only its status moves forward. What a person sees as "paid",
"partially paid" or "overdue" is derived from these rows (`with_balance()`),
never stored a second time.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Party, Service
from regie.enums import (
    DebitBatchStatus,
    DebitItemStatus,
    DiscrepancyKind,
    InvoiceState,
    InvoiceStatus,
    PaymentMethod,
    PaymentStatus,
    Provider,
    RefundStatus,
    ReminderLevel,
    SequenceType,
)

CURRENCY = "eur"


def _sum_of(rows: models.QuerySet, *, per: str) -> Coalesce:
    """A correlated subquery summing rows' amount_cents per `per`, 0 when none: no join fan-out."""
    sums = rows.order_by().values(per).annotate(s=Sum("amount_cents")).values("s")
    return Coalesce(Subquery(sums[:1]), Value(0), output_field=models.BigIntegerField())


class InvoiceQuerySet(models.QuerySet):
    def for_parties(self, parties) -> "InvoiceQuerySet":
        return self.filter(payer__in=parties)

    def with_balance(self) -> "InvoiceQuerySet":
        """Annotate paid_cents, credited_cents and balance_cents from the ledger.

        Paid counts allocations of succeeded payments, less refunds not failed
        (a refund being sent already no longer counts as paid, so it cannot be
        refunded twice). Subqueries, not joins, so the sums do not multiply.
        """
        allocated = _sum_of(
            PaymentAllocation.objects.filter(invoice=OuterRef("pk"), payment__status=PaymentStatus.SUCCEEDED),
            per="invoice",
        )
        refunded = _sum_of(
            Refund.objects.filter(invoice=OuterRef("pk")).exclude(status=RefundStatus.FAILED), per="invoice"
        )
        credited = _sum_of(CreditNote.objects.filter(invoice=OuterRef("pk")), per="invoice")
        return self.annotate(
            allocated_cents=allocated,
            refunded_cents=refunded,
            credited_cents=credited,
        ).annotate(
            paid_cents=F("allocated_cents") - F("refunded_cents"),
            balance_cents=F("total_cents") - F("credited_cents") - F("allocated_cents") + F("refunded_cents"),
        )

    def unpaid(self) -> "InvoiceQuerySet":
        """Issued invoices with something left to pay (call after with_balance())."""
        return self.filter(status=InvoiceStatus.ISSUED, balance_cents__gt=0)

    def paid(self) -> "InvoiceQuerySet":
        return self.filter(status=InvoiceStatus.ISSUED, balance_cents__lte=0)

    def overdue(self, today: date | None = None) -> "InvoiceQuerySet":
        return self.unpaid().filter(due_date__lt=today or timezone.localdate())

    def in_state(self, state: str, today: date | None = None) -> "InvoiceQuerySet":
        """The invoices whose derived `state` is this one: Invoice.state_on as a filter (after with_balance())."""
        today = today or timezone.localdate()
        open_ = Q(status=InvoiceStatus.ISSUED, balance_cents__gt=0)
        filters = {
            InvoiceState.DRAFT: Q(status=InvoiceStatus.DRAFT),
            InvoiceState.OVERPAID: ~Q(status=InvoiceStatus.DRAFT) & Q(balance_cents__lt=0),
            InvoiceState.CANCELLED: Q(status=InvoiceStatus.CANCELLED, balance_cents__gte=0),
            InvoiceState.PAID: Q(status=InvoiceStatus.ISSUED, balance_cents=0),
            InvoiceState.OVERDUE: open_ & Q(due_date__lt=today),
            InvoiceState.PARTIALLY_PAID: open_ & Q(due_date__gte=today, paid_cents__gt=0),
            InvoiceState.TO_PAY: open_ & Q(due_date__gte=today, paid_cents__lte=0),
        }
        return self.filter(filters[state])


class Invoice(models.Model):
    """A bill to one party. Numbered when issued; lines and amount never change after that."""

    number = models.CharField(_("numéro"), max_length=20, unique=True, null=True, blank=True)
    payer = models.ForeignKey(
        Party, verbose_name=_("payeur"), on_delete=models.PROTECT, related_name="invoices"
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    issue_date = models.DateField(_("date d'émission"), null=True, blank=True)
    due_date = models.DateField(_("date d'échéance"))
    # The face amount of the document, fixed at issue like its lines: not a balance.
    total_cents = models.BigIntegerField(_("montant total (centimes)"))
    currency = models.CharField(_("devise"), max_length=3, default=CURRENCY, editable=False)
    source = models.CharField(
        _("origine"),
        max_length=120,
        blank=True,
        help_text=_("Référence de l'objet facturé dans l'application d'origine, par ex. famille.billing:12."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-issue_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total_cents__gt=0), name="regie_invoice_total_positive"),
            models.CheckConstraint(
                condition=(
                    Q(status=InvoiceStatus.DRAFT, number__isnull=True, issue_date__isnull=True)
                    | (~Q(status=InvoiceStatus.DRAFT) & Q(number__isnull=False, issue_date__isnull=False))
                ),
                name="regie_invoice_number_iff_issued",
            ),
        ]
        indexes = [
            models.Index(fields=["payer", "status"], name="regie_invoice_payer_status"),
            models.Index(fields=["status", "due_date"], name="regie_invoice_status_due"),
            models.Index(fields=["source"], name="regie_invoice_source"),
        ]

    def __str__(self) -> str:
        return self.number or _("Brouillon n° %(pk)s") % {"pk": self.pk}

    @property
    def reference(self) -> str:
        return f"regie.invoice:{self.pk}"

    def _ledger(self) -> dict[str, int]:
        """The ledger sums: from with_balance()'s annotations, else one query."""
        if not hasattr(self, "balance_cents"):
            row = (
                Invoice.objects.with_balance()
                .filter(pk=self.pk)
                .values("allocated_cents", "refunded_cents", "credited_cents", "paid_cents", "balance_cents")[
                    0
                ]
            )
            for name, value in row.items():
                setattr(self, name, value)
        return {"paid": self.paid_cents, "credited": self.credited_cents, "balance": self.balance_cents}

    @property
    def amount_due_cents(self) -> int:
        """What the payer still owes (0 when paid, cancelled or overpaid)."""
        if self.status != InvoiceStatus.ISSUED:
            return 0
        return max(self._ledger()["balance"], 0)

    @property
    def is_paid(self) -> bool:
        return self.status == InvoiceStatus.ISSUED and self._ledger()["balance"] <= 0

    def state_on(self, today: date) -> str:
        if self.status == InvoiceStatus.DRAFT:
            return InvoiceState.DRAFT
        ledger = self._ledger()
        if ledger["balance"] < 0:
            # Paid more than it now asks for (paid twice, or credited after payment): refund due.
            return InvoiceState.OVERPAID
        if self.status == InvoiceStatus.CANCELLED:
            return InvoiceState.CANCELLED
        if ledger["balance"] == 0:
            return InvoiceState.PAID
        if self.due_date < today:
            return InvoiceState.OVERDUE
        if ledger["paid"] > 0:
            return InvoiceState.PARTIALLY_PAID
        return InvoiceState.TO_PAY

    @property
    def state(self) -> str:
        """The state a person sees, derived from the ledger on today's date in Paris."""
        return self.state_on(timezone.localdate())

    def get_state_display(self) -> str:
        return InvoiceState(self.state).label

    @property
    def is_overdue(self) -> bool:
        return self.state == InvoiceState.OVERDUE


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("rang"), default=0)
    label = models.CharField(_("libellé"), max_length=200)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantité"), default=1)
    unit_price_cents = models.BigIntegerField(_("prix unitaire (centimes)"))
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    source = models.CharField(
        _("origine"), max_length=120, blank=True, help_text=_("Par exemple famille.booking:123.")
    )

    class Meta:
        verbose_name = _("ligne de facture")
        verbose_name_plural = _("lignes de facture")
        ordering = ["invoice", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="regie_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price_cents__gte=0), name="regie_line_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_cents=F("quantity") * F("unit_price_cents")),
                name="regie_line_amount_is_quantity_times_price",
            ),
        ]
        indexes = [models.Index(fields=["source"], name="regie_line_source")]

    def __str__(self) -> str:
        return self.label


class PaymentQuerySet(models.QuerySet):
    def succeeded(self) -> "PaymentQuerySet":
        return self.filter(status=PaymentStatus.SUCCEEDED)

    def with_refunded(self) -> "PaymentQuerySet":
        """Annotate refunded_cents: refunds sent or done (not failed)."""
        return self.annotate(
            refunded_cents=_sum_of(
                Refund.objects.filter(payment=OuterRef("pk")).exclude(status=RefundStatus.FAILED),
                per="payment",
            )
        )


class Payment(models.Model):
    """Money received, or expected, from one party, for one or several invoices."""

    payer = models.ForeignKey(
        Party, verbose_name=_("payeur"), on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField(_("moyen de paiement"), max_length=16, choices=PaymentMethod.choices)
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    currency = models.CharField(_("devise"), max_length=3, default=CURRENCY, editable=False)
    status = models.CharField(
        _("statut"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    provider = models.CharField(_("prestataire"), max_length=16, choices=Provider.choices)
    # The provider's id of the checkout (Stripe Checkout Session, PayFiP idOp).
    provider_reference = models.CharField(_("référence du prestataire"), max_length=255, blank=True)
    # The provider's id of the money itself (Stripe PaymentIntent), needed to refund.
    provider_payment_reference = models.CharField(_("référence de l'opération"), max_length=255, blank=True)
    # Written and committed before the first call to the provider, so that a retry,
    # a double click or a crash between the call and our write can never make a
    # second checkout: the provider answers the same key with the same checkout.
    idempotency_key = models.CharField(_("clé d'idempotence"), max_length=64, unique=True)
    # sha256 of the sorted ids of the invoices this checkout pays: finds the open payment to reuse.
    invoice_key = models.CharField(max_length=64, blank=True, editable=False)
    redirect_url = models.URLField(_("adresse de paiement"), max_length=1000, blank=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    receipt_number = models.CharField(
        _("numéro de quittance"), max_length=20, unique=True, null=True, blank=True
    )
    succeeded_at = models.DateTimeField(_("encaissé le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    invoices = models.ManyToManyField(Invoice, through="PaymentAllocation", related_name="payments")

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="regie_payment_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(
                        status=PaymentStatus.SUCCEEDED,
                        receipt_number__isnull=False,
                        succeeded_at__isnull=False,
                    )
                    | (~Q(status=PaymentStatus.SUCCEEDED) & Q(receipt_number__isnull=True))
                ),
                name="regie_payment_receipt_iff_succeeded",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="regie_payment_provider_reference_unique",
            ),
            # At most one open checkout per set of invoices: the last guard against a double click.
            models.UniqueConstraint(
                fields=["invoice_key"],
                condition=Q(status=PaymentStatus.PENDING) & ~Q(invoice_key=""),
                name="regie_payment_one_pending_per_invoice_set",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="regie_payment_status_created"),
            models.Index(fields=["payer", "status"], name="regie_payment_payer_status"),
        ]

    def __str__(self) -> str:
        return self.receipt_number or _("Paiement n° %(pk)s") % {"pk": self.pk}

    @property
    def reference(self) -> str:
        return f"regie.payment:{self.pk}"


class PaymentAllocation(models.Model):
    """How much of a payment goes to one invoice: one payment may settle several invoices."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount_cents = models.BigIntegerField(_("montant (centimes)"))

    class Meta:
        verbose_name = _("affectation de paiement")
        verbose_name_plural = _("affectations de paiement")
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="regie_allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="regie_allocation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount_cents}"


class Refund(models.Model):
    """Money given back on one payment, for one of the invoices it paid.

    Never above what that payment paid for that invoice minus earlier refunds not
    failed: checked in regie.services.refund_payment under the payment's row lock.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    reason = models.TextField(_("motif"))
    status = models.CharField(
        _("statut"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    idempotency_key = models.CharField(max_length=64, unique=True)
    provider_reference = models.CharField(_("référence du prestataire"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("remboursement")
        verbose_name_plural = _("remboursements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="regie_refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}: -{self.amount_cents}"


class CreditNote(models.Model):
    """An avoir: reduces what an invoice asks for, partly or wholly (then it is cancelled)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(_("numéro"), max_length=20, unique=True)
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    reason = models.TextField(_("motif"))
    issue_date = models.DateField(_("date d'émission"))
    # A token of the agent's form: a double submission finds the first credit note.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("émis par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("avoir")
        verbose_name_plural = _("avoirs")
        ordering = ["-issue_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="regie_credit_note_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class Receipt(models.Model):
    """The rendered PDF of a payment's receipt (quittance), kept so it is rendered once."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    pdf = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("quittance")
        verbose_name_plural = _("quittances")

    def __str__(self) -> str:
        return f"{self.payment_id}"


class ProcessedWebhookEvent(models.Model):
    """A provider event already handled: inserted in the same transaction as its effect."""

    provider = models.CharField(max_length=16, choices=Provider.choices)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("événement de prestataire traité")
        verbose_name_plural = _("événements de prestataire traités")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="regie_webhook_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class Discrepancy(models.Model):
    """Something the provider says that the ledger does not match: for the régisseur to check."""

    kind = models.CharField(_("nature"), max_length=32, choices=DiscrepancyKind.choices)
    provider = models.CharField(_("prestataire"), max_length=16, choices=Provider.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="discrepancies"
    )
    provider_reference = models.CharField(max_length=255, blank=True)
    event_id = models.CharField(max_length=255, blank=True)
    expected_amount_cents = models.BigIntegerField(null=True, blank=True)
    received_amount_cents = models.BigIntegerField(null=True, blank=True)
    expected_currency = models.CharField(max_length=3, blank=True)
    received_currency = models.CharField(max_length=3, blank=True)
    # The day whose provider report found it (daily reconciliation); empty for webhooks' reports.
    reconciled_on = models.DateField(_("journée rapprochée"), null=True, blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("écart de rapprochement")
        verbose_name_plural = _("écarts de rapprochement")
        ordering = ["-detected_at", "-pk"]
        constraints = [
            # Running the daily reconciliation of a day twice reports nothing twice.
            models.UniqueConstraint(
                fields=["kind", "provider", "provider_reference", "reconciled_on"],
                condition=Q(reconciled_on__isnull=False),
                name="regie_discrepancy_reconciled_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.provider_reference}"


# SEPA direct debit --------------------------------------------------------------


class MandateQuerySet(models.QuerySet):
    def active(self) -> "MandateQuerySet":
        return self.filter(revoked_at__isnull=True)


class Mandate(models.Model):
    """A SEPA Core mandate: the payer lets the régie debit this account for its invoices.

    Kept after revocation: the bank may ask for it for 14 months after the last debit.
    """

    payer = models.ForeignKey(
        Party, verbose_name=_("payeur"), on_delete=models.PROTECT, related_name="mandates"
    )
    # The RUM (référence unique du mandat): 35 characters at most in the SEPA rulebook.
    reference = models.CharField(_("référence unique du mandat"), max_length=35, unique=True)
    holder_name = models.CharField(_("titulaire du compte"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    signed_on = models.DateField(_("signé le"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("révoqué par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandat de prélèvement")
        verbose_name_plural = _("mandats de prélèvement")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer"],
                condition=Q(revoked_at__isnull=True),
                name="regie_mandate_one_active_per_payer",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def masked_iban(self) -> str:
        """FR76 •••• … 0189: enough to recognise one's account, not to copy it."""
        return f"{self.iban[:4]} •••• {self.iban[-4:]}"


class DirectDebitBatch(models.Model):
    """One pain.008 file: the invoices under mandate to collect on one date."""

    collection_date = models.DateField(_("date de prélèvement"))
    message_id = models.CharField(_("identifiant du message"), max_length=35, unique=True)
    status = models.CharField(
        _("statut"), max_length=16, choices=DebitBatchStatus.choices, default=DebitBatchStatus.GENERATED
    )
    xml = models.BinaryField(editable=False)
    total_cents = models.BigIntegerField(_("montant total (centimes)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("généré par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    collected_at = models.DateTimeField(_("encaissé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("remise de prélèvements")
        verbose_name_plural = _("remises de prélèvements")
        ordering = ["-collection_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total_cents__gt=0), name="regie_batch_total_positive"),
        ]

    def __str__(self) -> str:
        return self.message_id


class DirectDebitItem(models.Model):
    """One invoice debited in a batch: one SEPA transaction, collected or rejected on its own."""

    batch = models.ForeignKey(DirectDebitBatch, on_delete=models.PROTECT, related_name="items")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="debit_items")
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="debit_items")
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    sequence_type = models.CharField(_("séquence"), max_length=4, choices=SequenceType.choices)
    end_to_end_id = models.CharField(_("référence de bout en bout"), max_length=35)
    status = models.CharField(
        _("statut"), max_length=16, choices=DebitItemStatus.choices, default=DebitItemStatus.PENDING
    )
    reject_reason = models.CharField(_("motif du rejet"), max_length=200, blank=True)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="debit_item"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("prélèvement")
        verbose_name_plural = _("prélèvements")
        ordering = ["batch", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="regie_debit_amount_positive"),
            # An invoice is debited once at a time: a new batch may take it only after a reject.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=~Q(status=DebitItemStatus.REJECTED),
                name="regie_debit_one_live_per_invoice",
            ),
            models.CheckConstraint(
                condition=Q(status=DebitItemStatus.COLLECTED, payment__isnull=False)
                | (~Q(status=DebitItemStatus.COLLECTED) & Q(payment__isnull=True)),
                name="regie_debit_payment_iff_collected",
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id


class Reminder(models.Model):
    """A reminder (relance) sent for an unpaid invoice: at most one per level, ever."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders")
    level = models.PositiveSmallIntegerField(_("relance"), choices=ReminderLevel.choices)
    amount_due_cents = models.BigIntegerField(_("reste à payer (centimes)"))
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["invoice", "level"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "level"], name="regie_reminder_once_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} +{self.level}"
