"""The one deletion the audit log allows: its oldest whole stretches, once a checkpoint covers them.

Events stay append-only (0003): the sealing update is still the only update. A
DELETE now goes through for a sealed event at or below the latest checkpoint, and
for nothing else (an unsealed event, or one past the checkpoint, is refused as
before). A checkpoint is only ever inserted, and only when:
  - it goes past the previous one;
  - it ends exactly where a seal ends, with that seal's hash (the chain goes on from it);
  - every event of its stretch is older than its `purged_before`, itself older than
    180 days by the database's clock, so that nothing recent can be made deletable.
Checkpoints are never changed nor deleted. TRUNCATE stays allowed for the test runner.
"""

from django.db import migrations

EVENT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND OLD.seal_seq IS NULL AND OLD.prev_hash = '' AND OLD.hash = ''
        AND NEW.seal_seq IS NOT NULL
        AND NEW.hash ~ '^[0-9a-f]{64}$'
        AND (NEW.prev_hash = '' OR NEW.prev_hash ~ '^[0-9a-f]{64}$')
        AND ROW(NEW.id, NEW.created_at, NEW.actor_id, NEW.action, NEW.target_type, NEW.target_id,
                NEW.owner_party_id, NEW.ip, NEW.request_id, NEW.details)
            IS NOT DISTINCT FROM
            ROW(OLD.id, OLD.created_at, OLD.actor_id, OLD.action, OLD.target_type, OLD.target_id,
                OLD.owner_party_id, OLD.ip, OLD.request_id, OLD.details)
    THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
        AND OLD.seal_seq IS NOT NULL
        AND OLD.seal_seq <= (SELECT COALESCE(MAX(up_to_seq), 0) FROM audit_auditcheckpoint)
    THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused (only the sealing update, and the '
        'deletion of a stretch a retention checkpoint covers, are allowed)', TG_OP;
END;
$$;
"""

PREVIOUS_EVENT_FUNCTION = r"""
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND OLD.seal_seq IS NULL AND OLD.prev_hash = '' AND OLD.hash = ''
        AND NEW.seal_seq IS NOT NULL
        AND NEW.hash ~ '^[0-9a-f]{64}$'
        AND (NEW.prev_hash = '' OR NEW.prev_hash ~ '^[0-9a-f]{64}$')
        AND ROW(NEW.id, NEW.created_at, NEW.actor_id, NEW.action, NEW.target_type, NEW.target_id,
                NEW.owner_party_id, NEW.ip, NEW.request_id, NEW.details)
            IS NOT DISTINCT FROM
            ROW(OLD.id, OLD.created_at, OLD.actor_id, OLD.action, OLD.target_type, OLD.target_id,
                OLD.owner_party_id, OLD.ip, OLD.request_id, OLD.details)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused (only the sealing update is allowed)', TG_OP;
END;
$$;
"""

CHECKPOINT_FUNCTION = r"""
CREATE FUNCTION audit_auditcheckpoint_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'audit_auditcheckpoint is append-only: % refused', TG_OP;
    END IF;
    -- One checkpoint at a time (the key is services.PURGE_LOCK_KEY), so that two purges cannot
    -- both read the same previous one; each query below then sees the other's, once committed.
    PERFORM pg_advisory_xact_lock(7022629598040911989);
    SELECT COALESCE(MAX(up_to_seq), 0) INTO previous FROM audit_auditcheckpoint;
    IF NEW.up_to_seq <= previous THEN
        RAISE EXCEPTION 'audit checkpoint refused: it must go past the previous one (n° %)', previous;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM audit_auditseal WHERE up_to_seq = NEW.up_to_seq AND last_hash = NEW.last_hash
    ) THEN
        RAISE EXCEPTION 'audit checkpoint refused: no seal ends at n° % with this hash', NEW.up_to_seq;
    END IF;
    IF NEW.purged_before > now() - interval '180 days' THEN
        RAISE EXCEPTION 'audit checkpoint refused: audit events are kept 180 days at least';
    END IF;
    IF EXISTS (
        SELECT 1 FROM audit_auditevent
        WHERE seal_seq > previous AND seal_seq <= NEW.up_to_seq AND created_at >= NEW.purged_before
    ) THEN
        RAISE EXCEPTION 'audit checkpoint refused: its stretch holds events newer than its limit';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_auditcheckpoint_guard
    BEFORE INSERT OR UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_auditcheckpoint_guard();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_auditcheckpoint"),
    ]

    operations = [
        migrations.RunSQL(CHECKPOINT_FUNCTION, reverse_sql="""
                DROP TRIGGER audit_auditcheckpoint_guard ON audit_auditcheckpoint;
                DROP FUNCTION audit_auditcheckpoint_guard();
            """),
        migrations.RunSQL(EVENT_FUNCTION, reverse_sql=PREVIOUS_EVENT_FUNCTION),
    ]
