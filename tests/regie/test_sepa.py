"""SEPA direct debit: the pain.008 file validates against the XSD and holds exactly the invoices under mandate."""

from datetime import timedelta
from pathlib import Path

import pytest
import sepaxml
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from pytest_django.asserts import assertContains, assertRedirects

from regie import services
from regie.enums import (
    DebitBatchStatus,
    DebitItemStatus,
    PaymentMethod,
    PaymentStatus,
    Provider,
    SequenceType,
)
from regie.exceptions import InvalidDebit, InvalidMandate, InvoiceNotPayable
from regie.models import DirectDebitBatch, DirectDebitItem, Invoice, Payment
from tests.factories import UserFactory, person_party
from tests.helpers import login
from tests.regie.conftest import bill, make_household, pay_at_counter

pytestmark = pytest.mark.django_db

SCHEMAS = Path(sepaxml.__file__).parent / "schemas"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
IBAN = "FR7630006000011234567890189"
OTHER_IBAN = "DE89370400440532013000"


def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "pain.008.001.02.xsd")))


def mandate_for(user, party, *, iban=IBAN, bic="AGRIFRPP", holder="Sofia Benali"):
    return services.sign_mandate(actor=user, payer=party, holder_name=holder, iban=iban, bic=bic)


@pytest.fixture
def collection_date():
    return timezone.localdate() + timedelta(days=20)


