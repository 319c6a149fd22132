"""Refunds: money given back on a payment, never more than it paid, even with two agents at once."""

import logging
import uuid
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet import audit
from regie import perms
from regie.backends import get_backend
from regie.enums import PaymentStatus, RefundStatus
from regie.exceptions import PaymentProviderError, PaymentProviderRefused, RefundRefused
from regie.models import Invoice, Payment, PaymentAllocation, Refund
from regie.money import format_eur

logger = logging.getLogger(__name__)


def refundable_cents(*, payment: Payment, invoice: Invoice) -> int:
    """What this payment paid for this invoice, less refunds sent or done."""
    allocated = (
        PaymentAllocation.objects.filter(payment=payment, invoice=invoice)
        .values_list("amount_cents", flat=True)
        .first()
        or 0
    )
    refunded = (
        Refund.objects.filter(payment=payment, invoice=invoice)
        .exclude(status=RefundStatus.FAILED)
        .aggregate(total=Sum("amount_cents"))["total"]
        or 0
    )
    return allocated - refunded


@transaction.atomic
def _reserve(*, actor, payment: Payment, amount_cents: int, reason: str, invoice, idempotency_key) -> Refund:
    # The payment's row lock makes concurrent refunds of it take turns; the sum is
    # read after the lock, in its own statement, so it sees the previous one's refund.
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if idempotency_key:
        existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if payment.status != PaymentStatus.SUCCEEDED:
        raise RefundRefused(_("Seul un paiement encaissé peut être remboursé."))
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise RefundRefused(_("Le montant du remboursement doit être un nombre entier positif de centimes."))
    if not reason.strip():
        raise RefundRefused(_("Indiquez le motif du remboursement."))
    allocated = list(payment.allocations.values_list("invoice_id", flat=True))
    if invoice is None:
        if len(allocated) != 1:
            raise RefundRefused(
                _("Ce paiement a réglé plusieurs factures : précisez laquelle est remboursée.")
            )
        invoice_id = allocated[0]
    elif invoice.pk in allocated:
        invoice_id = invoice.pk
    else:
        raise RefundRefused(_("Ce paiement n'a pas réglé cette facture."))
    invoice = Invoice.objects.get(pk=invoice_id)
    available = refundable_cents(payment=payment, invoice=invoice)
    if amount_cents > available:
        raise RefundRefused(
            _("Le remboursement ne peut pas dépasser ce qui a été payé et pas encore remboursé (%(left)s).")
            % {"left": format_eur(max(available, 0))}
        )
    backend_refunds = payment.provider in ("stripe",) and get_backend(payment.provider).supports_refunds
    refund = Refund.objects.create(
        payment=payment,
        invoice=invoice,
        amount_cents=amount_cents,
        reason=reason.strip(),
        # Cash and cheques are given back at the counter, PayFiP by the public accountant:
        # recorded as done. A card payment goes back through the provider, after commit.
        status=RefundStatus.PENDING if backend_refunds else RefundStatus.SUCCEEDED,
        completed_at=None if backend_refunds else timezone.now(),
        idempotency_key=idempotency_key or uuid.uuid4().hex,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="payment.refund",
        target=payment,
        owner=payment.payer_id,
        refund=refund.pk,
        invoice=invoice.pk,
        amount_cents=amount_cents,
    )
    return refund


def refund_payment(
    *,
    actor,
    payment: Payment,
    amount_cents: int,
    reason: str,
    invoice: Invoice | None = None,
    idempotency_key: str | None = None,
) -> Refund:
    """Give back part or all of what a payment paid for one invoice (régie agents only).

    The refund is reserved under the payment's lock first, so a second agent
    submitting at the same time is refused if both together would exceed what was
    paid; then a card payment is refunded through the provider with the refund's
    own idempotency key. A provider failure marks the refund failed, which frees
    the amount again. `idempotency_key` (a form token) makes a double submission
    return the first refund.
    """
    if not perms.is_regie_agent(actor):
        raise PermissionDenied
    refund = _reserve(
        actor=actor,
        payment=payment,
        amount_cents=amount_cents,
        reason=reason,
        invoice=invoice,
        idempotency_key=idempotency_key,
    )
    if refund.status != RefundStatus.PENDING:
        return refund
    backend = get_backend(refund.payment.provider)
    try:
        reference = backend.refund(
            provider_payment_reference=refund.payment.provider_payment_reference,
            amount_cents=refund.amount_cents,
            idempotency_key=refund.idempotency_key,
        )
    except PaymentProviderError:
        _complete(refund, status=RefundStatus.FAILED, actor=actor)
        raise
    return _complete(refund, status=RefundStatus.SUCCEEDED, reference=reference, actor=actor)


@transaction.atomic
def _complete(refund: Refund, *, status: str, actor, reference: str = "") -> Refund:
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status == RefundStatus.PENDING:
        refund.status = status
        refund.provider_reference = reference
        refund.completed_at = timezone.now()
        refund.save(update_fields=["status", "provider_reference", "completed_at"])
        audit.record(actor=actor, action=f"refund.{status}", target=refund, owner=refund.payment.payer_id)
    return refund


# Longer than a provider call with its retries: a refund pending for longer lost its call.
RETRY_REFUNDS_AFTER = timedelta(minutes=10)


def retry_pending_refunds(*, now: datetime | None = None, limit: int = 100) -> int:
    """Finish refunds whose provider call was lost (a crash between the reservation and the call).

    Sent again with the refund's own idempotency key, so a call that did reach
    the provider is answered with the same refund, not a second one. A refusal
    fails the refund (and frees its amount); an unreachable provider waits for
    the next run. Returns how many were finished.
    """
    now = now or timezone.now()
    pending = (
        Refund.objects.filter(status=RefundStatus.PENDING, created_at__lt=now - RETRY_REFUNDS_AFTER)
        .select_related("payment")
        .order_by("pk")[:limit]
    )
    finished = 0
    for refund in pending:
        try:
            reference = get_backend(refund.payment.provider).refund(
                provider_payment_reference=refund.payment.provider_payment_reference,
                amount_cents=refund.amount_cents,
                idempotency_key=refund.idempotency_key,
            )
        except PaymentProviderRefused:
            _complete(refund, status=RefundStatus.FAILED, actor=None)
        except PaymentProviderError:
            continue
        else:
            _complete(refund, status=RefundStatus.SUCCEEDED, reference=reference, actor=None)
        finished += 1
    return finished
