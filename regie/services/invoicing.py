"""Billing: issue invoices (one or a whole billing run), credit them, cancel them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet import audit
from guichet.accounts.models import Party, Service
from regie import numbers, perms
from regie.enums import InvoiceStatus
from regie.exceptions import CreditNoteRefused, InvalidInvoice
from regie.models import CreditNote, Invoice, InvoiceLine

LABEL_MAX = InvoiceLine._meta.get_field("label").max_length
SOURCE_MAX = Invoice._meta.get_field("source").max_length


@dataclass(frozen=True)
class LineDraft:
    """One line to bill. `source` points at what is billed without importing it: "famille.booking:123"."""

    label: str
    service: Service
    unit_price_cents: int
    quantity: int = 1
    source: str = ""

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class InvoiceDraft:
    """One invoice of a billing run, for issue_invoices()."""

    payer: Party
    lines: Sequence[LineDraft | Mapping]
    due_date: date
    source: str = ""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clean_lines(lines: Sequence[LineDraft | Mapping]) -> list[LineDraft]:
    cleaned = [line if isinstance(line, LineDraft) else LineDraft(**line) for line in lines]
    if not cleaned:
        raise InvalidInvoice(_("Une facture doit comporter au moins une ligne."))
    for line in cleaned:
        if not line.label.strip() or len(line.label) > LABEL_MAX:
            raise InvalidInvoice(
                _("Chaque ligne doit avoir un libellé de %(max)d caractères au plus.") % {"max": LABEL_MAX}
            )
        if not _is_int(line.quantity) or line.quantity < 1:
            raise InvalidInvoice(_("La quantité d'une ligne doit être un nombre entier positif."))
        if not _is_int(line.unit_price_cents) or line.unit_price_cents < 0:
            raise InvalidInvoice(
                _("Le prix unitaire d'une ligne doit être un nombre entier de centimes, positif ou nul.")
            )
        if line.service is None or line.service.pk is None:
            raise InvalidInvoice(_("Chaque ligne doit indiquer le service facturé."))
        if len(line.source) > SOURCE_MAX:
            raise InvalidInvoice(_("La référence d'origine d'une ligne est trop longue."))
    if sum(line.amount_cents for line in cleaned) <= 0:
        raise InvalidInvoice(_("Le montant total d'une facture doit être positif."))
    return cleaned


def _clean(draft: InvoiceDraft, *, today: date) -> tuple[InvoiceDraft, list[LineDraft]]:
    if draft.payer is None or draft.payer.pk is None:
        raise InvalidInvoice(_("Une facture doit avoir un payeur."))
    if draft.due_date < today:
        raise InvalidInvoice(_("L'échéance ne peut pas précéder la date d'émission."))
    if len(draft.source) > SOURCE_MAX:
        raise InvalidInvoice(_("La référence d'origine de la facture est trop longue."))
    return draft, _clean_lines(draft.lines)


def _check_may_issue(actor, drafts: list[tuple[InvoiceDraft, list[LineDraft]]]) -> None:
    for draft, lines in drafts:
        if not perms.can_issue_for(actor, payer=draft.payer, service_ids={line.service.pk for line in lines}):
            raise PermissionDenied


def _build(
    draft: InvoiceDraft, lines: list[LineDraft], *, actor, status: str, number=None, today=None
) -> Invoice:
    return Invoice(
        number=number,
        payer=draft.payer,
        status=status,
        issue_date=today if number else None,
        due_date=draft.due_date,
        total_cents=sum(line.amount_cents for line in lines),
        source=draft.source,
        created_by=actor,
    )


def _lines_of(invoice: Invoice, lines: list[LineDraft]) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            invoice=invoice,
            position=position,
            label=line.label.strip(),
            service=line.service,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
            amount_cents=line.amount_cents,
            source=line.source,
        )
        for position, line in enumerate(lines, start=1)
    ]


@transaction.atomic
def issue_invoices(*, actor, invoices: Sequence[InvoiceDraft]) -> list[Invoice]:
    """Issue a whole billing run in one transaction, set-based: one number block, two bulk inserts.

    All or nothing: one invalid draft and nothing is issued, and no number is used
    (the numbers come from a gapless sequence rolled back with the transaction).
    """
    today = timezone.localdate()
    cleaned = [_clean(draft, today=today) for draft in invoices]
    if not cleaned:
        return []
    _check_may_issue(actor, cleaned)
    # Last, just before the insert: the sequence row stays locked until commit.
    issued_numbers = numbers.next_numbers("invoice", on=today, count=len(cleaned))
    created = Invoice.objects.bulk_create(
        [
            _build(draft, lines, actor=actor, status=InvoiceStatus.ISSUED, number=number, today=today)
            for (draft, lines), number in zip(cleaned, issued_numbers, strict=True)
        ]
    )
    InvoiceLine.objects.bulk_create(
        [
            row
            for invoice, (_draft, lines) in zip(created, cleaned, strict=True)
            for row in _lines_of(invoice, lines)
        ]
    )
    for invoice in created:
        audit.record(
            actor=actor,
            action="invoice.issue",
            target=invoice,
            owner=invoice.payer_id,
            number=invoice.number,
            total_cents=invoice.total_cents,
        )
    return created


def issue_invoice(
    *, actor, payer: Party, lines: Sequence[LineDraft | Mapping], due_date: date, source: str = ""
) -> Invoice:
    """Bill one party now: the invoice is numbered and issued at once.

    `actor` is the user on whose behalf the calling app bills, or None for the
    system; `lines` are LineDraft (or dicts of its fields); `source` names what is
    billed in the calling app ("demarches.request:42").
    """
    draft = InvoiceDraft(payer=payer, lines=lines, due_date=due_date, source=source)
    return issue_invoices(actor=actor, invoices=[draft])[0]


@transaction.atomic
def create_draft_invoice(
    *, actor, payer: Party, lines: Sequence[LineDraft | Mapping], due_date: date, source: str = ""
) -> Invoice:
    """A draft has no number: numbers are given at issue only, so drafts leave no gap."""
    draft, cleaned = _clean(
        InvoiceDraft(payer=payer, lines=lines, due_date=due_date, source=source), today=timezone.localdate()
    )
    _check_may_issue(actor, [(draft, cleaned)])
    invoice = _build(draft, cleaned, actor=actor, status=InvoiceStatus.DRAFT)
    invoice.save()
    InvoiceLine.objects.bulk_create(_lines_of(invoice, cleaned))
    audit.record(actor=actor, action="invoice.draft", target=invoice, owner=payer.pk)
    return invoice


@transaction.atomic
def issue_draft_invoice(*, actor, invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvalidInvoice(_("Cette facture est déjà émise."))
    service_ids = set(invoice.lines.values_list("service_id", flat=True))
    if not perms.can_issue_for(actor, payer=invoice.payer, service_ids=service_ids):
        raise PermissionDenied
    today = timezone.localdate()
    if invoice.due_date < today:
        raise InvalidInvoice(_("L'échéance ne peut pas précéder la date d'émission."))
    invoice.status = InvoiceStatus.ISSUED
    invoice.issue_date = today
    invoice.number = numbers.next_number("invoice", on=today)
    invoice.save(update_fields=["status", "issue_date", "number", "updated_at"])
    audit.record(
        actor=actor,
        action="invoice.issue",
        target=invoice,
        owner=invoice.payer_id,
        number=invoice.number,
        total_cents=invoice.total_cents,
    )
    return invoice


@transaction.atomic
def issue_credit_note(
    *, actor, invoice: Invoice, amount_cents: int, reason: str, idempotency_key: str | None = None
) -> CreditNote:
    """An avoir for part or all of an invoice; crediting the whole amount cancels the invoice.

    Never more than what is left to credit. A credit note on a paid invoice leaves
    a credit to the payer, to refund with refund_payment. `idempotency_key` (a token
    of the agent's form) makes a double submission return the first credit note.
    """
    if not perms.is_regie_agent(actor):
        raise PermissionDenied
    # Locked first, summed after: a sum in the locking statement would see the snapshot
    # taken before the wait, missing what the previous holder of the lock committed.
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if idempotency_key:
        # After the lock: a concurrent twin waited on it and now sees the first one's note.
        existing = CreditNote.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if invoice.status != InvoiceStatus.ISSUED:
        raise CreditNoteRefused(_("Seule une facture émise et non annulée peut recevoir un avoir."))
    if not _is_int(amount_cents) or amount_cents <= 0:
        raise CreditNoteRefused(_("Le montant de l'avoir doit être un nombre entier positif de centimes."))
    if not reason.strip():
        raise CreditNoteRefused(_("Indiquez le motif de l'avoir."))
    credited = Invoice.objects.with_balance().values_list("credited_cents", flat=True).get(pk=invoice.pk)
    remaining = invoice.total_cents - credited
    if amount_cents > remaining:
        raise CreditNoteRefused(
            _("L'avoir ne peut pas dépasser le montant restant à créditer sur cette facture.")
        )
    today = timezone.localdate()
    note = CreditNote.objects.create(
        invoice=invoice,
        number=numbers.next_number("credit_note", on=today),
        amount_cents=amount_cents,
        reason=reason.strip(),
        issue_date=today,
        idempotency_key=idempotency_key or None,
        created_by=actor,
    )
    if amount_cents == remaining:
        invoice.status = InvoiceStatus.CANCELLED
        invoice.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="invoice.credit",
        target=invoice,
        owner=invoice.payer_id,
        credit_note=note.number,
        amount_cents=amount_cents,
        cancelled=invoice.status == InvoiceStatus.CANCELLED,
    )
    return note


def cancel_invoice(*, actor, invoice: Invoice, reason: str) -> CreditNote:
    """Cancel an issued invoice by a credit note for everything not yet credited.

    An invoice is never deleted nor renumbered: the credit note keeps the trail.
    What was already paid stays paid and shows as a credit to refund.
    """
    with transaction.atomic():
        credited = Invoice.objects.with_balance().values_list("credited_cents", flat=True).get(pk=invoice.pk)
        return issue_credit_note(
            actor=actor, invoice=invoice, amount_cents=invoice.total_cents - credited, reason=reason
        )
