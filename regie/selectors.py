"""Every read a régie page needs, already scoped to the user and prefetched.

Citizens reach their parties' invoices only (Party.objects.for_user): someone
else's invoice is simply not found, so a page answers 404. Régie agents reach all.
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from guichet.accounts.models import Party
from regie import perms
from regie.enums import (
    COUNTER_METHODS,
    DebitItemStatus,
    InvoiceStatus,
    PaymentMethod,
    PaymentStatus,
    Provider,
    RefundStatus,
)
from regie.models import (
    CreditNote,
    DirectDebitBatch,
    DirectDebitItem,
    Discrepancy,
    Invoice,
    InvoiceLine,
    Mandate,
    Payment,
    PaymentAllocation,
    Refund,
    Reminder,
)


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


# Citizens' pages -------------------------------------------------------------------

CITIZEN_VIEWS = ("a-payer", "payees", "toutes")


def invoice_list_for_user(user, *, view: str = "a-payer"):
    """The rows of "Mes factures": to pay (oldest due first), paid, or all; no lines (the detail has them)."""
    invoices = (
        Invoice.objects.for_parties(Party.objects.for_user(user))
        .exclude(status=InvoiceStatus.DRAFT)
        .with_balance()
        .select_related("payer")
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "pk")))
    )
    if view == "a-payer":
        return invoices.unpaid().order_by("due_date", "pk")
    if view == "payees":
        return invoices.paid().order_by("-issue_date", "-pk")
    return invoices.order_by("-issue_date", "-pk")


def invoice_detail_for_user(user, pk: int) -> Invoice:
    """One of the user's invoices with its lines, what paid it and its credit notes; DoesNotExist otherwise."""
    return (
        invoices_for_user(user)
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=PaymentAllocation.objects.filter(payment__status=PaymentStatus.SUCCEEDED)
                .select_related("payment")
                .order_by("payment__succeeded_at", "pk"),
                to_attr="paid_by",
            ),
            Prefetch("credit_notes", queryset=CreditNote.objects.order_by("issue_date", "pk")),
            Prefetch(
                "debit_items",
                queryset=DirectDebitItem.objects.filter(status=DebitItemStatus.PENDING).select_related(
                    "batch"
                ),
                to_attr="pending_debits",
            ),
        )
        .get(pk=pk)
    )


def invoices_to_pay_for_user(user, ids: list[int]) -> list[Invoice]:
    """The user's invoices among `ids`, locked by nothing: the payment service checks them again."""
    return list(invoices_for_user(user).filter(pk__in=ids).order_by("pk"))


def dashboard_summary(user) -> dict:
    """What the "Mes factures" card shows, in one query: what is left to pay, and by when."""
    open_ = Q(status=InvoiceStatus.ISSUED, balance_cents__gt=0)
    return (
        Invoice.objects.for_parties(Party.objects.for_user(user))
        .exclude(status=InvoiceStatus.DRAFT)
        .with_balance()
        .aggregate(
            count=Count("pk"),
            due_count=Count("pk", filter=open_),
            due_total=Coalesce(Sum("balance_cents", filter=open_), 0),
            next_due=Min("due_date", filter=open_),
            overdue_count=Count("pk", filter=open_ & Q(due_date__lt=timezone.localdate())),
        )
    )


def mandates_for_user(user):
    return Mandate.objects.filter(payer__in=Party.objects.for_user(user)).select_related("payer")


def mandate_for_user(user, pk: int) -> Mandate:
    return mandates_for_user(user).get(pk=pk)


def parties_for_user(user):
    return Party.objects.for_user(user).order_by("kind", "name", "pk")


# Régisseur's pages ------------------------------------------------------------------


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the site's time zone (Europe/Paris)."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


def search_invoices(
    user,
    *,
    query: str = "",
    state: str = "",
    start: date | None = None,
    end: date | None = None,
):
    """The régisseur's invoice search: number or payer name, derived state, issue date period."""
    invoices = invoices_for_regie(user)
    if query:
        invoices = invoices.filter(Q(number__icontains=query) | Q(payer__name__icontains=query))
    if state:
        invoices = invoices.in_state(state)
    if start:
        invoices = invoices.filter(issue_date__gte=start)
    if end:
        invoices = invoices.filter(issue_date__lte=end)
    return invoices


def search_payments(
    user,
    *,
    query: str = "",
    method: str = "",
    status: str = "",
    start: date | None = None,
    end: date | None = None,
):
    """The régisseur's payment search: receipt number, payer name or provider reference, method, status, period."""
    payments = payments_for_regie(user)
    if query:
        payments = payments.filter(
            Q(receipt_number__icontains=query)
            | Q(payer__name__icontains=query)
            | Q(provider_reference__icontains=query)
            | Q(allocations__invoice__number__icontains=query)
        ).distinct()
    if method:
        payments = payments.filter(method=method)
    if status:
        payments = payments.filter(status=status)
    if start or end:
        low, high = _day_bounds(start or date.min.replace(year=2000), end or date.max.replace(year=2999))
        payments = payments.filter(created_at__gte=low, created_at__lt=high)
    return payments


