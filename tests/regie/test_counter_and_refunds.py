"""Counter payments and refunds: never more than due, never more refunded than paid."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from guichet.audit.models import AuditEvent
from regie import services
from regie.enums import PaymentMethod, PaymentStatus, Provider, RefundStatus
from regie.exceptions import InvalidPayment, InvoiceNotPayable, PaymentProviderError, RefundRefused
from regie.models import Invoice, Payment, Refund
from regie.services import refunds
from tests.factories import ServiceFactory, UserFactory, make_agent, person_party
from tests.regie.conftest import bill, in_thread, post_webhook

pytestmark = pytest.mark.django_db


def pay_at_counter(agent, payer, invoices, cents, method=PaymentMethod.CASH, **kwargs):
    return services.record_counter_payment(
        actor=agent, payer=payer, invoices=invoices, method=method, amount_cents=cents, **kwargs
    )


def test_a_counter_payment_is_numbered_and_settles_the_oldest_due_first(payer, billed_service, regie_agent):
    later = bill(payer, billed_service, cents=3000, due_in_days=30)
    sooner = bill(payer, billed_service, cents=2000, due_in_days=5)
    payment = pay_at_counter(regie_agent, payer, [later, sooner], 3500, method=PaymentMethod.CHEQUE)

    assert (payment.status, payment.provider, payment.method) == (
        PaymentStatus.SUCCEEDED,
        Provider.COUNTER,
        "cheque",
    )
    assert payment.receipt_number.endswith("-000001") and payment.created_by == regie_agent
    assert dict(payment.allocations.values_list("invoice_id", "amount_cents")) == {
        sooner.pk: 2000,
        later.pk: 1500,
    }
    assert Invoice.objects.get(pk=sooner.pk).is_paid
    assert Invoice.objects.get(pk=later.pk).amount_due_cents == 1500
    event = AuditEvent.objects.get(action="payment.succeed")
    assert (event.actor_id, event.details["method"], event.details["amount_cents"]) == (
        regie_agent.pk,
        "cheque",
        3500,
    )


def test_more_than_due_is_refused_at_the_counter(payer, invoice, regie_agent):
    with pytest.raises(InvalidPayment, match="dépasse le reste à payer de ces factures \\(12,50"):
        pay_at_counter(regie_agent, payer, [invoice], 1251)
    with pytest.raises(InvalidPayment, match="entier positif"):
        pay_at_counter(regie_agent, payer, [invoice], 0)
    with pytest.raises(InvalidPayment, match="guichet"):
        pay_at_counter(regie_agent, payer, [invoice], 100, method=PaymentMethod.CARD)
    pay_at_counter(regie_agent, payer, [invoice], 1250)
    with pytest.raises(InvoiceNotPayable, match="déjà payée"):
        pay_at_counter(regie_agent, payer, [invoice], 100)


def test_a_double_submitted_counter_form_records_one_payment(payer, invoice, regie_agent):
    first = pay_at_counter(regie_agent, payer, [invoice], 500, idempotency_key="form-token-1")
    second = pay_at_counter(regie_agent, payer, [invoice], 500, idempotency_key="form-token-1")
    assert first.pk == second.pk and Payment.objects.count() == 1


def test_only_regie_agents_take_counter_payments_and_refunds(payer, invoice, billed_service, regie_agent):
    for actor in (payer.person, make_agent(billed_service), UserFactory()):
        with pytest.raises(PermissionDenied):
            pay_at_counter(actor, payer, [invoice], 100)
    payment = pay_at_counter(regie_agent, payer, [invoice], 1250)
    with pytest.raises(PermissionDenied):
        services.refund_payment(
            actor=make_agent(billed_service), payment=payment, amount_cents=100, reason="x"
        )


def test_refunds_never_exceed_what_was_paid(payer, invoice, regie_agent):
    payment = pay_at_counter(regie_agent, payer, [invoice], 1250)
    refund = services.refund_payment(actor=regie_agent, payment=payment, amount_cents=1000, reason="Absence")
    assert (refund.status, refund.invoice) == (RefundStatus.SUCCEEDED, invoice)
    assert Invoice.objects.get(pk=invoice.pk).amount_due_cents == 1000

    with pytest.raises(RefundRefused, match="pas encore remboursé \\(2,50"):
        services.refund_payment(actor=regie_agent, payment=payment, amount_cents=251, reason="Encore")
    services.refund_payment(actor=regie_agent, payment=payment, amount_cents=250, reason="Le reste")
    with pytest.raises(RefundRefused):
        services.refund_payment(actor=regie_agent, payment=payment, amount_cents=1, reason="Encore")
    with pytest.raises(RefundRefused, match="motif"):
        services.refund_payment(actor=regie_agent, payment=payment, amount_cents=1, reason=" ")


def test_a_payment_of_several_invoices_is_refunded_invoice_by_invoice(payer, billed_service, regie_agent):
    first, second = bill(payer, billed_service, cents=1000), bill(payer, billed_service, cents=2000)
    payment = pay_at_counter(regie_agent, payer, [first, second], 3000)
    with pytest.raises(RefundRefused, match="précisez"):
        services.refund_payment(actor=regie_agent, payment=payment, amount_cents=100, reason="x")
    with pytest.raises(RefundRefused, match="dépasser"):
        services.refund_payment(
            actor=regie_agent, payment=payment, invoice=first, amount_cents=1001, reason="x"
        )
    services.refund_payment(actor=regie_agent, payment=payment, invoice=second, amount_cents=2000, reason="x")
    other = bill(payer, billed_service)
    with pytest.raises(RefundRefused, match="n'a pas réglé"):
        services.refund_payment(actor=regie_agent, payment=payment, invoice=other, amount_cents=1, reason="x")


@pytest.mark.django_db(transaction=True)
def test_two_agents_refunding_at_once_never_exceed_what_was_paid():
    regie = ServiceFactory(slug="regie")
    agents = [make_agent(regie) for _ in range(2)]
    payer = person_party(UserFactory())
    invoice = bill(payer, ServiceFactory(), cents=5000)
    payment = pay_at_counter(agents[0], payer, [invoice], 5000)
    barrier = threading.Barrier(len(agents))
    done, refused, errors = [], [], []

    @in_thread
    def refund(agent):
        try:
            barrier.wait()
            done.append(
                services.refund_payment(actor=agent, payment=payment, amount_cents=3000, reason="Trop-perçu")
            )
        except RefundRefused as error:
            refused.append(error)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=refund, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert (len(done), len(refused)) == (1, 1)
    assert sum(Refund.objects.values_list("amount_cents", flat=True)) == 3000


def test_a_card_payment_is_refunded_through_stripe_with_its_own_idempotency_key(
    fake_stripe_api, citizen, invoice, regie_agent
):
    checkout = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    post_webhook(fake_stripe_api.pay(checkout.payment.provider_reference))
    payment = Payment.objects.get(pk=checkout.payment.pk)

    refund = services.refund_payment(actor=regie_agent, payment=payment, amount_cents=500, reason="Absence")

    assert refund.status == RefundStatus.SUCCEEDED and refund.provider_reference.startswith("re_")
    (at_stripe,) = fake_stripe_api.refunds.values()
    assert (at_stripe["amount"], at_stripe["payment_intent"]) == (500, payment.provider_payment_reference)


def test_a_refund_the_provider_cannot_make_is_failed_and_frees_the_amount(
    fake_stripe_api, citizen, invoice, regie_agent, settings
):
    checkout = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    post_webhook(fake_stripe_api.pay(checkout.payment.provider_reference))
    payment = Payment.objects.get(pk=checkout.payment.pk)
    settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES = "http://127.0.0.1:9", 0

    with pytest.raises(PaymentProviderError, match="ne répond pas"):
        services.refund_payment(actor=regie_agent, payment=payment, amount_cents=1250, reason="Absence")
    assert Refund.objects.get().status == RefundStatus.FAILED
    assert services.refundable_cents(payment=payment, invoice=invoice) == 1250


def test_a_refund_whose_provider_call_was_lost_is_finished_once_with_its_own_key(
    fake_stripe_api, citizen, invoice, regie_agent
):
    checkout = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    post_webhook(fake_stripe_api.pay(checkout.payment.provider_reference))
    payment = Payment.objects.get(pk=checkout.payment.pk)
    # The process dies right after reserving the refund, before calling Stripe.
    reserved = refunds._reserve(
        actor=regie_agent,
        payment=payment,
        amount_cents=700,
        reason="Absence",
        invoice=None,
        idempotency_key=None,
    )
    assert reserved.status == RefundStatus.PENDING
    assert services.retry_pending_refunds() == 0  # too early: the call may still be on its way

    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        assert services.retry_pending_refunds() == 1
        assert services.retry_pending_refunds() == 0
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.SUCCEEDED and len(fake_stripe_api.refunds) == 1
    assert services.refundable_cents(payment=payment, invoice=invoice) == 1250 - 700
