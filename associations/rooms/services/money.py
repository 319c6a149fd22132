"""The rooms' money, through the régie only: invoices when bookings are confirmed, settlements
(credit note, then refund) when money goes back.

Billing: a confirmed booking with a price (hours × the party's hourly price) is billed to its
party at once, by `regie.services.issue_invoice`, service = the vie associative service, each
line with source "rooms.booking:<id>"; a weekly series' dates confirmed together share one
invoice (one line per date). A one-off booking's deposit is an invoice of its own (source
"rooms.deposit:<id>"), so that it is released alone after the event.

Settlements: the régie gives credit notes and refunds, and only its agents may
(`regie.services.issue_credit_note` and `refund_payment` refuse anyone else). So money to give
back is recorded as a `Settlement`: done at once when the person acting is a régie agent,
otherwise it waits for one (they are notified; rooms_agent_settlements lists them). Settling
credits what is not credited yet on the invoice (up to the amount), then refunds what the
payer had paid beyond what they now owe. Safe to run again after a provider failure.
"""

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.rooms import perms
from associations.rooms.enums import SettlementKind, SettlementReason, SettlementStatus
from associations.rooms.exceptions import RoomsAccessDenied, SettlementRefused
from associations.rooms.models import Booking, Settlement
from associations.rooms.services.common import (
    SETTLEMENT_NOTIFICATION_KIND,
    describe,
    regie_agents,
    vie_associative_service,
)
from guichet import audit
from guichet.notify import services as notify
from regie import selectors as regie_selectors
from regie import services as regie
from regie.enums import InvoiceStatus, PaymentStatus
from regie.exceptions import RegieError
from regie.services import LineDraft
from regie.services.invoicing import LABEL_MAX

# An invoice is due within 30 days, and by the event at the latest.
DUE_DAYS = 30


def _due_date(first_day: date, today: date) -> date:
    return max(today, min(today + timedelta(days=DUE_DAYS), first_day))


def bill(*, actor, bookings: list[Booking], source: str = "") -> None:
    """Invoice the confirmed bookings of one party (their rental together, each deposit alone).
    The caller holds their locks; bookings without a price nor deposit are not billed."""
    priced = [booking for booking in bookings if booking.price_cents > 0]
    today = timezone.localdate()
    if priced:
        service = vie_associative_service()
        invoice = regie.issue_invoice(
            actor=actor,
            payer=priced[0].party,
            lines=[
                LineDraft(
                    label=(_("Location : %(what)s") % {"what": describe(booking)})[:LABEL_MAX],
                    service=service,
                    unit_price_cents=booking.price_cents,
                    source=f"rooms.booking:{booking.pk}",
                )
                for booking in priced
            ],
            due_date=_due_date(min(booking.day for booking in priced), today),
            source=source or f"rooms.booking:{priced[0].pk}",
        )
        Booking.objects.filter(pk__in=[booking.pk for booking in priced]).update(invoice=invoice)
        for booking in priced:
            booking.invoice = invoice
    for booking in bookings:
        if booking.deposit_cents <= 0:
            continue
        booking.deposit_invoice = regie.issue_invoice(
            actor=actor,
            payer=booking.party,
            lines=[
                LineDraft(
                    label=(_("Caution : %(what)s") % {"what": describe(booking)})[:LABEL_MAX],
                    service=vie_associative_service(),
                    unit_price_cents=booking.deposit_cents,
                    source=f"rooms.booking:{booking.pk}",
                )
            ],
            due_date=_due_date(booking.day, today),
            source=f"rooms.deposit:{booking.pk}",
        )
        booking.save(update_fields=["deposit_invoice"])


def request_settlement(
    *, actor, booking: Booking, kind: str, amount_cents: int, reason: str
) -> Settlement | None:
    """Record money to give back on the booking's rental or deposit invoice (in the caller's
    transaction); None when there is nothing to give back."""
    invoice_id = booking.invoice_id if kind == SettlementKind.RENTAL else booking.deposit_invoice_id
    if invoice_id is None or amount_cents <= 0:
        return None
    settlement = Settlement.objects.create(
        booking=booking,
        kind=kind,
        invoice_id=invoice_id,
        amount_cents=amount_cents,
        reason=reason,
        requested_by=actor,
    )
    audit.record(
        actor=actor,
        action="rooms.settlement.request",
        target=settlement,
        owner=booking.party_id,
        booking=booking.pk,
        invoice=invoice_id,
        amount_cents=amount_cents,
        reason=reason,
    )
    return settlement


