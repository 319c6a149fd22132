import uuid

from django.core.management.base import BaseCommand, CommandError

from coffre import services


class Command(BaseCommand):
    help = (
        "Détruit à nouveau les clés des coffres détruits (journal en base, repères à côté des fichiers, "
        "et --log). À lancer après la restauration d'une sauvegarde, avant de servir. Sans effet la "
        "seconde fois."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--log",
            action="append",
            default=[],
            help="A copy of the log kept elsewhere: one '<party id>.<key uuid>' per line (may repeat).",
        )

    def handle(self, *args, log: list[str], **options) -> None:
        extra = []
        for path in log:
            with open(path, encoding="ascii") as lines:
                for number, line in enumerate(lines, start=1):
                    line = line.strip()
                    if not line or line.startswith("#"):
                        continue
                    party_id, _sep, key_uuid = line.partition(".")
                    try:
                        extra.append((int(party_id), uuid.UUID(key_uuid)))
                    except ValueError:
                        raise CommandError(
                            f"{path}, ligne {number} : « <titulaire>.<uuid de clé> » attendu."
                        ) from None
        result = services.apply_shredding_log(extra_entries=extra)
        self.stdout.write(
            f"Journal des destructions : {result.entries} entrée(s) ; {result.keys_destroyed} clé(s) "
            f"détruite(s) à nouveau, {result.documents} document(s) et {result.versions} fichier(s) supprimés."
        )
