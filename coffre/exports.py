"""Export everything: one vault as a ZIP streamed to the browser, without plaintext on disk.

The ZIP holds every document's current version byte for byte, a `manifest.json`
(ids, types, titles, dates, sizes, types of file, SHA-256 fingerprints and the
versions kept) and a `trace.json` (the operations on the vault's documents from
the audit log, ids only), as article L.103 of the CPCE asks (recovery of all of
one's documents in an open format).

`zipfile` writes into a sink that is emptied after every 64 KiB chunk: the
archive is never whole in memory, and nothing is written to a temporary file.
Without a seekable output, `zipfile` puts each entry's CRC and sizes in a data
descriptor after its bytes (general purpose flag bit 3), which every common
unzip tool reads.
"""

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from coffre import crypto, keys, perms, selectors, services
from coffre.exceptions import VaultAccessDenied
from coffre.models import Document, DocumentVersion
from guichet import audit
from guichet.accounts.models import Party

FORMAT = "guichet-coffre-export/1"


def _readme() -> str:
    return _(
        "Export de votre coffre-fort numérique\n"
        "=====================================\n"
        "\n"
        "documents/     vos documents, tels que vous les avez déposés (la version en cours de chacun)\n"
        "manifest.json  la liste des documents : type, intitulé, dates, taille, type de fichier,\n"
        "               empreinte SHA-256 de chaque version\n"
        "trace.json     les opérations faites sur vos documents (dépôts, consultations, partages,\n"
        "               suppressions) : date, action, auteur (vous-même, un agent, le système)\n"
        "\n"
        "Pour vérifier qu'un document n'a pas été modifié, calculez son empreinte SHA-256\n"
        "(par exemple « sha256sum fichier.pdf » ou « certutil -hashfile fichier.pdf SHA256 »)\n"
        "et comparez-la à celle du manifeste.\n"
    )


class ZipSink:
    """A write-only file for zipfile that hands over what it received since the last drain."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


@dataclass(frozen=True)
class _Entry:
    path: str
    version: DocumentVersion
    content_key: bytes


def zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    local = timezone.localtime(moment)
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


class VaultExport:
    """The ZIP of one vault, produced as it is iterated (for StreamingHttpResponse)."""

    def __init__(self, *, owner: Party, entries: list[_Entry], manifest: dict, trace: list[dict], now):
        self.owner = owner
        self.filename = f"coffre-fort-{timezone.localdate(now).isoformat()}.zip"
        self._entries = entries
        self._manifest = manifest
        self._trace = trace
        self._now = now
        self._readme = _readme()  # in the request's language, before the streaming starts

    def __iter__(self) -> Iterator[bytes]:
        sink = ZipSink()
        with zipfile.ZipFile(sink, mode="w", allowZip64=True) as archive:
            self._write_text(archive, "LISEZMOI.txt", self._readme)
            yield sink.drain()
            for entry in self._entries:
                yield from self._write_document(archive, sink, entry)
            self._write_text(archive, "manifest.json", _json(self._manifest))
            self._write_text(archive, "trace.json", _json({"format": FORMAT, "operations": self._trace}))
        yield sink.drain()

    def _write_text(self, archive: zipfile.ZipFile, name: str, text: str) -> None:
        info = zipfile.ZipInfo(name, date_time=zip_time(self._now))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, text.encode())

    def _write_document(self, archive: zipfile.ZipFile, sink: ZipSink, entry: _Entry) -> Iterator[bytes]:
        version = entry.version
        info = zipfile.ZipInfo(entry.path, date_time=zip_time(version.created_at))
        # PDF, JPEG and PNG are compressed already: stored as they are, byte for byte.
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        info.file_size = version.size  # lets zipfile choose ZIP64 ahead for a huge file
        blob = services.open_blob(version)
        try:
            with archive.open(info, mode="w") as target:
                for chunk in crypto.StreamDecryptor(entry.content_key).decrypt(blob):
                    target.write(chunk)
                    if data := sink.drain():
                        yield data
        finally:
            blob.close()
        yield sink.drain()


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _document_path(document: Document, version: DocumentVersion) -> str:
    return f"documents/{document.document_type.code}/{document.pk}-{version.filename}"


def export_vault(*, actor, owner: Party, now: datetime | None = None) -> VaultExport:
    """Everything in `owner`'s vault as a ZIP to stream, for a member whose role opens it.

    Every content key is unwrapped here, before any byte is sent, so a key
    problem raises now (VaultKeyError, VaultIntegrityError) and not halfway
    through the download. Writes one audit event for the whole export.
    """
    if not perms.can_read_documents(actor, owner):
        raise VaultAccessDenied()
    now = now or timezone.now()
    documents = list(selectors.documents_for_export(owner=owner))
    entries = []
    manifest_documents = []
    for document in documents:
        current = document.current_version
        path = _document_path(document, current)
        entries.append(_Entry(path=path, version=current, content_key=keys.unwrap_content_key(current)))
        manifest_documents.append(
            {
                "id": document.pk,
                "type": document.document_type.code,
                "type_label": document.document_type.label,
                "title": document.title,
                "issue_date": _iso(document.issue_date),
                "expiry_date": _iso(document.expiry_date),
                "created_at": _iso(document.created_at),
                "file": path,
                "current_version": current.number,
                "size": current.size,
                "mime_type": current.mime_type,
                "sha256": current.sha256,
                "versions": [
                    {
                        "id": version.pk,
                        "number": version.number,
                        "filename": version.filename,
                        "size": version.size,
                        "mime_type": version.mime_type,
                        "sha256": version.sha256,
                        "created_at": _iso(version.created_at),
                        "current": version.pk == current.pk,
                    }
                    for version in document.versions.all()
                ],
            }
        )
    audit.record(
        actor=actor,
        action="coffre.vault.export",
        target=owner,
        owner=owner,
        documents=len(entries),
    )
    manifest = {
        "format": FORMAT,
        "generated_at": _iso(now),
        "owner": {"id": owner.pk, "kind": owner.kind},
        "hash_algorithm": "sha256",
        "documents": manifest_documents,
    }
    return VaultExport(
        owner=owner, entries=entries, manifest=manifest, trace=selectors.vault_trace(owner=owner), now=now
    )
