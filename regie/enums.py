from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceStatus(models.TextChoices):
    """What is stored. Paid, partially paid and overdue are derived from the ledger."""

    DRAFT = "draft", _("Brouillon")
    ISSUED = "issued", _("Émise")
    CANCELLED = "cancelled", _("Annulée par avoir")


class InvoiceState(models.TextChoices):
    """What a person sees: the stored status combined with the ledger (never stored)."""

    DRAFT = "draft", _("Brouillon")
    TO_PAY = "to_pay", _("À payer")
    PARTIALLY_PAID = "partially_paid", _("Partiellement payée")
    OVERDUE = "overdue", _("En retard")
    PAID = "paid", _("Payée")
    OVERPAID = "overpaid", _("Trop-perçu à rembourser")
    CANCELLED = "cancelled", _("Annulée")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Carte bancaire en ligne")
    PAYFIP = "payfip", _("PayFiP")
    CASH = "cash", _("Espèces")
    CHEQUE = "cheque", _("Chèque")
    TRANSFER = "transfer", _("Virement")
    DIRECT_DEBIT = "direct_debit", _("Prélèvement")


ONLINE_METHODS = (PaymentMethod.CARD, PaymentMethod.PAYFIP)
COUNTER_METHODS = (PaymentMethod.CASH, PaymentMethod.CHEQUE, PaymentMethod.TRANSFER)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SUCCEEDED = "succeeded", _("Réussi")
    FAILED = "failed", _("Échoué")
    EXPIRED = "expired", _("Expiré")


class Provider(models.TextChoices):
    STRIPE = "stripe", _("Stripe")
    PAYFIP = "payfip", _("PayFiP")
    COUNTER = "counter", _("Guichet de la régie")
    SEPA = "sepa", _("Prélèvement SEPA")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("En cours")
    SUCCEEDED = "succeeded", _("Effectué")
    FAILED = "failed", _("Échoué")


class DiscrepancyKind(models.TextChoices):
    AMOUNT_MISMATCH = "amount_mismatch", _("Montant différent de celui attendu")
    CURRENCY_MISMATCH = "currency_mismatch", _("Devise différente de celle attendue")
    UNKNOWN_PAYMENT = "unknown_payment", _("Paiement inconnu de la régie")
    OVERPAYMENT = "overpayment", _("Paiement reçu pour une facture déjà soldée")
    LATE_SUCCESS = "late_success", _("Paiement reçu après expiration")
    NOT_SETTLED = "not_settled", _("Payé chez le prestataire mais non encaissé par la régie")
    MISSING_AT_PROVIDER = "missing_at_provider", _("Encaissé par la régie mais non payé chez le prestataire")


class DebitItemStatus(models.TextChoices):
    """One invoice in a SEPA direct-debit batch."""

    PENDING = "pending", _("Transmis à la banque")
    COLLECTED = "collected", _("Prélevé")
    REJECTED = "rejected", _("Rejeté")


class DebitBatchStatus(models.TextChoices):
    GENERATED = "generated", _("Fichier généré")
    COLLECTED = "collected", _("Encaissé")


class SequenceType(models.TextChoices):
    """SEPA sequence of a debit under a recurrent mandate (SeqTp)."""

    FIRST = "FRST", _("Premier prélèvement")
    RECURRING = "RCUR", _("Prélèvement récurrent")


class ReminderLevel(models.IntegerChoices):
    """Days after the due date at which an unpaid invoice is reminded, once each."""

    FIRST = 7, _("Première relance (échéance + 7 jours)")
    SECOND = 30, _("Seconde relance (échéance + 30 jours)")


# Tones of components/status_badge.html for each state a person sees.
STATE_TONES = {
    InvoiceState.DRAFT: "neutral",
    InvoiceState.TO_PAY: "info",
    InvoiceState.PARTIALLY_PAID: "warning",
    InvoiceState.OVERDUE: "danger",
    InvoiceState.PAID: "success",
    InvoiceState.OVERPAID: "warning",
    InvoiceState.CANCELLED: "neutral",
}
PAYMENT_TONES = {
    PaymentStatus.PENDING: "info",
    PaymentStatus.SUCCEEDED: "success",
    PaymentStatus.FAILED: "danger",
    PaymentStatus.EXPIRED: "neutral",
}
