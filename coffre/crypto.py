"""The vault's cryptography: streaming AES-256-GCM and key wrapping. Pure: no models, no I/O.

Encrypted blob, format version 1
--------------------------------

::

    header  = MAGIC "CFR1" (4) | FORMAT_VERSION (1) | random nonce prefix (8)        13 bytes
    chunk i = AES-256-GCM(content key,
                          nonce = nonce prefix | i as uint32 big-endian,           12 bytes
                          data  = 64 KiB of plaintext (the last chunk 0 to 64 KiB),
                          associated data = header | 0x01 for the last chunk, else 0x00)
            = ciphertext | 16-byte tag

This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, 2015), as
in Tink's streaming AEAD. It gives, chunk by chunk, before any plaintext of a
bad chunk is released:

- a flipped byte anywhere fails that chunk's tag (the header's too: it is in
  every chunk's associated data);
- a swapped or reordered chunk is opened under another counter and fails;
- a file cut at a chunk boundary ends on a chunk not sealed as the last: fails;
- a chunk appended after the last follows a chunk sealed as the last: fails.

Every chunk but the last holds exactly 64 KiB, so the decryptor knows where a
chunk ends without a length field. A content key encrypts one blob only (one
per document version), so nonces never repeat under a key.

Keys
----

- KEK (key-encryption key): 32 bytes from the environment with an id
  (``COFFRE_KEKS``); the first wraps, every listed one unwraps (rotation).
- Data key: 32 random bytes per party, stored only wrapped by a KEK.
- Content key: 32 random bytes per document version, stored only wrapped by
  the owner's data key.

A wrapped key is ``WRAP_VERSION | 12-byte random nonce | AES-256-GCM(wrapping key,
key, associated data = context)``. The context binds the key to where it is
used (party, data key id, KEK id, blob name, size and SHA-256 of the plaintext),
so a wrapped key moved to another row, another party or another blob, or a
fingerprint changed in the database, no longer unwraps.
"""

import base64
import binascii
import hashlib
import queue
import re
import secrets
import struct
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coffre.exceptions import VaultIntegrityError, VaultKeyError

KEY_SIZE = 32  # AES-256
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
CIPHERTEXT_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
MAGIC = b"CFR1"
FORMAT_VERSION = 1
NONCE_PREFIX_SIZE = 8
HEADER_SIZE = len(MAGIC) + 1 + NONCE_PREFIX_SIZE
MAX_CHUNKS = 2**32  # the counter is 32 bits: 256 TiB per blob, far beyond any quota
_LAST = b"\x01"
_NOT_LAST = b"\x00"

WRAP_VERSION = b"\x01"
WRAP_NONCE_SIZE = 12
WRAPPED_KEY_SIZE = len(WRAP_VERSION) + WRAP_NONCE_SIZE + KEY_SIZE + TAG_SIZE

KEK_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}", re.ASCII)
# Key ids starting with this are demo keys, published in the repository: refused in production.
DEMO_KEK_PREFIX = "demo"


def generate_key() -> bytes:
    return secrets.token_bytes(KEY_SIZE)


