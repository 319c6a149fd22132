"""Append-only at the database: whatever the application does, rows are never changed or deleted.

The one update allowed is the sealing: seal_seq, prev_hash and hash going from
empty to filled, every other column unchanged. TRUNCATE is left alone because the
test runner flushes with it; a truncated table is caught by `verify_audit`
through the seal checkpoints.
"""

from django.db import migrations

EVENT_FUNCTION = r"""
CREATE FUNCTION audit_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
"""

SEAL_FUNCTION = r"""
CREATE FUNCTION audit_auditseal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditseal is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_auditseal_append_only
    BEFORE UPDATE OR DELETE ON audit_auditseal
    FOR EACH ROW EXECUTE FUNCTION audit_auditseal_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_auditseal"),
    ]

    operations = [
        migrations.RunSQL(
            EVENT_FUNCTION,
            reverse_sql="""
                DROP TRIGGER audit_auditevent_append_only ON audit_auditevent;
                DROP FUNCTION audit_auditevent_append_only();
            """,
        ),
        migrations.RunSQL(
            SEAL_FUNCTION,
            reverse_sql="""
                DROP TRIGGER audit_auditseal_append_only ON audit_auditseal;
                DROP FUNCTION audit_auditseal_append_only();
            """,
        ),
    ]
