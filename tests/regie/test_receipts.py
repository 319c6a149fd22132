"""Receipts and invoices as real PDFs, rendered with a URL fetcher fenced to static files."""

import io
import logging

import pytest
from django.conf import settings
from django.core import mail
from pypdf import PdfReader

from guichet.accounts.models import Party
from regie import services
from regie.enums import PaymentMethod
from regie.models import Receipt
from regie.pdf import StaticOnlyURLFetcher, render_pdf
from tests.factories import make_town
from tests.regie.conftest import bill

pytestmark = pytest.mark.django_db

INJECTED = '<img src="file:///etc/passwd">'


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    # French amounts use no-break spaces: compare with plain ones.
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture
def counter_payment(payer, billed_service, regie_agent):
    make_town(name="Villebelle", address="1 place de la République\n00000 Villebelle")
    invoice = bill(payer, billed_service, cents=1250, label="Restauration scolaire")
    return services.record_counter_payment(
        actor=regie_agent, payer=payer, invoices=[invoice], method=PaymentMethod.CHEQUE, amount_cents=1250
    )


def test_the_receipt_is_a_pdf_with_number_amount_payer_and_method(counter_payment):
    text = pdf_text(services.render_receipt_pdf(counter_payment))
    assert f"Quittance n° {counter_payment.receipt_number}" in text
    assert "12,50 €" in text
    assert "Sofia Benali" in text
    assert "Chèque" in text
    assert "Restauration scolaire" in text
    assert "Villebelle" in text


def test_markup_in_a_payer_name_prints_as_text_and_fetches_nothing(counter_payment, caplog):
    Party.objects.filter(pk=counter_payment.payer_id).update(name=INJECTED)
    with caplog.at_level(logging.WARNING, logger="regie.pdf"):
        text = pdf_text(services.render_receipt_pdf(counter_payment))
    assert INJECTED in text
    assert "root:" not in text
    assert not [record for record in caplog.records if "refused" in record.getMessage()]


def test_the_fetcher_refuses_local_files_and_remote_urls_but_serves_static_files(caplog):
    fetcher = StaticOnlyURLFetcher()
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/logo.png",
        "ftp://x/y",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    static = next(path for path in settings.STATICFILES_DIRS[0].rglob("*") if path.is_file())
    assert fetcher.fetch(static.resolve().as_uri()).read() == static.read_bytes()
    # A path that climbs out of the static folder is refused too.
    with pytest.raises(ValueError):
        fetcher.fetch((settings.STATICFILES_DIRS[0] / ".." / "manage.py").as_uri())


def test_raw_markup_reaching_weasyprint_still_cannot_read_a_local_file(tmp_path, caplog, settings):
    # Should a template ever print markup unescaped, the fetcher is the second wall.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    (tmp_path / "raw.html").write_text('<p>avant</p><img src="file:///etc/passwd"><p>après</p>')
    with caplog.at_level(logging.WARNING, logger="regie.pdf"):
        text = pdf_text(render_pdf("raw.html", {}))
    assert "avant" in text and "root:" not in text
    assert any("file:///etc/passwd" in record.getMessage() for record in caplog.records)


def test_sending_the_receipt_twice_renders_and_mails_it_once(counter_payment):
    first = services.send_receipt(payment_id=counter_payment.pk)
    second = services.send_receipt(payment_id=counter_payment.pk)
    assert first.pk == second.pk and Receipt.objects.count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == f"Votre quittance n° {counter_payment.receipt_number}"
    assert message.to == [counter_payment.payer.person.email]
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"quittance-{counter_payment.receipt_number}.pdf", "application/pdf")
    assert content == bytes(Receipt.objects.get().pdf)
    assert "12,50" in message.body


def test_every_member_of_a_household_gets_the_receipt(billed_service, regie_agent):
    from tests.factories import UserFactory
    from tests.regie.conftest import make_household

    one, two, gone = UserFactory(), UserFactory(), UserFactory(is_active=False)
    household = make_household(one, two, gone)
    invoice = bill(household, billed_service)
    payment = services.record_counter_payment(
        actor=regie_agent, payer=household, invoices=[invoice], method=PaymentMethod.CASH, amount_cents=1250
    )
    services.send_receipt(payment_id=payment.pk)
    assert sorted(mail.outbox[0].to) == sorted([one.email, two.email])


def test_a_pending_payment_gets_no_receipt(fake_stripe_api, citizen, invoice):
    redirect = services.start_online_payment(actor=citizen, payer=invoice.payer, invoices=[invoice])
    assert services.send_receipt(payment_id=redirect.payment.pk) is None
    assert not mail.outbox


def test_the_invoice_pdf_shows_lines_credit_notes_and_what_is_left(payer, billed_service, regie_agent):
    make_town(name="Villebelle")
    invoice = bill(payer, billed_service, cents=345, quantity=20, label="Repas de novembre")
    services.issue_credit_note(actor=regie_agent, invoice=invoice, amount_cents=690, reason="Deux absences")
    services.record_counter_payment(
        actor=regie_agent, payer=payer, invoices=[invoice], method=PaymentMethod.CASH, amount_cents=1000
    )
    text = pdf_text(services.render_invoice_pdf(invoice))
    assert f"Facture n° {invoice.number}" in text
    assert "Repas de novembre" in text and "3,45 €" in text and "69,00 €" in text
    assert "-6,90 €" in text and "-10,00 €" in text
    assert "52,10 €" in text  # 69,00 - 6,90 - 10,00
    assert "Sofia Benali" in text
