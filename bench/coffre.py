"""Vault throughput, measured against a plain copy of the same file on the same disk, in one run.

    DATABASE_URL=postgres://… .venv/bin/python bench/coffre.py [--size-mib 100] [--repeat 3]

Stores a random file through the vault's own path (`store_document_from_file`:
type check, SHA-256, AES-256-GCM in 64 KiB chunks, durable write, rows, audit),
reads it back (`open_plaintext` into a file), and copies the same file with
shutil (fsync'd like the vault's blobs, and without fsync for reference). It
also pushes a 20 MiB multipart body through Django's parser and the vault's
upload handler, in process (no vault URL exists yet for a real HTTP upload).

Everything runs in one database transaction that is rolled back at the end,
and the blobs go to a temporary folder under var/ (the disk of the vault's
default storage), removed at the end: the database is left as it was. It must
be migrated (`manage.py migrate`). Never collected by pytest (not test_*.py).
"""

import argparse
import hashlib
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def setup_django() -> None:
    # Run as a script, this folder comes first on the path, and this file is named like the app.
    sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    import django

    django.setup()


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


def timed(function) -> tuple[float, object]:
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
    args = parser.parse_args()
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
        with (
            override_settings(
                STORAGES=storages_setting, COFFRE_MAX_FILE_BYTES=size + MIB, COFFRE_QUOTA_BYTES=10 * size
            ),
            transaction.atomic(),
        ):
            try:
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
                raise Rollback()
            except Rollback:
                pass
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
    print(
        "  HTTP upload through the running portal: not measured, no vault upload URL yet (the pages' issue)."
    )
    for name, values in results.items():
        print(f"  runs {name:13}" + " ".join(f"{value:.3f}s" for value in values))


LABELS = {"copy": "the shutil copy", "copy_chunks": "the 64 KiB copy"}


def chunked_copy(source: Path, target: Path) -> None:
    """What a storage that does not encrypt does: read and write 64 KiB at a time, then fsync."""
    with source.open("rb") as data, target.open("wb") as out:
        while piece := data.read(64 * 1024):
            out.write(piece)
        out.flush()
        os.fsync(out.fileno())


if __name__ == "__main__":
    main()
