from datetime import timedelta

from django.core.management.base import BaseCommand

from coffre import services


class Command(BaseCommand):
    help = (
        "Supprime les fichiers chiffrés qu'aucune version de document ne référence (envois interrompus) ; "
        "leur clé est perdue, ils ne libèrent que de la place."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=float,
            default=24,
            help="Leave younger blobs alone (uploads in progress).",
        )

    def handle(self, *args, older_than_hours: float, **options) -> None:
        deleted = services.purge_orphan_blobs(older_than=timedelta(hours=older_than_hours))
        self.stdout.write(f"{deleted} fichier(s) orphelin(s) supprimé(s).")
