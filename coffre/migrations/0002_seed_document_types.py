"""The default catalogue of document types; administrators adjust it in the admin."""

from django.db import migrations

P, H, A = "person", "household", "association"
# (code, label, rule, days, for whom)
TYPES = [
    ("justificatif-domicile", "Justificatif de domicile", "days", 90, {P, H}),
    ("attestation-assurance", "Attestation d'assurance", "end_date", None, {P, H, A}),
    ("piece-identite", "Pièce d'identité", "end_date", None, {P}),
    ("livret-famille", "Livret de famille", "none", None, {P, H}),
    ("avis-imposition", "Avis d'imposition", "days", 365, {P, H}),
    ("attestation-caf", "Attestation CAF (quotient familial)", "days", 90, {P, H}),
    ("certificat-medical", "Certificat médical", "days", 365, {P, H}),
    ("carnet-vaccination", "Carnet de vaccination", "none", None, {P, H}),
    ("fiche-sanitaire", "Fiche sanitaire de liaison", "days", 365, {P, H}),
    ("rib", "Relevé d'identité bancaire (RIB)", "none", None, {P, H, A}),
    ("statuts-association", "Statuts de l'association", "none", None, {A}),
    ("recepisse-prefecture", "Récépissé de déclaration en préfecture", "none", None, {A}),
    ("autre", "Autre document", "none", None, {P, H, A}),
]


def seed(apps, schema_editor):
    DocumentType = apps.get_model("coffre", "DocumentType")
    for position, (code, label, rule, days, kinds) in enumerate(TYPES, start=1):
        DocumentType.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "validity_rule": rule,
                "validity_days": days,
                "for_person": P in kinds,
                "for_household": H in kinds,
                "for_association": A in kinds,
                "position": position * 10,
            },
        )


def unseed(apps, schema_editor):
    DocumentType = apps.get_model("coffre", "DocumentType")
    DocumentType.objects.filter(code__in=[code for code, *_rest in TYPES], documents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("coffre", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
