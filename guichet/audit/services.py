"""Writing the audit log, sealing it into a hash chain, checking that chain, and purging its oldest stretches.

record(*, actor, action, target=None, owner=None, **details) -> AuditEvent
seal_pending(*, batch_size=1000) -> int
purge_sealed_before(*, cutoff, batch_size=5000) -> Iterator[int]   (retention: whole stretches only)
verify_chain(*, chunk_size=2000) -> VerificationResult     (from the latest checkpoint)
"""

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Min
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet import context
from guichet.audit.models import AuditCheckpoint, AuditEvent, AuditSeal

logger = logging.getLogger(__name__)

_SCALARS = (int, bool, type(None))
# Ids and codes only: no spaces, no accents, short, so that a name or a free text cannot slip in.
_CODE = re.compile(r"[A-Za-z0-9_.:+-]{0,64}", re.ASCII)

# What the hash covers: every column the write path fills.
CONTENT_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "owner_party_id",
    "ip",
    "request_id",
    "details",
)
# Any constant will do as long as nothing else takes it: "audit_se" in ASCII.
SEAL_LOCK_KEY = 0x61756469745F7365
# "audit_pu": the purge's, taken by the checkpoint trigger too (migration 0005).
PURGE_LOCK_KEY = 0x61756469745F7075
# Audit events are kept this long at least, whatever the retention rule says (the trigger's floor).
MINIMUM_RETENTION_DAYS = 180


def _check_detail(key: str, value: Any) -> None:
    if isinstance(value, list | tuple):
        for item in value:
            _check_detail(key, item)
    elif isinstance(value, str):
        if not _CODE.fullmatch(value):
            raise ValueError(f"Audit detail {key!r} must be an id or a code (up to 64 of A-Z a-z 0-9 _.:+-).")
    elif not isinstance(value, _SCALARS):
        raise TypeError(f"Audit detail {key!r} must be an id or a code, not {type(value).__name__}.")


def _reference(obj: models.Model | str | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk)
    if isinstance(obj, str) and ":" in obj:
        kind, _sep, pk = obj.partition(":")
        return kind, pk
    raise TypeError("An audit target is a model instance or a 'app.model:id' string.")


