"""The streaming format and the key wrapping, on their own (no database)."""

import base64
import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coffre import crypto
from coffre.exceptions import VaultIntegrityError, VaultKeyError

CHUNK = crypto.CHUNK_SIZE
CT_CHUNK = crypto.CIPHERTEXT_CHUNK_SIZE
HEADER = crypto.HEADER_SIZE

# Sizes from 0 to a bit over 3 chunks, with the chunk boundaries and their neighbours well represented.
BOUNDARIES = [k * CHUNK + delta for k in range(4) for delta in (-1, 0, 1) if k * CHUNK + delta >= 0]
sizes = st.one_of(st.sampled_from(BOUNDARIES), st.integers(min_value=0, max_value=3 * CHUNK + 100))
examples = settings(max_examples=60, deadline=None)


def plaintext_of(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def chunks_of(ciphertext: bytes) -> tuple[bytes, list[bytes]]:
    header, body = ciphertext[:HEADER], ciphertext[HEADER:]
    return header, [body[i : i + CT_CHUNK] for i in range(0, len(body), CT_CHUNK)]


def decrypt_until_error(key: bytes, ciphertext: bytes) -> tuple[bytes, VaultIntegrityError | None]:
    """What the decryptor released before it raised, and the error."""
    released = []
    try:
        for chunk in crypto.StreamDecryptor(key).decrypt([ciphertext]):
            released.append(chunk)
    except VaultIntegrityError as error:
        return b"".join(released), error
    return b"".join(released), None


@examples
@given(size=sizes, seed=st.integers(0, 2**32))
def test_round_trip_is_byte_identical_and_fingerprinted(size, seed):
    key = crypto.generate_key()
    plaintext = plaintext_of(size, seed)
    encryptor = crypto.StreamEncryptor(key)
    ciphertext = b"".join(encryptor.encrypt([plaintext]))

    assert len(ciphertext) == crypto.ciphertext_size(size)
    assert encryptor.sha256 == hashlib.sha256(plaintext).hexdigest()
    assert encryptor.size == size
    assert crypto.decrypt_bytes(key, ciphertext) == plaintext


@examples
@given(size=sizes, seed=st.integers(0, 2**32), data=st.data())
def test_the_ciphertext_does_not_depend_on_how_the_stream_is_cut(size, seed, data):
    key, prefix = crypto.generate_key(), b"\x01" * crypto.NONCE_PREFIX_SIZE
    plaintext = plaintext_of(size, seed)
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=6)))
    pieces = [plaintext[a:b] for a, b in zip([0, *cuts], [*cuts, size], strict=True)]
    # Mutable buffers are copied, immutable bytes sliced: both must give the same stream.
    pieces = [bytearray(piece) if index % 2 else piece for index, piece in enumerate(pieces)]

    whole = b"".join(crypto.StreamEncryptor(key, nonce_prefix=prefix).encrypt([plaintext]))
    in_pieces = b"".join(crypto.StreamEncryptor(key, nonce_prefix=prefix).encrypt(pieces))
    assert in_pieces == whole

    decryptor = crypto.StreamDecryptor(key)
    ct_cuts = sorted(data.draw(st.lists(st.integers(0, len(whole)), max_size=6)))
    out = [decryptor.update(whole[a:b]) for a, b in zip([0, *ct_cuts], [*ct_cuts, len(whole)], strict=True)]
    assert b"".join(b"".join(part) for part in out) + b"".join(decryptor.finalize()) == plaintext


@examples
@given(size=sizes, seed=st.integers(0, 2**32), data=st.data())
def test_a_flipped_byte_anywhere_is_detected_before_its_chunk_is_released(size, seed, data):
    key = crypto.generate_key()
    plaintext = plaintext_of(size, seed)
    ciphertext = bytearray(crypto.encrypt_bytes(key, plaintext))
    position = data.draw(st.integers(0, len(ciphertext) - 1), label="position")
    ciphertext[position] ^= data.draw(st.integers(1, 255), label="mask")

    released, error = decrypt_until_error(key, bytes(ciphertext))

    assert error is not None
    assert "altéré" in error.message
    # Only whole chunks before the damaged one came out, and they are the original bytes.
    damaged_chunk = max(position - HEADER, 0) // CT_CHUNK if position >= HEADER else 0
    assert len(released) <= damaged_chunk * CHUNK
    assert plaintext.startswith(released)


@examples
@given(chunks=st.integers(2, 4), seed=st.integers(0, 2**32), data=st.data())
def test_swapped_chunks_are_detected(chunks, seed, data):
    key = crypto.generate_key()
    size = (chunks - 1) * CHUNK + data.draw(st.integers(1, CHUNK))
    header, parts = chunks_of(crypto.encrypt_bytes(key, plaintext_of(size, seed)))
    i, j = data.draw(st.lists(st.integers(0, len(parts) - 1), min_size=2, max_size=2, unique=True))
    parts[i], parts[j] = parts[j], parts[i]

    with pytest.raises(VaultIntegrityError):
        crypto.decrypt_bytes(key, header + b"".join(parts))


