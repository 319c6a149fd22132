"""Vault throughput, measured against a plain copy of the same file on the same disk, in one run.

    DATABASE_URL=postgres://… .venv/bin/python bench/coffre.py [--size-mib 100] [--repeat 3]

Stores a random file through the vault's own path (`store_document_from_file`:
type check, SHA-256, AES-256-GCM in 64 KiB chunks, durable write, rows, audit),
reads it back (`open_plaintext` into a file), and copies the same file with
shutil (fsync'd like the vault's blobs, and without fsync for reference). It
also pushes a 20 MiB multipart body through Django's parser and the vault's
upload handler, in process, then through the running portal: a gunicorn on a
free 127.0.0.1 port, a real login, and multipart POSTs to the vault's upload
page (`coffre:upload`), timed from the first byte sent to the answer.

The in-process part runs in one database transaction that is rolled back at
the end. The HTTP part needs committed rows (the server is another process):
it creates one user, and at the end shreds their vault and deletes them (the
audit log keeps its rows: it only grows; the shredding log keeps ids). The
blobs go to a temporary folder under var/ (the disk of the vault's default
storage), removed at the end. The database must be migrated (`manage.py
migrate`). Never collected by pytest (not test_*.py).
"""

import argparse
import hashlib
import http.client
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from _common import CSRF_INPUT, free_port, setup_django

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_random_file(path: Path, size: int) -> str:
    """A file that passes the vault's type check (PDF magic), random after it; returns its SHA-256."""
    head = b"%PDF-1.7\n"
    digest = hashlib.sha256(head)
    block = secrets.token_bytes(MIB)
    with path.open("wb") as out:
        out.write(head)
        left = size - len(head)
        while left > 0:
            piece = block[:left]
            out.write(piece)
            digest.update(piece)
            left -= len(piece)
    fsync_path(path)
    return digest.hexdigest()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while piece := source.read(MIB):
            digest.update(piece)
    return digest.hexdigest()


WAIT_IDLE = 0.0  # seconds to wait for a quiet machine before each measure (--wait-idle)


def cpu_busy(seconds: float = 0.5) -> float | None:
    """Share of the machine's CPU time busy over `seconds` (Linux /proc/stat), else None."""
    try:
        before = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        time.sleep(seconds)
        after = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None
    delta = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(delta) or 1
    return (total - delta[3] - delta[4]) / total  # minus idle and iowait


