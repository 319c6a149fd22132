"""SEPA direct debit: mandates signed by payers, and the régisseur's pain.008 batches.

A batch takes every issued, unpaid invoice due by the collection date whose payer
has an active mandate and that no live debit already holds. The file goes to the
bank; the invoices are paid only when the régisseur marks the batch collected
(each collected invoice then gets a direct-debit payment, numbered, with its
receipt), and a reject reported by the bank is recorded invoice by invoice
before that, leaving the invoice to pay.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from sepaxml import SepaDD
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from guichet import audit
from guichet.accounts.models import Party
from regie import numbers, perms
from regie.enums import (
    DebitBatchStatus,
    DebitItemStatus,
    PaymentMethod,
    PaymentStatus,
    Provider,
    SequenceType,
)
from regie.exceptions import InvalidDebit, InvalidMandate
from regie.models import (
    CURRENCY,
    DirectDebitBatch,
    DirectDebitItem,
    Invoice,
    Mandate,
    Payment,
    PaymentAllocation,
)

HOLDER_MAX = Mandate._meta.get_field("holder_name").max_length


# Mandates ---------------------------------------------------------------------------


def clean_iban(value: str) -> str:
    """The IBAN without spaces, upper case; InvalidMandate with a French message if it is not one."""
    try:
        return stdnum_iban.validate(value or "")
    except StdnumError as error:
        raise InvalidMandate(
            _("Cet IBAN n'est pas valide : vérifiez les 27 caractères d'un IBAN français (FR76…).")
        ) from error


def clean_bic(value: str) -> str:
    try:
        return stdnum_bic.validate(value or "")
    except StdnumError as error:
        raise InvalidMandate(
            _("Ce BIC n'est pas valide : il compte 8 ou 11 lettres et chiffres (par exemple AGRIFRPP).")
        ) from error


@transaction.atomic
def sign_mandate(
    *, actor, payer: Party, holder_name: str, iban: str, bic: str, today: date | None = None
) -> Mandate:
    """A member of the payer signs a SEPA mandate for the régie's invoices; one active per payer."""
    if not perms.can_act_for(actor, payer):
        raise PermissionDenied
    holder_name = " ".join((holder_name or "").split())
    if not holder_name or len(holder_name) > HOLDER_MAX:
        raise InvalidMandate(
            _("Indiquez le nom du titulaire du compte (%(max)d caractères au plus).") % {"max": HOLDER_MAX}
        )
    iban, bic = clean_iban(iban), clean_bic(bic)
    # The payer's row serialises two signatures at once; the unique constraint is the last guard.
    Party.objects.select_for_update().get(pk=payer.pk)
    if Mandate.objects.active().filter(payer=payer).exists():
        raise InvalidMandate(
            _(
                "Un mandat de prélèvement est déjà actif pour ce payeur : révoquez-le avant d'en signer un autre."
            )
        )
    today = today or timezone.localdate()
    mandate = Mandate.objects.create(
        payer=payer,
        reference=numbers.next_number("mandate", on=today),
        holder_name=holder_name,
        iban=iban,
        bic=bic,
        signed_on=today,
        signed_by=actor,
    )
    audit.record(
        actor=actor, action="mandate.sign", target=mandate, owner=payer.pk, reference=mandate.reference
    )
    return mandate