@examples
@given(size=sizes, seed=st.integers(0, 2**32), data=st.data())
def test_a_truncated_stream_is_detected_at_any_cut(size, seed, data):
    key = crypto.generate_key()
    ciphertext = crypto.encrypt_bytes(key, plaintext_of(size, seed))
    header, parts = chunks_of(ciphertext)
    at_boundary = data.draw(st.booleans())
    if at_boundary and len(parts) > 1:
        kept = header + b"".join(parts[: data.draw(st.integers(1, len(parts) - 1))])
    else:
        kept = ciphertext[: data.draw(st.integers(0, len(ciphertext) - 1))]

    with pytest.raises(VaultIntegrityError):
        crypto.decrypt_bytes(key, kept)


@examples
@given(size=sizes, seed=st.integers(0, 2**32), extra=st.integers(1, CHUNK))
def test_truncation_to_a_valid_prefix_of_a_longer_stream_is_detected(size, seed, extra):
    """Cut a longer stream right after a full chunk: every chunk left is authentic, but the
    last one was not sealed as the last."""
    key, prefix = crypto.generate_key(), b"\x02" * crypto.NONCE_PREFIX_SIZE
    full_chunks = size // CHUNK + 1
    longer = plaintext_of(full_chunks * CHUNK + extra, seed)
    _header, parts = chunks_of(b"".join(crypto.StreamEncryptor(key, nonce_prefix=prefix).encrypt([longer])))
    header = crypto.StreamEncryptor(key, nonce_prefix=prefix).header

    with pytest.raises(VaultIntegrityError):
        crypto.decrypt_bytes(key, header + b"".join(parts[:full_chunks]))


@examples
@given(size=sizes, seed=st.integers(0, 2**32), extra=st.integers(1, CHUNK))
def test_a_chunk_appended_after_the_last_is_detected(size, seed, extra):
    key, prefix = crypto.generate_key(), b"\x03" * crypto.NONCE_PREFIX_SIZE
    plaintext = plaintext_of(size, seed)
    ciphertext = b"".join(crypto.StreamEncryptor(key, nonce_prefix=prefix).encrypt([plaintext]))
    _header, parts = chunks_of(ciphertext)
    # A genuine chunk with the next counter, taken from a longer stream under the same key and prefix.
    longer = plaintext + plaintext_of(CHUNK * 2 + extra, seed + 1)
    _h, longer_parts = chunks_of(b"".join(crypto.StreamEncryptor(key, nonce_prefix=prefix).encrypt([longer])))

    for appended in (longer_parts[len(parts)], parts[-1]):
        released, error = decrypt_until_error(key, ciphertext + appended)
        assert error is not None
        assert plaintext.startswith(released)


@examples
@given(size=sizes, seed=st.integers(0, 2**32))
def test_another_key_opens_nothing(size, seed):
    ciphertext = crypto.encrypt_bytes(crypto.generate_key(), plaintext_of(size, seed))

    released, error = decrypt_until_error(crypto.generate_key(), ciphertext)

    assert error is not None
    assert released == b""


@pytest.mark.parametrize("position", range(HEADER))
def test_a_changed_header_byte_is_detected(position):
    key = crypto.generate_key()
    ciphertext = bytearray(crypto.encrypt_bytes(key, b"x" * (CHUNK + 10)))
    ciphertext[position] ^= 0x40

    with pytest.raises(VaultIntegrityError):
        crypto.decrypt_bytes(key, bytes(ciphertext))


def test_an_empty_or_headerless_blob_is_refused():
    key = crypto.generate_key()
    for ciphertext in (b"", b"CFR1", crypto.encrypt_bytes(key, b"")[:HEADER]):
        with pytest.raises(VaultIntegrityError):
            crypto.decrypt_bytes(key, ciphertext)


def test_the_same_plaintext_encrypts_differently_each_time():
    key = crypto.generate_key()
    assert crypto.encrypt_bytes(key, b"identique") != crypto.encrypt_bytes(key, b"identique")


# Key wrapping -------------------------------------------------------------------------------


def party_context(party_id: int) -> bytes:
    return crypto.data_key_context(
        party_id=party_id, key_uuid="00000000-0000-4000-8000-000000000001", kek_id="k1"
    )