def ciphertext_size(plaintext_size: int) -> int:
    """Bytes a blob takes for a plaintext of this size (header plus one tag per chunk)."""
    chunks = max(1, -(-plaintext_size // CHUNK_SIZE))
    return HEADER_SIZE + plaintext_size + chunks * TAG_SIZE


# Streaming encryption -----------------------------------------------------------------------


def iter_source(source: BinaryIO | Iterable[bytes], *, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Pieces of a file-like (read `size` bytes at a time) or of an iterable of bytes."""
    read = getattr(source, "read", None)
    if read is None:
        yield from source
        return
    while piece := read(size):
        yield piece


class _Chunker:
    """Cuts a stream into `size`-byte chunks, holding the last one back until more bytes or the end come.

    A full chunk is only known not to be the last once a byte after it has
    arrived. Immutable input (bytes) is sliced without copying; at most one
    chunk is held.
    """

    def __init__(self, size: int):
        self._size = size
        self._pending = memoryview(b"")

    def push(self, data: bytes | bytearray | memoryview) -> Iterator[memoryview]:
        """The chunks that `data` completes and that are followed by more bytes."""
        view = memoryview(data if isinstance(data, bytes) else bytes(data))
        if not view:
            return
        size = self._size
        if self._pending:
            if len(self._pending) < size:
                missing = size - len(self._pending)
                self._pending = memoryview(b"".join((self._pending, view[:missing])))
                view = view[missing:]
            if not view:
                return
            yield self._pending
            self._pending = memoryview(b"")
        while len(view) > size:
            yield view[:size]
            view = view[size:]
        self._pending = view

    def last(self) -> memoryview:
        pending, self._pending = self._pending, memoryview(b"")
        return pending


class ParallelSha256:
    """SHA-256 of a stream, computed on a helper thread once the stream passes one batch.

    hashlib releases the GIL while it hashes a buffer of more than 2 KiB, so the
    helper hashes on one core while the caller encrypts and writes on the other.
    The pieces are copied into BUFFERS reusable buffers of BATCH_BYTES (a memory
    copy costs a fraction of hashing; reusing them spares the page faults of
    fresh allocations), each hashed in one call: the helper takes the GIL back
    once per batch, not once per piece. When every buffer waits to be hashed,
    the caller waits: memory stays bounded (BUFFERS x BATCH_BYTES). A stream
    shorter than one batch is hashed in the caller's thread, without a thread.
    """

    BATCH_BYTES = 1024 * 1024
    BUFFERS = 4

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._buffer = bytearray(self.BATCH_BYTES)
        self._filled = 0
        self._free: queue.SimpleQueue | None = None
        self._full: queue.SimpleQueue | None = None
        self._thread: threading.Thread | None = None
        self._digest: str | None = None
        self._stop: weakref.finalize | None = None

    def update(self, data: bytes | bytearray | memoryview) -> None:
        if self._digest is not None:
            raise RuntimeError("The digest is already computed.")
        view = memoryview(data).cast("B")
        while view:
            room = self.BATCH_BYTES - self._filled
            piece = view[:room]
            self._buffer[self._filled : self._filled + len(piece)] = piece
            self._filled += len(piece)
            view = view[len(piece) :]
            if self._filled == self.BATCH_BYTES:
                self._hand_over()

    def _hand_over(self) -> None:
        if self._thread is None:
            self._free, self._full = queue.SimpleQueue(), queue.SimpleQueue()
            for _ in range(self.BUFFERS - 1):
                self._free.put(bytearray(self.BATCH_BYTES))
            self._thread = threading.Thread(
                target=_hash_batches,
                args=(self._full, self._free, self._hash),
                name="coffre-sha256",
                daemon=True,
            )
            self._thread.start()
            # An encryptor dropped without finishing (a refused upload) still ends its helper.
            self._stop = weakref.finalize(self, self._full.put, None)
        self._full.put((self._buffer, self._filled))
        self._buffer = self._free.get()  # waits while every other buffer is being hashed
        self._filled = 0

    def hexdigest(self) -> str:
        if self._digest is None:
            if self._thread is None:
                self._hash.update(memoryview(self._buffer)[: self._filled])
            else:
                if self._filled:
                    self._full.put((self._buffer, self._filled))
                self._stop()  # the end marker, once
                self._thread.join()
            self._buffer, self._filled = bytearray(), 0
            self._digest = self._hash.hexdigest()
        return self._digest

    def close(self) -> None:
        """Stop hashing (the stream was abandoned); safe to call twice or after `hexdigest`."""
        self._buffer, self._filled = bytearray(), 0
        if self._stop is not None and self._stop.alive:
            self._stop()
            self._thread.join()


def _hash_batches(full: queue.SimpleQueue, free: queue.SimpleQueue, digest) -> None:
    # A function, not a method: the thread must not keep its ParallelSha256 alive.
    while (batch := full.get()) is not None:
        buffer, size = batch
        digest.update(memoryview(buffer)[:size])
        free.put(buffer)


class StreamEncryptor:
    """Encrypts a stream pushed piece by piece (`update`, then `finalize`) or pulled (`encrypt`).

    Computes the SHA-256 and the size of the plaintext on the way, for the
    integrity proof. Holds at most one chunk in memory.
    """

    def __init__(self, key: bytes, *, nonce_prefix: bytes | None = None):
        if len(key) != KEY_SIZE:
            raise ValueError("A content key is 32 bytes.")
        prefix = nonce_prefix if nonce_prefix is not None else secrets.token_bytes(NONCE_PREFIX_SIZE)
        if len(prefix) != NONCE_PREFIX_SIZE:
            raise ValueError("The nonce prefix is 8 bytes.")
        self._aead = AESGCM(key)
        self.header = MAGIC + bytes([FORMAT_VERSION]) + prefix
        self._prefix = prefix
        self._ad = (self.header + _NOT_LAST, self.header + _LAST)
        self._chunker = _Chunker(CHUNK_SIZE)
        self._counter = 0
        self._header_sent = False
        self._finished = False
        self._sha256 = ParallelSha256()
        self.size = 0

    @property
    def sha256(self) -> str:
        if not self._finished:
            raise RuntimeError("The fingerprint is known once the stream is finalised.")
        return self._sha256.hexdigest()

    def close(self) -> None:
        """Abandon the stream (a refused upload): stops the fingerprint's helper thread."""
        self._sha256.close()

    def _seal(self, chunk: bytes | memoryview, *, last: bool) -> bytes:
        if self._counter >= MAX_CHUNKS:
            raise OverflowError("Too many chunks for one content key.")
        nonce = self._prefix + struct.pack(">I", self._counter)
        self._counter += 1
        return self._aead.encrypt(nonce, chunk, self._ad[last])

    def _start(self) -> list[bytes]:
        if self._header_sent:
            return []
        self._header_sent = True
        return [self.header]

    def update(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Take plaintext; return the ciphertext pieces ready to be written (maybe none)."""
        if self._finished:
            raise RuntimeError("The stream is already finalised.")
        out = self._start()
        self._sha256.update(data)
        self.size += len(data)
        out.extend(self._seal(chunk, last=False) for chunk in self._chunker.push(data))
        return out

    def finalize(self) -> list[bytes]:
        """Seal what is left as the last chunk (an empty one for an empty stream)."""
        if self._finished:
            raise RuntimeError("The stream is already finalised.")
        out = self._start()
        out.append(self._seal(self._chunker.last(), last=True))
        self._finished = True
        self._sha256.hexdigest()  # waits for the helper thread, if any
        return out

    def encrypt(self, source: BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
        """Yield the ciphertext of a file-like or an iterable of bytes; `sha256` is set at the end."""
        for piece in iter_source(source):
            yield from self.update(piece)
        yield from self.finalize()


class StreamDecryptor:
    """Decrypts a stream made by `StreamEncryptor`, chunk by chunk.

    Raises `VaultIntegrityError` on any tampering before releasing the bad
    chunk's plaintext; what was released before is authentic but may be a
    prefix only, so callers that need the whole file check it ends well
    (`finalize` raises for a truncated stream).
    """

    def __init__(self, key: bytes):
        if len(key) != KEY_SIZE:
            raise ValueError("A content key is 32 bytes.")
        self._aead = AESGCM(key)
        self._header = b""
        self._prefix: bytes | None = None
        self._ad: tuple[bytes, bytes] = (b"", b"")
        self._chunker = _Chunker(CIPHERTEXT_CHUNK_SIZE)
        self._counter = 0
        self._finished = False
        self.size = 0

    def _read_header(self, data: bytes | bytearray | memoryview) -> memoryview:
        """Take the header from the first bytes; returns what follows it."""
        view = memoryview(data)
        if self._prefix is not None:
            return view
        missing = HEADER_SIZE - len(self._header)
        self._header += bytes(view[:missing])
        if len(self._header) == HEADER_SIZE:
            header = self._header
            if header[: len(MAGIC)] != MAGIC or header[len(MAGIC)] != FORMAT_VERSION:
                raise VaultIntegrityError()
            self._prefix = header[len(MAGIC) + 1 :]
            self._ad = (header + _NOT_LAST, header + _LAST)
        return view[missing:]

    def _open(self, chunk: bytes | memoryview, *, last: bool) -> bytes:
        if self._counter >= MAX_CHUNKS:
            raise VaultIntegrityError()
        nonce = self._prefix + struct.pack(">I", self._counter)
        try:
            plaintext = self._aead.decrypt(nonce, chunk, self._ad[last])
        except InvalidTag:
            raise VaultIntegrityError() from None
        self._counter += 1
        self.size += len(plaintext)
        return plaintext

    def update(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Take ciphertext; return the plaintext chunks authenticated so far (maybe none)."""
        if self._finished:
            raise VaultIntegrityError()  # bytes after the last chunk
        rest = self._read_header(data)
        return [self._open(chunk, last=False) for chunk in self._chunker.push(rest)]

    def finalize(self) -> list[bytes]:
        """Open what is left as the last chunk; a stream cut anywhere fails here."""
        if self._finished:
            raise RuntimeError("The stream is already finalised.")
        last = self._chunker.last()
        if self._prefix is None or len(last) < TAG_SIZE:
            raise VaultIntegrityError()
        plaintext = self._open(last, last=True)
        self._finished = True
        return [plaintext] if plaintext else []

    def decrypt(self, source: BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
        """Yield the plaintext of a ciphertext file-like or iterable, chunk by chunk."""
        for piece in iter_source(source, size=CIPHERTEXT_CHUNK_SIZE):
            yield from self.update(piece)
        yield from self.finalize()


def encrypt_bytes(key: bytes, plaintext: bytes) -> bytes:
    """Whole-buffer helper for small payloads and tests."""
    return b"".join(StreamEncryptor(key).encrypt([plaintext]))


def decrypt_bytes(key: bytes, ciphertext: bytes) -> bytes:
    return b"".join(StreamDecryptor(key).decrypt([ciphertext]))


# Key wrapping -------------------------------------------------------------------------------


def wrap_key(key: bytes, *, wrapping_key: bytes, context: bytes) -> bytes:
    """Encrypt a key under another, bound to `context` (where the key may be used)."""
    if len(key) != KEY_SIZE or len(wrapping_key) != KEY_SIZE:
        raise ValueError("Keys are 32 bytes.")
    nonce = secrets.token_bytes(WRAP_NONCE_SIZE)
    return WRAP_VERSION + nonce + AESGCM(wrapping_key).encrypt(nonce, key, context)


def unwrap_key(wrapped: bytes, *, wrapping_key: bytes, context: bytes) -> bytes:
    """The key wrapped by `wrap_key` with the same wrapping key and context, else VaultIntegrityError."""
    wrapped = bytes(wrapped)
    if len(wrapped) != WRAPPED_KEY_SIZE or wrapped[:1] != WRAP_VERSION:
        raise VaultIntegrityError()
    nonce = wrapped[1 : 1 + WRAP_NONCE_SIZE]
    try:
        return AESGCM(wrapping_key).decrypt(nonce, wrapped[1 + WRAP_NONCE_SIZE :], context)
    except InvalidTag:
        raise VaultIntegrityError() from None


def data_key_context(*, party_id: int, key_uuid: str, kek_id: str) -> bytes:
    """A data key belongs to one party, one DataKey row and one KEK."""
    return f"coffre/data-key/v1|party:{party_id}|key:{key_uuid}|kek:{kek_id}".encode()


def content_key_context(*, data_key_uuid: str, blob_name: str, size: int, sha256: str) -> bytes:
    """A content key belongs to one blob, under one data key, for one plaintext fingerprint.

    Binding the size and SHA-256 makes the fingerprints kept in the database part
    of the proof: altering them makes the key unusable.
    """
    return f"coffre/content-key/v1|key:{data_key_uuid}|blob:{blob_name}|size:{size}|sha256:{sha256}".encode()


@dataclass(frozen=True)
class KeyRing:
    """The KEKs from the environment: the first wraps, all of them unwrap."""

    current_id: str
    keys: Mapping[str, bytes] = field(repr=False)

    @classmethod
    def parse(cls, value: str | Iterable[str]) -> "KeyRing":
        """Parse ``"id:base64key,id:base64key"`` (or a list of ``"id:base64key"``), newest first.

        Errors never quote a key, only its position or id.
        """
        items = [item.strip() for item in (value.split(",") if isinstance(value, str) else value)]
        items = [item for item in items if item]
        if not items:
            raise ValueError("COFFRE_KEKS lists no key.")
        keys: dict[str, bytes] = {}
        for position, item in enumerate(items, start=1):
            kek_id, sep, encoded = item.partition(":")
            if not sep or not KEK_ID.fullmatch(kek_id):
                raise ValueError(f"COFFRE_KEKS entry {position} is not 'id:base64key' with a simple id.")
            if kek_id in keys:
                raise ValueError(f"COFFRE_KEKS lists the id {kek_id!r} twice.")
            try:
                # Standard or URL-safe alphabet, padding required.
                standard = encoded.strip().replace("-", "+").replace("_", "/")
                key = base64.b64decode(standard, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"COFFRE_KEKS key {kek_id!r} is not valid base64.") from None
            if len(key) != KEY_SIZE:
                raise ValueError(f"COFFRE_KEKS key {kek_id!r} is not 32 bytes long.")
            keys[kek_id] = key
        return cls(current_id=items[0].partition(":")[0], keys=keys)

    @property
    def demo_ids(self) -> list[str]:
        return [kek_id for kek_id in self.keys if kek_id.startswith(DEMO_KEK_PREFIX)]

    def key(self, kek_id: str) -> bytes:
        try:
            return self.keys[kek_id]
        except KeyError:
            raise VaultKeyError() from None

    def wrap_data_key(self, data_key: bytes, *, party_id: int, key_uuid: str) -> tuple[str, bytes]:
        """Wrap under the current KEK; returns (kek_id, wrapped)."""
        kek_id = self.current_id
        context = data_key_context(party_id=party_id, key_uuid=key_uuid, kek_id=kek_id)
        return kek_id, wrap_key(data_key, wrapping_key=self.keys[kek_id], context=context)

    def unwrap_data_key(self, wrapped: bytes, *, kek_id: str, party_id: int, key_uuid: str) -> bytes:
        context = data_key_context(party_id=party_id, key_uuid=key_uuid, kek_id=kek_id)
        return unwrap_key(wrapped, wrapping_key=self.key(kek_id), context=context)
