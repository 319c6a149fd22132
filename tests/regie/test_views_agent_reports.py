"""Cash closing of a day, and the exports for the public accountant, parsed back."""

import csv
import io
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pytest_django.asserts import assertContains

from guichet.audit.models import AuditEvent
from regie import services
from tests.factories import UserFactory, person_party
from tests.regie.conftest import bill, pay_at_counter

pytestmark = pytest.mark.django_db

CLOSING = reverse("regie_pages:agent_cash_closing")
EXPORT = reverse("regie_pages:agent_export")


def at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def test_the_cash_closing_sums_the_days_counter_payments_by_method(
    agent_client, payer, billed_service, regie_agent
):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    invoices = [bill(payer, billed_service, cents=10000) for _ in range(4)]
    with time_machine.travel(at(today, 9)):
        cash = pay_at_counter(regie_agent, payer, [invoices[0]], 2000)
        pay_at_counter(regie_agent, payer, [invoices[1]], 3550, method="cheque")
        pay_at_counter(regie_agent, payer, [invoices[2]], 500)
        services.refund_payment(actor=regie_agent, payment=cash, amount_cents=300, reason="Erreur de rendu")
    with time_machine.travel(at(yesterday, 16)):
        pay_at_counter(regie_agent, payer, [invoices[3]], 9900)

    response = agent_client.get(CLOSING, {"jour": today.isoformat()})

    report = response.context["report"]
    rows = {row["method"]: row for row in report["methods"]}
    assert (rows["cash"]["count"], rows["cash"]["received_cents"], rows["cash"]["refunded_cents"]) == (
        2,
        2500,
        300,
    )
    assert (rows["cheque"]["count"], rows["cheque"]["received_cents"]) == (1, 3550)
    assert rows["transfer"]["count"] == 0
    assert (report["received_cents"], report["refunded_cents"], report["net_cents"]) == (6050, 300, 5750)
    assertContains(
        response, '<td data-label="Solde" class="regie-amount"><strong>57,50\u00a0€</strong></td>', html=True
    )
    assertContains(response, cash.receipt_number)
    assertContains(agent_client.get(CLOSING, {"jour": yesterday.isoformat()}), "99,00\u00a0€")


def test_the_cash_closing_defaults_to_today_and_refuses_the_future(agent_client):
    assertContains(agent_client.get(CLOSING), f'value="{timezone.localdate().isoformat()}"')
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = agent_client.get(CLOSING, {"jour": tomorrow})
    assertContains(response, "Choisissez une journée passée ou aujourd&#x27;hui.")
    assertContains(response, f'value="{tomorrow}"')


def make_ledger(payer, billed_service, regie_agent):
    paid = bill(payer, billed_service, cents=123456, label="Séjour")
    payment = pay_at_counter(regie_agent, payer, [paid], 123456, method="cheque")
    services.refund_payment(actor=regie_agent, payment=payment, amount_cents=456, reason="Trop perçu")
    open_ = bill(payer, billed_service, cents=999)
    injected = bill(
        person_party(UserFactory(first_name="=HYPERLINK(", last_name="x")), billed_service, cents=100
    )
    return paid, payment, open_, injected


def export(client, **params):
    today = timezone.localdate().isoformat()
    return client.get(EXPORT, {"du": today, "au": today, **params})


def test_the_payments_csv_streams_french_numbers_and_parses_back(
    agent_client, payer, billed_service, regie_agent
):
    paid, payment, _open, _injected = make_ledger(payer, billed_service, regie_agent)

    response = export(agent_client, contenu="paiements", format="csv")

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="regie-paiements-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Quittance", "Encaissé le", "Payeur"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Quittance"] == payment.receipt_number
    assert row["Payeur"] == payer.name
    assert row["Moyen de paiement"] == "Chèque"
    assert row["Montant"] == "1234,56" and row["Remboursé"] == "4,56"
    assert row["Factures réglées"] == f"{paid.number}:1234,56"
    assert AuditEvent.objects.filter(action="regie.export").exists()


def test_the_invoices_csv_neutralises_formulas(agent_client, payer, billed_service, regie_agent):
    paid, _payment, open_, injected = make_ledger(payer, billed_service, regie_agent)

    response = export(agent_client, contenu="factures", format="csv")

    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff")), delimiter=";"
        )
    )
    by_number = {row["Numéro"]: row for row in rows}
    assert set(by_number) == {paid.number, open_.number, injected.number}
    assert by_number[paid.number]["Payé"] == "1230,00" and by_number[paid.number]["Reste à payer"] == "4,56"
    assert by_number[open_.number]["État"] == "À payer"
    assert by_number[injected.number]["Payeur"].startswith("'=HYPERLINK(")


def test_the_payments_xlsx_holds_numbers_in_euros(agent_client, payer, billed_service, regie_agent):
    paid, payment, _open, _injected = make_ledger(payer, billed_service, regie_agent)

    response = export(agent_client, contenu="paiements", format="xlsx")

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Quittance"
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Quittance"] == payment.receipt_number
    assert Decimal(str(row["Montant"])) == Decimal("1234.56")
    assert Decimal(str(row["Remboursé"])) == Decimal("4.56")
    assert isinstance(row["Encaissé le"], datetime)
    assert sheet.cell(row=2, column=7).number_format == '#,##0.00\\ "€"'


def test_the_invoices_xlsx_keeps_a_formula_looking_name_as_text(
    agent_client, payer, billed_service, regie_agent
):
    _paid, _payment, _open, injected = make_ledger(payer, billed_service, regie_agent)

    response = export(agent_client, contenu="factures", format="xlsx")

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [row for row in sheet.iter_rows() if row[0].value == injected.number][0]
    assert cells[3].data_type == "s" and cells[3].value.startswith("=HYPERLINK(")
    assert cells[1].is_date


def test_an_invalid_export_shows_the_form_with_the_errors(agent_client):
    response = agent_client.get(
        EXPORT, {"contenu": "paiements", "format": "pdf", "du": "2026-02-01", "au": "2026-01-01"}
    )
    assert response.status_code == 200
    assertContains(response, "Sélectionnez un choix valide.")
    assertContains(response, "La fin de la période ne peut pas précéder son début.")
    assertContains(response, 'value="2026-02-01"')
    assert not AuditEvent.objects.filter(action="regie.export").exists()


def test_the_export_form_page(agent_client):
    response = agent_client.get(EXPORT)
    assertContains(response, "<h1>Exports pour le comptable public</h1>", html=True)


def test_a_large_payments_export_streams_in_a_fixed_number_of_queries(
    agent_client, payer, billed_service, regie_agent, django_assert_max_num_queries
):
    for _ in range(30):
        invoice = bill(payer, billed_service)
        pay_at_counter(regie_agent, payer, [invoice], 1250)
    with django_assert_max_num_queries(12):
        response = export(agent_client, contenu="paiements", format="csv")
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 31
