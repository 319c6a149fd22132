"""The optional ClamAV check of uploads: the plaintext goes to clamd as the vault encrypts it.

Off unless COFFRE_CLAMD names a clamd daemon: a unix socket (``/run/clamav/clamd.ctl``
or ``unix:///run/clamav/clamd.ctl``) or a TCP address (``clamav:3310`` or
``tcp://clamav:3310``). Then the upload handler (`coffre.uploadhandler`) gives each
uploaded file an `InstreamScanner`, and `coffre.uploads.EncryptedUpload` hands it every
plaintext chunk it encrypts. The scanner speaks clamd's INSTREAM command::

    zINSTREAM\\0  then, per chunk, its length (4 bytes, big-endian) and its bytes,
    then a zero length; clamd answers "stream: OK\\0" or "stream: <signature> FOUND\\0"

so the file is never written in clear anywhere, here or on clamd's side (clamd keeps a
stream in memory, up to its StreamMaxLength, which must be at least COFFRE_MAX_FILE_BYTES).

A file clamd finds infected is refused (`VirusFound`), and so is every file when clamd
cannot be reached or does not answer in COFFRE_CLAMD_TIMEOUT seconds (`AntivirusUnavailable`:
fail closed, logged as an error for the operators). Either way the upload's partial blob
is deleted and nothing is stored. Log lines name the blob (a random name) and the
signature, never the file's name.
"""

import contextlib
import logging
import socket
import struct
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from coffre.exceptions import VaultError

logger = logging.getLogger(__name__)

INSTREAM = b"zINSTREAM\0"
END_OF_STREAM = struct.pack("!L", 0)
MAX_REPLY_BYTES = 4096


class VirusFound(VaultError):
    default_message = _(
        "L'antivirus a trouvé un contenu dangereux dans ce fichier : il n'a pas été enregistré. "
        "Si vous pensez qu'il s'agit d'une erreur, enregistrez le document à nouveau depuis son "
        "original ou contactez la mairie."
    )


class AntivirusUnavailable(VaultError):
    default_message = _(
        "Le fichier n'a pas pu être vérifié par l'antivirus pour le moment, il n'a donc pas été "
        "enregistré. Réessayez dans quelques minutes."
    )


@dataclass(frozen=True)
class ClamdAddress:
    family: int
    target: str | tuple[str, int]

    @classmethod
    def parse(cls, value: str) -> "ClamdAddress":
        value = value.strip()
        if value.startswith("unix://"):
            value = value.removeprefix("unix://")
        elif value.startswith("unix:"):
            value = value.removeprefix("unix:")
        if value.startswith("/"):
            return cls(socket.AF_UNIX, value)
        host, separator, port = value.removeprefix("tcp://").rpartition(":")
        if not separator or not host or not port.isdigit():
            raise ValueError("COFFRE_CLAMD is a unix socket path or host:port")
        return cls(
            socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET, (host.strip("[]"), int(port))
        )

    def __str__(self) -> str:
        return self.target if isinstance(self.target, str) else f"{self.target[0]}:{self.target[1]}"


def is_enabled() -> bool:
    return bool(getattr(settings, "COFFRE_CLAMD", ""))


def scanner() -> "InstreamScanner | None":
    """A scanner for one file when a clamd is configured, else None (no check)."""
    if not is_enabled():
        return None
    return InstreamScanner(settings.COFFRE_CLAMD, timeout=settings.COFFRE_CLAMD_TIMEOUT)


class InstreamScanner:
    """One file's INSTREAM session with clamd: `write` each chunk, then `verdict`, or `close`."""

    def __init__(self, address: str, *, timeout: float, label: str = ""):
        self.address = address
        self.timeout = timeout
        self.label = label  # for the logs: the blob's random name
        self._socket: socket.socket | None = None
        self._done = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        try:
            if self._socket is None:
                self._connect()
            self._socket.sendall(struct.pack("!L", len(data)) + bytes(data))
        except OSError as error:
            # clamd may have closed the stream on its own (StreamMaxLength): its reason, if any, is logged.
            self._unavailable("sending to clamd failed", error, reply=self._read_reply_quietly())

    def verdict(self) -> None:
        """The end of the file: nothing if clean, else VirusFound or AntivirusUnavailable."""
        try:
            if self._socket is None:
                self._connect()
            self._socket.sendall(END_OF_STREAM)
            reply = self._read_reply()
        except OSError as error:
            self._unavailable("clamd did not answer", error)
        finally:
            self.close()
        self._done = True
        if reply.endswith(" FOUND"):
            signature = reply.removeprefix("stream:").removesuffix("FOUND").strip()
            logger.warning("clamd found %s in an upload (blob %s): refused", signature, self.label)
            raise VirusFound()
        if reply != "stream: OK":
            self._unavailable("clamd refused the stream", None, reply=reply)

    def close(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _connect(self) -> None:
        try:
            address = ClamdAddress.parse(self.address)
        except ValueError as error:
            self._unavailable("COFFRE_CLAMD cannot be read", error)
        sock = socket.socket(address.family, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(address.target)
            sock.sendall(INSTREAM)
        except OSError:
            sock.close()
            raise
        self._socket = sock

    def _read_reply(self) -> str:
        received = bytearray()
        while b"\0" not in received and len(received) < MAX_REPLY_BYTES:
            piece = self._socket.recv(MAX_REPLY_BYTES)
            if not piece:
                break
            received += piece
        return received.split(b"\0", 1)[0].decode("utf-8", "replace").strip()

    def _read_reply_quietly(self) -> str:
        if self._socket is None:
            return ""
        try:
            self._socket.settimeout(min(self.timeout, 1.0))
            return self._read_reply()
        except OSError:
            return ""

    def _unavailable(self, what: str, error: BaseException | None, *, reply: str = ""):
        self.close()
        logger.error(
            "Antivirus unavailable, upload refused (blob %s): %s at %s%s%s",
            self.label,
            what,
            self.address,
            f" ({error.__class__.__name__}: {error})" if error is not None else "",
            f", clamd said {reply!r}" if reply else "",
        )
        raise AntivirusUnavailable() from error
