"""Where the vault's encrypted blobs live: Django's storage alias ``STORAGES["coffre"]``.

Only ciphertext is ever written there, under random names that say nothing of
the owner or the file (``blobs/3f/3f9c…``). Writes go through
``storage.open(name, "wb")`` so that the upload handler can push ciphertext as
the request body arrives, without a temporary file.

Local folder (default): :class:`VaultFileSystemStorage` under
``COFFRE_STORAGE_LOCATION`` (``var/coffre``). Files are 0600, created with
O_EXCL, and fsync'd on close, so the database never points at a blob that a
power cut could lose.

S3-compatible object storage (beyond one machine): :class:`coffre.s3storage.VaultS3Storage`,
turned on by ``COFFRE_S3_BUCKET`` (guichet/settings.py, docs/scaling.md). It keeps the same
promises in S3's terms: never overwrites (If-None-Match), streams both ways (multipart
upload, streamed body), aborts a failed write so that no blob is left behind.
"""

import io
import os
import secrets

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils._os import safe_makedirs
from django.utils.deconstruct import deconstructible

ALIAS = "coffre"
BLOB_PREFIX = "blobs"
SHREDDING_PREFIX = "shredding-log"


def vault_storage() -> Storage:
    """The storage of the vault, looked up at each call so that tests may point it elsewhere."""
    return storages[ALIAS]


def new_blob_name() -> str:
    """128 random bits: no user data in names, no collision, and a fan-out of 256 folders."""
    token = secrets.token_hex(16)
    return f"{BLOB_PREFIX}/{token[:2]}/{token}"


def iter_blob_names(storage: Storage | None = None):
    """Every blob name in the storage (for the orphan purge)."""
    storage = storage or vault_storage()
    if not storage.exists(BLOB_PREFIX):
        return
    folders, files = storage.listdir(BLOB_PREFIX)
    for name in files:
        yield f"{BLOB_PREFIX}/{name}"
    for folder in folders:
        for name in storage.listdir(f"{BLOB_PREFIX}/{folder}")[1]:
            yield f"{BLOB_PREFIX}/{folder}/{name}"


# Linux and most Unixes; elsewhere the write-back simply starts at the fsync.
_fadvise = getattr(os, "posix_fadvise", None)


class _DurableFileIO(io.FileIO):
    """A file that reaches the disk (file and folder entry) before close() returns."""

    def close(self) -> None:
        if self.closed:
            return
        try:
            os.fsync(self.fileno())
        finally:
            super().close()
        folder = os.open(os.path.dirname(self.name), os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


class _BlobWriter:
    """Writes a blob's ciphertext with few system calls and lets the disk work meanwhile.

    - The pieces written (64 KiB chunks from the encryptor) are kept as they are
      and handed to the kernel together, one writev() per GATHER_BYTES: no copy
      into a user-space buffer, few system calls.
    - Every WRITEBACK_BYTES, posix_fadvise(DONTNEED) asks the kernel to start
      writing what it got so far, without waiting (then drops those pages from
      the cache: nobody reads a blob back at once). The disk writes while the
      caller encrypts the rest, and the fsync of close() only waits for the tail.

    Durability is unchanged: close() fsyncs the file and its folder.
    """

    GATHER_BYTES = 1024 * 1024
    GATHER_PIECES = 64  # well under IOV_MAX (1024 on Linux)
    WRITEBACK_BYTES = 8 * 1024 * 1024

    def __init__(self, raw: _DurableFileIO):
        self._raw = raw
        self._pieces: list[bytes | memoryview] = []
        self._gathered = 0
        self._written = 0
        self._advised = 0
        self.mode = "wb"

    @property
    def name(self) -> str:
        return self._raw.name

    @property
    def closed(self) -> bool:
        return self._raw.closed

    def fileno(self) -> int:
        return self._raw.fileno()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def write(self, data) -> int:
        if self._raw.closed:
            raise ValueError("write to a closed blob")
        size = len(data)
        if size:
            # Kept until written: a mutable buffer is copied, bytes are not.
            self._pieces.append(data if isinstance(data, bytes) else bytes(data))
            self._gathered += size
            if self._gathered >= self.GATHER_BYTES or len(self._pieces) >= self.GATHER_PIECES:
                self.flush()
        return size

    def flush(self) -> None:
        pieces, self._pieces, self._gathered = self._pieces, [], 0
        fd = self._raw.fileno()
        while pieces:
            done = os.writev(fd, pieces)
            self._written += done
            while pieces and done >= len(pieces[0]):
                done -= len(pieces.pop(0))
            if done:  # a short write: the rest of that piece goes next
                pieces[0] = memoryview(pieces[0])[done:]
        if _fadvise is not None and self._written - self._advised >= self.WRITEBACK_BYTES:
            _fadvise(fd, self._advised, self._written - self._advised, os.POSIX_FADV_DONTNEED)
            self._advised = self._written

    def close(self) -> None:
        if self._raw.closed:
            return
        try:
            self.flush()
        finally:
            self._raw.close()

    def __enter__(self) -> "_BlobWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


@deconstructible(path="coffre.storage.VaultFileSystemStorage")
class VaultFileSystemStorage(FileSystemStorage):
    """A local folder for ciphertext: private modes, exclusive creation, durable writes."""

    def __init__(self, location=None, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(location=location, **kwargs)

    def _open(self, name, mode="rb"):
        if mode == "rb":
            return super()._open(name, mode)
        if mode != "wb":
            raise ValueError("The vault storage opens blobs for reading or for writing, never both.")
        path = self.path(name)
        safe_makedirs(os.path.dirname(path), self.directory_permissions_mode, exist_ok=True)
        # "x": O_CREAT | O_EXCL, a blob is written once and never overwritten.
        raw = _DurableFileIO(path, "xb", opener=_private_opener)
        return File(_BlobWriter(raw), name)


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_CLOEXEC, 0o600)
