"""The agents' exports of requests: asked for on the page, built by Celery, downloaded once ready.

    request_export(*, actor, service, file_format, filters) -> ExportJob
    build_export(*, job_id) -> ExportJob | None           (the Celery task's body: safe to run twice)
    mark_export_failed(*, job_id) -> None
    open_export(*, actor, job) -> Iterator[bytes]         (the download: decrypted, audited)
    purge_exports(*, now=None) -> int                     (Celery beat: older than the TTL)

The flow always goes through the task, even when it runs eagerly (the demo).
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from coffre import crypto
from demarches import exports, perms
from demarches.enums import ExportFormat, ExportStatus
from demarches.models import ExportJob
from demarches.selectors import queues
from guichet import audit
from guichet.accounts.models import Service


def export_ttl() -> timedelta:
    return timedelta(hours=settings.DEMARCHES_EXPORT_TTL_HOURS)


@transaction.atomic
def request_export(*, actor, service: Service, file_format: str, filters: queues.QueueFilters) -> ExportJob:
    """An export of the queue's requests (its tab and filters) of one of the actor's services, queued."""
    if not perms.is_service_agent(actor, service.pk):
        raise PermissionDenied
    if file_format not in ExportFormat.values:
        raise ValueError(f"Unknown export format {file_format!r}.")
    job = ExportJob.objects.create(
        service=service, requested_by=actor, filters=filters.as_dict(), format=file_format
    )
    audit.record(
        actor=actor, action="demarches.export.create", target=job, service=service.pk, format=file_format
    )
    from demarches import tasks

    transaction.on_commit(partial(tasks.build_export.delay, job.pk))
    return job


def build_export(*, job_id: int) -> ExportJob | None:
    """Write the file of a pending export; None when it is done already, gone, or being built elsewhere.

    The job's row stays locked while its file is written, in the transaction that
    reads the requests (one snapshot): a second delivery of the task skips it. An
    interrupted build leaves no file behind and the job pending, for the retry.
    """
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("service", "requested_by")
            .filter(pk=job_id, status=ExportStatus.PENDING)
            .first()
        )
        if job is None:
            return None
        if not perms.is_service_agent(job.requested_by, job.service_id):
            # No longer an agent of the service: nothing is exported for them.
            job.status = ExportStatus.FAILED
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "finished_at"])
            return job
        requests = queues.export_requests(
            user=job.requested_by,
            service_id=job.service_id,
            filters=queues.QueueFilters.from_dict(job.filters),
        )
        storage = exports.export_storage()
        job.file_name = exports.new_file_name()
        key = crypto.generate_key()
        writer = None
        try:
            with storage.open(job.file_name, "wb") as out:
                writer = exports.EncryptingWriter(key, out)
                job.row_count = exports.write_file(requests, file_format=job.format, out=writer)
                job.size = writer.finalize()
        except BaseException:
            if writer is not None:
                writer.abandon()
            if storage.exists(job.file_name):
                storage.delete(job.file_name)
            raise
        job.wrapped_key = exports.wrap_file_key(key, job=job, size=job.size)
        job.status = ExportStatus.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["file_name", "row_count", "size", "wrapped_key", "status", "finished_at"])
        # Nothing bound to a citizen: one export reads many; the job's own trail says who took what.
        audit.record(actor=None, action="demarches.export.build", target=job, rows=job.row_count)
        return job


def mark_export_failed(*, job_id: int) -> None:
    """The task gave up: the agent sees the export failed and may ask again."""
    ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(
        status=ExportStatus.FAILED, finished_at=timezone.now()
    )


def open_export(*, actor, job: ExportJob) -> Iterator[bytes]:
    """The file of a ready export of the actor's own, decrypted as it streams; the download is audited."""
    if job.requested_by_id != actor.pk or not perms.is_service_agent(actor, job.service_id):
        raise PermissionDenied
    if job.status != ExportStatus.DONE:
        raise PermissionDenied
    content = exports.read_file(job)  # the key unwraps, or this fails before anything is recorded
    audit.record(
        actor=actor,
        action="demarches.export.download",
        target=job,
        service=job.service_id,
        rows=job.row_count,
    )
    return content


def purge_exports(*, now: datetime | None = None) -> int:
    """Delete the exports older than the TTL, their files first; returns how many jobs went.

    Files left by a build that failed after writing (none is referenced) go once as old.
    """
    limit = (now or timezone.now()) - export_ttl()
    storage = exports.export_storage()
    deleted = 0
    for job in ExportJob.objects.filter(created_at__lt=limit).only("pk", "file_name").iterator():
        if job.file_name and storage.exists(job.file_name):
            storage.delete(job.file_name)
        ExportJob.objects.filter(pk=job.pk).delete()
        deleted += 1
    _purge_orphans(storage, limit=limit)
    return deleted


def _purge_orphans(storage, *, limit: datetime) -> None:
    if not storage.exists(exports.PREFIX):
        return
    known = set(ExportJob.objects.exclude(file_name="").values_list("file_name", flat=True))
    for folder in storage.listdir(exports.PREFIX)[0]:
        for name in storage.listdir(f"{exports.PREFIX}/{folder}")[1]:
            path = f"{exports.PREFIX}/{folder}/{name}"
            if path not in known and storage.get_modified_time(path) < limit:
                storage.delete(path)