@transaction.atomic
def revoke_mandate(*, actor, mandate: Mandate, now: datetime | None = None) -> Mandate:
    """The payer (or the régie) ends a mandate; debits already sent to the bank still run."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if not (perms.can_act_for(actor, mandate.payer) or perms.is_regie_agent(actor)):
        raise PermissionDenied
    if mandate.revoked_at is None:
        mandate.revoked_at = now or timezone.now()
        mandate.revoked_by = actor
        mandate.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor=actor, action="mandate.revoke", target=mandate, owner=mandate.payer_id)
    return mandate


# Batches -----------------------------------------------------------------------------


def _live_debit():
    return DirectDebitItem.objects.filter(invoice=OuterRef("pk")).exclude(status=DebitItemStatus.REJECTED)


def invoices_to_debit(*, collection_date: date, today: date | None = None):
    """Issued, unpaid invoices due by the date, of payers with a mandate signed by today, not yet debited."""
    today = today or timezone.localdate()
    mandated = Mandate.objects.active().filter(payer=OuterRef("payer"), signed_on__lte=today)
    return (
        Invoice.objects.with_balance()
        .unpaid()
        .filter(due_date__lte=collection_date)
        .filter(Exists(mandated))
        .exclude(Exists(_live_debit()))
        .order_by("pk")
    )


def _sequence_types(mandates: list[Mandate]) -> dict[int, str]:
    """FRST until a debit under the mandate went through (or is on its way), RCUR after."""
    used = set(
        DirectDebitItem.objects.filter(mandate__in=mandates)
        .exclude(status=DebitItemStatus.REJECTED)
        .values_list("mandate_id", flat=True)
    )
    return {
        mandate.pk: SequenceType.RECURRING if mandate.pk in used else SequenceType.FIRST
        for mandate in mandates
    }


def creditor_config() -> dict:
    return {
        "name": settings.REGIE_SEPA_CREDITOR_NAME,
        "IBAN": settings.REGIE_SEPA_CREDITOR_IBAN,
        "BIC": settings.REGIE_SEPA_CREDITOR_BIC,
        "creditor_id": settings.REGIE_SEPA_CREDITOR_ID,
        "currency": CURRENCY.upper(),
        "batch": True,
    }


def build_pain008(*, collection_date: date, transactions: list[dict]) -> tuple[str, bytes]:
    """The pain.008 file (message id, bytes), validated by sepaxml against its XSD schema."""
    document = SepaDD(creditor_config(), schema=settings.REGIE_SEPA_SCHEMA, clean=True)
    for item in transactions:
        document.add_payment({**item, "collection_date": collection_date})
    return document.msg_id, document.export(validate=True)


@transaction.atomic
def create_direct_debit_batch(*, actor, collection_date: date, today: date | None = None) -> DirectDebitBatch:
    """Generate the pain.008 file of every invoice under mandate due by `collection_date`."""
    if not perms.is_regie_agent(actor):
        raise PermissionDenied
    today = today or timezone.localdate()
    if collection_date <= today:
        raise InvalidDebit(_("La date de prélèvement doit être postérieure à aujourd'hui."))
    if collection_date > today + timedelta(days=365):
        raise InvalidDebit(_("La date de prélèvement doit être dans les douze prochains mois."))
    ids = list(invoices_to_debit(collection_date=collection_date, today=today).values_list("pk", flat=True))
    # Locked, then read again: a payment or another batch may have taken one meanwhile.
    list(Invoice.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    invoices = list(
        invoices_to_debit(collection_date=collection_date, today=today)
        .filter(pk__in=ids)
        .select_related("payer")
    )
    if not invoices:
        raise InvalidDebit(_("Aucune facture sous mandat n'est à prélever à cette date."))
    mandates = {
        mandate.payer_id: mandate
        for mandate in Mandate.objects.active().filter(payer__in={invoice.payer_id for invoice in invoices})
    }
    sequences = _sequence_types(list(mandates.values()))
    items, transactions = [], []
    for invoice in invoices:
        mandate = mandates[invoice.payer_id]
        amount = invoice.balance_cents
        items.append(
            DirectDebitItem(
                invoice=invoice,
                mandate=mandate,
                amount_cents=amount,
                sequence_type=sequences[mandate.pk],
                end_to_end_id=invoice.number,
            )
        )
        transactions.append(
            {
                "name": mandate.holder_name,
                "IBAN": mandate.iban,
                "BIC": mandate.bic,
                "amount": amount,
                "type": sequences[mandate.pk],
                "mandate_id": mandate.reference,
                "mandate_date": mandate.signed_on,
                "description": _("Facture %(number)s") % {"number": invoice.number},
                "endtoend_id": invoice.number,
            }
        )
    message_id, xml = build_pain008(collection_date=collection_date, transactions=transactions)
    batch = DirectDebitBatch.objects.create(
        collection_date=collection_date,
        message_id=message_id,
        xml=xml,
        total_cents=sum(item.amount_cents for item in items),
        created_by=actor,
    )
    for item in items:
        item.batch = batch
    DirectDebitItem.objects.bulk_create(items)
    audit.record(
        actor=actor,
        action="debit_batch.create",
        target=batch,
        collection_date=collection_date.isoformat(),
        invoices=[invoice.pk for invoice in invoices],
        total_cents=batch.total_cents,
    )
    return batch


@transaction.atomic
def reject_debit_item(*, actor, item: DirectDebitItem, reason: str) -> DirectDebitItem:
    """The bank rejected this invoice's debit (account closed, opposition…): it stays to pay."""
    if not perms.is_regie_agent(actor):
        raise PermissionDenied
    item = DirectDebitItem.objects.select_for_update().select_related("batch").get(pk=item.pk)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidDebit(_("Indiquez le motif du rejet donné par la banque."))
    if item.status != DebitItemStatus.PENDING:
        raise InvalidDebit(
            _("Ce prélèvement n'est plus en attente : son rejet ne peut plus être enregistré.")
        )
    item.status = DebitItemStatus.REJECTED
    item.reject_reason = reason[: DirectDebitItem._meta.get_field("reject_reason").max_length]
    item.save(update_fields=["status", "reject_reason", "updated_at"])
    audit.record(actor=actor, action="debit_item.reject", target=item, owner=item.invoice.payer_id)
    return item


