"""The régisseur's invoice pages: search, ledger, counter payments and credit notes."""

import threading
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from guichet.audit.models import AuditEvent
from regie import services
from regie.enums import InvoiceStatus, PaymentMethod, PaymentStatus
from regie.models import CreditNote, Invoice, Payment
from tests.factories import ServiceFactory, UserFactory, make_admin, make_agent, make_town, person_party
from tests.helpers import login
from tests.regie.conftest import bill, in_thread, make_household, pay_at_counter

pytestmark = pytest.mark.django_db

SEARCH = reverse("regie_pages:agent_invoices")


def detail(invoice):
    return reverse("regie_pages:agent_invoice_detail", args=[invoice.pk])


def test_the_home_sums_up_unpaid_invoices(agent_client, payer, billed_service):
    bill(payer, billed_service, cents=1000)
    bill(payer, billed_service, cents=2550)
    response = agent_client.get(reverse("regie_pages:agent_home"))
    assertContains(response, "2 factures à encaisser, 35,50\u00a0€.")
    assertContains(response, "Aucun écart")


def test_search_by_number_payer_name_state_and_period(
    agent_client, citizen, payer, billed_service, regie_agent
):
    mine = bill(payer, billed_service)
    household = make_household(citizen, name="Foyer Lemoine")
    theirs = bill(household, billed_service, cents=5000)
    paid = bill(person_party(UserFactory(last_name="Zidane")), billed_service, cents=100)
    pay_at_counter(regie_agent, paid.payer, [paid], 100)

    by_number = agent_client.get(SEARCH, {"q": mine.number})
    assertContains(by_number, mine.number)
    assertNotContains(by_number, theirs.number)
    assertContains(by_number, "1 facture trouvée.")

    by_name = agent_client.get(SEARCH, {"q": "lemoine"})
    assertContains(by_name, theirs.number)
    assertNotContains(by_name, mine.number)

    by_state = agent_client.get(SEARCH, {"etat": "paid"})
    assertContains(by_state, paid.number)
    assertNotContains(by_state, mine.number)

    today = timezone.localdate()
    assertContains(
        agent_client.get(SEARCH, {"du": today.isoformat(), "au": today.isoformat()}), "3 factures trouvées."
    )
    tomorrow = (today + timedelta(days=1)).isoformat()
    assertContains(agent_client.get(SEARCH, {"du": tomorrow}), "Aucune facture ne correspond")


def test_a_backwards_period_is_refused_with_the_values_kept(agent_client, invoice):
    response = agent_client.get(SEARCH, {"du": "2026-12-31", "au": "2026-01-01", "q": "Benali"})
    assert response.status_code == 200
    assertContains(response, "La fin de la période ne peut pas précéder son début.")
    assertContains(response, 'value="Benali"')
    assertContains(response, 'value="2026-12-31"')


def test_the_search_is_paginated_and_costs_a_fixed_number_of_queries(
    agent_client, payer, billed_service, regie_agent, django_assert_max_num_queries
):
    for index in range(30):
        invoice = bill(payer, billed_service, cents=1000 + index)
        if index % 2:
            pay_at_counter(regie_agent, payer, [invoice], 400)
    agent_client.get(SEARCH)

    # session, user, OTP device, régie membership, unread count, paginator count, page
    with django_assert_max_num_queries(9):
        first = agent_client.get(SEARCH)
    with django_assert_max_num_queries(9):
        second = agent_client.get(SEARCH, {"page": 2})
    assertContains(first, "Page 1 sur 2")
    assert first.text.count('data-label="Numéro"') == 25
    assert second.text.count('data-label="Numéro"') == 5


def test_the_unpaid_list_with_reminders_costs_a_fixed_number_of_queries(
    agent_client, payer, billed_service, django_assert_max_num_queries
):
    invoices = [bill(payer, billed_service, due_in_days=1) for _ in range(30)]
    for invoice in invoices[:10]:
        services.send_reminder(invoice_id=invoice.pk, level=7)
    agent_client.get(reverse("regie_pages:agent_unpaid"))

    with django_assert_max_num_queries(10):
        response = agent_client.get(reverse("regie_pages:agent_unpaid"), {"page": 1})
    assert response.text.count("J+7 le") == 10


