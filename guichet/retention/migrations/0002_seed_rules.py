"""The retention schedule as the code sets it by default: one rule per kind of data.

The values are copied here (a migration does not import the registry, which may
change later); a kind registered after this migration gets its rule at the first
run (`services.ensure_rules`). Administrators then change the durations in the admin.
"""

from django.db import migrations

DEFAULTS = [
    ("demarches.drafts", 100, "delete"),
    ("demarches.closed_requests", 5 * 365, "pseudonymise"),
    ("demarches.civil_status_requests", 10 * 365, "pseudonymise"),
    ("coffre.expired_documents", 90, "delete"),
    ("famille.invitations", 90, "delete"),
    ("associations.invitations", 90, "delete"),
    ("notify.notifications", 365, "delete"),
    ("notify.deliveries", 90, "delete"),
    ("accounts.sessions", 1, "delete"),
    ("accounts.login_logs", 180, "delete"),
    ("audit.events", 365, "delete"),
]


def seed(apps, schema_editor):
    rule = apps.get_model("retention", "RetentionRule")
    for code, days, action in DEFAULTS:
        rule.objects.get_or_create(code=code, defaults={"days": days, "action": action})


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
