"""Applying the retention schedule, and changing it.

    run_retention(*, now=None) -> RetentionRun | None     (None: another run holds the lock)
    ensure_rules() -> int                                  rows created for kinds without one
    update_rule(*, actor, rule, days, action) -> RetentionRule
    save_override(*, actor, override) / delete_override(*, actor, override)

A run applies every kind of guichet.retention.registry once, each in its own
transactions (one kind failing does not stop the others), and writes one
RetentionRun with the count of each kind and one audit event. Nothing is purged
twice: what a run deletes is gone, what it pseudonymises is marked so, so a
second run reports zero.
"""

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from guichet import audit
from guichet.retention import registry, selectors
from guichet.retention.enums import RunStatus
from guichet.retention.models import RetentionOverride, RetentionRule, RetentionRun

logger = logging.getLogger(__name__)

# "retentio" in ASCII: one run at a time, across workers and machines.
RUN_LOCK_KEY = 0x726574656E74696F


def ensure_rules() -> int:
    """Create the rule of every registered kind that has none yet, with the kind's defaults."""
    existing = set(RetentionRule.objects.values_list("code", flat=True))
    missing = [
        RetentionRule(code=kind.code, days=kind.default_days, action=kind.default_action)
        for kind in registry.kinds()
        if kind.code not in existing
    ]
    RetentionRule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def run_retention(*, now: datetime | None = None) -> RetentionRun | None:
    """Apply the whole schedule once (the nightly task). Returns the run's report.

    Holds a session-level advisory lock for the whole run: a second run started
    meanwhile (a retried task, a second beat) returns None at once and purges nothing.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return None
    try:
        return _run(now=now or timezone.now())
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK_KEY])


def _run(*, now: datetime) -> RetentionRun:
    ensure_rules()
    run = RetentionRun.objects.create(started_at=now)
    schedule = selectors.load_schedule()
    counts: dict[str, int] = {}
    errors: dict[str, str] = {}
    for kind in registry.kinds():
        counts[kind.code] = 0
        try:
            for purged in kind.purge(policy=schedule.policy(kind.code), now=now):
                counts[kind.code] += purged
        except Exception as error:
            # The batches committed before the error stay counted; the next night goes on.
            logger.exception("Retention of %s failed after %d items", kind.code, counts[kind.code])
            errors[kind.code] = type(error).__name__
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.status = RunStatus.FAILED if errors else RunStatus.DONE
        run.counts = counts
        run.errors = errors
        run.total = sum(counts.values())
        run.save(update_fields=["finished_at", "status", "counts", "errors", "total"])
        audit.record(
            actor=None,
            action="retention.run",
            target=run,
            total=run.total,
            failed=sorted(errors),
            **{code: count for code, count in counts.items() if count},
        )
    logger.info("Retention run %d: %d items purged %s", run.pk, run.total, counts)
    return run


def _check_admin(actor) -> None:
    if not (actor and actor.is_active and actor.is_staff):
        raise PermissionDenied


@transaction.atomic
def update_rule(*, actor, rule: RetentionRule, days: int, action: str) -> RetentionRule:
    """An administrator sets a kind's duration (the admin's form checked it against the kind)."""
    _check_admin(actor)
    rule = RetentionRule.objects.select_for_update().get(pk=rule.pk)
    before = rule.days
    rule.days, rule.action, rule.updated_by = days, action, actor
    rule.save(update_fields=["days", "action", "updated_by", "updated_at"])
    audit.record(
        actor=actor,
        action="retention.rule.update",
        target=rule,
        kind=rule.code,
        days_before=before,
        days=days,
        outcome=action,
    )
    return rule


@transaction.atomic
def save_override(*, actor, override: RetentionOverride) -> RetentionOverride:
    _check_admin(actor)
    adding = override.pk is None
    override.save()
    audit.record(
        actor=actor,
        action="retention.override.create" if adding else "retention.override.update",
        target=override,
        demarche=override.demarche_id,
        days=override.days,
        outcome=override.action,
    )
    return override


@transaction.atomic
def delete_override(*, actor, override: RetentionOverride) -> None:
    _check_admin(actor)
    override_id, demarche_id = override.pk, override.demarche_id
    override.delete()
    audit.record(
        actor=actor,
        action="retention.override.delete",
        target=f"retention.retentionoverride:{override_id}",
        demarche=demarche_id,
    )
