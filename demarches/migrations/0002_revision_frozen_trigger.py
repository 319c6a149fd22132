"""A published revision never changes: the database refuses an UPDATE of its frozen columns.

Only `created_by` may still change (to NULL, when the administrator's account is
deleted), so that deleting a user does not fail on the revisions they published.
"""

from django.db import migrations

FUNCTION = r"""
CREATE FUNCTION demarches_revision_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.schema IS DISTINCT FROM OLD.schema
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.demarche_id IS DISTINCT FROM OLD.demarche_id
        OR NEW.published_at IS DISTINCT FROM OLD.published_at THEN
        RAISE EXCEPTION 'demarches_demarcherevision is frozen: publish a new revision instead';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER demarches_revision_frozen
    BEFORE UPDATE ON demarches_demarcherevision
    FOR EACH ROW EXECUTE FUNCTION demarches_revision_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("demarches", "0001_initial")]

    operations = [
        migrations.RunSQL(
            FUNCTION,
            reverse_sql="""
                DROP TRIGGER demarches_revision_frozen ON demarches_demarcherevision;
                DROP FUNCTION demarches_revision_frozen();
            """,
        ),
    ]
