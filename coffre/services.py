"""Every state change of the vault, and the one read that releases plaintext.

Public API (keyword-only arguments, `actor` first; every refusal is a
`coffre.exceptions.VaultError` with a French `message`):

Documents
    store_document(actor, owner, uploaded, document_type, title, issue_date, expiry_date, replaces)
    store_document_from_file(actor, owner, source, filename, document_type, title, ...)
    update_document(actor, document, title, issue_date, expiry_date)
    delete_document(actor, document)
    delete_version(actor, version)
Reading
    open_plaintext(actor, version) -> PlaintextStream
    verify_version(version) -> sha256
Sharing
    grant_access(actor, document, service, purpose, expires_at, note) -> Grant
    share_document(actor, document, service, note, until) -> Grant   (the owner, from the vault's pages)
    revoke_grant(actor, grant) -> Grant
Reminders
    send_expiry_reminders(today) -> int
Export (a read, audited): coffre.exports.export_vault(actor, owner)
Spaces without members (a service's records: what a démarche hands to the town)
    copy_to_space(actor, version, space) -> DocumentVersion
    store_in_space(actor, space, source, filename, document_type, title) -> DocumentVersion
    open_space_plaintext(actor, version, purpose) -> PlaintextStream
Keys
    shred(actor, owner) -> ShredResult
    rotate_kek(batch_size) -> RotationResult
    apply_shredding_log(extra_entries) -> ShreddingLogResult
    purge_orphan_blobs(older_than) -> int

Blobs are deleted after the commit that forgets them, so a rollback never
leaves a row pointing at nothing; a blob whose row was rolled back is an
unreadable orphan (its key went with the row) that `purge_orphan_blobs` removes.
"""

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from coffre import crypto, keys, perms, storage
from coffre.enums import MimeType, ValidityRule
from coffre.exceptions import (
    DocumentTypeNotAllowed,
    ExpiryDateRequired,
    InvalidDates,
    InvalidGrant,
    QuotaExceeded,
    VaultAccessDenied,
    VaultIntegrityError,
    VaultKeyError,
)
from coffre.models import (
    PURPOSE_PATTERN,
    VAULT_ROLES,
    DataKey,
    Document,
    DocumentType,
    DocumentVersion,
    Grant,
    ReminderSent,
    ShreddingLog,
)
from coffre.uploads import EncryptedUpload
from guichet import audit
from guichet.accounts.models import Party, Service, User
from guichet.notify import services as notify_services
from guichet.retention.registry import without_protected_references

logger = logging.getLogger(__name__)

# An owner shares from the vault for a year at most; a démarche's grant sets its own end.
SHARE_MAX_DAYS = 365
# Days before a document's expiry date when its owners are reminded, once each.
REMINDER_DAYS = (30, 7)
EXPIRY_NOTIFICATION_KIND = "coffre_expiry"


# Helpers ------------------------------------------------------------------------------------


def _check_can_manage(actor, owner: Party) -> None:
    if not perms.can_manage_documents(actor, owner):
        raise VaultAccessDenied()


def _expiry_date(
    document_type: DocumentType, issue_date: date | None, expiry_date: date | None
) -> date | None:
    """The date given, else the type's rule: N days after issue (or today), or required."""
    if issue_date and expiry_date and expiry_date < issue_date:
        raise InvalidDates()
    if expiry_date is not None:
        return expiry_date
    if document_type.validity_rule == ValidityRule.END_DATE:
        raise ExpiryDateRequired()
    return document_type.default_expiry(issue_date or timezone.localdate())


def _lock_data_key(owner: Party) -> DataKey:
    """The owner's DataKey row, created on first use, locked FOR UPDATE until commit.

    Two first uploads at once both insert; ON CONFLICT DO NOTHING makes the
    second wait for the first and keep its key.
    """
    row = DataKey.objects.select_for_update().filter(party=owner).first()
    if row is None:
        DataKey.objects.bulk_create([keys.new_data_key(party_id=owner.pk)], ignore_conflicts=True)
        row = DataKey.objects.select_for_update().get(party=owner)
    return row


def used_bytes(*, owner_id: int) -> int:
    """Bytes counted against the quota: every version kept, the old ones included."""
    return DocumentVersion.objects.filter(document__owner_id=owner_id).aggregate(
        total=Coalesce(Sum("size"), 0)
    )["total"]


def _delete_blobs(names: list[str]) -> None:
    vault = storage.vault_storage()
    for name in names:
        try:
            vault.delete(name)
        except Exception:
            # The key is gone with the row: the blob is unreadable; the orphan purge retries.
            logger.exception("Could not delete vault blob %s", name)


