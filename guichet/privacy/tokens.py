"""The link of the confirmation e-mail that lets a person come back during the grace period.

A signed, timestamped value naming the deletion request (its id only), valid a day longer
than the grace period. It works once in effect: the request it names must still be pending.
"""

from django.core import signing

from guichet.privacy.models import GRACE_PERIOD

SALT = "guichet.privacy.come-back"
MAX_AGE = GRACE_PERIOD.total_seconds() + 24 * 3600


def come_back_token(deletion_id: int) -> str:
    return signing.dumps({"deletion": deletion_id}, salt=SALT, compress=True)


def deletion_id_from(token: str) -> int | None:
    """The deletion request the token names, or None when it is forged, altered or too old."""
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    deletion = value.get("deletion") if isinstance(value, dict) else None
    return deletion if isinstance(deletion, int) else None