def invoice_for_regie(user, pk: int) -> Invoice:
    """An invoice with its whole ledger: lines, payments (any status), refunds, credit notes, reminders, debits."""
    return (
        invoices_for_regie(user)
        .prefetch_related(
            Prefetch(
                "lines", queryset=InvoiceLine.objects.select_related("service").order_by("position", "pk")
            ),
            Prefetch(
                "allocations",
                queryset=PaymentAllocation.objects.select_related("payment", "payment__created_by").order_by(
                    "payment__created_at", "pk"
                ),
            ),
            Prefetch(
                "refunds", queryset=Refund.objects.select_related("created_by").order_by("created_at", "pk")
            ),
            Prefetch(
                "credit_notes",
                queryset=CreditNote.objects.select_related("created_by").order_by("issue_date", "pk"),
            ),
            Prefetch("reminders", queryset=Reminder.objects.order_by("level")),
            Prefetch("debit_items", queryset=DirectDebitItem.objects.select_related("batch").order_by("pk")),
        )
        .get(pk=pk)
    )


def payment_for_regie(user, pk: int) -> Payment:
    return (
        payments_for_regie(user)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("refunds", queryset=Refund.objects.select_related("invoice").order_by("pk"))
        )
        .get(pk=pk)
    )


def unpaid_for_regie(user, *, overdue_only: bool = False):
    """Invoices left to pay, oldest due first, with the reminders already sent."""
    invoices = (
        invoices_for_regie(user)
        .unpaid()
        .prefetch_related(Prefetch("reminders", queryset=Reminder.objects.order_by("level")))
        .order_by("due_date", "pk")
    )
    if overdue_only:
        invoices = invoices.filter(due_date__lt=timezone.localdate())
    return invoices


def cash_closing(user, *, day: date) -> dict:
    """The counter's day (clôture de caisse): payments taken and refunds given back, by method."""
    _require_agent(user)
    low, high = _day_bounds(day, day)
    payments = list(
        Payment.objects.filter(
            provider=Provider.COUNTER,
            status=PaymentStatus.SUCCEEDED,
            succeeded_at__gte=low,
            succeeded_at__lt=high,
        )
        .select_related("payer", "created_by")
        .order_by("succeeded_at", "pk")
    )
    refunds = list(
        Refund.objects.filter(
            payment__provider=Provider.COUNTER,
            status=RefundStatus.SUCCEEDED,
            completed_at__gte=low,
            completed_at__lt=high,
        )
        .select_related("payment__payer", "invoice", "created_by")
        .order_by("completed_at", "pk")
    )
    methods = []
    for method in COUNTER_METHODS:
        taken = [payment for payment in payments if payment.method == method]
        given_back = [refund for refund in refunds if refund.payment.method == method]
        received = sum(payment.amount_cents for payment in taken)
        refunded = sum(refund.amount_cents for refund in given_back)
        methods.append(
            {
                "method": method,
                "label": PaymentMethod(method).label,
                "count": len(taken),
                "received_cents": received,
                "refunded_cents": refunded,
                "net_cents": received - refunded,
            }
        )
    return {
        "day": day,
        "payments": payments,
        "refunds": refunds,
        "methods": methods,
        "received_cents": sum(row["received_cents"] for row in methods),
        "refunded_cents": sum(row["refunded_cents"] for row in methods),
        "net_cents": sum(row["net_cents"] for row in methods),
    }


def payments_to_export(user, *, start: date, end: date):
    """Succeeded payments collected in the period, for the public accountant, in collection order."""
    low, high = _day_bounds(start, end)
    return (
        payments_for_regie(user)
        .filter(status=PaymentStatus.SUCCEEDED, succeeded_at__gte=low, succeeded_at__lt=high)
        .order_by("succeeded_at", "pk")
    )


def invoices_to_export(user, *, start: date, end: date):
    """Invoices issued in the period, with their ledger balances, in number order."""
    return (
        invoices_for_regie(user)
        .filter(issue_date__gte=start, issue_date__lte=end)
        .order_by("issue_date", "pk")
    )


def debit_batches(user):
    _require_agent(user)
    return (
        DirectDebitBatch.objects.annotate(item_count=Count("items"))
        .select_related("created_by")
        .defer("xml")
        .order_by("-collection_date", "-pk")
    )


def debit_batch(user, pk: int) -> DirectDebitBatch:
    _require_agent(user)
    return (
        DirectDebitBatch.objects.defer("xml")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=DirectDebitItem.objects.select_related(
                    "invoice", "invoice__payer", "mandate", "payment"
                ).order_by("pk"),
            )
        )
        .get(pk=pk)
    )


def debit_batch_file(user, pk: int) -> DirectDebitBatch:
    _require_agent(user)
    return DirectDebitBatch.objects.only("pk", "xml", "message_id", "collection_date").get(pk=pk)


def active_mandates(user):
    _require_agent(user)
    return Mandate.objects.active().select_related("payer").order_by("payer__name", "pk")


def payment_history_for_user(user):
    """Payments made or being made; checkouts abandoned on the provider's page are left out."""
    return payments_for_user(user).exclude(status=PaymentStatus.EXPIRED)


def debit_item(user, pk: int) -> DirectDebitItem:
    _require_agent(user)
    return DirectDebitItem.objects.select_related("invoice", "invoice__payer", "mandate", "batch").get(pk=pk)
