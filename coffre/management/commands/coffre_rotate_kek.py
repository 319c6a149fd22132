from django.core.management.base import BaseCommand, CommandError

from coffre import services


class Command(BaseCommand):
    help = (
        "Re-chiffre la clé de chaque coffre sous la clé maîtresse la plus récente (la première de "
        "COFFRE_KEKS), sans toucher aux fichiers. Sans effet sur les clés déjà à jour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Data keys re-wrapped per transaction."
        )

    def handle(self, *args, batch_size: int, **options) -> None:
        result = services.rotate_kek(batch_size=batch_size)
        self.stdout.write(
            f"Clé maîtresse « {result.kek_id} » : {result.rewrapped} clé(s) re-chiffrée(s), "
            f"{result.already_current} déjà à jour, {result.failed} en échec."
        )
        if result.failed:
            raise CommandError(
                f"{result.failed} clé(s) de coffre ne peuvent pas être déchiffrées avec les clés maîtresses "
                "de COFFRE_KEKS : remettez l'ancienne clé dans la liste et relancez."
            )