@examples
@given(party_a=st.integers(1, 10**9), party_b=st.integers(1, 10**9))
def test_another_partys_data_key_or_context_unwraps_nothing(party_a, party_b):
    content_key = crypto.generate_key()
    data_key_a, data_key_b = crypto.generate_key(), crypto.generate_key()
    context_a = crypto.content_key_context(
        data_key_uuid=f"key-{party_a}", blob_name="blobs/ab/ab", size=1, sha256="0" * 64
    )
    wrapped = crypto.wrap_key(content_key, wrapping_key=data_key_a, context=context_a)

    assert crypto.unwrap_key(wrapped, wrapping_key=data_key_a, context=context_a) == content_key
    with pytest.raises(VaultIntegrityError):
        crypto.unwrap_key(wrapped, wrapping_key=data_key_b, context=context_a)
    if party_a != party_b:
        context_b = crypto.content_key_context(
            data_key_uuid=f"key-{party_b}", blob_name="blobs/ab/ab", size=1, sha256="0" * 64
        )
        with pytest.raises(VaultIntegrityError):
            crypto.unwrap_key(wrapped, wrapping_key=data_key_a, context=context_b)


def test_a_content_key_is_bound_to_its_blob_size_and_fingerprint():
    key, data_key = crypto.generate_key(), crypto.generate_key()
    bound = {"data_key_uuid": "k", "blob_name": "blobs/aa/aa", "size": 10, "sha256": "a" * 64}
    wrapped = crypto.wrap_key(key, wrapping_key=data_key, context=crypto.content_key_context(**bound))

    for change in ({"blob_name": "blobs/bb/bb"}, {"size": 11}, {"sha256": "b" * 64}, {"data_key_uuid": "x"}):
        with pytest.raises(VaultIntegrityError):
            crypto.unwrap_key(
                wrapped, wrapping_key=data_key, context=crypto.content_key_context(**{**bound, **change})
            )


def test_a_damaged_wrapped_key_is_refused():
    data_key = crypto.generate_key()
    wrapped = bytearray(crypto.wrap_key(crypto.generate_key(), wrapping_key=data_key, context=b"c"))
    for damaged in (
        bytes(wrapped[:-1]),
        b"\x02" + bytes(wrapped[1:]),
        bytes(wrapped[:20]) + b"\x00" + bytes(wrapped[21:]),
    ):
        with pytest.raises(VaultIntegrityError):
            crypto.unwrap_key(damaged, wrapping_key=data_key, context=b"c")


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def test_the_keyring_wraps_with_the_first_key_and_unwraps_with_any():
    old, new = crypto.generate_key(), crypto.generate_key()
    ring_old = crypto.KeyRing.parse(f"2025-01:{b64(old)}")
    ring = crypto.KeyRing.parse(f" 2026-11:{b64(new)} , 2025-01:{b64(old)} ")
    data_key = crypto.generate_key()
    kek_id, wrapped = ring_old.wrap_data_key(data_key, party_id=7, key_uuid="u")

    assert ring.current_id == "2026-11"
    assert ring.unwrap_data_key(wrapped, kek_id=kek_id, party_id=7, key_uuid="u") == data_key
    assert ring.wrap_data_key(data_key, party_id=7, key_uuid="u")[0] == "2026-11"
    # The KEK id is bound: a wrapped key relabelled with another KEK id does not open.
    with pytest.raises(VaultIntegrityError):
        ring.unwrap_data_key(wrapped, kek_id=kek_id, party_id=8, key_uuid="u")
    with pytest.raises(VaultKeyError):
        crypto.KeyRing.parse(f"2026-11:{b64(new)}").unwrap_data_key(
            wrapped, kek_id=kek_id, party_id=7, key_uuid="u"
        )


def test_the_keyring_accepts_a_list_and_url_safe_base64():
    key = b"\xfb" * 32
    ring = crypto.KeyRing.parse([f"a:{base64.urlsafe_b64encode(key).decode()}", f"b:{b64(key)}"])
    assert ring.keys == {"a": key, "b": key}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "no key"),
        ("sans-deux-points", "not 'id:base64key'"),
        ("mauvais id:" + b64(b"k" * 32), "not 'id:base64key'"),
        ("k1:pas du base64!", "not valid base64"),
        ("k1:" + b64(b"court"), "not 32 bytes"),
        ("k1:" + b64(b"k" * 32) + ",k1:" + b64(b"l" * 32), "twice"),
    ],
)
def test_a_malformed_keyring_is_refused_without_quoting_a_key(value, problem):
    with pytest.raises(ValueError, match=problem) as error:
        crypto.KeyRing.parse(value)
    assert b64(b"k" * 32) not in str(error.value)


def test_the_keyring_never_shows_its_keys():
    key = crypto.generate_key()
    ring = crypto.KeyRing.parse(f"k1:{b64(key)}")
    assert b64(key) not in repr(ring)
    assert key.hex() not in repr(ring)


def test_demo_keys_are_recognised_by_their_id():
    ring = crypto.KeyRing.parse(f"prod-2026:{b64(b'p' * 32)},demo-only:{b64(b'd' * 32)}")
    assert ring.demo_ids == ["demo-only"]
