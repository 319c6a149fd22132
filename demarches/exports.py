"""The agents' exports of requests: the columns and rows, and the encrypted file they are kept in.

A file is written row by row from a server-side cursor straight into the
vault's streaming AES-256-GCM (coffre.crypto) and onto the private storage
``STORAGES["demarches_exports"]`` (never a media URL): neither the rows nor the
file sit whole in memory, and only ciphertext reaches the storage. Each file has
its own random key, kept in ``ExportJob.wrapped_key`` wrapped by the vault's
master key (KEK) and bound to the job, its requester, its file and size: a key
moved to another row, or a size altered, no longer unwraps.

One caveat for XLSX: openpyxl writes the sheet's rows into a temporary file of
the worker (in clear, removed once the workbook is written) and keeps the
distinct texts in memory; CSV has neither.
"""

import secrets
from collections.abc import Iterator

from django.core.files.storage import Storage, storages
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from coffre import crypto, keys
from demarches import engine
from demarches.enums import Channel, ExportFormat, RequestStatus
from demarches.models import DemarcheRevision, ExportJob
from guichet.spreadsheets import Column, csv_stream, write_xlsx

STORAGE_ALIAS = "demarches_exports"
PREFIX = "exports"
CHUNK = 2000
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# CSV lines are handed to the encryptor by batches of about this many bytes.
_BATCH_BYTES = 64 * 1024


def export_storage() -> Storage:
    """Looked up at each call, so that tests may point it elsewhere."""
    return storages[STORAGE_ALIAS]


def new_file_name() -> str:
    """Random: the name says nothing of the service, the agent or the requests."""
    token = secrets.token_hex(16)
    return f"{PREFIX}/{token[:2]}/{token}"


def download_name(job: ExportJob) -> str:
    day = timezone.localtime(job.created_at).date().isoformat()
    return f"demandes-{job.service.slug}-{day}-{job.pk}.{job.format}"


# Columns and rows ------------------------------------------------------------------------------


def columns() -> list[Column]:
    return [
        Column(_("Référence")),
        Column(_("Démarche")),
        Column(_("Service")),
        Column(_("Demandeur")),
        Column(_("Canal")),
        Column(_("Statut")),
        Column(_("Déposée le"), "datetime"),
        Column(_("À traiter avant le"), "date"),
        Column(_("Décision le"), "datetime"),
        Column(_("Agent chargé")),
        Column(_("Étiquettes")),
        Column(_("Réponses")),
    ]


def answers_text(schema, answers: dict) -> str:
    """The answers of the visible pages as one text: « Question : réponse » separated by « | »."""
    parts = []
    for page in engine.summarise(schema, answers, document_labels={}):
        for row in page.rows:
            if not row.answered:
                continue
            if row.blocks:
                for block in row.blocks:
                    inner = " ; ".join(
                        f"{child.label} : {child.value}" for child in block.rows if child.answered
                    )
                    parts.append(f"{block.legend} ({inner})")
            else:
                parts.append(f"{row.label} : {row.value}")
    return " | ".join(parts)


def rows(requests: QuerySet) -> Iterator[list]:
    """One row per request (`selectors.queues.export_requests`' values), read CHUNK at a time;
    each revision's form is read once."""
    schemas: dict[int, engine.FormSchema] = {}
    for request in requests.iterator(chunk_size=CHUNK):
        schema = schemas.get(request["revision_id"])
        if schema is None:
            schema = DemarcheRevision.objects.get(pk=request["revision_id"]).form
            schemas[request["revision_id"]] = schema
        assignee = " ".join(
            name for name in (request["assignee_first_name"], request["assignee_last_name"]) if name
        )
        yield [
            request["reference"],
            request["procedure"],
            request["service"],
            request["applicant_name"],
            str(Channel(request["channel"]).label),
            str(RequestStatus(request["status"]).label),
            timezone.localtime(request["submitted_at"]) if request["submitted_at"] else None,
            request["due_date"],
            timezone.localtime(request["decided_at"]) if request["decided_at"] else None,
            assignee or request["assignee_email"] or "",
            ", ".join(request["label_names"]),
            answers_text(schema, request["answers"]),
        ]


# The encrypted file --------------------------------------------------------------------------


class EncryptingWriter:
    """A binary stream that encrypts what is written into `out`, chunk by chunk (it cannot seek).

    `size` is the number of plaintext bytes once `finalize()` has sealed the last chunk.
    """

    def __init__(self, key: bytes, out):
        self._encryptor = crypto.StreamEncryptor(key)
        self._out = out

    def write(self, data) -> int:
        for piece in self._encryptor.update(data):
            self._out.write(piece)
        return len(data)

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def finalize(self) -> int:
        for piece in self._encryptor.finalize():
            self._out.write(piece)
        return self._encryptor.size

    def abandon(self) -> None:
        self._encryptor.close()


def write_file(requests: QuerySet, *, file_format: str, out: EncryptingWriter) -> int:
    """Write the export of `requests` into `out`; returns the number of data rows."""
    count = 0

    def counted():
        nonlocal count
        for row in rows(requests):
            count += 1
            yield row

    if file_format == ExportFormat.XLSX:
        write_xlsx(columns(), counted(), title=_("Demandes"), out=out)
        return count
    batch: list[bytes] = []
    size = 0
    for line in csv_stream(columns(), counted()):
        data = line.encode()
        batch.append(data)
        size += len(data)
        if size >= _BATCH_BYTES:
            out.write(b"".join(batch))
            batch, size = [], 0
    if batch:
        out.write(b"".join(batch))
    return count


def _key_context(job: ExportJob, *, kek_id: str, size: int) -> bytes:
    """The file key belongs to one job, its requester and service, one file, one size, one KEK."""
    return (
        f"demarches/export/v1|job:{job.pk}|service:{job.service_id}|user:{job.requested_by_id}"
        f"|file:{job.file_name}|size:{size}|kek:{kek_id}"
    ).encode()


def wrap_file_key(key: bytes, *, job: ExportJob, size: int) -> bytes:
    """``kek id:wrapped key`` (a KEK id has no colon), under the current KEK."""
    ring = keys.keyring()
    kek_id = ring.current_id
    context = _key_context(job, kek_id=kek_id, size=size)
    return kek_id.encode() + b":" + crypto.wrap_key(key, wrapping_key=ring.key(kek_id), context=context)


def unwrap_file_key(job: ExportJob) -> bytes:
    """The job's file key; VaultKeyError / VaultIntegrityError if its KEK is gone or a bound field changed."""
    kek_id, _sep, wrapped = bytes(job.wrapped_key).partition(b":")
    kek = kek_id.decode("ascii")
    context = _key_context(job, kek_id=kek, size=job.size)
    return crypto.unwrap_key(wrapped, wrapping_key=keys.keyring().key(kek), context=context)


def read_file(job: ExportJob) -> Iterator[bytes]:
    """The plaintext of a ready export, decrypted as it streams (a tampered chunk stops it).

    The key is unwrapped at once, so that a key that no longer unwraps fails before any byte is sent.
    """
    return _decrypted(job.file_name, unwrap_file_key(job))


def _decrypted(name: str, key: bytes) -> Iterator[bytes]:
    handle = export_storage().open(name, "rb")
    try:
        yield from crypto.StreamDecryptor(key).decrypt(handle)
    finally:
        handle.close()