def dirty_bytes() -> int | None:
    """Bytes waiting to be written to disk (Linux /proc/meminfo Dirty + Writeback), else None."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    except OSError:
        return None
    return sum(int(fields[name].split()[0]) * 1024 for name in ("Dirty", "Writeback") if name in fields)


def wait_until_quiet() -> None:
    """On a shared machine, other processes' work skews the figures: wait (at most WAIT_IDLE
    seconds) until the CPU is mostly idle and the previous measures' writes have reached the
    disk (a virtual disk absorbs a burst far faster than it sustains writes)."""
    deadline = time.monotonic() + WAIT_IDLE
    while time.monotonic() < deadline:
        busy, dirty = cpu_busy(), dirty_bytes()
        if (busy is None or busy < 0.25) and (dirty is None or dirty < 16 * MIB):
            return


def timed(function) -> tuple[float, object]:
    if WAIT_IDLE:
        wait_until_quiet()
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def rate(size: int, seconds: float) -> str:
    return f"{size / seconds / 1e6:8.0f} MB/s"


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=100)
    parser.add_argument("--upload-mib", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP upload through gunicorn")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each measure, wait up to SECONDS for the CPU to be mostly idle (shared machines)",
    )
    args, _others = parser.parse_known_args()  # `make bench` hands every bench the same arguments
    global WAIT_IDLE
    WAIT_IDLE = args.wait_idle
    setup_django()

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIRequest
    from django.db import connection, transaction
    from django.test.utils import override_settings

    from coffre import crypto, services, uploadhandler
    from coffre.models import DocumentType
    from guichet.accounts.models import Party, User
    from tests.coffre.helpers import GeneratedMultipartBody

    if "coffre_documentversion" not in connection.introspection.table_names():
        sys.exit("The database is not migrated: run `manage.py migrate` first.")

    size = args.size_mib * MIB
    (ROOT / "var").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-coffre-", dir=ROOT / "var"))
    storages_setting = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": work / "vault"},
        },
    }
    results: dict[str, list[float]] = {
        name: [] for name in ("copy", "copy_nofsync", "copy_chunks", "store", "read", "read_only", "upload")
    }
    try:
        source = work / "source.pdf"
        expected = write_random_file(source, size)
        try:
            with (
                override_settings(
                    STORAGES=storages_setting, COFFRE_MAX_FILE_BYTES=size + MIB, COFFRE_QUOTA_BYTES=10 * size
                ),
                transaction.atomic(),
            ):
                user = User.objects.create_user(f"bench-coffre-{secrets.token_hex(4)}@example.invalid")
                owner = Party.objects.get(person=user)
                document_type, _ = DocumentType.objects.get_or_create(
                    code="bench-coffre", defaults={"label": "Bench", "for_person": True}
                )
                for round_ in range(args.repeat):
                    copy = work / f"copy-{round_}.pdf"
                    seconds, _ = timed(lambda copy=copy: (shutil.copyfile(source, copy), fsync_path(copy)))
                    results["copy"].append(seconds)
                    copy.unlink()
                    seconds, _ = timed(lambda copy=copy: shutil.copyfile(source, copy))
                    results["copy_nofsync"].append(seconds)
                    copy.unlink()
                    seconds, _ = timed(lambda copy=copy: chunked_copy(source, copy))
                    results["copy_chunks"].append(seconds)
                    copy.unlink()

                    def store():
                        with source.open("rb") as data:
                            return services.store_document_from_file(
                                actor=user,
                                owner=owner,
                                source=data,
                                filename="bench.pdf",
                                document_type=document_type,
                                title="Bench",
                            )

                    seconds, version = timed(store)
                    results["store"].append(seconds)
                    assert version.sha256 == expected

                    out = work / f"read-{round_}.pdf"

                    def read_back(version=version, out=out):
                        stream = services.open_plaintext(actor=user, version=version)
                        with out.open("wb") as target:
                            for chunk in stream:
                                target.write(chunk)
                            target.flush()
                            os.fsync(target.fileno())
                        stream.close()

                    seconds, _ = timed(read_back)
                    results["read"].append(seconds)
                    assert _sha256_of(out) == expected
                    out.unlink()

                    def read_only(version=version):
                        stream = services.open_plaintext(actor=user, version=version)
                        for _chunk in stream:
                            pass
                        stream.close()

                    seconds, _ = timed(read_only)
                    results["read_only"].append(seconds)

                upload_size = args.upload_mib * MIB
                block = secrets.token_bytes(MIB)
                for _round in range(args.repeat):
                    body = GeneratedMultipartBody(size=upload_size, head=b"%PDF-1.7\n", block=block)

                    def upload(body=body):
                        request = WSGIRequest(body.environ())
                        uploadhandler.install(request)
                        uploaded = uploadhandler.uploaded_file(request, "file")
                        services.store_document(
                            actor=user,
                            owner=owner,
                            uploaded=uploaded,
                            document_type=document_type,
                            title="Bench",
                        )
                        request.close()

                    seconds, _ = timed(upload)
                    results["upload"].append(seconds)
                raise Rollback()  # leaves the database as it was
        except Rollback:
            pass
        http_runs = (
            []
            if args.no_http
            else http_upload_runs(size=args.upload_mib * MIB, repeat=args.repeat, vault=work / "vault-http")
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def median(name: str) -> float:
        return statistics.median(results[name])

    key, block = crypto.generate_key(), secrets.token_bytes(64 * 1024)
    pieces = [block] * 1024  # 64 MiB in the vault's 64 KiB pieces
    aes_seconds, _ = timed(lambda: sum(1 for _ in crypto.StreamEncryptor(key).encrypt(pieces)))
    aead, nonce = AESGCM(key), bytes(12)
    aes_only_seconds, _ = timed(lambda: sum(len(aead.encrypt(nonce, piece, b"")) for piece in pieces))
    sha = hashlib.sha256()
    sha_seconds, _ = timed(lambda: [sha.update(piece) for piece in pieces])

    def line(label: str, name: str, *, against: tuple[str, ...] = ()) -> None:
        ratios = "  ".join(f"{median(other) / median(name):.2f} x {LABELS[other]}" for other in against)
        print(f"  {label:<52}{rate(sizes.get(name, size), median(name))}   {ratios}")

    sizes = {"upload": args.upload_mib * MIB}
    print(f"Vault bench: {args.size_mib} MiB file, median of {args.repeat} runs, disk of {ROOT / 'var'}")
    print(
        f"  {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end"
        + (f", each measure after up to {WAIT_IDLE:.0f} s waiting for an idle CPU" if WAIT_IDLE else "")
    )
    line("plain copy, shutil (in-kernel), fsync'd", "copy")
    line("plain copy, shutil (in-kernel), no fsync", "copy_nofsync")
    line("plain copy, 64 KiB read/write, fsync'd", "copy_chunks")
    line("vault store (sniff, SHA-256, AES-GCM, fsync, rows)", "store", against=("copy", "copy_chunks"))
    line("vault read back into a file, fsync'd", "read", against=("copy", "copy_chunks"))
    line("vault read back, decrypt only (a download)", "read_only")
    print(
        f"  {'vault round trip (store + read into a file)':<52}{rate(2 * size, median('store') + median('read'))}"
        f"   {2 * median('copy') / (median('store') + median('read')):.2f} x two {LABELS['copy']}"
    )
    line(f"upload handler, {args.upload_mib} MiB multipart, in process", "upload")
    print(
        f"  in memory, 64 KiB pieces: StreamEncryptor (AES-256-GCM + SHA-256) "
        f"{rate(64 * MIB, aes_seconds)}, AES-256-GCM alone {rate(64 * MIB, aes_only_seconds)}, "
        f"SHA-256 alone {rate(64 * MIB, sha_seconds)}"
    )
    if http_runs:
        http_median = statistics.median(http_runs)
        print(
            f"  {f'HTTP upload, {args.upload_mib} MiB, gunicorn + login + coffre:upload':<52}"
            f"{rate(args.upload_mib * MIB, http_median)}   "
            f"{median('upload') / http_median:.2f} x the in-process handler"
        )
    else:
        print("  HTTP upload through the running portal: skipped (--no-http)")
    for name, values in {**results, "http_upload": http_runs}.items():
        print(f"  runs {name:13}" + " ".join(f"{value:.3f}s" for value in values))


LABELS = {"copy": "the shutil copy", "copy_chunks": "the 64 KiB copy"}


# HTTP upload through the running portal -------------------------------------------------------

HTTP_PASSWORD = "Bench-coffre-" + secrets.token_urlsafe(12)


class Browser:
    """Just enough of a browser over http.client: cookies, CSRF token, no redirects followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body=None, headers=None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300, blocksize=256 * 1024)
        try:
            all_headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(header)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.headers), content
        finally:
            connection.close()

    def csrf_token(self, path: str) -> str:
        status, _headers, content = self.request("GET", path)
        assert status == 200, (path, status)
        return CSRF_INPUT.search(content.decode()).group(1)

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, dict, bytes]:
        body = urlencode(fields).encode()
        return self.request(
            "POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )


def start_portal(*, port: int, vault: Path, max_bytes: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "COFFRE_STORAGE_LOCATION": str(vault),
        "COFFRE_MAX_FILE_BYTES": str(max_bytes),
        "COFFRE_QUOTA_BYTES": str(1024 * MIB),
        "DJANGO_SETTINGS_MODULE": "guichet.settings",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "guichet.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped at start")
        try:
            if Browser(port).request("GET", "/coffre-fort/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def http_upload_runs(*, size: int, repeat: int, vault: Path) -> list[float]:
    """Seconds per 20 MiB multipart POST to the vault's upload page of a running gunicorn."""
    from allauth.account.models import EmailAddress
    from django.db import close_old_connections
    from django.test.utils import override_settings
    from django.urls import reverse

    from coffre import services
    from coffre.models import DocumentType
    from guichet.accounts.models import Party, User
    from tests.coffre.helpers import GeneratedMultipartBody

    close_old_connections()
    email = f"bench-http-{secrets.token_hex(4)}@example.invalid"
    user = User.objects.create_user(email, HTTP_PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    owner = Party.objects.get(person=user)
    document_type = DocumentType.objects.filter(is_active=True, for_person=True).order_by("position").first()
    port = free_port()
    server = start_portal(port=port, vault=vault, max_bytes=size + MIB)
    runs = []
    try:
        browser = Browser(port)
        login_path = reverse("account_login")
        token = browser.csrf_token(login_path)
        status, headers, _ = browser.post_form(
            login_path, {"login": email, "password": HTTP_PASSWORD, "csrfmiddlewaretoken": token}
        )
        assert status == 302 and "sessionid" in browser.cookies, ("login", status, headers)
        upload_path = reverse("coffre:upload", args=[owner.pk])
        block = secrets.token_bytes(MIB)
        for round_ in range(repeat):
            token = browser.csrf_token(upload_path)
            body = GeneratedMultipartBody(
                size=size,
                head=b"%PDF-1.7\n",
                block=block,
                filename=f"bench-{round_}.pdf",
                fields={"csrfmiddlewaretoken": token, "document_type": document_type.pk, "title": "Bench"},
            )
            if WAIT_IDLE:
                wait_until_quiet()
            started = time.perf_counter()
            status, headers, _ = browser.request(
                "POST",
                upload_path,
                body=body,
                headers={"Content-Type": body.content_type, "Content-Length": str(body.content_length)},
            )
            runs.append(time.perf_counter() - started)
            assert status == 302 and "/mon-espace/coffre/documents/" in headers.get("Location", ""), (
                "upload",
                status,
                headers,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        with override_settings(
            STORAGES={
                **settings_storages(),
                "coffre": {
                    "BACKEND": "coffre.storage.VaultFileSystemStorage",
                    "OPTIONS": {"location": vault},
                },
            }
        ):
            services.shred(actor=None, owner=owner)
        user.delete()
    return runs


def settings_storages() -> dict:
    from django.conf import settings

    return dict(settings.STORAGES)


def chunked_copy(source: Path, target: Path) -> None:
    """What a storage that does not encrypt does: read and write 64 KiB at a time, then fsync."""
    with source.open("rb") as data, target.open("wb") as out:
        while piece := data.read(64 * 1024):
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())


if __name__ == "__main__":
    main()
