"""PayFiP: the same flow through its SOAP web service, served by a local fake the test controls."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from regie import services
from regie.enums import PaymentMethod, PaymentStatus, Provider
from regie.exceptions import PaymentProviderError
from regie.models import Invoice, Payment, ProcessedWebhookEvent

pytestmark = pytest.mark.django_db


def notify(id_op: str):
    return Client(enforce_csrf_checks=True).post(reverse("regie:payfip_webhook"), {"idop": id_op})


@pytest.fixture
def operation(fake_payfip, citizen, invoice):
    return services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])


def test_paying_with_payfip_creates_an_operation_and_sends_the_payer_to_its_page(
    fake_payfip, operation, invoice, citizen
):
    payment = operation.payment
    sent = fake_payfip.operations[payment.provider_reference]
    assert (payment.provider, payment.method) == (Provider.PAYFIP, PaymentMethod.PAYFIP)
    assert operation.url == f"{fake_payfip.url}/tpa/paiementws.web?idop={payment.provider_reference}"
    assert (sent["montant"], sent["numcli"], sent["saisie"], sent["mel"]) == (
        "1250",
        "123456",
        "T",
        citizen.email,
    )
    assert sent["refdet"] == f"{payment.pk:06d}"
    assert sent["urlnotif"].endswith(reverse("regie:payfip_webhook"))
    # A reload hands out the same operation.
    again = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    assert again.reused and fake_payfip.calls.count("creer") == 1


def test_a_notification_is_checked_with_the_web_service_then_settles_once(fake_payfip, operation, invoice):
    id_op = operation.payment.provider_reference
    assert notify(id_op).content == b"pending"  # not finished yet: nothing happens
    fake_payfip.finish(id_op, result="P")
    assert notify(id_op).content == b"settled"
    assert notify(id_op).content == b"duplicate"
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.provider_payment_reference == "123456"
    assert Invoice.objects.get(pk=invoice.pk).is_paid
    assert ProcessedWebhookEvent.objects.filter(provider=Provider.PAYFIP).count() == 1


def test_a_refused_or_abandoned_payment_closes_it(fake_payfip, operation):
    fake_payfip.finish(operation.payment.provider_reference, result="R")
    assert notify(operation.payment.provider_reference).content == b"closed"
    assert Payment.objects.get().status == PaymentStatus.FAILED


def test_a_notification_with_another_amount_is_refused(fake_payfip, operation):
    fake_payfip.finish(operation.payment.provider_reference, result="P", amount=1)
    assert notify(operation.payment.provider_reference).content == b"refused"
    assert Payment.objects.get().status == PaymentStatus.PENDING


def test_a_notification_for_an_unknown_operation_is_not_trusted(fake_payfip):
    assert notify("forged").content == b"pending"  # PayFiP does not know it: nothing changes
    assert notify("").status_code == 400
    assert not ProcessedWebhookEvent.objects.exists()


def test_the_reconciliation_settles_a_payfip_payment_whose_notification_was_lost(fake_payfip, operation):
    fake_payfip.finish(operation.payment.provider_reference, result="P")
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert services.recheck_pending_payments()["settled"] == 1
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED


def test_an_unreachable_payfip_answers_a_french_error(fake_payfip, citizen, invoice, settings):
    settings.PAYFIP_API_URL = "http://127.0.0.1:9/tpa/services/securite"
    with pytest.raises(PaymentProviderError, match="ne répond pas"):
        services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