def record(
    *,
    actor: models.Model | int | None,
    action: str,
    target: models.Model | str | None = None,
    owner: models.Model | int | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event in the caller's transaction, so it stands or falls with the change.

    `owner` is the party whose data was touched (a Party or its id); `actor` is
    None for the system. The IP and request id come from the request context.
    """
    for key, value in details.items():
        _check_detail(key, value)
    target_type, target_id = _reference(target)
    request = context.current()
    return AuditEvent.objects.create(
        actor_id=getattr(actor, "pk", actor),
        action=action,
        target_type=target_type,
        target_id=target_id,
        owner_party_id=getattr(owner, "pk", owner),
        ip=request.ip,
        request_id=request.request_id,
        details=details,
    )


# Sealing ----------------------------------------------------------------------


def event_hash(*, prev_hash: str, row: dict[str, Any]) -> str:
    """sha256 of the previous hash and the row's content as canonical JSON."""
    content = {name: row[name] for name in CONTENT_FIELDS}
    content["created_at"] = content["created_at"].astimezone(UTC).isoformat()
    content["ip"] = None if content["ip"] is None else str(content["ip"])
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def seal_pending(*, batch_size: int = 1000) -> int:
    """Chain the oldest unsealed rows after the last checkpoint; returns how many were sealed.

    Runs off the write path: writers only insert, so they never wait on it. A
    row committed late with a lower id is sealed in a later batch (the chain
    follows seal_seq, not id). Returns 0 at once when another sealer holds the lock.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
            if not cursor.fetchone()[0]:
                return 0
        rows = list(
            AuditEvent.objects.filter(seal_seq__isnull=True)
            .order_by("id")
            .values(*CONTENT_FIELDS)[:batch_size]
        )
        if not rows:
            return 0
        # The chain goes on from the last checkpoint, not from the last row left in the
        # table: rows deleted at the end then show as a gap instead of being overwritten.
        last = AuditSeal.objects.order_by("-up_to_seq").values_list("up_to_seq", "last_hash").first()
        seq, prev_hash = last or (0, "")
        updates = []
        for row in rows:
            seq += 1
            digest = event_hash(prev_hash=prev_hash, row=row)
            updates.append((seq, prev_hash, digest, row["id"]))
            prev_hash = digest
        with connection.cursor() as cursor:
            # Raw SQL: the ORM's update path is closed on purpose; the trigger lets this one through.
            cursor.executemany(
                "UPDATE audit_auditevent SET seal_seq = %s, prev_hash = %s, hash = %s "
                "WHERE id = %s AND seal_seq IS NULL",
                updates,
            )
        AuditSeal.objects.create(up_to_seq=seq, last_hash=prev_hash, count=len(rows))
    # Logged too, so that a copy of the chain's head lives outside the database.
    logger.info("Audit log sealed: %d events, up to seq %d, hash %s", len(rows), seq, prev_hash)
    return len(rows)


# Retention ----------------------------------------------------------------------


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-up_to_seq").first()


def purge_sealed_before(*, cutoff: datetime, batch_size: int = 5000) -> Iterator[int]:
    """Delete the oldest whole stretches of the chain whose events are all older than `cutoff`.

    A stretch ends where a seal ends: the longest run of sealed events, from the
    previous checkpoint to a seal, in which no event is as recent as `cutoff`. A
    checkpoint naming that seal and its hash is written first (the trigger checks
    it), then the events it covers are deleted in batches (each its own
    transaction, so a long purge never holds the table). Unsealed events are never
    deleted. Yields how many events each committed batch deleted: nothing when
    nothing is old enough, so running it twice deletes nothing more. Events left
    at or below the checkpoint by an interrupted run go at the next one.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PURGE_LOCK_KEY])
        previous = latest_checkpoint()
        start = previous.up_to_seq if previous else 0
        first_recent = AuditEvent.objects.filter(seal_seq__gt=start, created_at__gte=cutoff).aggregate(
            seq=Min("seal_seq")
        )["seq"]
        seals = AuditSeal.objects.filter(up_to_seq__gt=start)
        if first_recent is not None:
            seals = seals.filter(up_to_seq__lt=first_recent)
        seal = seals.order_by("-up_to_seq").first()
        if seal is not None:
            count = AuditEvent.objects.filter(seal_seq__gt=start, seal_seq__lte=seal.up_to_seq).count()
            AuditCheckpoint.objects.create(
                up_to_seq=seal.up_to_seq, last_hash=seal.last_hash, purged_count=count, purged_before=cutoff
            )
            # Logged too, like the seals: the point the chain starts from lives outside the database.
            logger.info(
                "Audit log checkpoint: events up to seq %d deleted (%d), chain goes on from hash %s",
                seal.up_to_seq,
                count,
                seal.last_hash,
            )
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        return
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # Raw SQL: the ORM's delete path is closed on purpose; the trigger lets these rows through.
            cursor.execute(
                "DELETE FROM audit_auditevent WHERE id IN ("
                "SELECT id FROM audit_auditevent WHERE seal_seq <= %s ORDER BY seal_seq LIMIT %s)",
                [checkpoint.up_to_seq, batch_size],
            )
            count = cursor.rowcount
        if count:
            yield count
        if count < batch_size:
            return


# Verification -----------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    checked: int
    last_seq: int
    pending: int
    first_bad_seq: int | None = None
    problem: str = ""
    # The events up to this number were deleted at the end of their retention period (a checkpoint).
    purged_up_to: int = 0

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None

    @property
    def message(self) -> str:
        if self.ok and self.purged_up_to:
            return ngettext(
                "Journal d'audit intact : %(checked)d événement scellé vérifié "
                "(du n° %(first)d au n° %(last)d), %(pending)d en attente de scellement ; "
                "les événements jusqu'au n° %(purged)d ont été supprimés à la fin de leur durée de conservation.",
                "Journal d'audit intact : %(checked)d événements scellés vérifiés "
                "(du n° %(first)d au n° %(last)d), %(pending)d en attente de scellement ; "
                "les événements jusqu'au n° %(purged)d ont été supprimés à la fin de leur durée de conservation.",
                self.checked,
            ) % {
                "checked": self.checked,
                "first": self.purged_up_to + 1,
                "last": self.last_seq,
                "pending": self.pending,
                "purged": self.purged_up_to,
            }
        if self.ok:
            return ngettext(
                "Journal d'audit intact : %(checked)d événement scellé vérifié "
                "(jusqu'au n° %(last)d), %(pending)d en attente de scellement.",
                "Journal d'audit intact : %(checked)d événements scellés vérifiés "
                "(jusqu'au n° %(last)d), %(pending)d en attente de scellement.",
                self.checked,
            ) % {"checked": self.checked, "last": self.last_seq, "pending": self.pending}
        return _("Journal d'audit altéré au n° %(seq)d : %(problem)s") % {
            "seq": self.first_bad_seq,
            "problem": self.problem,
        }


