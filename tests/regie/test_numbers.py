"""Invoice numbers are gapless and unique per year, even from concurrent issuers."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from regie import services
from regie.models import Invoice
from regie.services import InvoiceDraft, LineDraft
from tests.factories import ServiceFactory, UserFactory, person_party
from tests.regie.conftest import in_thread

THREADS = 4
PER_THREAD = 250  # 1,000 invoices in all


@pytest.mark.django_db(transaction=True)
def test_a_thousand_invoices_from_four_threads_have_gapless_unique_numbers():
    service = ServiceFactory()
    payers = [person_party(UserFactory()) for _ in range(THREADS)]
    due = timezone.localdate() + timedelta(days=30)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def draft(payer) -> InvoiceDraft:
        return InvoiceDraft(
            payer=payer, lines=[LineDraft(label="Repas", service=service, unit_price_cents=345)], due_date=due
        )

    @in_thread
    def issue(payer) -> None:
        try:
            barrier.wait()
            issued = 0
            # Singles and billing runs interleaved, so both paths race for the sequence.
            while issued < PER_THREAD:
                if issued % 50 < 25:
                    services.issue_invoice(actor=None, payer=payer, lines=draft(payer).lines, due_date=due)
                    issued += 1
                else:
                    services.issue_invoices(actor=None, invoices=[draft(payer)] * 5)
                    issued += 5
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=issue, args=(payer,)) for payer in payers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    year = timezone.localdate().year
    numbers = list(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == THREADS * PER_THREAD
    assert sorted(numbers) == [f"F{year}-{n:06d}" for n in range(1, THREADS * PER_THREAD + 1)]
    assert {Invoice.objects.filter(payer=payer).count() for payer in payers} == {PER_THREAD}


@pytest.mark.django_db
def test_a_rolled_back_issue_gives_its_number_back(payer, billed_service):
    from django.db import transaction

    from tests.regie.conftest import bill

    with pytest.raises(RuntimeError), transaction.atomic():
        bill(payer, billed_service)
        raise RuntimeError("the caller's transaction fails after billing")
    assert bill(payer, billed_service).number.endswith("-000001")