def mark_batch_collected(*, actor, batch: DirectDebitBatch, now: datetime | None = None) -> DirectDebitBatch:
    """The bank credited the batch: every debit not rejected becomes a numbered direct-debit payment."""
    from regie.services.payments import _lock_invoices, _mark_succeeded

    if not perms.is_regie_agent(actor):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        invoice_ids = list(
            DirectDebitItem.objects.filter(batch=batch)
            .order_by("invoice_id")
            .values_list("invoice_id", flat=True)
        )
        # The lock order of the ledger: invoices first, then the rest.
        _lock_invoices(invoice_ids)
        batch = DirectDebitBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == DebitBatchStatus.COLLECTED:
            return batch
        if timezone.localdate(now) < batch.collection_date:
            raise InvalidDebit(
                _("La remise ne peut être encaissée qu'à partir de sa date de prélèvement, le %(date)s.")
                % {"date": batch.collection_date.strftime("%d/%m/%Y")}
            )
        items = list(
            batch.items.select_for_update(of=("self",))
            .filter(status=DebitItemStatus.PENDING)
            .select_related("invoice")
            .order_by("pk")
        )
        for item in items:
            payment = Payment.objects.create(
                payer_id=item.invoice.payer_id,
                method=PaymentMethod.DIRECT_DEBIT,
                amount_cents=item.amount_cents,
                currency=CURRENCY,
                status=PaymentStatus.PENDING,
                provider=Provider.SEPA,
                provider_reference=f"{batch.message_id}/{item.end_to_end_id}",
                idempotency_key=f"sepa-item-{item.pk}",
                created_by=actor,
            )
            PaymentAllocation.objects.create(
                payment=payment, invoice=item.invoice, amount_cents=item.amount_cents
            )
            _mark_succeeded(payment, now=now, actor=actor)
            item.status = DebitItemStatus.COLLECTED
            item.payment = payment
            item.save(update_fields=["status", "payment", "updated_at"])
        batch.status = DebitBatchStatus.COLLECTED
        batch.collected_at = now
        batch.save(update_fields=["status", "collected_at"])
        audit.record(actor=actor, action="debit_batch.collect", target=batch, collected=len(items))
    return batch
