"""The KEK ring from settings, and the data/content keys of the database, unwrapped on demand.

Keys are unwrapped for one operation and dropped; none is cached across
requests, so that destroying a DataKey row takes effect at once.
"""

from functools import lru_cache

from django.conf import settings

from coffre import crypto
from coffre.models import DataKey, DocumentVersion


@lru_cache(maxsize=4)
def _parse(value: str | tuple[str, ...]) -> crypto.KeyRing:
    return crypto.KeyRing.parse(value)


def keyring() -> crypto.KeyRing:
    """The KEKs of COFFRE_KEKS, parsed once per distinct value (tests change it)."""
    value = settings.COFFRE_KEKS
    return _parse(value if isinstance(value, str) else tuple(value))


def new_data_key(*, party_id: int) -> DataKey:
    """A fresh random data key for a party, wrapped under the current KEK (not saved)."""
    row = DataKey(party_id=party_id)
    row.kek_id, row.wrapped_key = keyring().wrap_data_key(
        crypto.generate_key(), party_id=party_id, key_uuid=str(row.key_uuid)
    )
    return row


def unwrap_data_key(row: DataKey) -> bytes:
    return keyring().unwrap_data_key(
        bytes(row.wrapped_key), kek_id=row.kek_id, party_id=row.party_id, key_uuid=str(row.key_uuid)
    )


def content_key_context(*, data_key: DataKey, blob_name: str, size: int, sha256: str) -> bytes:
    return crypto.content_key_context(
        data_key_uuid=str(data_key.key_uuid), blob_name=blob_name, size=size, sha256=sha256
    )


def unwrap_content_key(version: DocumentVersion, *, data_key: DataKey | None = None) -> bytes:
    """The content key of a version; VaultIntegrityError if any bound field was altered."""
    data_key = data_key or version.data_key
    context = content_key_context(
        data_key=data_key, blob_name=version.blob_name, size=version.size, sha256=version.sha256
    )
    return crypto.unwrap_key(
        bytes(version.wrapped_content_key), wrapping_key=unwrap_data_key(data_key), context=context
    )