def _delete_blobs_on_commit(names: list[str]) -> None:
    if names:
        transaction.on_commit(partial(_delete_blobs, list(names)))


# Storing ------------------------------------------------------------------------------------


def store_document(
    *,
    actor,
    owner: Party,
    uploaded: EncryptedUpload,
    document_type: DocumentType,
    title: str,
    issue_date: date | None = None,
    expiry_date: date | None = None,
    replaces: Document | None = None,
) -> DocumentVersion:
    """Keep an encrypted upload in `owner`'s vault, as a new document or a new version of `replaces`.

    The quota is checked under a lock on the owner's DataKey row, so two
    uploads at once cannot both take the last free bytes. Rows and audit event
    are written in one transaction; on any failure the blob is deleted, so
    nothing is half-saved. `actor=None` is the system (a generated document).
    Returns the new version (its document has it as current version).
    """
    try:
        version = _store(
            actor=actor,
            owner=owner,
            uploaded=uploaded,
            document_type=document_type,
            title=title,
            issue_date=issue_date,
            expiry_date=expiry_date,
            replaces=replaces,
        )
    except BaseException:
        uploaded.discard()
        raise
    uploaded.mark_stored()
    return version


@transaction.atomic
def _store(
    *,
    actor,
    owner: Party,
    uploaded: EncryptedUpload,
    document_type: DocumentType,
    title: str,
    issue_date: date | None,
    expiry_date: date | None,
    replaces: Document | None,
) -> DocumentVersion:
    _check_can_manage(actor, owner)
    if replaces is not None and replaces.owner_id != owner.pk:
        raise VaultAccessDenied()
    if not document_type.is_active or not document_type.allows(owner.kind):
        raise DocumentTypeNotAllowed()
    expiry_date = _expiry_date(document_type, issue_date, expiry_date)
    content_key = uploaded.content_key()

    data_key = _lock_data_key(owner)
    used = used_bytes(owner_id=owner.pk)
    limit = settings.COFFRE_QUOTA_BYTES
    if used + uploaded.size > limit:
        raise QuotaExceeded(available=limit - used, size=uploaded.size)

    context = keys.content_key_context(
        data_key=data_key, blob_name=uploaded.blob_name, size=uploaded.size, sha256=uploaded.sha256
    )
    wrapped = crypto.wrap_key(content_key, wrapping_key=keys.unwrap_data_key(data_key), context=context)

    title = title.strip() or document_type.label
    if replaces is None:
        document = Document.objects.create(
            owner=owner,
            document_type=document_type,
            title=title,
            issue_date=issue_date,
            expiry_date=expiry_date,
        )
        number = 1
    else:
        document = Document.objects.select_for_update().get(pk=replaces.pk, owner=owner)
        number = (document.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        document.document_type = document_type
        document.title = title
        document.issue_date = issue_date
        document.expiry_date = expiry_date
    version = DocumentVersion.objects.create(
        document=document,
        number=number,
        data_key=data_key,
        blob_name=uploaded.blob_name,
        wrapped_content_key=wrapped,
        size=uploaded.size,
        mime_type=uploaded.mime_type,
        sha256=uploaded.sha256,
        filename=uploaded.name,
        uploaded_by=actor,
    )
    document.current_version = version
    document.save()
    audit.record(
        actor=actor,
        action="coffre.document.create" if replaces is None else "coffre.version.create",
        target=document,
        owner=owner,
        version=version.pk,
        number=number,
        type=document_type.code,
        mime=MimeType(uploaded.mime_type).code,
        size=uploaded.size,
    )
    return version


def store_document_from_file(
    *,
    actor,
    owner: Party,
    source: BinaryIO | Iterable[bytes],
    filename: str,
    document_type: DocumentType,
    title: str,
    issue_date: date | None = None,
    expiry_date: date | None = None,
    replaces: Document | None = None,
    max_bytes: int | None = None,
) -> DocumentVersion:
    """`store_document` for bytes that do not come through an HTTP upload (a generated PDF,
    an import, the bench): the same checks, encryptor and limits as the upload handler.

    The file is encrypted into its blob before any lock is taken: a long read
    never holds the owner's lock.
    """
    _check_can_manage(actor, owner)
    upload = EncryptedUpload(original_name=filename, max_bytes=max_bytes)
    try:
        for piece in crypto.iter_source(source):
            upload.write(piece)
        upload.finish()
    except BaseException:
        upload.discard()  # a refusal has done it already; a failing source has not
        raise
    return store_document(
        actor=actor,
        owner=owner,
        uploaded=upload,
        document_type=document_type,
        title=title,
        issue_date=issue_date,
        expiry_date=expiry_date,
        replaces=replaces,
    )


# Changing and deleting ----------------------------------------------------------------------


@transaction.atomic
def update_document(
    *, actor, document: Document, title: str, issue_date: date | None, expiry_date: date | None
) -> Document:
    """Rename a document or correct its dates; its bytes and versions do not change."""
    document = (
        Document.objects.select_for_update().select_related("owner", "document_type").get(pk=document.pk)
    )
    _check_can_manage(actor, document.owner)
    document.expiry_date = _expiry_date(document.document_type, issue_date, expiry_date)
    document.title = title.strip() or document.document_type.label
    document.issue_date = issue_date
    document.save(update_fields=["title", "issue_date", "expiry_date", "updated_at"])
    audit.record(actor=actor, action="coffre.document.update", target=document, owner=document.owner_id)
    return document


def _remove_document(document: Document, *, actor, **audit_details) -> list[str]:
    """Delete a locked document with its versions and grants, audited; returns the names of its blobs,
    for the caller to delete after the commit."""
    blobs = list(document.versions.values_list("blob_name", flat=True))
    document_id, owner_id = document.pk, document.owner_id
    document.delete()
    audit.record(
        actor=actor,
        action="coffre.document.delete",
        target=f"coffre.document:{document_id}",
        owner=owner_id,
        versions=len(blobs),
        **audit_details,
    )
    return blobs


@transaction.atomic
def delete_document(*, actor, document: Document) -> None:
    """Delete a document, all its versions and its grants; the blobs go after the commit."""
    document = Document.objects.select_for_update().select_related("owner").get(pk=document.pk)
    _check_can_manage(actor, document.owner)
    _delete_blobs_on_commit(_remove_document(document, actor=actor))


def delete_documents_as_system(*, documents: Iterable[Document], reason: str) -> int:
    """Delete these documents with their versions and grants, as the system (no one asked for it).

    For the end of a retention period only (guichet.retention): no permission is
    checked, each deletion is audited with the reason (a code), and the blobs go
    after the commit, as `delete_document` does. Runs inside the caller's
    transaction. Documents another record still points at (PROTECT) are left
    alone. Returns how many were deleted.
    """
    ids = [document.pk for document in documents]
    if not ids:
        return 0
    locked = list(
        without_protected_references(Document.objects.filter(pk__in=ids))
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    blobs: list[str] = []
    for document in locked:
        blobs.extend(_remove_document(document, actor=None, reason=reason))
    _delete_blobs_on_commit(blobs)
    return len(locked)


@transaction.atomic
def delete_version(*, actor, version: DocumentVersion) -> Document | None:
    """Delete one version. The newest remaining one becomes current; deleting the only
    version deletes the document (returns None then)."""
    document = Document.objects.select_for_update().select_related("owner").get(pk=version.document_id)
    _check_can_manage(actor, document.owner)
    version = DocumentVersion.objects.get(pk=version.pk, document=document)
    if not document.versions.exclude(pk=version.pk).exists():
        delete_document(actor=actor, document=document)
        return None
    blob, version_id = version.blob_name, version.pk
    version.delete()
    if document.current_version_id == version_id or document.current_version_id is None:
        document.current_version = document.versions.order_by("-number").first()
        document.save(update_fields=["current_version", "updated_at"])
    audit.record(
        actor=actor,
        action="coffre.version.delete",
        target=document,
        owner=document.owner_id,
        version=version_id,
    )
    _delete_blobs_on_commit([blob])
    return document


# Reading ------------------------------------------------------------------------------------


class PlaintextStream:
    """The plaintext of one version, chunk by chunk, for StreamingHttpResponse.

    Each chunk is authenticated before it is yielded. A tampered blob raises
    VaultIntegrityError in the middle of the iteration: by then the response's
    headers are sent and the client sees a cut download, never altered bytes.
    Closing it (StreamingHttpResponse does) closes the blob.
    """

    def __init__(self, *, fileobj, content_key: bytes, version: DocumentVersion):
        self.size = version.size
        self.mime_type = version.mime_type
        self.filename = version.filename
        self.sha256 = version.sha256
        self._file = fileobj
        self._chunks = crypto.StreamDecryptor(content_key).decrypt(fileobj)

    def __iter__(self) -> "PlaintextStream":
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._chunks.close()
        self._file.close()


def open_blob(version: DocumentVersion):
    try:
        return storage.vault_storage().open(version.blob_name, "rb")
    except FileNotFoundError:
        raise VaultIntegrityError() from None


def open_plaintext(*, actor, version: DocumentVersion) -> PlaintextStream:
    """Check that `actor` may read this version, audit the read, and return its plaintext stream.

    Who may: the owner's members whose role opens the vault (any version), or
    an agent of a service holding an active grant on the document (its current
    version only). Every read writes an audit event owned by the document's
    owner, so agents' reads show on the owner's "who saw my data" page. Key
    problems raise here, before any byte is sent.
    """
    version = DocumentVersion.objects.select_related("document__owner", "data_key").get(pk=version.pk)
    document = version.document
    grant = None
    if not perms.can_read_documents(actor, document.owner):
        grant = perms.active_grant(actor, document)
        if grant is None or document.current_version_id != version.pk:
            raise VaultAccessDenied()
    content_key = keys.unwrap_content_key(version)
    fileobj = open_blob(version)
    via = {"grant": grant.pk, "service": grant.service_id} if grant else {}
    audit.record(
        actor=actor,
        action="coffre.document.read",
        target=document,
        owner=document.owner_id,
        version=version.pk,
        **via,
    )
    return PlaintextStream(fileobj=fileobj, content_key=content_key, version=version)


def verify_version(*, version: DocumentVersion) -> str:
    """Decrypt a whole version and check its SHA-256 against the one kept: the integrity proof.

    No plaintext leaves this function; returns the fingerprint, or raises VaultIntegrityError.
    """
    version = DocumentVersion.objects.select_related("data_key").get(pk=version.pk)
    content_key = keys.unwrap_content_key(version)
    fileobj = open_blob(version)
    digest = hashlib.sha256()
    try:
        for chunk in crypto.StreamDecryptor(content_key).decrypt(fileobj):
            digest.update(chunk)
    finally:
        fileobj.close()
    if digest.hexdigest() != version.sha256:
        raise VaultIntegrityError()
    return version.sha256


# Sharing ------------------------------------------------------------------------------------


@transaction.atomic
def grant_access(
    *,
    actor,
    document: Document,
    service: Service,
    purpose: str,
    expires_at: datetime,
    note: str = "",
    now: datetime | None = None,
) -> Grant:
    """Let the agents of `service` read the document's current version for `purpose` until `expires_at`.

    `purpose` points at what the sharing serves ("demarches.request:12"), so the
    vault imports no other app; `note` is the owner's own words, shown to the
    service (never written to the audit log, which holds ids only).
    """
    now = now or timezone.now()
    document = Document.objects.select_related("owner").get(pk=document.pk)
    _check_can_manage(actor, document.owner)
    note = " ".join(note.split())
    if (
        not service.is_active
        or expires_at <= now
        or not re.fullmatch(PURPOSE_PATTERN, purpose)
        or len(note) > Grant._meta.get_field("note").max_length
    ):
        raise InvalidGrant()
    grant = Grant.objects.create(
        document=document,
        service=service,
        purpose=purpose,
        note=note,
        granted_by=actor,
        created_at=now,
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="coffre.grant.create",
        target=grant,
        owner=document.owner_id,
        document=document.pk,
        service=service.pk,
        purpose=purpose,
    )
    return grant


def share_until(until: date) -> datetime:
    """A share "until the 12th" ends when the 12th ends, in the town's time."""
    return datetime.combine(until + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())


def share_document(
    *, actor, document: Document, service: Service, note: str, until: date, now: datetime | None = None
) -> Grant:
    """The owner shares a document with a service from their vault, in their own words, until a day
    (included, at most SHARE_MAX_DAYS ahead). The purpose then points at the document itself.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if until < today or until > today + timedelta(days=SHARE_MAX_DAYS) or not note.strip():
        raise InvalidGrant()
    return grant_access(
        actor=actor,
        document=document,
        service=service,
        purpose=document.reference,
        expires_at=share_until(until),
        note=note,
        now=now,
    )


@transaction.atomic
def revoke_grant(*, actor, grant: Grant) -> Grant:
    """End a grant now; agents lose access at once. Revoking twice changes nothing."""
    grant = Grant.objects.select_for_update().select_related("document__owner").get(pk=grant.pk)
    _check_can_manage(actor, grant.document.owner)
    if grant.revoked_at is not None:
        return grant
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor=actor,
        action="coffre.grant.revoke",
        target=grant,
        owner=grant.document.owner_id,
        document=grant.document_id,
    )
    return grant


# Expiry reminders ---------------------------------------------------------------------------


def send_expiry_reminders(*, today: date | None = None) -> int:
    """Tell the owners of documents that expire in REMINDER_DAYS (30, then 7) days; returns how
    many documents were reminded about.

    Each (document, expiry date, threshold) is reminded once, marked by a ReminderSent row
    written in the same transaction as the notification: running twice, or two workers at
    once, sends nothing more. A day the task missed is caught up the next day; a document
    first seen within 7 days of its end gets only the 7-day reminder. A new expiry date
    (a renewed document) gets its own reminders.
    """
    today = today or timezone.localdate()
    thresholds = sorted(REMINDER_DAYS)
    sent = 0
    lower = today
    for days in thresholds:
        upper = today + timedelta(days=days)
        due = (
            Document.objects.filter(expiry_date__gte=lower, expiry_date__lte=upper)
            .exclude(
                Exists(
                    ReminderSent.objects.filter(
                        document=OuterRef("pk"), expiry_date=OuterRef("expiry_date"), days_before=days
                    )
                )
            )
            .select_related("document_type", "owner")
            .order_by("expiry_date", "pk")
        )
        for document in due:
            sent += _remind(document=document, days_before=days, today=today)
        lower = upper + timedelta(days=1)
    return sent


@transaction.atomic
def _remind(*, document: Document, days_before: int, today: date) -> int:
    _marker, created = ReminderSent.objects.get_or_create(
        document=document, expiry_date=document.expiry_date, days_before=days_before
    )
    if not created:  # another run got there first
        return 0
    recipients = list(
        User.objects.filter(
            party_memberships__party_id=document.owner_id,
            party_memberships__role__in=VAULT_ROLES,
            is_active=True,
        ).order_by("pk")
    )
    if recipients:
        notify_services.notify_many(
            users=recipients,
            kind=EXPIRY_NOTIFICATION_KIND,
            context={
                "title": document.title,
                "type_label": document.document_type.label,
                "owner_name": document.owner.name,
                "owner_kind": document.owner.kind,
                "expiry_date": document.expiry_date,
                "days_left": (document.expiry_date - today).days,
            },
            url=reverse("coffre:document", args=[document.pk]),
        )
    return 1


# Keys: shredding, rotation ------------------------------------------------------------------


@dataclass(frozen=True)
class ShredResult:
    party_id: int
    documents: int
    versions: int


@dataclass(frozen=True)
class ShreddingLogResult:
    entries: int
    keys_destroyed: int
    documents: int
    versions: int


@dataclass(frozen=True)
class RotationResult:
    kek_id: str
    rewrapped: int
    already_current: int
    failed: int


def _marker_name(party_id: int, key_uuid: uuid.UUID) -> str:
    return f"{storage.SHREDDING_PREFIX}/{party_id}.{key_uuid}"


def _write_marker(party_id: int, key_uuid: uuid.UUID) -> None:
    """A copy of the log entry beside the blobs, for a restore whose database predates it."""
    vault = storage.vault_storage()
    name = _marker_name(party_id, key_uuid)
    try:
        if not vault.exists(name):
            with vault.open(name, "wb") as marker:
                marker.write(b"")
    except Exception:
        logger.exception("Could not write the shredding marker of party %s", party_id)


def _log_file_path() -> Path | None:
    path = settings.COFFRE_SHREDDING_LOG
    return Path(path) if path else None


def _append_to_log_file(entries: Iterable[tuple[int, uuid.UUID]]) -> None:
    """Append entries to COFFRE_SHREDDING_LOG: the copy of the log that no restore brings back in time.

    Called after the commit only: an entry for a shred that rolled back would
    destroy a live key at the next restore. One short write with O_APPEND, fsync'd.
    """
    path = _log_file_path()
    lines = "".join(f"{party_id}.{key_uuid}\n" for party_id, key_uuid in entries)
    if path is None or not lines:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, lines.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        logger.exception("Could not append to the shredding log file %s", path)


def _file_log_entries() -> set[tuple[int, uuid.UUID]]:
    path = _log_file_path()
    if path is None or not path.exists():
        return set()
    entries = set()
    with path.open(encoding="ascii", errors="replace") as lines:
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            party_id, _sep, key_uuid = line.partition(".")
            try:
                entries.add((int(party_id), uuid.UUID(key_uuid)))
            except ValueError:
                logger.warning("Ignored a malformed line of the shredding log file: %r", line)
    return entries


def _record_outside_database(party_id: int, key_uuid: uuid.UUID) -> None:
    """The shred's copies that a restore of an older database cannot undo: marker and log file."""
    _write_marker(party_id, key_uuid)
    _append_to_log_file([(party_id, key_uuid)])


def _destroy_data_key(data_key: DataKey) -> tuple[int, list[str]]:
    """Delete a data key with every document and version under it; returns (documents, blob names)."""
    versions = DocumentVersion.objects.filter(data_key=data_key)
    blobs = list(versions.values_list("blob_name", flat=True))
    documents = Document.objects.filter(pk__in=versions.values("document_id"))
    document_count = documents.count()
    documents.delete()
    data_key.delete()
    return document_count, blobs


def shred(*, actor, owner: Party) -> ShredResult:
    """Crypto-shred `owner`'s vault: destroy their data key, their documents and their blobs.

    Without the data key no content key unwraps, so nothing of theirs decrypts
    again, even from a copy of the storage taken before. A database backup still
    holds the wrapped data key: the party and key ids go to ShreddingLog, a
    marker beside the blobs and the COFFRE_SHREDDING_LOG file, so that a restore
    re-applies it (`manage.py restore`). The Party row stays.
    """
    if not perms.can_shred_vault(actor, owner):
        raise VaultAccessDenied()
    with transaction.atomic():
        data_key = DataKey.objects.select_for_update().filter(party=owner).first()
        documents, blobs = _destroy_data_key(data_key) if data_key else (0, [])
        key_uuid = data_key.key_uuid if data_key else None
        ShreddingLog.objects.create(party_id=owner.pk, data_key_uuid=key_uuid)
        audit.record(
            actor=actor,
            action="coffre.vault.shred",
            target=owner,
            owner=owner,
            documents=documents,
            versions=len(blobs),
        )
        _delete_blobs_on_commit(blobs)
        if key_uuid is not None:
            transaction.on_commit(partial(_record_outside_database, owner.pk, key_uuid))
    return ShredResult(party_id=owner.pk, documents=documents, versions=len(blobs))


def _storage_log_entries() -> set[tuple[int, uuid.UUID]]:
    vault = storage.vault_storage()
    if not vault.exists(storage.SHREDDING_PREFIX):
        return set()
    entries = set()
    for name in vault.listdir(storage.SHREDDING_PREFIX)[1]:
        party_id, _sep, key_uuid = name.partition(".")
        try:
            entries.add((int(party_id), uuid.UUID(key_uuid)))
        except ValueError:
            logger.warning("Ignored a malformed shredding marker: %s", name)
    return entries


def apply_shredding_log(*, extra_entries: Iterable[tuple[int, uuid.UUID]] = ()) -> ShreddingLogResult:
    """Destroy again every data key the log names: run after restoring an older backup, before serving.

    The log is the union of the ShreddingLog table, the markers in the vault
    storage, the COFFRE_SHREDDING_LOG file and `extra_entries` (a copy kept
    elsewhere). Idempotent: a second run finds nothing left to destroy; it also
    completes the table, the markers and the file.
    """
    entries = set(
        ShreddingLog.objects.filter(data_key_uuid__isnull=False).values_list("party_id", "data_key_uuid")
    )
    entries |= _storage_log_entries()
    in_file = _file_log_entries()
    entries |= in_file
    entries |= {(int(party_id), uuid.UUID(str(key_uuid))) for party_id, key_uuid in extra_entries}
    destroyed = documents = versions = 0
    for party_id, key_uuid in sorted(entries, key=lambda entry: (entry[0], str(entry[1]))):
        with transaction.atomic():
            ShreddingLog.objects.get_or_create(data_key_uuid=key_uuid, defaults={"party_id": party_id})
            data_key = DataKey.objects.select_for_update().filter(key_uuid=key_uuid).first()
            if data_key is not None:
                count, blobs = _destroy_data_key(data_key)
                destroyed += 1
                documents += count
                versions += len(blobs)
                audit.record(
                    actor=None,
                    action="coffre.vault.shred",
                    target=f"accounts.party:{party_id}",
                    owner=party_id,
                    documents=count,
                    versions=len(blobs),
                    replayed=True,
                )
                _delete_blobs_on_commit(blobs)
            transaction.on_commit(partial(_write_marker, party_id, key_uuid))
    missing = sorted(entries - in_file, key=lambda entry: (entry[0], str(entry[1])))
    transaction.on_commit(partial(_append_to_log_file, missing))
    return ShreddingLogResult(
        entries=len(entries), keys_destroyed=destroyed, documents=documents, versions=versions
    )


def rotate_kek(*, batch_size: int = 500) -> RotationResult:
    """Re-wrap every data key under the current KEK (the first of COFFRE_KEKS); blobs untouched.

    Batched, one transaction per batch; idempotent (keys already under the
    current KEK are skipped). A key whose KEK is no longer listed cannot be
    unwrapped: it is counted as failed and left as it is.
    """
    ring = keys.keyring()
    rewrapped = failed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                DataKey.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .exclude(kek_id=ring.current_id)
                .order_by("pk")[:batch_size]
            )
            if not batch:
                break
            now = timezone.now()
            changed = []
            for row in batch:
                try:
                    data_key = keys.unwrap_data_key(row)
                except (VaultIntegrityError, VaultKeyError):
                    failed += 1
                    logger.error("Vault data key %s cannot be unwrapped with the listed KEKs", row.pk)
                    continue
                row.kek_id, row.wrapped_key = ring.wrap_data_key(
                    data_key, party_id=row.party_id, key_uuid=str(row.key_uuid)
                )
                row.rewrapped_at = now
                changed.append(row)
            DataKey.objects.bulk_update(changed, ["kek_id", "wrapped_key", "rewrapped_at"])
            rewrapped += len(changed)
            last_pk = batch[-1].pk
    already = DataKey.objects.filter(kek_id=ring.current_id).count() - rewrapped
    if rewrapped or failed:
        audit.record(
            actor=None, action="coffre.kek.rotate", kek=ring.current_id, rewrapped=rewrapped, failed=failed
        )
    return RotationResult(kek_id=ring.current_id, rewrapped=rewrapped, already_current=already, failed=failed)


def purge_orphan_blobs(*, older_than: timedelta = timedelta(hours=24), now: datetime | None = None) -> int:
    """Delete blobs no version points at, older than `older_than` (younger ones may be uploads
    in progress). They come from crashed requests or rolled-back transactions, and their key
    is lost: this only frees space."""
    vault = storage.vault_storage()
    cutoff = (now or timezone.now()) - older_than
    names = list(storage.iter_blob_names(vault))
    deleted = 0
    for start in range(0, len(names), 1000):
        chunk = names[start : start + 1000]
        known = set(DocumentVersion.objects.filter(blob_name__in=chunk).values_list("blob_name", flat=True))
        for name in chunk:
            if name not in known and vault.get_modified_time(name) < cutoff:
                vault.delete(name)
                deleted += 1
    return deleted


# Spaces without members: a service's records --------------------------------------------------


def _check_space(space: Party) -> None:
    # A vault with members (a person, a household, an association) keeps its own rules (types,
    # quota, who may write or read): those go through store_document and open_plaintext.
    if space.memberships.exists():
        raise VaultAccessDenied()


def _space_data_key(space: Party) -> DataKey:
    """The space's data key, made on first use. Not locked: a space has no quota to guard."""
    row = DataKey.objects.filter(party=space).first()
    if row is None:
        DataKey.objects.bulk_create([keys.new_data_key(party_id=space.pk)], ignore_conflicts=True)
        row = DataKey.objects.get(party=space)
    return row


def copy_to_space(*, actor, version: DocumentVersion, space: Party) -> DocumentVersion:
    """Re-encrypt one version into `space`, a vault without members (a service's records).

    The copy is the space's own document, under a new content key wrapped by the
    space's data key: it follows the space's retention, not the source, and
    survives the source being deleted or its owner's vault being shredded.
    `actor` must be allowed to read the source as a member of its owner (grants do
    not count); the calling app chose the space (a démarche's submission hands its
    attachments to the service in charge). The plaintext streams from the source's
    decryptor into a new encryptor one chunk at a time, never to disk, and the
    copy's fingerprint must equal the source's. The types' owner rules and the
    citizens' quota do not apply to a space. Audited for the source's owner.
    """
    source = DocumentVersion.objects.select_related(
        "document__owner", "document__document_type", "data_key"
    ).get(pk=version.pk)
    document = source.document
    if not perms.can_read_documents(actor, document.owner):
        raise VaultAccessDenied()
    _check_space(space)
    upload = EncryptedUpload(original_name=source.filename, max_bytes=source.size)
    try:
        fileobj = open_blob(source)
        try:
            for chunk in crypto.StreamDecryptor(keys.unwrap_content_key(source)).decrypt(fileobj):
                upload.write(chunk)
        finally:
            fileobj.close()
        upload.finish()
        if upload.sha256 != source.sha256:
            raise VaultIntegrityError()
        copy = _store_copy(actor=actor, space=space, uploaded=upload, source=source)
    except BaseException:
        upload.discard()
        raise
    upload.mark_stored()
    return copy


def _space_document(
    *,
    actor,
    space: Party,
    uploaded: EncryptedUpload,
    document_type: DocumentType,
    title: str,
    issue_date: date | None = None,
    expiry_date: date | None = None,
) -> DocumentVersion:
    """A new document of `space` (its first version), its content key wrapped by the space's data key."""
    data_key = _space_data_key(space)
    context = keys.content_key_context(
        data_key=data_key, blob_name=uploaded.blob_name, size=uploaded.size, sha256=uploaded.sha256
    )
    wrapped = crypto.wrap_key(
        uploaded.content_key(), wrapping_key=keys.unwrap_data_key(data_key), context=context
    )
    document = Document.objects.create(
        owner=space,
        document_type=document_type,
        title=title,
        issue_date=issue_date,
        expiry_date=expiry_date,
    )
    version = DocumentVersion.objects.create(
        document=document,
        number=1,
        data_key=data_key,
        blob_name=uploaded.blob_name,
        wrapped_content_key=wrapped,
        size=uploaded.size,
        mime_type=uploaded.mime_type,
        sha256=uploaded.sha256,
        filename=uploaded.name,
        uploaded_by=actor,
    )
    document.current_version = version
    document.save(update_fields=["current_version", "updated_at"])
    return version


@transaction.atomic
def _store_copy(
    *, actor, space: Party, uploaded: EncryptedUpload, source: DocumentVersion
) -> DocumentVersion:
    document = source.document
    version = _space_document(
        actor=actor,
        space=space,
        uploaded=uploaded,
        document_type=document.document_type,
        title=document.title,
        issue_date=document.issue_date,
        expiry_date=document.expiry_date,
    )
    copy = version.document
    # The source's owner sees on "who saw my data" that the town now keeps a copy.
    audit.record(
        actor=actor,
        action="coffre.document.copy",
        target=document,
        owner=document.owner_id,
        version=source.pk,
        space=space.pk,
        copy=copy.pk,
    )
    return version


def store_in_space(
    *,
    actor,
    space: Party,
    source: BinaryIO | Iterable[bytes],
    filename: str,
    document_type: DocumentType,
    title: str,
    max_bytes: int | None = None,
) -> DocumentVersion:
    """Keep bytes the town made (a decision letter) as a new document of `space`, a vault without members.

    The same encryptor and limits as an upload (type checked by its bytes, size
    capped), then the space's keys, as `copy_to_space` does; `actor=None` is the
    system. The calling app chose the space and answers for who reads it
    (`open_space_plaintext`). The bytes are encrypted into their blob before the
    rows are written; on any failure the blob is deleted.
    """
    _check_space(space)
    upload = EncryptedUpload(original_name=filename, max_bytes=max_bytes)
    try:
        for piece in crypto.iter_source(source):
            upload.write(piece)
        upload.finish()
        version = _store_in_space(
            actor=actor, space=space, uploaded=upload, document_type=document_type, title=title
        )
    except BaseException:
        upload.discard()
        raise
    upload.mark_stored()
    return version


@transaction.atomic
def _store_in_space(
    *, actor, space: Party, uploaded: EncryptedUpload, document_type: DocumentType, title: str
) -> DocumentVersion:
    version = _space_document(
        actor=actor,
        space=space,
        uploaded=uploaded,
        document_type=document_type,
        title=title.strip() or document_type.label,
    )
    audit.record(
        actor=actor,
        action="coffre.document.create",
        target=version.document,
        owner=space.pk,
        version=version.pk,
        number=1,
        type=document_type.code,
        mime=MimeType(uploaded.mime_type).code,
        size=uploaded.size,
    )
    return version


def open_space_plaintext(*, actor, version: DocumentVersion, purpose: str) -> PlaintextStream:
    """The plaintext of a document of a space without members, for a reader the caller vouches for.

    A space has no members whose role could be checked: the app that keeps its
    records there decides who may read them (a démarche's applicant downloads the
    decision of their own request) and names what for in `purpose`, a reference
    such as "demarches.request:12". Audited like every read. A document of a vault
    with members is refused here: it is read through `open_plaintext`.
    """
    version = DocumentVersion.objects.select_related("document__owner", "data_key").get(pk=version.pk)
    document = version.document
    _check_space(document.owner)
    if actor is None or not re.fullmatch(PURPOSE_PATTERN, purpose):
        raise VaultAccessDenied()
    content_key = keys.unwrap_content_key(version)
    fileobj = open_blob(version)
    audit.record(
        actor=actor,
        action="coffre.document.read",
        target=document,
        owner=document.owner_id,
        version=version.pk,
        purpose=purpose,
    )
    return PlaintextStream(fileobj=fileobj, content_key=content_key, version=version)
