"""The optional ClamAV hook, against a small fake clamd that speaks the real protocol on a local socket:
zINSTREAM, size-prefixed chunks, a zero length, then "stream: OK" or "stream: <signature> FOUND".

No signatures are available offline, so the fake finds the EICAR test string wherever it is; what is
tested is the portal's side: the plaintext streamed as it is encrypted, infected files refused with a
French message and nothing stored, and every file refused (fail closed, logged) when clamd is away."""

import contextlib
import logging
import shutil
import socket
import struct
import tempfile
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains

from coffre import antivirus
from coffre.models import Document, DocumentType, DocumentVersion
from tests.coffre.factories import pdf_bytes, read_back
from tests.coffre.helpers import blob_files
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town", "document_types")]

# The EICAR test file: harmless, detected as "Eicar-Test-Signature" by every antivirus.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
VIRUS_FOUND = (
    "L&#x27;antivirus a trouvé un contenu dangereux dans ce fichier : il n&#x27;a pas été enregistré."
)
UNAVAILABLE = "Le fichier n&#x27;a pas pu être vérifié par l&#x27;antivirus pour le moment"


class FakeClamd:
    """clamd's INSTREAM, on a unix socket or a TCP port, in a thread. `behaviour`: scan, hang, close."""

    def __init__(self, *, family=socket.AF_UNIX, behaviour="scan", stream_max: int | None = None):
        self.behaviour = behaviour
        self.stream_max = stream_max
        self.streams: list[bytes] = []  # the plaintext of each scanned stream
        self.chunks: list[int] = []  # the size of each chunk received
        self.connections = 0
        self._stop = threading.Event()
        self._server = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_UNIX:
            self._folder = Path(tempfile.mkdtemp(prefix="clamd-"))  # short: unix socket paths are short
            self.address = str(self._folder / "clamd.sock")
            self._server.bind(self.address)
        else:
            self._folder = None
            self._server.bind(("127.0.0.1", 0))
            self.address = f"127.0.0.1:{self._server.getsockname()[1]}"
        self._server.listen(8)
        self._server.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _peer = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with connection, contextlib.suppress(OSError):
                connection.settimeout(5)
                self._handle(connection)

    def _read(self, connection, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            piece = connection.recv(size - len(data))
            if not piece:
                raise ConnectionError("closed")
            data += piece
        return bytes(data)

    def _handle(self, connection):
        if self.behaviour == "close":
            return
        command = bytearray()
        while not command.endswith(b"\0"):
            command += self._read(connection, 1)
        if bytes(command) != b"zINSTREAM\0":
            connection.sendall(b"UNKNOWN COMMAND\0")
            return
        stream = bytearray()
        while True:
            (size,) = struct.unpack("!L", self._read(connection, 4))
            if size == 0:
                break
            self.chunks.append(size)
            stream += self._read(connection, size)
            if self.stream_max is not None and len(stream) > self.stream_max:
                connection.sendall(b"INSTREAM size limit exceeded. ERROR\0")
                return
        self.streams.append(bytes(stream))
        if self.behaviour == "hang":
            self._stop.wait(10)
            return
        reply = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in stream else b"stream: OK\0"
        connection.sendall(reply)

    def stop(self):
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=5)
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


@pytest.fixture
def clamd(settings):
    servers = []

    def start(**options) -> FakeClamd:
        server = FakeClamd(**options)
        servers.append(server)
        settings.COFFRE_CLAMD = server.address
        settings.COFFRE_CLAMD_TIMEOUT = 1.0
        return server

    yield start
    for server in servers:
        server.stop()


def upload(client, citizen, content: bytes, *, name="Avis d'imposition.pdf"):
    return client.post(
        reverse("coffre:upload", args=[person_party(citizen).pk]),
        {
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
            "document_type": DocumentType.objects.get(code="avis-imposition").pk,
            "title": "Avis 2025",
        },
    )


def nothing_stored(vault_dir) -> bool:
    return (
        not Document.objects.exists() and not DocumentVersion.objects.exists() and blob_files(vault_dir) == []
    )


def test_a_clean_file_is_streamed_to_clamd_as_it_is_encrypted_then_stored(client, citizen, clamd, vault_dir):
    server = clamd()
    content = pdf_bytes(300_000, marker=b"REVENU-FISCAL-DE-REFERENCE")
    login(client, citizen)

    response = upload(client, citizen, content)

    assert response.status_code == 302
    # clamd received exactly the plaintext, in several chunks (never the whole file at once).
    assert server.streams == [content]
    assert len(server.chunks) >= 4 and max(server.chunks) <= 64 * 1024
    version = DocumentVersion.objects.get()
    assert read_back(actor=citizen, version=version) == content
    [blob] = blob_files(vault_dir)
    assert b"REVENU-FISCAL-DE-REFERENCE" not in blob.read_bytes()


