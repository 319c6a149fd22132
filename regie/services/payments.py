"""Payments: online checkouts, their settlement (webhook, reconciliation) and counter payments.

Lock order, everywhere: the invoices (by id), then the payment. Online checkouts
are opened in three steps so that no provider call happens without its
idempotency key already committed: (1) lock the invoices, find or create the
pending payment and its key, commit; (2) call the provider with that key;
(3) store what it answered. A double click, a reload or a crash between (2)
and (3) leads back to the same payment, the same key, hence the same checkout.
"""

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet import audit
from guichet.accounts.models import Party
from regie import numbers, perms
from regie.backends import (
    CheckoutRequest,
    PaymentBackend,
    ProviderEvent,
    ProviderPaymentReport,
    ProviderState,
    ProviderStatus,
    get_backend,
)
from regie.enums import (
    COUNTER_METHODS,
    DebitItemStatus,
    DiscrepancyKind,
    InvoiceStatus,
    PaymentStatus,
    Provider,
)
from regie.exceptions import InvalidPayment, InvoiceNotPayable, PaymentProviderError
from regie.models import (
    CURRENCY,
    DirectDebitItem,
    Discrepancy,
    Invoice,
    Payment,
    PaymentAllocation,
    ProcessedWebhookEvent,
)
from regie.signals import invoice_paid

logger = logging.getLogger(__name__)

# A checkout this close to its expiry is not handed out again: the payer needs time to pay.
REUSE_MARGIN = timedelta(minutes=5)
# Longer than a provider call with all its retries: a payment without a provider reference
# that is older than this is not waiting for an answer any more.
IN_FLIGHT = timedelta(minutes=2)
# A succeeded payment whose receipt is still not sent after this is queued again (lost task).
RECEIPT_GRACE = timedelta(minutes=10)
ONLINE_PROVIDERS = (Provider.STRIPE, Provider.PAYFIP)


@dataclass(frozen=True)
class PaymentRedirect:
    """Where to send the payer, and whether an open checkout was handed out again."""

    payment: Payment
    url: str
    reused: bool


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url


def _lock_invoices(ids: Sequence[int]) -> list[Invoice]:
    return list(Invoice.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))


def _balances(ids: Sequence[int]) -> dict[int, int]:
    # A statement of its own, after the lock: its snapshot sees what the previous lock holder committed.
    return dict(Invoice.objects.filter(pk__in=ids).with_balance().values_list("pk", "balance_cents"))


def _payable(invoices: list[Invoice], ids: list[int], payer: Party) -> dict[int, int]:
    """Balances of the invoices, refusing any that cannot be paid, with a message naming it."""
    if len(invoices) != len(ids) or any(
        invoice.payer_id != payer.pk or invoice.status == InvoiceStatus.DRAFT for invoice in invoices
    ):
        raise InvoiceNotPayable(_("Facture introuvable."))
    rows = (
        Invoice.objects.filter(pk__in=ids)
        .with_balance()
        .annotate(
            debiting=Exists(
                DirectDebitItem.objects.filter(invoice=OuterRef("pk"), status=DebitItemStatus.PENDING)
            )
        )
        .values_list("pk", "balance_cents", "debiting")
    )
    balances, debiting = {}, set()
    for pk, balance, is_debited in rows:
        balances[pk] = balance
        if is_debited:
            debiting.add(pk)
    for invoice in invoices:
        if invoice.pk in debiting:
            raise InvoiceNotPayable(
                _("La facture %(number)s est en cours de prélèvement : rien n'a été débité.")
                % {"number": invoice.number}
            )
        if invoice.status == InvoiceStatus.CANCELLED:
            raise InvoiceNotPayable(
                _("La facture %(number)s est annulée : elle n'est plus à payer.") % {"number": invoice.number}
            )
        if balances[invoice.pk] <= 0:
            raise InvoiceNotPayable(
                _("La facture %(number)s est déjà payée : rien n'a été débité.") % {"number": invoice.number}
            )
    return balances


def _release_pending(payment: Payment, *, now: datetime) -> bool:
    """Close an open checkout before another replaces it; True when it turned out paid (and is settled)."""
    if payment.provider_reference:
        status = get_backend(payment.provider).cancel(provider_reference=payment.provider_reference)
        if status.state == ProviderState.PAID:
            return settle_payment(payment_id=payment.pk, status=status).status == PaymentStatus.SUCCEEDED
    elif payment.created_at > now - IN_FLIGHT:
        # Its provider call may still be in flight (another tab): it cannot be closed yet.
        raise InvoiceNotPayable(
            _("Un paiement de ces factures est déjà en cours. Réessayez dans quelques instants.")
        )
    _finish(payment, PaymentStatus.EXPIRED)
    return False


