"""Requests for the back-office's queue and export tests, made cheaply.

`sent_requests` writes submitted requests straight into the tables with
bulk_create (no submission, no search index): thousands cost a second. Tests
about search or the workflow use `tests.demarches.factories.submitted`, which
goes through the services.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from demarches.enums import RequestStatus
from demarches.models import Demarche, Request
from guichet.accounts.models import Party

# Far from the current year's gapless sequence, which the services' submissions use.
REFERENCE_YEAR = 2019


def sent_requests(
    *,
    demarche: Demarche,
    applicants: list[Party],
    count: int,
    status: str = RequestStatus.SUBMITTED,
    start: int = 0,
    submitted_at: datetime | None = None,
    due_in_days: int | None = 10,
    assignee=None,
    answers: dict | None = None,
    labels=(),
) -> list[Request]:
    """`count` requests of `demarche` sent (or further on: `status`), by the applicants in turn."""
    submitted_at = submitted_at or timezone.now() - timedelta(days=1)
    revision = demarche.current_revision
    decided = RequestStatus(status).is_final
    rows = [
        Request(
            reference=f"GN-{REFERENCE_YEAR}-{start + index + 1:06d}",
            demarche=demarche,
            revision=revision,
            applicant=applicants[index % len(applicants)],
            status=status,
            answers=answers if answers is not None else {"nom": f"Nom{start + index}", "moment": "matin"},
            submitted_at=submitted_at + timedelta(minutes=index),
            decided_at=submitted_at + timedelta(days=2) if decided else None,
            due_date=(timezone.localdate(submitted_at) + timedelta(days=due_in_days))
            if due_in_days is not None
            else None,
            assignee=assignee,
        )
        for index in range(count)
    ]
    created = Request.objects.bulk_create(rows, batch_size=2000)
    if labels:
        through = Request.labels.through
        through.objects.bulk_create(
            [through(request_id=request.pk, label_id=label.pk) for request in created for label in labels],
            batch_size=5000,
        )
    return created
