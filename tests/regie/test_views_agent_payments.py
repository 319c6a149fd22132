"""The régisseur's payment pages: search, detail, refunds (never above what was paid, even at once)."""

import threading

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from regie import services
from regie.enums import RefundStatus
from regie.models import Refund
from tests.factories import ServiceFactory, UserFactory, make_agent, make_town, person_party
from tests.helpers import login
from tests.regie.conftest import bill, in_thread, pay_at_counter, post_webhook
from tests.security.helpers import reauthenticate

pytestmark = pytest.mark.django_db

SEARCH = reverse("regie_pages:agent_payments")


def refund_url(payment):
    return reverse("regie_pages:agent_refund", args=[payment.pk])


def test_search_by_receipt_invoice_payer_method_and_status(agent_client, payer, billed_service, regie_agent):
    first = bill(payer, billed_service)
    cash = pay_at_counter(regie_agent, payer, [first], 1250)
    other_payer = person_party(UserFactory(first_name="Yann", last_name="Quéré"))
    second = bill(other_payer, billed_service, cents=3000)
    cheque = pay_at_counter(regie_agent, other_payer, [second], 3000, method="cheque")

    by_receipt = agent_client.get(SEARCH, {"q": cash.receipt_number})
    assertContains(by_receipt, "1 paiement trouvé.")
    by_invoice = agent_client.get(SEARCH, {"q": second.number})
    assertContains(by_invoice, cheque.receipt_number)
    assertNotContains(by_invoice, cash.receipt_number)
    by_name = agent_client.get(SEARCH, {"q": "quéré"})
    assertContains(by_name, cheque.receipt_number)
    by_method = agent_client.get(SEARCH, {"moyen": "cash"})
    assertContains(by_method, cash.receipt_number)
    assertNotContains(by_method, cheque.receipt_number)
    assertContains(agent_client.get(SEARCH, {"statut": "pending"}), "Aucun paiement ne correspond")


def test_the_payment_search_of_30_payments_costs_a_fixed_number_of_queries(
    agent_client, payer, billed_service, regie_agent, django_assert_max_num_queries
):
    for _ in range(30):
        invoice = bill(payer, billed_service)
        pay_at_counter(regie_agent, payer, [invoice], 1250)
    agent_client.get(SEARCH)
    with django_assert_max_num_queries(10):
        response = agent_client.get(SEARCH)
    assert response.text.count('data-label="Quittance"') == 25


def test_a_partial_refund_of_a_cash_payment(agent_client, payer, invoice, regie_agent):
    payment = pay_at_counter(regie_agent, payer, [invoice], 1250)
    page = agent_client.get(refund_url(payment))
    token = page.context["form"]["idempotency_key"].value()
    reauthenticate(agent_client)  # money leaves: the agent confirms who they are (tests/security)

    response = agent_client.post(
        refund_url(payment),
        {"invoice": invoice.pk, "amount": "4,50", "reason": "Repas non pris", "idempotency_key": token},
        follow=True,
    )

    assertRedirects(response, reverse("regie_pages:agent_payment_detail", args=[payment.pk]))
    assertContains(response, "Remboursement de 4,50\u00a0€ enregistré.")
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.status, refund.created_by) == (
        450,
        RefundStatus.SUCCEEDED,
        regie_agent,
    )
    assertContains(response, "<div><dt>Remboursé</dt><dd>4,50\u00a0€</dd></div>", html=True)


def test_a_card_payment_is_refunded_through_the_provider(
    agent_client, citizen, payer, invoice, regie_agent, fake_stripe_api
):
    redirect = services.start_online_payment(actor=citizen, payer=payer, invoices=[invoice])
    post_webhook(fake_stripe_api.pay(redirect.payment.provider_reference))
    reauthenticate(agent_client)

    agent_client.post(
        refund_url(redirect.payment),
        {"invoice": invoice.pk, "amount": "12,50", "reason": "Annulation", "idempotency_key": "9" * 32},
    )

    refund = Refund.objects.get()
    assert refund.status == RefundStatus.SUCCEEDED and refund.provider_reference.startswith("re_")
    assert len(fake_stripe_api.refunds) == 1


