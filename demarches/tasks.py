"""Celery tasks of the démarches: thin wrappers around services, safe to run twice."""

import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError

from demarches import letters, receipts, services


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_acknowledgement(self, request_id: int) -> None:
    """Render the acknowledgement PDF and e-mail it to the applicant (`receipts.recipients`), once."""
    receipts.send_acknowledgement(request_id=request_id)


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def generate_decision_letter(self, request_id: int) -> None:
    """Render the decision's letter (PDF) into the service's space and offer it to the applicant, once."""
    letters.generate_decision_letter(request_id=request_id)


# Deadlines (Celery beat, see CELERY_BEAT_SCHEDULE): each run does what is due and nothing twice.


@shared_task(acks_late=True)
def apply_silence_rules() -> int:
    """Decide the requests whose procedure's silence rule has come (silence vaut acceptation / rejet)."""
    return services.apply_silence_rules()


@shared_task(acks_late=True)
def remind_overdue() -> int:
    """Remind the agent in charge of a late request, then alert the service's managers."""
    return services.remind_overdue()


@shared_task(acks_late=True)
def remind_information() -> int:
    """Remind applicants of the information the service waits for, then close the unanswered requests."""
    return services.remind_information()


# Exports of the agents' queues: built on request, deleted a day later (Celery beat).


# A large export takes minutes (some 2 ms a row for XLSX on a busy 2-core machine): past the soft
# limit the job is marked failed rather than killed and redelivered for ever.
@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, OSError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=1800,
    time_limit=1860,
)
def build_export(self, job_id: int) -> int | None:
    """Write the encrypted file of a pending export; a job done, gone or being built is left alone."""
    try:
        job = services.build_export(job_id=job_id)
    except Exception as error:
        retried = isinstance(error, OperationalError | InterfaceError | OSError)
        if not retried or self.request.retries >= self.max_retries:
            services.mark_export_failed(job_id=job_id)
        raise
    return job.row_count if job is not None else None


@shared_task(acks_late=True)
def purge_exports() -> int:
    """Delete the exports (files and jobs) older than DEMARCHES_EXPORT_TTL_HOURS."""
    return services.purge_exports()
