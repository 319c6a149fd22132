"""Every read a régie page needs, already scoped to the user and prefetched.

Citizens reach their parties' invoices only (Party.objects.for_user): someone
else's invoice is simply not found, so a page answers 404. Régie agents reach all.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch

from guichet.accounts.models import Party
from regie import perms
from regie.enums import InvoiceStatus
from regie.models import Discrepancy, Invoice, InvoiceLine, Payment, PaymentAllocation


def invoices_for_user(user):
    """Issued and cancelled invoices of the user's parties, with ledger balances and lines."""
    return (
        Invoice.objects.for_parties(Party.objects.for_user(user))
        .exclude(status=InvoiceStatus.DRAFT)
        .with_balance()
        .select_related("payer")
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "pk")))
        .order_by("-issue_date", "-pk")
    )


def invoice_for_user(user, pk: int) -> Invoice:
    """One of the user's invoices; raises Invoice.DoesNotExist for anyone else's (a 404)."""
    return invoices_for_user(user).get(pk=pk)


def payments_for_user(user):
    return (
        Payment.objects.filter(payer__in=Party.objects.for_user(user))
        .with_refunded()
        .select_related("payer")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=PaymentAllocation.objects.select_related("invoice").order_by("invoice_id"),
            )
        )
        .order_by("-created_at", "-pk")
    )


def payment_for_user(user, pk: int) -> Payment:
    return payments_for_user(user).get(pk=pk)


def _require_agent(user) -> None:
    if not perms.is_regie_agent(user):
        raise PermissionDenied


def invoices_for_regie(user):
    """Every invoice, for the régisseur's search and unpaid lists (agents of the régie only)."""
    _require_agent(user)
    return (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .with_balance()
        .select_related("payer")
        .order_by("-issue_date", "-pk")
    )


def payments_for_regie(user):
    _require_agent(user)
    return (
        Payment.objects.with_refunded()
        .select_related("payer")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=PaymentAllocation.objects.select_related("invoice").order_by("invoice_id"),
            )
        )
        .order_by("-created_at", "-pk")
    )


def open_discrepancies(user):
    _require_agent(user)
    return (
        Discrepancy.objects.filter(resolved_at=None).select_related("payment__payer").order_by("-detected_at")
    )