def _missing(first: int, last: int) -> str:
    if first == last:
        return _("l'événement n° %(seq)d a été supprimé.") % {"seq": first}
    return _("les événements n° %(first)d à %(last)d ont été supprimés.") % {"first": first, "last": last}


def verify_chain(*, chunk_size: int = 2000) -> VerificationResult:
    """Walk the sealed rows in chain order, a chunk at a time, and stop at the first that does not hold.

    Starts from the latest retention checkpoint (the events before it were purged
    at the end of their retention period), which must match the seal it names.
    Checks each row's hash, its link to the previous row, that no sequence number
    is missing, and that every seal still matches the row it sealed, so that
    rows deleted at the end are caught as well as those in the middle.
    """
    pending = AuditEvent.objects.filter(seal_seq__isnull=True).count()
    checkpoint = AuditCheckpoint.objects.order_by("-up_to_seq").values_list("up_to_seq", "last_hash").first()
    start_seq, start_hash = checkpoint or (0, "")
    seals = AuditSeal.objects.order_by("up_to_seq").values_list("up_to_seq", "last_hash")
    head = seals.last()
    if head is None:
        if AuditEvent.objects.filter(seal_seq__isnull=False).exists():
            return VerificationResult(
                checked=0,
                last_seq=0,
                pending=pending,
                first_bad_seq=1,
                problem=_("des événements sont scellés mais aucun sceau n'est enregistré."),
            )
        return VerificationResult(checked=0, last_seq=0, pending=pending)
    if (
        checkpoint is not None
        and not AuditSeal.objects.filter(up_to_seq=start_seq, last_hash=start_hash).exists()
    ):
        return VerificationResult(
            checked=0,
            last_seq=start_seq,
            pending=pending,
            first_bad_seq=start_seq + 1,
            problem=_("le point de reprise n° %(seq)d ne correspond à aucun sceau.") % {"seq": start_seq},
            purged_up_to=start_seq,
        )

    # Rows sealed while we walk are past the head we read, so they are left for the next run.
    up_to_seq = head[0]
    rows = (
        AuditEvent.objects.filter(seal_seq__gt=start_seq, seal_seq__lte=up_to_seq)
        .order_by("seal_seq")
        .values(*CONTENT_FIELDS, "seal_seq", "prev_hash", "hash")
        .iterator(chunk_size=chunk_size)
    )
    marks = seals.filter(up_to_seq__gt=start_seq).iterator(chunk_size=chunk_size)
    mark = next(marks, None)
    expected, prev_hash = start_seq + 1, start_hash

    def broken(seq: int, problem: str) -> VerificationResult:
        return VerificationResult(
            checked=expected - 1 - start_seq,
            last_seq=expected - 1,
            pending=pending,
            first_bad_seq=seq,
            problem=problem,
            purged_up_to=start_seq,
        )

    for row in rows:
        seq = row["seal_seq"]
        if seq != expected:
            return broken(expected, _missing(expected, seq - 1))
        if row["prev_hash"] != prev_hash:
            return broken(
                seq, _("le lien avec l'événement précédent est rompu (événement précédent modifié).")
            )
        if event_hash(prev_hash=prev_hash, row=row) != row["hash"]:
            return broken(seq, _("le contenu de l'événement a été modifié."))
        if mark is not None and mark[0] == seq:
            if mark[1] != row["hash"]:
                return broken(seq, _("l'empreinte ne correspond plus à celle du sceau."))
            mark = next(marks, None)
        prev_hash = row["hash"]
        expected += 1

    if expected <= up_to_seq:
        return broken(
            expected,
            _("%(missing)s Le dernier sceau va jusqu'au n° %(seq)d.")
            % {"missing": _missing(expected, up_to_seq), "seq": up_to_seq},
        )
    return VerificationResult(
        checked=up_to_seq - start_seq, last_seq=up_to_seq, pending=pending, purged_up_to=start_seq
    )