def test_the_detail_shows_the_whole_ledger_and_is_audited(agent_client, payer, invoice, regie_agent):
    payment = pay_at_counter(regie_agent, payer, [invoice], 500, method=PaymentMethod.CHEQUE)
    services.refund_payment(actor=regie_agent, payment=payment, amount_cents=200, reason="Trop perçu")
    note = services.issue_credit_note(actor=regie_agent, invoice=invoice, amount_cents=150, reason="Absence")

    response = agent_client.get(detail(invoice))

    assertContains(response, f"<h1>Facture n° {invoice.number}</h1>", html=True)
    assertContains(response, f"Paiement (Chèque), quittance n° {payment.receipt_number}")
    assertContains(response, "Remboursement : Trop perçu")
    assertContains(response, f"Avoir n° {note.number} : Absence")
    # 12,50 - 1,50 credited - (5,00 - 2,00) paid = 8,00
    assertContains(
        response, "<div><dt>Reste à payer</dt><dd><strong>8,00\u00a0€</strong></dd></div>", html=True
    )
    assert AuditEvent.objects.filter(
        action="invoice.view", actor_id=regie_agent.pk, target_id=str(invoice.pk)
    ).exists()


def test_someone_without_the_regie_role_gets_403_and_an_unknown_id_404(client, invoice, billed_service):
    make_town()
    for user in (
        make_agent(billed_service),
        make_agent(ServiceFactory()),
        make_admin(),
        invoice.payer.person,
    ):
        login(client, user)
        for url in (SEARCH, detail(invoice), reverse("regie_pages:agent_counter_payment", args=[invoice.pk])):
            assert client.get(url).status_code == 403, (user, url)
        client.logout()
    login(client, make_agent(ServiceFactory(slug="regie")))
    assert client.get(reverse("regie_pages:agent_invoice_detail", args=[999999])).status_code == 404


def test_an_agent_whose_second_factor_is_not_verified_is_sent_to_it(client, invoice, regie_service):
    make_town()
    login(client, make_agent(regie_service), verified=False)
    response = client.get(SEARCH)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_verify"))


def test_a_counter_payment_is_recorded_with_its_receipt(
    agent_client, payer, invoice, regie_agent, django_capture_on_commit_callbacks
):
    page = agent_client.get(reverse("regie_pages:agent_counter_payment", args=[invoice.pk]))
    assertContains(page, 'value="12,50"')  # what is left to pay, ready to confirm
    token = page.context["form"]["idempotency_key"].value()

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            reverse("regie_pages:agent_counter_payment", args=[invoice.pk]),
            {"method": "cash", "amount": "12,50", "idempotency_key": token},
            follow=True,
        )

    payment = Payment.objects.get()
    assertRedirects(response, reverse("regie_pages:agent_payment_detail", args=[payment.pk]))
    assertContains(response, f"Paiement enregistré : quittance n° {payment.receipt_number}.")
    assert (payment.method, payment.amount_cents, payment.status, payment.created_by) == (
        "cash",
        1250,
        PaymentStatus.SUCCEEDED,
        regie_agent,
    )
    assert Invoice.objects.with_balance().get(pk=invoice.pk).is_paid
    assert payment.receipt.emailed_at is not None  # rendered and e-mailed by its task
    receipt = agent_client.get(reverse("regie_pages:agent_receipt_pdf", args=[payment.pk]))
    assert receipt.content.startswith(b"%PDF")


def test_a_double_submitted_counter_form_records_one_payment(agent_client, invoice):
    url = reverse("regie_pages:agent_counter_payment", args=[invoice.pk])
    data = {"method": "cheque", "amount": "5", "idempotency_key": "a" * 32}
    first = agent_client.post(url, data)
    second = agent_client.post(url, data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("12,51", "Le montant dépasse le reste à payer de ces factures (12,50\u00a0€)."),
        ("douze", "Saisissez un montant en euros, par exemple 12,50."),
        ("0", "Le montant doit être supérieur à zéro."),
        ("1,234", "Saisissez un montant en euros, par exemple 12,50."),
    ],
)
def test_an_invalid_counter_amount_shows_the_french_error_and_keeps_what_was_typed(
    agent_client, invoice, amount, message
):
    response = agent_client.post(
        reverse("regie_pages:agent_counter_payment", args=[invoice.pk]),
        {"method": "cash", "amount": amount, "idempotency_key": "b" * 32},
    )
    assert response.status_code == 200
    assertContains(response, message)
    assertContains(response, f'value="{amount}"')
    assertContains(
        response,
        '<input type="radio" name="method" value="cash" required id="id_method_0" checked>',
        html=True,
    )
    assert not Payment.objects.exists()


