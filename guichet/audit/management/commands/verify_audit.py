from django.core.management.base import BaseCommand, CommandError

from guichet.audit import services


class Command(BaseCommand):
    help = (
        "Vérifie la chaîne de hachage du journal d'audit ; échoue au premier événement modifié ou supprimé."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Rows read from the database at a time."
        )

    def handle(self, *args, chunk_size: int, **options) -> None:
        result = services.verify_chain(chunk_size=chunk_size)
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
