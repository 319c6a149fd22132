"""The vault's document types that only associations use beyond coffre's: the minutes of the latest
general assembly (asked every year) and the financial report of a subsidy."""

from django.db import migrations

# (code, label, rule, days, position)
TYPES = [
    ("pv-assemblee-generale", "Procès-verbal de la dernière assemblée générale", "days", 450, 195),
    ("compte-rendu-financier", "Compte rendu financier d'une subvention", "none", None, 196),
]


def seed(apps, schema_editor):
    DocumentType = apps.get_model("coffre", "DocumentType")
    for code, label, rule, days, position in TYPES:
        DocumentType.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "validity_rule": rule,
                "validity_days": days,
                "for_person": False,
                "for_household": False,
                "for_association": True,
                "position": position,
            },
        )


def unseed(apps, schema_editor):
    DocumentType = apps.get_model("coffre", "DocumentType")
    DocumentType.objects.filter(code__in=[code for code, *_rest in TYPES], documents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("associations", "0001_initial"), ("coffre", "0002_seed_document_types")]

    operations = [migrations.RunPython(seed, unseed)]