def test_a_refund_above_what_was_paid_is_refused_with_what_was_typed(
    agent_client, payer, invoice, regie_agent
):
    payment = pay_at_counter(regie_agent, payer, [invoice], 1000)
    reauthenticate(agent_client)

    response = agent_client.post(
        refund_url(payment),
        {"invoice": invoice.pk, "amount": "10,01", "reason": "Erreur de caisse", "idempotency_key": "8" * 32},
    )

    assert response.status_code == 200
    assertContains(
        response,
        "Le remboursement ne peut pas dépasser ce qui a été payé et pas encore remboursé (10,00\u00a0€).",
    )
    assertContains(response, 'value="10,01"')
    assertContains(response, "Erreur de caisse</textarea>")
    assert not Refund.objects.exists()


def test_a_double_submitted_refund_form_refunds_once(agent_client, payer, invoice, regie_agent):
    payment = pay_at_counter(regie_agent, payer, [invoice], 1250)
    data = {"invoice": invoice.pk, "amount": "5", "reason": "Erreur", "idempotency_key": "7" * 32}
    reauthenticate(agent_client)
    agent_client.post(refund_url(payment), data)
    agent_client.post(refund_url(payment), data)
    assert Refund.objects.count() == 1


def test_a_pending_payment_cannot_be_refunded(agent_client, citizen, payer, invoice, fake_stripe_api):
    redirect = services.start_online_payment(actor=citizen, payer=payer, invoices=[invoice])
    assert agent_client.get(refund_url(redirect.payment)).status_code == 404


def test_the_payment_pages_are_for_regie_agents_only(client, payer, invoice, regie_agent, billed_service):
    make_town()
    payment = pay_at_counter(regie_agent, payer, [invoice], 1250)
    for user in (payer.person, make_agent(billed_service)):
        login(client, user)
        for url in (
            SEARCH,
            reverse("regie_pages:agent_payment_detail", args=[payment.pk]),
            reverse("regie_pages:agent_receipt_pdf", args=[payment.pk]),
            refund_url(payment),
        ):
            assert client.get(url).status_code == 403
        assert client.post(refund_url(payment), {"amount": "1"}).status_code == 403
    assert not Refund.objects.exists()


def test_wrong_methods(agent_client, payer, invoice, regie_agent):
    payment = pay_at_counter(regie_agent, payer, [invoice], 1250)
    assert (
        agent_client.post(reverse("regie_pages:agent_payment_detail", args=[payment.pk])).status_code == 405
    )
    assert agent_client.post(reverse("regie_pages:agent_receipt_pdf", args=[payment.pk])).status_code == 405
    assert agent_client.delete(refund_url(payment)).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_two_agents_refunding_at_once_never_give_back_more_than_was_paid(billed_service):
    make_town()
    regie = ServiceFactory(slug="regie", name="Régie")
    agents = [make_agent(regie), make_agent(regie)]
    payer = person_party(UserFactory())
    invoice = bill(payer, billed_service, cents=1000)
    payment = pay_at_counter(agents[0], payer, [invoice], 1000)
    barrier = threading.Barrier(2)
    statuses = []

    @in_thread
    def submit(agent, token):
        client = login(Client(), agent)
        reauthenticate(client)
        barrier.wait()
        response = client.post(
            refund_url(payment),
            {"invoice": invoice.pk, "amount": "7,00", "reason": "Annulation", "idempotency_key": token},
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=submit, args=(agent, token))
        for agent, token in zip(agents, ("a" * 32, "b" * 32), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # One refund goes through (a redirect); the other is refused on the page (200 with the error).
    assert sorted(statuses) == [200, 302]
    assert list(Refund.objects.values_list("amount_cents", flat=True)) == [700]
