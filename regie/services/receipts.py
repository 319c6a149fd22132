"""Receipts (quittances) and invoice PDFs, and the receipt e-mail to the payer's members."""

import hashlib
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guichet.accounts.models import Party, Town, User
from regie.enums import PaymentStatus
from regie.models import Invoice, InvoiceLine, Payment, PaymentAllocation, Receipt
from regie.pdf import logo_data_uri, render_pdf

logger = logging.getLogger(__name__)


def _payer_address(party: Party) -> list[str]:
    person = party.person
    if person is None:
        return []
    lines = [person.address_line, person.address_complement, f"{person.postal_code} {person.city}".strip()]
    return [line for line in lines if line]


def _letterhead() -> dict:
    town = Town.current()
    return {"town": town, "logo": logo_data_uri(town)}


def render_receipt_pdf(payment: Payment) -> bytes:
    """The receipt of a succeeded payment: town letterhead, number, payer, invoices and lines paid."""
    payment = (
        Payment.objects.select_related("payer__person")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=PaymentAllocation.objects.select_related("invoice").order_by("invoice__number"),
            ),
            Prefetch("allocations__invoice__lines", queryset=InvoiceLine.objects.order_by("position", "pk")),
        )
        .get(pk=payment.pk)
    )
    if payment.status != PaymentStatus.SUCCEEDED:
        raise ValueError("Only a succeeded payment has a receipt.")
    context = {
        **_letterhead(),
        "payment": payment,
        "payer": payment.payer,
        "payer_address": _payer_address(payment.payer),
        "allocations": payment.allocations.all(),
        "paid_on": timezone.localtime(payment.succeeded_at),
    }
    return render_pdf("regie/receipt.html", context)


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """An issued invoice as PDF, with what is left to pay on the day it is rendered."""
    invoice = (
        Invoice.objects.with_balance()
        .select_related("payer__person")
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.select_related("service")))
        .get(pk=invoice.pk)
    )
    if invoice.number is None:
        raise ValueError("A draft invoice has no PDF.")
    context = {
        **_letterhead(),
        "invoice": invoice,
        "payer": invoice.payer,
        "payer_address": _payer_address(invoice.payer),
        "lines": invoice.lines.all(),
        "credit_notes": invoice.credit_notes.order_by("issue_date", "pk"),
    }
    return render_pdf("regie/invoice.html", context)


def _recipients(party: Party) -> list[str]:
    users = (
        User.objects.filter(party_memberships__party=party, is_active=True).exclude(email="").order_by("pk")
    )
    return [user.email for user in users]


def _email(payment: Payment, pdf: bytes, recipients: list[str]) -> EmailMessage:
    context = {"payment": payment, "town": Town.current()}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Votre quittance n° %(number)s") % {"number": payment.receipt_number}
        body = render_to_string("regie/email/receipt.txt", context)
    message = EmailMessage(
        subject=subject,
        body=body,
        to=recipients,
        # RFC 3834: no out-of-office replies back to the town.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach(f"quittance-{payment.receipt_number}.pdf", pdf, "application/pdf")
    return message


def receipt_pdf(*, payment_id: int) -> bytes:
    """The stored receipt of a succeeded payment, rendered and stored now if its task has not run yet.

    Rendering here does not e-mail it: send_receipt finds it stored and only sends.
    The payment's row lock keeps a concurrent task from rendering it a second time.
    """
    receipt = Receipt.objects.filter(payment_id=payment_id).only("pdf").first()
    if receipt is not None:
        return bytes(receipt.pdf)
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .filter(pk=payment_id, status=PaymentStatus.SUCCEEDED)
            .first()
        )
        if payment is None:
            raise Payment.DoesNotExist
        receipt = Receipt.objects.filter(payment=payment).first()
        if receipt is None:
            pdf = render_receipt_pdf(payment)
            receipt = Receipt.objects.create(payment=payment, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())
    return bytes(receipt.pdf)


def send_receipt(*, payment_id: int) -> Receipt | None:
    """Render the receipt once and e-mail it once, however often the task runs.

    The payment row stays locked while rendering and sending, so a duplicate task
    waits, then finds the receipt already e-mailed.
    """
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("payer")
            .filter(pk=payment_id, status=PaymentStatus.SUCCEEDED)
            .first()
        )
        if payment is None:
            return None
        receipt = Receipt.objects.filter(payment=payment).first()
        if receipt is None:
            pdf = render_receipt_pdf(payment)
            receipt = Receipt.objects.create(payment=payment, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())
        if receipt.emailed_at is not None:
            return receipt
        recipients = _recipients(payment.payer)
        if recipients:
            _email(payment, bytes(receipt.pdf), recipients).send(using="default")
        receipt.emailed_at = timezone.now()
        receipt.save(update_fields=["emailed_at"])
    return receipt
