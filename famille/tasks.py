"""Celery tasks of the family app: ids in, a service call, safe to run twice. One block per part."""

from celery import shared_task

# Enrolments and bookings (part F2) -------------------------------------------------------------


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def promote_waiting_list(session_id: int) -> int:
    """Give a freed place of the session to the first waiting child (and tell the family); running it
    twice promotes nobody twice. Returns how many were promoted."""
    from famille.services import bookings

    return len(bookings.promote_waiting_list(session_id=session_id))


# (end of F2)


# Billing runs and tax certificates (part F3) ---------------------------------------------------

TAX_CERTIFICATE_BATCH = 50


@shared_task(acks_late=True)
def prepare_previous_month_billing() -> int | None:
    """Beat, on the 1st at 6:00 (Europe/Paris): the previous month's draft run, for an agent to review.

    A draft of that month is recomputed; an issued month is left alone (None).
    Returns the run's id.
    """
    from famille.exceptions import BillingRunIssued
    from famille.services import billing

    try:
        return billing.prepare_run(actor=None).pk
    except BillingRunIssued:
        return None


@shared_task(acks_late=True)
def prepare_billing_run(month: str, actor_id: int | None = None) -> dict:
    """An agent's "Préparer" or "Recalculer" (a town's month takes longer than a page may wait):
    {"run": id}, or {"error": the French reason} when refused."""
    from datetime import date

    from famille.exceptions import FamilleError
    from famille.services import billing
    from guichet.accounts.models import User

    actor = User.objects.get(pk=actor_id) if actor_id else None
    try:
        return {"run": billing.prepare_run(actor=actor, month=date.fromisoformat(month)).pk}
    except FamilleError as error:
        return {"error": error.message}


@shared_task(acks_late=True)
def issue_billing_run(run_id: int, actor_id: int | None = None) -> dict:
    """An agent's "Émettre les factures": {"invoices": count}, or {"error": the French reason}. Run twice
    (a double click, a redelivery after a crash), the second finds the run issued and issues nothing."""
    from famille.exceptions import FamilleError
    from famille.models import BillingRun
    from famille.services import billing
    from guichet.accounts.models import User

    actor = User.objects.get(pk=actor_id) if actor_id else None
    try:
        return {"invoices": len(billing.issue_run(actor=actor, run=BillingRun.objects.get(pk=run_id)))}
    except FamilleError as error:
        return {"error": error.message}


@shared_task
def generate_tax_certificates(year: int | None = None) -> int:
    """Beat, in January: queue the childcare tax certificate of every household that paid childcare
    for a child under 6 during `year` (last year by default), by batches. Returns how many households."""
    from django.utils import timezone

    from famille.selectors import billing

    year = year or timezone.localdate().year - 1
    ids = list(billing.tax_certificate_households(year).values_list("pk", flat=True))
    for start in range(0, len(ids), TAX_CERTIFICATE_BATCH):
        generate_tax_certificate_batch.delay(ids[start : start + TAX_CERTIFICATE_BATCH], year)
    return len(ids)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def generate_tax_certificate_batch(household_ids: list[int], year: int) -> int:
    """Render and store these households' certificates (~0.1 s each); those made already are kept."""
    from famille.models import Household
    from famille.services import billing

    made = 0
    for household in Household.objects.filter(pk__in=household_ids).order_by("pk"):
        made += billing.generate_tax_certificate(actor=None, household=household, year=year) is not None
    return made


# (end of F3)


# Attendance sheets (part F4) -------------------------------------------------------------------


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_attendance_sheet(session_id: int) -> str | None:
    """Render a session's printable attendance sheet as it stands and keep it in the cache for the
    agent's page to serve (WeasyPrint: ~1.1 s for 30 children, ~3.8 s for 150). Running it twice
    renders the same sheet twice, nothing more. Returns its fingerprint."""
    from famille.services import attendance

    return attendance.render_attendance_sheet_pdf(session_id=session_id)


# (end of F4)