def test_the_pain008_file_validates_and_holds_exactly_the_invoices_under_mandate(
    citizen, payer, billed_service, regie_agent, collection_date
):
    mandate = mandate_for(citizen, payer)
    household_user = UserFactory()
    household = make_household(household_user, name="Foyer Ndiaye")
    household_mandate = mandate_for(
        household_user, household, iban=OTHER_IBAN, bic="COBADEFFXXX", holder="Awa Ndiaye"
    )
    due_first = bill(payer, billed_service, cents=4200, due_in_days=10)
    due_second = bill(payer, billed_service, cents=1500, due_in_days=20)
    partly_paid = bill(household, billed_service, cents=3000, due_in_days=5)
    pay_at_counter(regie_agent, household, [partly_paid], 1000)
    # Left out: due after the date, already paid, cancelled, a payer without mandate, a revoked mandate.
    too_late = bill(payer, billed_service, due_in_days=21)
    paid = bill(payer, billed_service, due_in_days=5)
    pay_at_counter(regie_agent, payer, [paid], paid.total_cents)
    cancelled = bill(payer, billed_service, due_in_days=5)
    services.cancel_invoice(actor=regie_agent, invoice=cancelled, reason="Erreur")
    no_mandate = bill(person_party(UserFactory()), billed_service, due_in_days=5)
    revoked_user = UserFactory()
    revoked_party = person_party(revoked_user)
    services.revoke_mandate(actor=revoked_user, mandate=mandate_for(revoked_user, revoked_party))
    revoked = bill(revoked_party, billed_service, due_in_days=5)

    batch = services.create_direct_debit_batch(actor=regie_agent, collection_date=collection_date)

    document = etree.fromstring(bytes(batch.xml))
    schema().assertValid(document)
    transactions = document.findall(".//p:DrctDbtTxInf", NS)
    by_invoice = {tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS): tx for tx in transactions}
    assert set(by_invoice) == {due_first.number, due_second.number, partly_paid.number}
    for excluded in (too_late, paid, cancelled, no_mandate, revoked):
        assert excluded.number not in by_invoice
    first = by_invoice[due_first.number]
    assert first.findtext("p:InstdAmt", namespaces=NS) == "42.00"
    assert first.find("p:InstdAmt", NS).get("Ccy") == "EUR"
    assert first.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=NS) == mandate.reference
    assert (
        first.findtext("p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", namespaces=NS)
        == mandate.signed_on.isoformat()
    )
    assert first.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == IBAN
    assert first.findtext("p:Dbtr/p:Nm", namespaces=NS) == "Sofia Benali"
    household_tx = by_invoice[partly_paid.number]
    assert household_tx.findtext("p:InstdAmt", namespaces=NS) == "20.00"  # what is left, not the face amount
    assert (
        household_tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=NS)
        == household_mandate.reference
    )
    header = document.find(".//p:GrpHdr", NS)
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "77.00"
    info = document.find(".//p:PmtInf", NS)
    assert info.findtext("p:ReqdColltnDt", namespaces=NS) == collection_date.isoformat()
    assert info.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS) == SequenceType.FIRST
    assert info.findtext("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=NS) == "FR78ZZZ123456"
    assert batch.total_cents == 7700
    assert set(batch.items.values_list("invoice_id", flat=True)) == {
        due_first.pk,
        due_second.pk,
        partly_paid.pk,
    }


def test_an_invoice_already_in_a_batch_is_not_debited_twice_and_the_next_debit_is_recurrent(
    citizen, payer, billed_service, regie_agent, collection_date
):
    mandate_for(citizen, payer)
    first = bill(payer, billed_service, due_in_days=5)
    first_batch = services.create_direct_debit_batch(actor=regie_agent, collection_date=collection_date)
    with pytest.raises(InvalidDebit, match="Aucune facture sous mandat"):
        services.create_direct_debit_batch(actor=regie_agent, collection_date=collection_date)

    with time_machine.travel(timezone.now() + timedelta(days=20)):
        services.mark_batch_collected(actor=regie_agent, batch=first_batch)
    second = bill(payer, billed_service, due_in_days=15)
    second_batch = services.create_direct_debit_batch(actor=regie_agent, collection_date=collection_date)

    assert list(second_batch.items.values_list("invoice_id", "sequence_type")) == [
        (second.pk, SequenceType.RECURRING)
    ]
    assert first.pk not in second_batch.items.values_list("invoice_id", flat=True)
    schema().assertValid(etree.fromstring(bytes(second_batch.xml)))


def test_marking_the_batch_collected_pays_each_invoice_by_direct_debit_once(
    citizen, payer, billed_service, regie_agent, collection_date, django_capture_on_commit_callbacks
):
    mandate_for(citizen, payer)
    kept, rejected = (
        bill(payer, billed_service, cents=2000, due_in_days=5),
        bill(payer, billed_service, due_in_days=5),
    )
    batch = services.create_direct_debit_batch(actor=regie_agent, collection_date=collection_date)
    # Under debit, the invoice is not paid yet, and cannot be paid twice meanwhile.
    assert Invoice.objects.with_balance().get(pk=kept.pk).amount_due_cents == 2000
    with pytest.raises(InvoiceNotPayable, match="en cours de prélèvement"):
        pay_at_counter(regie_agent, payer, [kept], 2000)
    with pytest.raises(InvalidDebit, match="qu'à partir de sa date de prélèvement"):
        services.mark_batch_collected(actor=regie_agent, batch=batch)

    item = batch.items.get(invoice=rejected)
    services.reject_debit_item(actor=regie_agent, item=item, reason="AC04 compte clôturé")
    with (
        time_machine.travel(timezone.now() + timedelta(days=21)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.mark_batch_collected(actor=regie_agent, batch=batch)
        services.mark_batch_collected(actor=regie_agent, batch=batch)  # twice: nothing more

    payment = Payment.objects.get()
    assert (payment.method, payment.provider, payment.status, payment.amount_cents) == (
        PaymentMethod.DIRECT_DEBIT,
        Provider.SEPA,
        PaymentStatus.SUCCEEDED,
        2000,
    )
    assert payment.receipt_number and payment.receipt.emailed_at
    assert Invoice.objects.with_balance().get(pk=kept.pk).is_paid
    assert Invoice.objects.with_balance().get(pk=rejected.pk).amount_due_cents == 1250
    batch.refresh_from_db()
    assert batch.status == DebitBatchStatus.COLLECTED
    assert dict(batch.items.values_list("invoice_id", "status")) == {
        kept.pk: DebitItemStatus.COLLECTED,
        rejected.pk: DebitItemStatus.REJECTED,
    }
    with pytest.raises(InvalidDebit, match="n'est plus en attente"):
        services.reject_debit_item(actor=regie_agent, item=batch.items.get(invoice=kept), reason="Trop tard")
    # A rejected invoice may go in a later batch.
    again = services.create_direct_debit_batch(
        actor=regie_agent, collection_date=collection_date + timedelta(days=30)
    )
    assert list(again.items.values_list("invoice_id", flat=True)) == [rejected.pk]


def test_mandate_input_is_checked(citizen, payer):
    with pytest.raises(InvalidMandate, match="IBAN"):
        mandate_for(citizen, payer, iban="FR7630006000011234567890188")
    with pytest.raises(InvalidMandate, match="BIC"):
        mandate_for(citizen, payer, bic="1234")
    with pytest.raises(InvalidMandate, match="titulaire"):
        mandate_for(citizen, payer, holder="   ")
    with pytest.raises(PermissionDenied):
        mandate_for(UserFactory(), payer)


def test_only_regie_agents_make_batches(citizen, payer, billed_service, collection_date):
    with pytest.raises(PermissionDenied):
        services.create_direct_debit_batch(actor=citizen, collection_date=collection_date)


def test_the_batch_pages(agent_client, citizen, payer, billed_service, regie_agent, collection_date):
    mandate_for(citizen, payer)
    invoice = bill(payer, billed_service, due_in_days=5)
    page = reverse("regie_pages:agent_debit_batches")
    assertContains(agent_client.get(page), "1 mandat actif.")

    response = agent_client.post(page, {"collection_date": collection_date.isoformat()}, follow=True)

    batch = DirectDebitBatch.objects.get()
    assertRedirects(response, reverse("regie_pages:agent_debit_batch", args=[batch.pk]))
    assertContains(response, "Fichier de prélèvement généré : 1 facture(s), 12,50\u00a0€.")
    assertContains(response, invoice.number)
    download = agent_client.get(reverse("regie_pages:agent_debit_batch_file", args=[batch.pk]))
    assert download["Content-Type"] == "application/xml; charset=utf-8"
    schema().assertValid(etree.fromstring(download.content))

    item = DirectDebitItem.objects.get()
    reject = reverse("regie_pages:agent_debit_reject", args=[item.pk])
    blank = agent_client.post(reject, {"reason": ""})
    assertContains(blank, "Ce champ est obligatoire.")
    assertRedirects(
        agent_client.post(reject, {"reason": "MD06 contestation"}),
        reverse("regie_pages:agent_debit_batch", args=[batch.pk]),
    )
    item.refresh_from_db()
    assert (item.status, item.reject_reason) == (DebitItemStatus.REJECTED, "MD06 contestation")


def test_a_batch_date_in_the_past_or_without_invoices_is_refused_with_the_date_kept(agent_client):
    page = reverse("regie_pages:agent_debit_batches")
    today = timezone.localdate().isoformat()
    response = agent_client.post(page, {"collection_date": today})
    assertContains(response, "La date de prélèvement doit être postérieure à aujourd&#x27;hui.")
    assertContains(response, f'value="{today}"')
    later = (timezone.localdate() + timedelta(days=3)).isoformat()
    assertContains(agent_client.post(page, {"collection_date": later}), "Aucune facture sous mandat")
    assert not DirectDebitBatch.objects.exists()


def test_collecting_from_the_page(agent_client, citizen, payer, billed_service, regie_agent, collection_date):
    mandate_for(citizen, payer)
    invoice = bill(payer, billed_service, due_in_days=5)
    batch = services.create_direct_debit_batch(actor=regie_agent, collection_date=collection_date)
    collect = reverse("regie_pages:agent_debit_batch_collect", args=[batch.pk])

    early = agent_client.post(collect, follow=True)
    assertContains(early, "La remise ne peut être encaissée qu&#x27;à partir de sa date de prélèvement")
    assert agent_client.get(collect).status_code == 405

    with time_machine.travel(timezone.now() + timedelta(days=20)):
        login(agent_client, regie_agent)  # 20 days later: a new session (an idle one ends after 15 minutes)
        response = agent_client.post(collect, follow=True)
    assertContains(response, "Remise encaissée")
    assert Invoice.objects.with_balance().get(pk=invoice.pk).is_paid


def test_the_batch_pages_are_for_regie_agents_only(
    client, citizen, payer, billed_service, regie_agent, collection_date
):
    from tests.factories import make_agent, make_town
    from tests.helpers import login

    make_town()
    mandate_for(citizen, payer)
    bill(payer, billed_service, due_in_days=5)
    batch = services.create_direct_debit_batch(actor=regie_agent, collection_date=collection_date)
    login(client, make_agent(billed_service))
    for name in ("agent_debit_batch", "agent_debit_batch_file"):
        assert client.get(reverse(f"regie_pages:{name}", args=[batch.pk])).status_code == 403
    assert (
        client.post(reverse("regie_pages:agent_debit_batches"), {"collection_date": "2030-01-01"}).status_code
        == 403
    )