@transaction.atomic
def _open_payment(
    *, actor, payer: Party, ids: list[int], backend: PaymentBackend, now: datetime
) -> tuple[Payment | None, bool]:
    """Step 1: the pending payment to use, and whether its checkout can be handed out as is.

    (None, False) when closing an older checkout showed it paid: that settlement
    must commit, so the caller refuses only afterwards.
    """
    if not perms.can_act_for(actor, payer):
        raise PermissionDenied
    invoices = _lock_invoices(ids)
    balances = _payable(invoices, ids, payer)
    key = invoice_key(ids)
    pending = list(
        Payment.objects.select_for_update(of=("self",))
        .filter(
            status=PaymentStatus.PENDING,
            provider__in=ONLINE_PROVIDERS,
            pk__in=PaymentAllocation.objects.filter(invoice_id__in=ids).values("payment_id"),
        )
        .order_by("pk")
    )
    for payment in pending:
        # Same invoices, same provider, and still the same amounts (no counter payment or
        # credit note since): otherwise the open checkout asks for the wrong sum.
        same = (
            payment.invoice_key == key
            and payment.provider == backend.code
            and dict(payment.allocations.values_list("invoice_id", "amount_cents")) == balances
        )
        if same and payment.redirect_url and payment.expires_at - REUSE_MARGIN > now:
            return payment, True
        if same and not payment.provider_reference and payment.created_at > now - IN_FLIGHT:
            return payment, False  # its checkout is being opened, or failed a moment ago: same key again
        if _release_pending(payment, now=now):
            return None, False
    amount = sum(balances.values())
    payment = Payment.objects.create(
        payer=payer,
        method=backend.method,
        amount_cents=amount,
        currency=CURRENCY,
        status=PaymentStatus.PENDING,
        provider=backend.code,
        idempotency_key=uuid.uuid4().hex,
        invoice_key=key,
        expires_at=now + timedelta(minutes=settings.REGIE_CHECKOUT_TTL_MINUTES),
        created_by=actor,
    )
    PaymentAllocation.objects.bulk_create(
        [PaymentAllocation(payment=payment, invoice_id=pk, amount_cents=balances[pk]) for pk in ids]
    )
    audit.record(
        actor=actor,
        action="payment.start",
        target=payment,
        owner=payer.pk,
        provider=backend.code,
        amount_cents=amount,
        invoices=ids,
    )
    return payment, False


