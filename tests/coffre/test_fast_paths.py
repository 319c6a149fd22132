"""The store path's speed-ups change no byte: the fingerprint hashed on a helper thread and the
blob writer that gathers its writes and starts the write-back early."""

import hashlib
import stat
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coffre import crypto, storage
from coffre.exceptions import FileTooLarge
from coffre.uploads import EncryptedUpload
from tests.coffre.factories import pdf_bytes
from tests.coffre.helpers import blob_files

MIB = 1024 * 1024


class SmallBatchSha256(crypto.ParallelSha256):
    """The same class with 4 KiB batches, so that short test streams go through the helper thread."""

    BATCH_BYTES = 4096
    BUFFERS = 2


def helper_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name == "coffre-sha256"}


@pytest.fixture
def helpers_before() -> set[threading.Thread]:
    """Helpers alive before the test (another test's dropped encryptor may still be ending)."""
    return helper_threads()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.binary(min_size=0, max_size=20_000), max_size=12))
def test_the_threaded_fingerprint_is_sha256_however_the_stream_is_cut(pieces, helpers_before):
    digest = SmallBatchSha256()
    for piece in pieces:
        digest.update(piece)

    assert digest.hexdigest() == hashlib.sha256(b"".join(pieces)).hexdigest()
    assert digest.hexdigest() == hashlib.sha256(b"".join(pieces)).hexdigest()  # asked twice, same answer
    assert helper_threads() <= helpers_before


def test_mutable_pieces_are_hashed_as_they_were_when_given():
    digest = SmallBatchSha256()
    piece = bytearray(b"a" * 3000)
    digest.update(piece)
    piece[:] = b"b" * 3000  # the caller reuses its buffer
    digest.update(memoryview(piece))

    assert digest.hexdigest() == hashlib.sha256(b"a" * 3000 + b"b" * 3000).hexdigest()


def test_a_small_stream_is_hashed_without_a_thread():
    digest = crypto.ParallelSha256()
    digest.update(b"x" * 1000)

    assert digest._thread is None
    assert digest.hexdigest() == hashlib.sha256(b"x" * 1000).hexdigest()


def test_a_big_stream_uses_the_helper_and_it_ends_with_the_digest():
    digest = crypto.ParallelSha256()
    block = bytes(range(256)) * 256
    for _ in range(40):  # 2.5 MiB: two batches and a tail
        digest.update(block)

    assert digest._thread is not None and digest._thread.is_alive()
    assert digest.hexdigest() == hashlib.sha256(block * 40).hexdigest()
    assert not digest._thread.is_alive()


def test_an_abandoned_stream_stops_its_helper(helpers_before):
    encryptor = crypto.StreamEncryptor(crypto.generate_key())
    encryptor.update(b"y" * (3 * MIB))
    [helper] = helper_threads() - helpers_before

    encryptor.close()
    encryptor.close()  # twice is harmless

    assert not helper.is_alive()


def test_a_dropped_encryptor_does_not_leave_its_helper_behind(helpers_before):
    encryptor = crypto.StreamEncryptor(crypto.generate_key())
    encryptor.update(b"z" * (2 * MIB))
    [helper] = helper_threads() - helpers_before

    del encryptor
    helper.join(timeout=5)

    assert not helper.is_alive()


@pytest.mark.django_db
def test_a_refused_big_upload_leaves_no_helper_and_no_blob(vault_dir, helpers_before):
    upload = EncryptedUpload(original_name="gros.pdf", max_bytes=3 * MIB)
    upload.write(pdf_bytes(4096))
    with pytest.raises(FileTooLarge):
        for _ in range(4):
            upload.write(b"\x00" * MIB)

    assert helper_threads() <= helpers_before
    assert blob_files(vault_dir) == []


@pytest.mark.django_db
def test_an_upload_in_odd_pieces_keeps_the_plaintext_fingerprint_and_decrypts(vault_dir):
    content = pdf_bytes(5 * MIB + 12_345)
    upload = EncryptedUpload(original_name="odd.pdf")
    for start in range(0, len(content), 100_003):
        upload.write(content[start : start + 100_003])
    upload.finish()

    assert upload.sha256 == hashlib.sha256(content).hexdigest()
    blob = (vault_dir / upload.blob_name).read_bytes()
    assert crypto.decrypt_bytes(upload.content_key(), blob) == content
    upload.discard()


# The blob writer ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.binary(min_size=0, max_size=300_000), max_size=20))
def test_the_blob_writer_writes_exactly_what_it_was_given(tmp_path, pieces):
    vault = storage.VaultFileSystemStorage(location=tmp_path / "writer")
    name = storage.new_blob_name()

    with vault.open(name, "wb") as blob:
        for piece in pieces:
            assert blob.write(piece) == len(piece)

    path = tmp_path / "writer" / name
    assert path.read_bytes() == b"".join(pieces)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_blob_writer_gathers_many_small_writes_and_mutable_buffers(tmp_path):
    vault = storage.VaultFileSystemStorage(location=tmp_path)
    name = storage.new_blob_name()
    buffer = bytearray(b"\x01" * 10)
    expected = []

    with vault.open(name, "wb") as blob:
        for number in range(5_000):  # more pieces than one writev() takes
            buffer[:] = bytes([number % 256]) * 10
            blob.write(buffer)
            expected.append(bytes(buffer))
        blob.write(b"\x02" * (9 * MIB))  # past the write-back mark
        expected.append(b"\x02" * (9 * MIB))

    assert (tmp_path / name).read_bytes() == b"".join(expected)


def test_the_blob_writer_refuses_to_write_after_close_and_never_overwrites(tmp_path):
    vault = storage.VaultFileSystemStorage(location=tmp_path)
    name = storage.new_blob_name()
    blob = vault.open(name, "wb")
    blob.write(b"chiffre")
    blob.close()
    blob.close()

    with pytest.raises(ValueError):
        blob.write(b"encore")
    with pytest.raises(FileExistsError):
        vault.open(name, "wb")
    assert (tmp_path / name).read_bytes() == b"chiffre"
