""" "Mes factures": the lists, an invoice's page and its PDF, for the payer's members only."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pytest_django.asserts import assertContains, assertNotContains

from regie import services
from tests.factories import UserFactory, person_party
from tests.helpers import login
from tests.regie.conftest import bill, make_household, pay_at_counter

pytestmark = pytest.mark.django_db

LIST = reverse("regie_pages:invoices")


def test_the_list_shows_what_is_left_to_pay_in_french_with_due_dates_and_derived_badges(
    citizen_client, payer, billed_service, regie_agent
):
    to_pay = bill(payer, billed_service, cents=123450, label="Centre de loisirs — été", due_in_days=10)
    partial = bill(payer, billed_service, cents=2000, label="Cantine — octobre", due_in_days=20)
    pay_at_counter(regie_agent, payer, [partial], 500)
    paid = bill(payer, billed_service, cents=900, label="Garderie")
    pay_at_counter(regie_agent, payer, [paid], 900)

    response = citizen_client.get(LIST)

    assert response.status_code == 200
    assertContains(response, "<h1>Mes factures</h1>", html=True)
    # Amounts the French way: narrow no-break space for thousands, comma, no-break space before €.
    assertContains(
        response, '<td data-label="Montant" class="regie-amount">1\u202f234,50\u00a0€</td>', html=True
    )
    assertContains(
        response, '<td data-label="Reste à payer" class="regie-amount">15,00\u00a0€</td>', html=True
    )
    due = to_pay.due_date
    assertContains(
        response, f'<time datetime="{due.isoformat()}">{due.strftime("%d/%m/%Y")}</time>', html=True
    )
    assertContains(response, '<span class="badge badge--info">À payer</span>', html=True)
    assertContains(response, '<span class="badge badge--warning">Partiellement payée</span>', html=True)
    # Only what is left to pay on this tab, oldest due first, each with its checkbox and PDF.
    assertNotContains(response, paid.number)
    assert response.text.index(to_pay.number) < response.text.index(partial.number)
    assertContains(
        response,
        f'<input type="checkbox" name="factures" value="{to_pay.pk}" id="facture-{to_pay.pk}">',
        html=True,
    )
    assertContains(response, reverse("regie_pages:invoice_pdf", args=[to_pay.pk]))


def test_the_paid_and_all_tabs(citizen_client, payer, billed_service, regie_agent):
    to_pay = bill(payer, billed_service)
    paid = bill(payer, billed_service, cents=900)
    pay_at_counter(regie_agent, payer, [paid], 900)

    paid_tab = citizen_client.get(LIST, {"vue": "payees"})
    everything = citizen_client.get(LIST, {"vue": "toutes"})

    assertContains(paid_tab, paid.number)
    assertNotContains(paid_tab, to_pay.number)
    assertContains(paid_tab, '<span class="badge badge--success">Payée</span>', html=True)
    assertNotContains(paid_tab, 'type="checkbox"')
    assertContains(everything, paid.number)
    assertContains(everything, to_pay.number)
    assertContains(everything, '<a href="?vue=toutes" aria-current="page">Toutes</a>', html=True)


def test_an_overdue_invoice_shows_a_danger_badge(citizen, citizen_client, payer, billed_service):
    invoice = bill(payer, billed_service, due_in_days=3)
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        login(citizen_client, citizen)  # 5 days later: a new session (an idle one ends after 30 minutes)
        response = citizen_client.get(LIST)
    assertContains(response, invoice.number)
    assertContains(response, '<span class="badge badge--danger">En retard</span>', html=True)


def test_the_list_shows_the_households_invoices_but_never_someone_elses(
    citizen, citizen_client, payer, billed_service
):
    household = make_household(citizen, UserFactory(), name="Foyer Benali-Martin")
    family = bill(household, billed_service, label="Crèche")
    stranger = bill(person_party(UserFactory()), billed_service, label="Location de salle")

    response = citizen_client.get(LIST, {"vue": "toutes"})

    assertContains(response, family.number)
    assertContains(response, "Foyer Benali-Martin")
    assertNotContains(response, stranger.number)


def test_an_empty_list_says_so(citizen_client):
    response = citizen_client.get(LIST)
    assertContains(
        response, '<p class="empty-state__title">Vous n\'avez aucune facture à payer</p>', html=True
    )


def test_the_list_of_30_invoices_costs_a_fixed_number_of_queries(
    citizen_client, payer, billed_service, regie_agent, django_assert_max_num_queries
):
    for index in range(30):
        invoice = bill(payer, billed_service, cents=1000 + index, label=f"Ligne {index}")
        if index % 3 == 0:
            pay_at_counter(regie_agent, payer, [invoice], 300)
    citizen_client.get(LIST)  # warms the town and session caches

    # session, user, unread notifications, count, the page, its lines
    with django_assert_max_num_queries(7):
        response = citizen_client.get(LIST, {"vue": "toutes"})
    assert response.text.count('class="badge badge--warning">Partiellement payée') == 10


def test_the_invoice_page_shows_its_lines_payments_and_pay_button(
    citizen_client, payer, billed_service, regie_agent
):
    invoice = bill(payer, billed_service, cents=345, quantity=20, label="Repas de novembre")
    payment = pay_at_counter(regie_agent, payer, [invoice], 2000, method="cheque")

    response = citizen_client.get(reverse("regie_pages:invoice_detail", args=[invoice.pk]))

    assertContains(response, f"<h1>Facture n° {invoice.number}</h1>", html=True)
    assertContains(response, '<th scope="row" data-label="Libellé">Repas de novembre</th>', html=True)
    assertContains(
        response, '<td data-label="Prix unitaire" class="regie-amount">3,45\u00a0€</td>', html=True
    )
    assertContains(
        response, "<div><dt>Reste à payer</dt><dd><strong>49,00\u00a0€</strong></dd></div>", html=True
    )
    assertContains(response, f"Quittance n° {payment.receipt_number}")
    assertContains(
        response, '<button type="submit" class="button">Payer 49,00\u00a0€ par carte</button>', html=True
    )
    assertContains(response, f'<input type="hidden" name="factures" value="{invoice.pk}">', html=True)


def test_a_paid_invoice_has_no_pay_button(citizen_client, payer, invoice, regie_agent):
    pay_at_counter(regie_agent, payer, [invoice], invoice.total_cents)
    response = citizen_client.get(reverse("regie_pages:invoice_detail", args=[invoice.pk]))
    assertNotContains(response, "par carte</button>")
    assertContains(response, '<span class="badge badge--success">Payée</span>', html=True)


def test_someone_elses_invoice_and_its_pdf_are_not_found(citizen_client, billed_service):
    theirs = bill(person_party(UserFactory()), billed_service)
    assert citizen_client.get(reverse("regie_pages:invoice_detail", args=[theirs.pk])).status_code == 404
    assert citizen_client.get(reverse("regie_pages:invoice_pdf", args=[theirs.pk])).status_code == 404
    assert citizen_client.get(reverse("regie_pages:invoice_detail", args=[999999])).status_code == 404


def test_a_draft_is_not_shown(citizen_client, payer, billed_service):
    draft = services.create_draft_invoice(
        actor=None,
        payer=payer,
        lines=[{"label": "Brouillon", "service": billed_service, "unit_price_cents": 100}],
        due_date=timezone.localdate(),
    )
    assert citizen_client.get(reverse("regie_pages:invoice_detail", args=[draft.pk])).status_code == 404


def test_the_invoice_pdf_is_a_real_pdf_with_its_number_and_amount(citizen_client, payer, billed_service):
    invoice = bill(payer, billed_service, cents=4250, label="Séjour à la montagne")

    response = citizen_client.get(reverse("regie_pages:invoice_pdf", args=[invoice.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="facture-{invoice.number}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert invoice.number in text and "Séjour à la montagne" in text and "42,50" in text


def test_the_pages_answer_get_only(citizen_client, invoice):
    for url in (LIST, reverse("regie_pages:invoice_detail", args=[invoice.pk])):
        assert citizen_client.post(url).status_code == 405


def test_an_anonymous_visitor_is_sent_to_login(client, invoice):
    response = client.get(LIST)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_dashboard_card_shows_what_is_left_to_pay_and_the_next_due_date(
    citizen_client, payer, billed_service, regie_agent
):
    first = bill(payer, billed_service, cents=1250, due_in_days=5)
    bill(payer, billed_service, cents=110050, due_in_days=12)
    paid = bill(payer, billed_service, cents=700, due_in_days=1)
    pay_at_counter(regie_agent, payer, [paid], 700)

    response = citizen_client.get(reverse("portal:dashboard"))

    assertContains(response, '<h2 class="card__title">Mes factures</h2>', html=True)
    assertContains(
        response, '<p class="regie-card__amount">1\u202f113,00\u00a0€ à payer (2 factures).</p>', html=True
    )
    assertContains(response, f"Prochaine échéance : {first.due_date.day} ")
    assertContains(
        response, f'<a class="button button--small" href="{LIST}">Voir et payer mes factures</a>', html=True
    )


def test_the_dashboard_card_with_nothing_to_pay(client, town):
    login(client, UserFactory())
    response = client.get(reverse("portal:dashboard"))
    assertContains(response, "<p>Vous n'avez aucune facture à payer.</p>", html=True)
