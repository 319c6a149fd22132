"""Stripe Checkout through the official SDK: card data only ever reaches Stripe's hosted page.

The SDK's `api` base address comes from settings.STRIPE_API_BASE, so the demo and
the tests talk HTTP to regie.fake_stripe instead of the internet.
"""

import json
import logging
from collections.abc import Sequence
from datetime import date

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from regie.backends import (
    Checkout,
    CheckoutRequest,
    InvalidNotification,
    PaymentBackend,
    ProviderEvent,
    ProviderPaymentReport,
    ProviderState,
    ProviderStatus,
    day_bounds,
)
from regie.enums import PaymentMethod, Provider
from regie.exceptions import PaymentProviderError, PaymentProviderRefused

logger = logging.getLogger(__name__)

# Events that move a payment; every other type is acknowledged and ignored.
SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


def client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        # A timed-out call is retried by the SDK with the same Idempotency-Key.
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT),
    )


def _unavailable(error: Exception) -> PaymentProviderError:
    logger.warning("Stripe call failed: %s", type(error).__name__)
    return PaymentProviderError(
        _("Le service de paiement ne répond pas pour le moment. Réessayez dans quelques minutes.")
    )


def session_status(session) -> ProviderStatus:
    """What a Checkout Session (SDK object or plain dict) says about the money."""
    if isinstance(session, stripe.StripeObject):
        session = session.to_dict()
    status = session.get("status")
    payment_status = session.get("payment_status")
    if status == "complete" and payment_status in ("paid", "no_payment_required"):
        state = ProviderState.PAID
    elif status == "expired":
        state = ProviderState.EXPIRED
    else:
        state = ProviderState.OPEN
    intent = session.get("payment_intent") or ""
    if not isinstance(intent, str):
        intent = intent.get("id", "")
    return ProviderStatus(
        provider_reference=session["id"],
        state=state,
        amount_cents=session.get("amount_total"),
        currency=(session.get("currency") or "").lower(),
        provider_payment_reference=intent,
    )


class StripeBackend(PaymentBackend):
    code = Provider.STRIPE
    method = PaymentMethod.CARD
    supports_refunds = True

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        params = {
            "mode": "payment",
            "payment_method_types": ["card"],
            "locale": "fr",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency,
                        "unit_amount": request.amount_cents,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "client_reference_id": str(request.payment_id),
            "metadata": {"payment_id": str(request.payment_id)},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        try:
            session = client().v1.checkout.sessions.create(
                params, {"idempotency_key": request.idempotency_key}
            )
        except stripe.StripeError as error:
            raise _unavailable(error) from error
        return Checkout(provider_reference=session.id, redirect_url=session.url)

    def retrieve(self, *, provider_reference: str) -> ProviderStatus:
        try:
            return session_status(client().v1.checkout.sessions.retrieve(provider_reference))
        except stripe.StripeError as error:
            raise _unavailable(error) from error

    def cancel(self, *, provider_reference: str) -> ProviderStatus:
        try:
            return session_status(client().v1.checkout.sessions.expire(provider_reference))
        except stripe.InvalidRequestError:
            # No longer open: completed (maybe paid) or already expired. Ask what it is.
            return self.retrieve(provider_reference=provider_reference)
        except stripe.StripeError as error:
            raise _unavailable(error) from error

    def refund(self, *, provider_payment_reference: str, amount_cents: int, idempotency_key: str) -> str:
        refused = PaymentProviderRefused(_("Le prestataire a refusé le remboursement."))
        try:
            refund = client().v1.refunds.create(
                {"payment_intent": provider_payment_reference, "amount": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as error:
            raise refused from error
        except stripe.StripeError as error:
            raise _unavailable(error) from error
        if refund.status == "failed":
            raise refused
        return refund.id

    def list_settled(self, *, day: date, references: Sequence[str] = ()) -> list[ProviderPaymentReport]:
        """The paid Checkout Sessions created on `day` (Europe/Paris), every page of them.

        `references` is not needed: Stripe lists its sessions. A session carries no
        payment date, so `paid_at` stays empty.
        """
        start, end = day_bounds(day)
        params = {"created": {"gte": int(start.timestamp()), "lt": int(end.timestamp())}, "limit": 100}
        reports = []
        try:
            for session in client().v1.checkout.sessions.list(params).auto_paging_iter():
                status = session_status(session)
                if status.state == ProviderState.PAID:
                    reports.append(
                        ProviderPaymentReport(
                            provider_reference=status.provider_reference,
                            amount_cents=status.amount_cents,
                            currency=status.currency,
                            status=status.state,
                        )
                    )
        except stripe.StripeError as error:
            raise _unavailable(error) from error
        return reports


def parse_webhook(*, payload: bytes, signature: str | None) -> ProviderEvent:
    """Authenticate a webhook on its raw body; a timestamp older than the tolerance is a replay."""
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE
        )
        event = json.loads(payload)
        event_id, event_type = str(event["id"]), str(event["type"])
    except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError) as error:
        raise InvalidNotification(str(error)) from error
    if event_type not in SESSION_EVENTS:
        return ProviderEvent(event_id=event_id, event_type=event_type, status=None)
    try:
        session = event["data"]["object"]
        status = session_status(session)
    except (KeyError, TypeError, AttributeError) as error:
        raise InvalidNotification("malformed checkout session") from error
    if event_type == "checkout.session.async_payment_failed":
        status = ProviderStatus(
            provider_reference=status.provider_reference,
            state=ProviderState.FAILED,
            amount_cents=status.amount_cents,
            currency=status.currency,
        )
    payment_id = (session.get("metadata") or {}).get("payment_id") or session.get("client_reference_id")
    return ProviderEvent(
        event_id=event_id,
        event_type=event_type,
        status=status,
        payment_id=int(payment_id) if str(payment_id or "").isdigit() else None,
    )