def test_clamd_on_a_tcp_address_works_the_same(client, citizen, clamd):
    server = clamd(family=socket.AF_INET)
    login(client, citizen)

    assert upload(client, citizen, pdf_bytes(5000)).status_code == 302
    assert len(server.streams) == 1
    assert Document.objects.count() == 1


def test_an_infected_file_is_refused_in_french_and_nothing_is_stored(
    client, citizen, clamd, vault_dir, caplog
):
    clamd()
    login(client, citizen)

    with caplog.at_level(logging.WARNING, logger="coffre.antivirus"):
        response = upload(client, citizen, pdf_bytes(20_000, marker=EICAR), name="Impots-Camille-Martin.pdf")

    assert response.status_code == 200
    assertContains(response, VIRUS_FOUND)
    assertContains(response, 'value="Avis 2025"')  # what was typed is kept
    assert nothing_stored(vault_dir)
    [record] = [record for record in caplog.records if record.name == "coffre.antivirus"]
    assert "Eicar-Test-Signature" in record.getMessage()
    assert "Camille" not in record.getMessage()  # the file's name is never logged


def test_clamd_out_of_reach_refuses_every_file_and_says_so(client, citizen, settings, vault_dir, caplog):
    settings.COFFRE_CLAMD = str(Path(tempfile.gettempdir()) / "no-clamd-here.sock")
    login(client, citizen)

    with caplog.at_level(logging.ERROR, logger="coffre.antivirus"):
        response = upload(client, citizen, pdf_bytes(20_000))

    assert response.status_code == 200
    assertContains(response, UNAVAILABLE)
    assert nothing_stored(vault_dir)
    assert any("Antivirus unavailable" in record.getMessage() for record in caplog.records)


def test_clamd_that_closes_at_once_refuses_the_file(client, citizen, clamd, vault_dir):
    clamd(behaviour="close")
    login(client, citizen)

    assertContains(upload(client, citizen, pdf_bytes(200_000)), UNAVAILABLE)
    assert nothing_stored(vault_dir)


def test_clamd_that_does_not_answer_in_time_refuses_the_file(client, citizen, clamd, vault_dir, settings):
    clamd(behaviour="hang")
    settings.COFFRE_CLAMD_TIMEOUT = 0.3
    login(client, citizen)

    assertContains(upload(client, citizen, pdf_bytes(20_000)), UNAVAILABLE)
    assert nothing_stored(vault_dir)


def test_a_file_above_clamds_stream_limit_is_refused(client, citizen, clamd, vault_dir, caplog):
    clamd(stream_max=100_000)
    login(client, citizen)

    with caplog.at_level(logging.ERROR, logger="coffre.antivirus"):
        response = upload(client, citizen, pdf_bytes(400_000))

    assertContains(response, UNAVAILABLE)
    assert nothing_stored(vault_dir)
    assert any("size limit exceeded" in record.getMessage() for record in caplog.records)


def test_a_refused_type_never_reaches_clamd(client, citizen, clamd, vault_dir):
    server = clamd()
    login(client, citizen)

    response = upload(client, citizen, b"<html><script>alert(1)</script></html>" * 100, name="page.pdf")

    assertContains(response, "Ce type de fichier n&#x27;est pas accepté")
    assert server.streams == [] and server.connections == 0
    assert nothing_stored(vault_dir)


def test_without_a_clamd_configured_nothing_is_sent_anywhere(client, citizen, settings):
    settings.COFFRE_CLAMD = ""
    assert antivirus.scanner() is None
    login(client, citizen)

    assert upload(client, citizen, pdf_bytes(5000)).status_code == 302
    assert Document.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "family", "target"),
    [
        ("/run/clamav/clamd.ctl", socket.AF_UNIX, "/run/clamav/clamd.ctl"),
        ("unix:///run/clamav/clamd.ctl", socket.AF_UNIX, "/run/clamav/clamd.ctl"),
        ("clamav:3310", socket.AF_INET, ("clamav", 3310)),
        ("tcp://10.0.0.5:3310", socket.AF_INET, ("10.0.0.5", 3310)),
    ],
)
def test_the_address_is_a_socket_path_or_host_and_port(value, family, target):
    address = antivirus.ClamdAddress.parse(value)
    assert (address.family, address.target) == (family, target)


def test_a_malformed_address_fails_closed(settings, client, citizen, vault_dir):
    settings.COFFRE_CLAMD = "clamav-sans-port"
    login(client, citizen)
    assertContains(upload(client, citizen, pdf_bytes(5000)), UNAVAILABLE)
    assert nothing_stored(vault_dir)
