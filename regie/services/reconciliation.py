"""Daily reconciliation: the provider's report of a day against the ledger, every difference listed.

It settles nothing: the 15-minute re-check (recheck_pending_payments) already
settles or expires what it can; what is still different the next morning is for
the régisseur, who finds it on the régie's home page (selectors.open_discrepancies).
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from guichet import audit
from regie.backends import ProviderPaymentReport, day_bounds, get_backend
from regie.enums import DiscrepancyKind, PaymentStatus
from regie.models import Discrepancy, Payment
from regie.services.payments import _report


@dataclass(frozen=True)
class ReconciliationResult:
    day: date
    provider: str
    provider_payments: int  # paid at the provider, for that day
    ledger_payments: int  # succeeded in the ledger, for that day
    discrepancies: list[Discrepancy]  # every difference found, newly reported or not
    reported: int  # how many of them were new

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "provider": self.provider,
            "provider_payments": self.provider_payments,
            "ledger_payments": self.ledger_payments,
            "discrepancies": len(self.discrepancies),
            "reported": self.reported,
        }


def _difference(report: ProviderPaymentReport, payment: Payment | None) -> str | None:
    if payment is None:
        return DiscrepancyKind.UNKNOWN_PAYMENT
    if report.amount_cents != payment.amount_cents:
        return DiscrepancyKind.AMOUNT_MISMATCH
    if (report.currency or "").lower() != payment.currency:
        return DiscrepancyKind.CURRENCY_MISMATCH
    if payment.status != PaymentStatus.SUCCEEDED:
        return DiscrepancyKind.NOT_SETTLED
    return None


def reconcile_day(*, day: date, provider: str | None = None) -> ReconciliationResult:
    """Compare what the provider (settings' backend by default) holds as paid on `day` with the ledger.

    The day is the one the payments were opened (Europe/Paris). Paid at the
    provider but unknown, or not succeeded, or for another amount or currency in
    the ledger; succeeded in the ledger but not paid at the provider: each is a
    discrepancy, reported once per day however often the day is reconciled. A
    difference the webhook already reported and nobody resolved yet is not
    reported a second time. Raises PaymentProviderError when the provider cannot
    be reached: nothing is written then, and the run can simply be repeated.
    """
    backend = get_backend(provider)
    code = backend.code
    start, end = day_bounds(day)
    of_the_day = list(
        Payment.objects.filter(provider=code, created_at__gte=start, created_at__lt=end)
        .exclude(provider_reference="")
        .order_by("pk")
    )
    # The provider call happens outside any transaction: no lock is held while it answers.
    reports = backend.list_settled(day=day, references=[payment.provider_reference for payment in of_the_day])
    paid = {report.provider_reference: report for report in reports}
    # Looked up by reference, whatever its day: a checkout opened a moment before midnight matches.
    known = {
        payment.provider_reference: payment
        for payment in Payment.objects.filter(provider=code, provider_reference__in=list(paid))
    }
    differences: list[tuple[str, Payment | None, ProviderPaymentReport | None]] = []
    for reference, report in paid.items():
        kind = _difference(report, known.get(reference))
        if kind:
            differences.append((kind, known.get(reference), report))
    succeeded = [payment for payment in of_the_day if payment.status == PaymentStatus.SUCCEEDED]
    for payment in succeeded:
        if payment.provider_reference not in paid:
            differences.append((DiscrepancyKind.MISSING_AT_PROVIDER, payment, None))

    found: list[Discrepancy] = []
    reported = 0
    with transaction.atomic():
        for kind, payment, report in differences:
            reference = report.provider_reference if report else payment.provider_reference
            already = Discrepancy.objects.filter(
                kind=kind, provider=code, provider_reference=reference, reconciled_on=None, resolved_at=None
            ).first()
            if already is not None:
                found.append(already)
                continue
            discrepancy, created = _report(
                kind, payment=payment, provider=code, status=report, event_id="", reconciled_on=day
            )
            found.append(discrepancy)
            reported += created
        result = ReconciliationResult(
            day=day,
            provider=code,
            provider_payments=len(paid),
            ledger_payments=len(succeeded),
            discrepancies=found,
            reported=reported,
        )
        audit.record(
            actor=None,
            action="payment.reconcile_day",
            day=day.isoformat(),
            provider=code,
            provider_payments=result.provider_payments,
            ledger_payments=result.ledger_payments,
            discrepancies=[discrepancy.pk for discrepancy in found],
            reported=reported,
        )
    return result