def hand_over(*, actor, settlements: list[Settlement]) -> list[Settlement]:
    """After the change that asked for them is committed: settle them now when the actor is a régie
    agent, else tell the régie's agents. Returns those still waiting for the régie."""
    settlements = [settlement for settlement in settlements if settlement is not None]
    if not settlements:
        return []
    if perms.can_settle(actor):
        waiting = []
        for settlement in settlements:
            try:
                settle(actor=actor, settlement=settlement)
            except SettlementRefused:
                # A provider that did not answer: the settlement waits on the régie's list.
                waiting.append(settlement)
        return waiting
    notify.notify_many(
        users=regie_agents(),
        kind=SETTLEMENT_NOTIFICATION_KIND,
        context={
            "count": len(settlements),
            "references": [settlement.booking.reference for settlement in settlements],
        },
        url=reverse("associations:rooms_agent_settlements"),
    )
    return settlements


def _reason(settlement: Settlement) -> str:
    return f"{SettlementReason(settlement.reason).label} ({settlement.booking.reference})"


def settle(*, actor, settlement: Settlement) -> Settlement:
    """A régie agent gives the money back: a credit note for what is not credited yet (up to the
    amount), then a refund of what the payer paid beyond what the invoice now asks. Done once."""
    if not perms.can_settle(actor):
        raise RoomsAccessDenied(
            _("Seuls les agents de la régie établissent les avoirs et les remboursements.")
        )
    with transaction.atomic():
        settlement = (
            Settlement.objects.select_for_update(of=("self",)).select_related("booking").get(pk=settlement.pk)
        )
        if settlement.status == SettlementStatus.DONE:
            return settlement
        invoice = regie_selectors.invoice_for_regie(actor, settlement.invoice_id)
        left_to_credit = invoice.total_cents - invoice.credited_cents
        credit = min(settlement.amount_cents - settlement.credited_cents, left_to_credit)
        if invoice.status == InvoiceStatus.ISSUED and credit > 0:
            regie.issue_credit_note(
                actor=actor,
                invoice=invoice,
                amount_cents=credit,
                reason=_reason(settlement),
                idempotency_key=f"rooms-settlement-{settlement.pk}",
            )
            settlement.credited_cents += credit
            settlement.save(update_fields=["credited_cents"])
    # Refunds outside the transaction: a card refund calls the provider, which must not be rolled back.
    invoice = regie_selectors.invoice_for_regie(actor, settlement.invoice_id)
    to_refund = min(settlement.amount_cents - settlement.refunded_cents, max(0, -invoice.balance_cents))
    refunded = 0
    try:
        for allocation in invoice.allocations.all():
            payment = allocation.payment
            if to_refund - refunded <= 0 or payment.status != PaymentStatus.SUCCEEDED:
                continue
            amount = min(to_refund - refunded, regie.refundable_cents(payment=payment, invoice=invoice))
            if amount <= 0:
                continue
            regie.refund_payment(
                actor=actor,
                payment=payment,
                amount_cents=amount,
                reason=_reason(settlement),
                invoice=invoice,
                idempotency_key=f"rooms-settlement-{settlement.pk}-{payment.pk}",
            )
            refunded += amount
    except RegieError as error:
        _record_refunded(settlement, refunded)
        raise SettlementRefused(error.message) from None
    with transaction.atomic():
        settlement = (
            Settlement.objects.select_for_update(of=("self",)).select_related("booking").get(pk=settlement.pk)
        )
        settlement.refunded_cents += refunded
        settlement.status = SettlementStatus.DONE
        settlement.done_by = actor
        settlement.done_at = timezone.now()
        settlement.save(update_fields=["refunded_cents", "status", "done_by", "done_at"])
        audit.record(
            actor=actor,
            action="rooms.settlement.done",
            target=settlement,
            owner=settlement.booking.party_id,
            credited_cents=settlement.credited_cents,
            refunded_cents=settlement.refunded_cents,
        )
    return settlement


def _record_refunded(settlement: Settlement, refunded: int) -> None:
    if refunded:
        Settlement.objects.filter(pk=settlement.pk).update(
            refunded_cents=settlement.refunded_cents + refunded
        )