def test_a_partial_then_a_full_credit_note(agent_client, invoice, regie_agent):
    url = reverse("regie_pages:agent_credit_note", args=[invoice.pk])
    assertContains(agent_client.get(url), 'value="12,50"')

    response = agent_client.post(url, {"amount": "2,50", "reason": "Absence", "idempotency_key": "c" * 32})
    assertRedirects(response, detail(invoice))
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.ISSUED

    assertContains(agent_client.get(url), 'value="10,00"')
    agent_client.post(url, {"amount": "10,00", "reason": "Annulation", "idempotency_key": "d" * 32})
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.CANCELLED
    assert CreditNote.objects.count() == 2


def test_a_credit_note_above_what_is_left_is_refused(agent_client, invoice):
    response = agent_client.post(
        reverse("regie_pages:agent_credit_note", args=[invoice.pk]),
        {"amount": "13", "reason": "Erreur", "idempotency_key": "e" * 32},
    )
    assertContains(
        response, "L&#x27;avoir ne peut pas dépasser le montant restant à créditer sur cette facture."
    )
    assertContains(response, 'value="13"')
    assertContains(response, "Erreur</textarea>")
    assert not CreditNote.objects.exists()


def test_a_double_submitted_credit_note_is_issued_once(agent_client, invoice):
    url = reverse("regie_pages:agent_credit_note", args=[invoice.pk])
    data = {"amount": "3", "reason": "Absence", "idempotency_key": "f" * 32}
    agent_client.post(url, data)
    agent_client.post(url, data)
    assert CreditNote.objects.count() == 1


def test_the_forms_refuse_a_forged_token(agent_client, invoice):
    response = agent_client.post(
        reverse("regie_pages:agent_credit_note", args=[invoice.pk]),
        {"amount": "3", "reason": "Absence", "idempotency_key": "not-a-token"},
    )
    assertContains(response, "Le formulaire a expiré : rechargez la page et recommencez.")


def test_wrong_methods(agent_client, invoice):
    assert agent_client.post(SEARCH).status_code == 405
    assert agent_client.post(detail(invoice)).status_code == 405
    assert agent_client.put(reverse("regie_pages:agent_credit_note", args=[invoice.pk])).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_one_credit_note_form_issue_one(billed_service):
    make_town()
    agent = make_agent(ServiceFactory(slug="regie", name="Régie"))
    invoice = bill(person_party(UserFactory()), billed_service, cents=5000)
    url = reverse("regie_pages:agent_credit_note", args=[invoice.pk])
    barrier = threading.Barrier(2)
    statuses = []

    @in_thread
    def submit():
        client = login(Client(), agent)
        barrier.wait()
        statuses.append(
            client.post(url, {"amount": "20", "reason": "Absence", "idempotency_key": "0" * 32}).status_code
        )

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [302, 302]
    assert CreditNote.objects.count() == 1
    assert Invoice.objects.with_balance().get(pk=invoice.pk).balance_cents == 3000


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_one_counter_form_record_one_payment(billed_service):
    make_town()
    agent = make_agent(ServiceFactory(slug="regie", name="Régie"))
    invoice = bill(person_party(UserFactory()), billed_service, cents=5000)
    url = reverse("regie_pages:agent_counter_payment", args=[invoice.pk])
    barrier = threading.Barrier(2)
    statuses = []

    @in_thread
    def submit():
        client = login(Client(), agent)
        barrier.wait()
        statuses.append(
            client.post(url, {"method": "cash", "amount": "20", "idempotency_key": "1" * 32}).status_code
        )

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [302, 302]
    assert Payment.objects.count() == 1
    assert Invoice.objects.with_balance().get(pk=invoice.pk).balance_cents == 3000
