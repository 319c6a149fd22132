"""Starting an online payment: the Stripe SDK talks HTTP to the local fake of Stripe Checkout."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from regie import services
from regie.enums import PaymentMethod, PaymentStatus, Provider
from regie.exceptions import InvoiceNotPayable, PaymentProviderError
from regie.models import Invoice, Payment
from tests.factories import UserFactory, person_party
from tests.regie.conftest import bill, in_thread, post_webhook

pytestmark = pytest.mark.django_db


def test_paying_opens_one_checkout_session_for_the_invoices_total(
    fake_stripe_api, citizen, payer, billed_service
):
    first = bill(payer, billed_service, cents=1250)
    second = bill(payer, billed_service, cents=800, quantity=2)

    redirect = services.start_online_payment(actor=citizen, payer=payer, invoices=[second, first])

    payment = redirect.payment
    session = fake_stripe_api.sessions[payment.provider_reference]
    assert redirect.url == session["url"] and not redirect.reused
    assert (payment.status, payment.method, payment.provider) == (
        PaymentStatus.PENDING,
        PaymentMethod.CARD,
        Provider.STRIPE,
    )
    assert payment.amount_cents == session["amount_total"] == 1250 + 1600
    assert session["currency"] == "eur"
    assert session["metadata"] == {"payment_id": str(payment.pk)}
    assert session["description"] == f"Factures {first.number}, {second.number}"
    assert sorted(payment.allocations.values_list("invoice_id", "amount_cents")) == [
        (first.pk, 1250),
        (second.pk, 1600),
    ]


def test_the_idempotency_key_is_committed_before_stripe_is_called(
    fake_stripe_api, citizen, invoice, settings
):
    # Stripe unreachable: the call fails, but the pending payment and its key are kept...
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    with pytest.raises(PaymentProviderError, match="Réessayez"):
        services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.PENDING and len(payment.idempotency_key) == 32
    assert payment.provider_reference == ""

    # ...so that trying again goes on with the same payment and the same key.
    settings.STRIPE_API_BASE = fake_stripe_api.public_base  # the fake's own address
    redirect = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    assert redirect.payment.pk == payment.pk
    assert Payment.objects.count() == 1 and len(fake_stripe_api.sessions) == 1


def test_a_timed_out_create_retried_by_the_sdk_makes_one_checkout_session(
    fake_stripe_api, citizen, invoice, settings
):
    settings.STRIPE_TIMEOUT = 0.5
    # The fake creates the session, then answers too late: the SDK gives up and retries.
    fake_stripe_api.stall_next_response(1.5)

    redirect = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])

    assert fake_stripe_api.count("POST", "/v1/checkout/sessions") == 2
    assert len(fake_stripe_api.sessions) == 1
    assert redirect.payment.provider_reference == next(iter(fake_stripe_api.sessions))


def test_a_double_click_or_a_reload_hands_out_the_same_payment_and_session(fake_stripe_api, citizen, invoice):
    first = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    again = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])

    assert again.reused and again.payment.pk == first.payment.pk and again.url == first.url
    assert Payment.objects.count() == 1
    assert fake_stripe_api.count("POST", "/v1/checkout/sessions") == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_on_pay_make_one_payment_and_one_session(fake_stripe_api, citizen, billed_service):
    payer = person_party(citizen)
    invoice = bill(payer, billed_service)
    clicks = 6
    barrier = threading.Barrier(clicks)
    urls, errors = [], []

    @in_thread
    def click():
        try:
            barrier.wait()
            urls.append(services.start_online_payment(actor=citizen, payer=payer, invoices=[invoice]).url)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=click) for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(set(urls)) == 1 and len(urls) == clicks
    assert Payment.objects.count() == 1
    assert len(fake_stripe_api.sessions) == 1


def test_paying_an_already_paid_invoice_is_refused_with_a_clear_message(fake_stripe_api, citizen, invoice):
    redirect = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    post_webhook(fake_stripe_api.pay(redirect.payment.provider_reference))

    with pytest.raises(InvoiceNotPayable) as refused:
        services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    assert refused.value.message == f"La facture {invoice.number} est déjà payée : rien n'a été débité."
    assert Payment.objects.count() == 1 and len(fake_stripe_api.sessions) == 1


def test_paying_a_subset_closes_the_open_checkout_of_the_larger_set(
    fake_stripe_api, citizen, payer, billed_service
):
    first, second = bill(payer, billed_service), bill(payer, billed_service)
    both = services.start_online_payment(actor=citizen, payer=payer, invoices=[first, second])

    one = services.start_online_payment(actor=citizen, payer=payer, invoices=[first])

    assert fake_stripe_api.sessions[both.payment.provider_reference]["status"] == "expired"
    assert Payment.objects.get(pk=both.payment.pk).status == PaymentStatus.EXPIRED
    assert Payment.objects.get(pk=one.payment.pk).status == PaymentStatus.PENDING


def test_when_the_older_checkout_was_paid_meanwhile_it_is_settled_and_nothing_more_is_charged(
    fake_stripe_api, citizen, payer, billed_service
):
    first, second = bill(payer, billed_service), bill(payer, billed_service)
    both = services.start_online_payment(actor=citizen, payer=payer, invoices=[first, second])
    fake_stripe_api.pay(both.payment.provider_reference)  # its webhook is late

    with pytest.raises(InvoiceNotPayable, match="vient d'aboutir"):
        services.start_online_payment(actor=citizen, payer=payer, invoices=[first])

    assert Payment.objects.get(pk=both.payment.pk).status == PaymentStatus.SUCCEEDED
    assert all(invoice.is_paid for invoice in Invoice.objects.all())
    assert Payment.objects.count() == 1


def test_a_citizen_cannot_pay_someone_elses_invoice(fake_stripe_api, invoice):
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        services.start_online_payment(actor=stranger, payer=invoice.payer, invoices=[invoice])
    # Nor by naming their own party as the payer of another's invoice.
    with pytest.raises(InvoiceNotPayable, match="introuvable"):
        services.start_online_payment(actor=stranger, payer=person_party(stranger), invoices=[invoice])
    assert not Payment.objects.exists() and not fake_stripe_api.sessions


def test_a_household_member_pays_the_household_invoice(fake_stripe_api, billed_service):
    from tests.regie.conftest import make_household

    parent, other_parent = UserFactory(), UserFactory()
    household = make_household(parent, other_parent)
    invoice = bill(household, billed_service)
    redirect = services.start_online_payment(actor=other_parent, payer=household, invoices=[invoice])
    assert redirect.payment.payer == household


def test_a_cancelled_invoice_cannot_be_paid(fake_stripe_api, citizen, invoice, regie_agent):
    services.cancel_invoice(actor=regie_agent, invoice=invoice, reason="Erreur")
    with pytest.raises(InvoiceNotPayable, match="annulée"):
        services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])


def test_the_reused_checkout_is_handed_out_with_a_fixed_number_of_queries(fake_stripe_api, citizen, invoice):
    services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    with CaptureQueriesContext(connection) as queries:
        services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    assert len(queries) <= 8


def test_a_payment_whose_provider_call_failed_long_ago_no_longer_blocks_another_set(
    fake_stripe_api, citizen, payer, billed_service, settings
):
    first, second = bill(payer, billed_service), bill(payer, billed_service)
    settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES = "http://127.0.0.1:9", 0
    with pytest.raises(PaymentProviderError):
        services.start_online_payment(actor=citizen, payer=payer, invoices=[first, second])
    settings.STRIPE_API_BASE = fake_stripe_api.public_base
    # Its call might still be in flight (another tab): wait.
    with pytest.raises(InvoiceNotPayable, match="déjà en cours"):
        services.start_online_payment(actor=citizen, payer=payer, invoices=[first])
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        redirect = services.start_online_payment(actor=citizen, payer=payer, invoices=[first])
    assert redirect.payment.amount_cents == first.total_cents
    assert Payment.objects.filter(status=PaymentStatus.EXPIRED).count() == 1


def test_a_checkout_whose_opening_failed_long_ago_is_replaced_with_a_new_key(
    fake_stripe_api, citizen, invoice, settings
):
    settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES = "http://127.0.0.1:9", 0
    with pytest.raises(PaymentProviderError):
        services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    failed = Payment.objects.get()
    settings.STRIPE_API_BASE = fake_stripe_api.public_base
    # Later than any call in flight, and too late for that payment's expiry to suit Stripe.
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        redirect = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    assert redirect.payment.idempotency_key != failed.idempotency_key
    assert Payment.objects.get(pk=failed.pk).status == PaymentStatus.EXPIRED
    assert len(fake_stripe_api.sessions) == 1


def test_an_open_checkout_asking_for_a_stale_amount_is_replaced(
    fake_stripe_api, citizen, invoice, regie_agent
):
    first = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    services.record_counter_payment(
        actor=regie_agent, payer=invoice.payer, invoices=[invoice], method="cash", amount_cents=250
    )
    second = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    assert not second.reused and second.payment.amount_cents == 1000
    assert fake_stripe_api.sessions[first.payment.provider_reference]["status"] == "expired"
    assert Payment.objects.get(pk=first.payment.pk).status == PaymentStatus.EXPIRED