def invoice_key(ids: Sequence[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()


def _checkout_request(payment: Payment, *, actor, success_url: str, cancel_url: str) -> CheckoutRequest:
    invoice_numbers = list(payment.invoices.order_by("pk").values_list("number", flat=True))
    return CheckoutRequest(
        payment_id=payment.pk,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        description=_("Factures %(numbers)s") % {"numbers": ", ".join(invoice_numbers)}
        if len(invoice_numbers) > 1
        else _("Facture %(number)s") % {"number": invoice_numbers[0]},
        idempotency_key=payment.idempotency_key,
        success_url=_absolute(success_url).replace("{payment_id}", str(payment.pk)),
        cancel_url=_absolute(cancel_url).replace("{payment_id}", str(payment.pk)),
        notification_url=_absolute(reverse(f"regie:{payment.provider}_webhook")),
        expires_at=payment.expires_at,
        customer_email=getattr(actor, "email", "") or "",
    )


def start_online_payment(
    *,
    actor,
    payer: Party,
    invoices: Sequence[Invoice],
    success_url: str | None = None,
    cancel_url: str | None = None,
    now: datetime | None = None,
) -> PaymentRedirect:
    """Open (or hand out again) the provider's hosted page to pay these invoices at once.

    Refuses someone else's, cancelled and already paid invoices with a French
    message. An open checkout for the same invoices is reused, so a double click
    or a reload never makes a second payment nor a second session; an open
    checkout for some of them only is closed first. `success_url`/`cancel_url`
    (paths or absolute, "{payment_id}" is replaced) default to the settings'.
    Raises PaymentProviderError when the provider cannot be reached: the pending
    payment keeps its key, so trying again gives the same checkout.
    """
    now = now or timezone.now()
    backend = get_backend()
    ids = sorted({invoice.pk for invoice in invoices})
    if not ids:
        raise InvoiceNotPayable(_("Choisissez au moins une facture à payer."))
    payment, ready = _open_payment(actor=actor, payer=payer, ids=ids, backend=backend, now=now)
    if payment is None:
        raise InvoiceNotPayable(
            _("Un paiement de ces factures vient d'aboutir : rien de plus n'a été débité.")
        )
    if ready:
        return PaymentRedirect(payment=payment, url=payment.redirect_url, reused=True)
    request = _checkout_request(
        payment,
        actor=actor,
        success_url=success_url or settings.REGIE_PAYMENT_SUCCESS_URL,
        cancel_url=cancel_url or settings.REGIE_PAYMENT_CANCEL_URL,
    )
    checkout = backend.create_checkout(request)  # outside any transaction: no lock held while we wait
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        reused = bool(payment.redirect_url)
        if not reused:
            payment.provider_reference = checkout.provider_reference
            payment.redirect_url = checkout.redirect_url
            payment.save(update_fields=["provider_reference", "redirect_url", "updated_at"])
    return PaymentRedirect(payment=payment, url=payment.redirect_url, reused=reused)


# Settlement -------------------------------------------------------------------


def _report(
    kind: str,
    *,
    payment: Payment | None,
    provider: str,
    status: ProviderStatus | ProviderPaymentReport | None,
    event_id: str,
    reconciled_on: date | None = None,
) -> tuple[Discrepancy, bool]:
    """Record a discrepancy for the régisseur; returns it and whether it is new.

    With `reconciled_on` (the daily reconciliation) it is reported once per kind,
    provider, reference and day, however often that day is reconciled.
    """
    reference = getattr(status, "provider_reference", "") or ""
    values = {
        "payment": payment,
        "event_id": event_id,
        "expected_amount_cents": getattr(payment, "amount_cents", None),
        "received_amount_cents": getattr(status, "amount_cents", None),
        "expected_currency": getattr(payment, "currency", "") or "",
        "received_currency": getattr(status, "currency", "") or "",
    }
    if reconciled_on is None:
        discrepancy, created = (
            Discrepancy.objects.create(kind=kind, provider=provider, provider_reference=reference, **values),
            True,
        )
    else:
        reference = reference or getattr(payment, "provider_reference", "")
        discrepancy, created = Discrepancy.objects.get_or_create(
            kind=kind,
            provider=provider,
            provider_reference=reference,
            reconciled_on=reconciled_on,
            defaults=values,
        )
    if created:
        logger.warning(
            "Régie discrepancy %s on payment %s (provider %s, reference %s)",
            kind,
            getattr(payment, "pk", None),
            provider,
            reference,
        )
    return discrepancy, created


def _finish(payment: Payment, status: str) -> None:
    payment.status = status
    payment.save(update_fields=["status", "updated_at"])
    audit.record(actor=None, action=f"payment.{status}", target=payment, owner=payment.payer_id)


def _mark_succeeded(payment: Payment, *, now: datetime, actor=None) -> list[int]:
    """Take the receipt number, count the money, and queue what follows on commit.

    Returns the ids of the invoices this payment settled in full.
    """
    ids = list(payment.allocations.order_by("invoice_id").values_list("invoice_id", flat=True))
    before = _balances(ids)
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = now
    payment.receipt_number = numbers.next_number("receipt", on=timezone.localdate(now))
    payment.save(
        update_fields=["status", "succeeded_at", "receipt_number", "provider_payment_reference", "updated_at"]
    )
    after = _balances(ids)
    settled = [pk for pk in ids if before[pk] > 0 >= after[pk]]
    if any(after[pk] < 0 for pk in ids):
        _report(
            DiscrepancyKind.OVERPAYMENT, payment=payment, provider=payment.provider, status=None, event_id=""
        )
    audit.record(
        actor=actor,
        action="payment.succeed",
        target=payment,
        owner=payment.payer_id,
        receipt=payment.receipt_number,
        amount_cents=payment.amount_cents,
        method=payment.method,
    )
    payment_id = payment.pk
    transaction.on_commit(lambda: _after_success(payment_id, settled))
    return settled


def _after_success(payment_id: int, settled: list[int]) -> None:
    from regie import tasks  # the tasks module imports the services

    payment = Payment.objects.get(pk=payment_id)
    for invoice in Invoice.objects.filter(pk__in=settled).order_by("pk"):
        for receiver, error in invoice_paid.send_robust(sender=Invoice, invoice=invoice, payment=payment):
            if isinstance(error, Exception):
                logger.error(
                    "invoice_paid receiver %r failed for invoice %s", receiver, invoice.pk, exc_info=error
                )
    try:
        tasks.send_receipt.delay(payment_id)
    except Exception:
        # The payment is committed whatever the broker says; requeue_unsent_receipts catches up.
        logger.exception("Receipt of payment %s could not be queued", payment_id)


def settle_payment(
    *, payment_id: int, status: ProviderStatus, event_id: str = "", now: datetime | None = None
) -> Payment:
    """Record that the provider has the money: idempotent, safe from the webhook and the reconciliation.

    The amount and currency must be those of the payment: otherwise nothing is
    settled and a discrepancy is reported for the régisseur. A payment already
    settled is returned as is. One that had expired is settled all the same (the
    payer's money was taken) and reported, like any invoice paid twice.
    """
    with transaction.atomic():
        ids = list(
            PaymentAllocation.objects.filter(payment_id=payment_id)
            .order_by("invoice_id")
            .values_list("invoice_id", flat=True)
        )
        _lock_invoices(ids)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == PaymentStatus.SUCCEEDED:
            return payment
        if status.amount_cents != payment.amount_cents:
            _report(
                DiscrepancyKind.AMOUNT_MISMATCH,
                payment=payment,
                provider=payment.provider,
                status=status,
                event_id=event_id,
            )
            return payment
        if (status.currency or "").lower() != payment.currency:
            _report(
                DiscrepancyKind.CURRENCY_MISMATCH,
                payment=payment,
                provider=payment.provider,
                status=status,
                event_id=event_id,
            )
            return payment
        if payment.status != PaymentStatus.PENDING:
            _report(
                DiscrepancyKind.LATE_SUCCESS,
                payment=payment,
                provider=payment.provider,
                status=status,
                event_id=event_id,
            )
        if status.provider_payment_reference:
            payment.provider_payment_reference = status.provider_payment_reference
        _mark_succeeded(payment, now=now or timezone.now())
        return payment


@transaction.atomic
def close_payment(*, payment_id: int, state: ProviderState) -> Payment:
    """The provider says no money moved (expired, abandoned, refused): the invoices are payable again."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status == PaymentStatus.PENDING:
        _finish(payment, PaymentStatus.FAILED if state == ProviderState.FAILED else PaymentStatus.EXPIRED)
    return payment


def _claim_event(provider: str, event_id: str, event_type: str) -> bool:
    """Insert the event's row; False when it was already processed.

    Same transaction as the effect: a concurrent duplicate waits on the unique
    index until the first commits, then inserts nothing.
    """
    table = connection.ops.quote_name(ProcessedWebhookEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (provider, event_id, event_type, received_at) "  # noqa: S608 (our table name)
            "VALUES (%s, %s, %s, %s) ON CONFLICT (provider, event_id) DO NOTHING RETURNING id",
            [provider, event_id, event_type[:100], timezone.now()],
        )
        return cursor.fetchone() is not None


def _payment_for(provider: str, event: ProviderEvent) -> Payment | None:
    reference = event.status.provider_reference
    payment = Payment.objects.filter(provider=provider, provider_reference=reference).first()
    if payment is None and event.payment_id is not None:
        # The webhook may beat step 3 of start_online_payment: find it by our own id,
        # as long as it does not already belong to another checkout.
        payment = (
            Payment.objects.filter(provider=provider, pk=event.payment_id)
            .filter(provider_reference__in=["", reference])
            .first()
        )
    return payment


@transaction.atomic
def handle_provider_event(*, provider: str, event: ProviderEvent) -> str:
    """Apply an authenticated provider event exactly once; returns what happened, for the logs."""
    if not _claim_event(provider, event.event_id, event.event_type):
        return "duplicate"
    if event.status is None:
        return "ignored"
    payment = _payment_for(provider, event)
    if payment is None:
        _report(
            DiscrepancyKind.UNKNOWN_PAYMENT,
            payment=None,
            provider=provider,
            status=event.status,
            event_id=event.event_id,
        )
        return "unknown"
    if event.status.state == ProviderState.PAID:
        payment = settle_payment(payment_id=payment.pk, status=event.status, event_id=event.event_id)
        return "settled" if payment.status == PaymentStatus.SUCCEEDED else "refused"
    if event.status.state in (ProviderState.EXPIRED, ProviderState.FAILED):
        close_payment(payment_id=payment.pk, state=event.status.state)
        return "closed"
    return "pending"


# Reconciliation -----------------------------------------------------------------


def recheck_pending_payments(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Ask the provider about every online payment still pending after REGIE_PENDING_RECHECK_MINUTES.

    A lost or late webhook must not leave an invoice unpaid in our books while the
    payer was charged, nor keep a dead checkout open: paid ones are settled, dead
    ones expired, open ones past their expiry closed at the provider first.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.REGIE_PENDING_RECHECK_MINUTES)
    counts = {"settled": 0, "closed": 0, "open": 0, "errors": 0}
    pending = Payment.objects.filter(
        status=PaymentStatus.PENDING, provider__in=ONLINE_PROVIDERS, created_at__lt=cutoff
    ).order_by("pk")[:limit]
    for payment in pending:
        try:
            outcome = _recheck(payment, now=now)
        except PaymentProviderError:
            counts["errors"] += 1
            continue
        counts[outcome] += 1
    return counts


def _recheck(payment: Payment, *, now: datetime) -> str:
    backend = get_backend(payment.provider)
    expired = payment.expires_at is None or payment.expires_at <= now
    if not payment.provider_reference:
        # The provider was never reached, or its answer was lost: the checkout is dead once expired.
        if expired:
            close_payment(payment_id=payment.pk, state=ProviderState.EXPIRED)
            return "closed"
        return "open"
    status = backend.retrieve(provider_reference=payment.provider_reference)
    if status.state == ProviderState.OPEN and expired:
        status = backend.cancel(provider_reference=payment.provider_reference)
    if status.state == ProviderState.PAID:
        settled = settle_payment(payment_id=payment.pk, status=status, now=now)
        return "settled" if settled.status == PaymentStatus.SUCCEEDED else "open"
    if status.state in (ProviderState.EXPIRED, ProviderState.FAILED) or expired:
        close_payment(payment_id=payment.pk, state=status.state)
        return "closed"
    return "open"


def requeue_unsent_receipts(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue again the receipts of succeeded payments that are still not e-mailed (a lost task)."""
    from regie import tasks

    now = now or timezone.now()
    ids = list(
        Payment.objects.filter(status=PaymentStatus.SUCCEEDED, succeeded_at__lt=now - RECEIPT_GRACE)
        .exclude(receipt__emailed_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for payment_id in ids:
        tasks.send_receipt.delay(payment_id)
    return len(ids)


# Counter payments ------------------------------------------------------------------


@transaction.atomic
def record_counter_payment(
    *,
    actor,
    payer: Party,
    invoices: Sequence[Invoice],
    method: str,
    amount_cents: int,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Payment:
    """Money handed over at the régie's counter (cash, cheque) or received by transfer.

    May pay part of the invoices' balance (oldest due date first), never more: the
    régie gives no change. `idempotency_key` (a token of the agent's form) makes a
    double submission return the first payment.
    """
    if not perms.is_regie_agent(actor):
        raise PermissionDenied
    if method not in COUNTER_METHODS:
        raise InvalidPayment(_("Ce moyen de paiement ne s'encaisse pas au guichet."))
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise InvalidPayment(_("Le montant doit être un nombre entier positif de centimes."))
    ids = sorted({invoice.pk for invoice in invoices})
    if not ids:
        raise InvoiceNotPayable(_("Choisissez au moins une facture à payer."))
    locked = _lock_invoices(ids)
    if idempotency_key:
        # After the invoices' lock: a concurrent twin of this form waited on it, and now
        # finds the first one's payment instead of paying again (or failing on the key).
        existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    balances = _payable(locked, ids, payer)
    due = sum(balances.values())
    if amount_cents > due:
        raise InvalidPayment(
            _("Le montant dépasse le reste à payer de ces factures (%(due)s).") % {"due": _euros(due)}
        )
    now = now or timezone.now()
    payment = Payment.objects.create(
        payer=payer,
        method=method,
        amount_cents=amount_cents,
        currency=CURRENCY,
        status=PaymentStatus.PENDING,
        provider=Provider.COUNTER,
        idempotency_key=idempotency_key or uuid.uuid4().hex,
        created_by=actor,
    )
    left = amount_cents
    allocations = []
    for invoice in sorted(locked, key=lambda invoice: (invoice.due_date, invoice.pk)):
        share = min(left, balances[invoice.pk])
        if share > 0:
            allocations.append(PaymentAllocation(payment=payment, invoice=invoice, amount_cents=share))
            left -= share
    PaymentAllocation.objects.bulk_create(allocations)
    _mark_succeeded(payment, now=now, actor=actor)
    return payment


def _euros(cents: int) -> str:
    from regie.money import format_eur

    return format_eur(cents)
