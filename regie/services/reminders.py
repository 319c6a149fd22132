"""Reminders (relances) of unpaid invoices: at due date + 7 days, then + 30 days, once each.

Run every day by Celery beat; safe to run twice, or from two workers at once:
each reminder is a row unique per (invoice, level), written under the invoice's
lock in the same transaction as the notification. An invoice first seen past
+30 days gets the second reminder only, not both at once; an invoice whose debit
is with the bank is not reminded.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from guichet import audit
from guichet.accounts.models import Town, User
from guichet.notify import services as notify
from regie.enums import DebitItemStatus, InvoiceStatus, ReminderLevel
from regie.models import DirectDebitItem, Invoice, Reminder
from regie.money import format_eur

REMINDER_KIND = "regie_reminder"


def reminders_due(*, level: int, today: date):
    """Ids of the invoices that should get this level's reminder today."""
    invoices = (
        Invoice.objects.with_balance()
        .unpaid()
        .filter(due_date__lte=today - timedelta(days=level))
        .exclude(Exists(Reminder.objects.filter(invoice=OuterRef("pk"), level=level)))
        .exclude(
            Exists(DirectDebitItem.objects.filter(invoice=OuterRef("pk"), status=DebitItemStatus.PENDING))
        )
    )
    later = [other for other in ReminderLevel.values if other > level]
    if later:
        # Past the next level's date, only the next level is sent.
        invoices = invoices.filter(due_date__gt=today - timedelta(days=min(later)))
    return invoices.order_by("due_date", "pk").values_list("pk", flat=True)


@transaction.atomic
def send_reminder(*, invoice_id: int, level: int) -> Reminder | None:
    """Remind the payer's members of one invoice, unless done already or paid meanwhile."""
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("payer").get(pk=invoice_id)
    if Reminder.objects.filter(invoice=invoice, level=level).exists():
        return None
    # Read after the lock: a payment committed while we waited counts.
    fresh = Invoice.objects.with_balance().get(pk=invoice.pk)
    if fresh.status != InvoiceStatus.ISSUED or fresh.amount_due_cents <= 0:
        return None
    reminder = Reminder.objects.create(invoice=invoice, level=level, amount_due_cents=fresh.amount_due_cents)
    users = list(
        User.objects.filter(party_memberships__party=invoice.payer, is_active=True).distinct().order_by("pk")
    )
    if users:
        notify.notify_many(
            users=users,
            kind=REMINDER_KIND,
            context={
                "number": invoice.number,
                "payer_name": invoice.payer.name,
                "amount_due": format_eur(fresh.amount_due_cents),
                "due_date": invoice.due_date,
                "level": level,
                "second": level == ReminderLevel.SECOND,
                "town": Town.current(),
            },
            url=reverse("regie_pages:invoice_detail", args=[invoice.pk]),
        )
    audit.record(
        actor=None,
        action="invoice.remind",
        target=invoice,
        owner=invoice.payer_id,
        level=level,
        recipients=len(users),
    )
    return reminder


def send_payment_reminders(*, today: date | None = None, limit: int = 2000) -> dict[str, int]:
    """Send every reminder due today; returns how many of each level were sent."""
    today = today or timezone.localdate()
    sent = {}
    for level in ReminderLevel.values:
        count = 0
        for invoice_id in list(reminders_due(level=level, today=today)[:limit]):
            if send_reminder(invoice_id=invoice_id, level=level) is not None:
                count += 1
        sent[f"+{level}"] = count
    return sent
