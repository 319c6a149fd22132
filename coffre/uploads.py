"""A file encrypted into the vault storage as its bytes arrive, whatever brings them.

`EncryptedUpload` is shared by the HTTP upload handler (`coffre.uploadhandler`)
and by `services.store_document_from_file` (tests, the bench, generated PDFs),
so both paths check the same things the same way:

- the type comes from the first bytes (PDF, JPEG, PNG), never from the name or
  the browser's Content-Type; HTML or SVG markup in the first KiB is refused
  whatever the magic bytes say (polyglot files);
- the size limit is enforced while the bytes arrive: the partial blob is
  deleted at once;
- the plaintext only ever exists in memory, one chunk at a time; the storage
  receives ciphertext, under a random name; the content key stays in this
  object until `store_document` wraps it under the owner's data key;
- with a `scanner` (`coffre.antivirus`, when a clamd is configured), each
  plaintext chunk also goes to the antivirus as it arrives, and `finish` waits
  for its verdict: an infected file, or no verdict, is refused like a bad type.

Until stored, the blob is an orphan: `close()` (which Django calls at the end
of the request) deletes it, as does any failure.
"""

import re
import unicodedata
from enum import StrEnum

from django.conf import settings

from coffre import crypto, storage
from coffre.enums import MimeType
from coffre.exceptions import EmptyFile, FileTooLarge, FileTypeRefused, UploadIncomplete

SNIFF_BYTES = 1024
# Markup that makes a browser or a viewer run or render a file as a page.
_MARKUP = (
    b"<html",
    b"<!doctype html",
    b"<script",
    b"<svg",
    b"<body",
    b"<head",
    b"<iframe",
    b"<object",
    b"<embed",
)
_UNSAFE_FILENAME_CHARS = re.compile(r"[^\w .()+,'-]+")
_SPACES = re.compile(r"\s+")
MAX_FILENAME_STEM = 80


def sniff_mime_type(head: bytes) -> MimeType:
    """The type of a file from its first bytes (up to SNIFF_BYTES), or FileTypeRefused."""
    lowered = head[:SNIFF_BYTES].lower()
    if any(marker in lowered for marker in _MARKUP):
        raise FileTypeRefused()
    if head.startswith(b"%PDF-"):
        return MimeType.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return MimeType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return MimeType.PNG
    raise FileTypeRefused()


def safe_filename(name: str, *, mime_type: MimeType) -> str:
    """A name fit to offer back on download: no path, no control character, the extension
    of what the bytes are (a PDF named .png comes back as .pdf)."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = _UNSAFE_FILENAME_CHARS.sub("_", stem)
    stem = _SPACES.sub(" ", stem).strip(" ._-")[:MAX_FILENAME_STEM].rstrip(" ._-")
    return f"{stem or 'document'}{mime_type.extension}"


class UploadState(StrEnum):
    RECEIVING = "receiving"
    COMPLETE = "complete"
    STORED = "stored"
    DISCARDED = "discarded"


class EncryptedUpload:
    """A file being encrypted into a new blob. Feed it with `write`, end with `finish`.

    After `finish`: `name` (sanitised file name), `size`, `sha256` (hex, of the
    plaintext), `mime_type`, `blob_name`. `name` and `size` let Django's forms
    FileField accept it as an uploaded file.
    """

    def __init__(self, *, original_name: str, max_bytes: int | None = None, scanner=None):
        self.original_name = original_name
        self.scanner = scanner  # a coffre.antivirus.InstreamScanner, or None
        self.max_bytes = settings.COFFRE_MAX_FILE_BYTES if max_bytes is None else max_bytes
        self.blob_name = storage.new_blob_name()
        if scanner is not None:
            scanner.label = self.blob_name  # the logs name the blob, never the file
        self.state = UploadState.RECEIVING
        self.mime_type: MimeType | None = None
        self.name = ""
        self.size = 0
        self.sha256 = ""
        self._content_key: bytes | None = crypto.generate_key()
        self._encryptor = crypto.StreamEncryptor(self._content_key)
        self._head = bytearray()
        self._blob = None  # opened once the first bytes are accepted: a refused type writes nothing

    def __repr__(self) -> str:
        return f"<EncryptedUpload {self.blob_name} {self.state} {self.size} bytes>"

    @property
    def content_type(self) -> str:
        return self.mime_type.value if self.mime_type else ""

    def write(self, data: bytes) -> None:
        """Take the next plaintext bytes; raise a VaultError (and discard everything) on refusal."""
        if self.state != UploadState.RECEIVING:
            raise UploadIncomplete()
        try:
            if self.size + len(data) > self.max_bytes:
                raise FileTooLarge(limit=self.max_bytes)
            self.size += len(data)
            if self.mime_type is None:
                self._head.extend(data)
                if len(self._head) < SNIFF_BYTES:
                    return
                self._accept_head()
            else:
                self._push(data)
        except BaseException:
            self.discard()
            raise

    def finish(self) -> None:
        """The last byte has arrived: seal the last chunk and close the blob (durably)."""
        if self.state != UploadState.RECEIVING:
            raise UploadIncomplete()
        try:
            if self.size == 0:
                raise EmptyFile()
            if self.mime_type is None:
                self._accept_head()
            if self.scanner is not None:
                self.scanner.verdict()  # raises VirusFound or AntivirusUnavailable
            for piece in self._encryptor.finalize():
                self._blob.write(piece)
            self._blob.close()
        except BaseException:
            self.discard()
            raise
        self.sha256 = self._encryptor.sha256
        self.state = UploadState.COMPLETE

    def _accept_head(self) -> None:
        self.mime_type = sniff_mime_type(bytes(self._head))
        self.name = safe_filename(self.original_name, mime_type=self.mime_type)
        self._blob = storage.vault_storage().open(self.blob_name, "wb")
        head, self._head = self._head, bytearray()
        self._push(head)

    def _push(self, data: bytes | bytearray) -> None:
        # Every plaintext byte passes here once, in order, after its type was accepted.
        if self.scanner is not None:
            self.scanner.write(data)
        for piece in self._encryptor.update(data):
            self._blob.write(piece)

    def content_key(self) -> bytes:
        """For `store_document` only: the key to wrap under the owner's data key."""
        if self.state != UploadState.COMPLETE or self._content_key is None:
            raise UploadIncomplete()
        return self._content_key

    def mark_stored(self) -> None:
        """The database now points at the blob: it is no longer ours to delete."""
        self.state = UploadState.STORED
        self._content_key = None

    def discard(self) -> None:
        """Delete the blob (complete or partial) and forget the key. Safe to call twice."""
        if self.state in (UploadState.STORED, UploadState.DISCARDED):
            return
        self.state = UploadState.DISCARDED
        self._content_key = None
        if self.scanner is not None:
            self.scanner.close()
        self._head = bytearray()
        self._encryptor.close()
        blob, self._blob = self._blob, None
        if blob is not None:
            try:
                if not blob.closed:
                    # An S3 upload is aborted rather than completed only to be deleted.
                    getattr(blob, "abort", blob.close)()
            finally:
                storage.vault_storage().delete(self.blob_name)

    def close(self) -> None:
        """Django closes uploaded files at the end of the request: an unstored blob goes."""
        self.discard()
