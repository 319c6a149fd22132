"""Online payment providers behind one interface, chosen by settings.REGIE_PAYMENT_BACKEND.

A backend only talks to its provider: it never touches the database. The
services (regie.services.payments) persist the idempotency key before calling
`create_checkout`, and turn what the provider says into ledger rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

BACKENDS = {
    "stripe": "regie.backends.stripe.StripeBackend",
    "payfip": "regie.backends.payfip.PayfipBackend",
}


class ProviderState(StrEnum):
    OPEN = "open"  # the payer may still pay
    PAID = "paid"
    EXPIRED = "expired"  # abandoned, expired or cancelled: no money moved
    FAILED = "failed"  # refused by the bank


@dataclass(frozen=True)
class CheckoutRequest:
    payment_id: int
    amount_cents: int
    currency: str
    description: str
    idempotency_key: str
    success_url: str
    cancel_url: str
    notification_url: str
    expires_at: datetime
    customer_email: str = ""


@dataclass(frozen=True)
class Checkout:
    provider_reference: str
    redirect_url: str


@dataclass(frozen=True)
class ProviderStatus:
    provider_reference: str
    state: ProviderState
    amount_cents: int | None
    currency: str
    provider_payment_reference: str = ""


@dataclass(frozen=True)
class ProviderPaymentReport:
    """One payment as the provider's report of a day states it (daily reconciliation)."""

    provider_reference: str
    amount_cents: int | None
    currency: str
    status: ProviderState
    paid_at: datetime | None = None  # when the provider tells it; None otherwise


@dataclass(frozen=True)
class ProviderEvent:
    """A notification from the provider, already authenticated by the backend."""

    event_id: str
    event_type: str
    status: ProviderStatus | None  # None: an event the régie does not act on
    payment_id: int | None = None  # our id, when the provider echoes it back


class InvalidNotification(Exception):
    """Bad signature, stale timestamp or unreadable body: answer 400 and change nothing."""


class PaymentBackend:
    code: str = ""
    method: str = ""
    supports_refunds: bool = False

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """Open a hosted payment page; the same idempotency key must give the same checkout."""
        raise NotImplementedError

    def retrieve(self, *, provider_reference: str) -> ProviderStatus:
        raise NotImplementedError

    def cancel(self, *, provider_reference: str) -> ProviderStatus:
        """Close an open checkout so it can no longer be paid; returns its final status (maybe paid)."""
        raise NotImplementedError

    def refund(self, *, provider_payment_reference: str, amount_cents: int, idempotency_key: str) -> str:
        """Give money back through the provider; returns the provider's refund id."""
        raise NotImplementedError

    def list_settled(self, *, day: date, references: Sequence[str] = ()) -> list[ProviderPaymentReport]:
        """The payments the provider holds as paid among those opened on `day` (Europe/Paris).

        `references` are the provider references the ledger knows for that day: a
        provider that can list its payments ignores them, one that cannot (PayFiP)
        asks about each of them instead, since a backend never reads the database.
        """
        raise NotImplementedError


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight in the town's time zone (Europe/Paris), as aware datetimes in UTC."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def get_backend(code: str | None = None) -> PaymentBackend:
    code = code or settings.REGIE_PAYMENT_BACKEND
    return import_string(BACKENDS.get(code, code))()
