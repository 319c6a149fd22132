"""manage.py restore SRC: a backup back into an empty database and the configured storages.

Restaure une sauvegarde dans une base vide (DATABASE_URL ou --database-url) et dans les stockages
configurés : empreintes vérifiées d'abord (rien n'est écrit si l'une diffère), pg_restore, fichiers,
migrations, journal des coffres détruits ré-appliqué, puis vérification du coffre et de la régie.
"""

from django.core.management.base import BaseCommand, CommandError

from guichet.backup import services


class Command(BaseCommand):
    help = (
        "Restaure la sauvegarde SRC dans la base configurée (vide, sauf --force) et les stockages "
        "configurés, ré-applique le journal des coffres détruits, puis vérifie chaque document du coffre "
        "et affiche les soldes de la régie. Voir docs/backups.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", help="Dossier d'une sauvegarde faite par « manage.py backup ».")
        parser.add_argument(
            "--database-url",
            help="Base cible (postgres://…), à la place de DATABASE_URL. Elle doit être vide.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Efface d'abord une base cible non vide (son schéma public). Irréversible.",
        )
        parser.add_argument(
            "--shredding-log",
            action="append",
            default=[],
            help="Une copie du journal des coffres détruits gardée ailleurs ('<titulaire>.<uuid>' par ligne).",
        )
        parser.add_argument("--quiet", action="store_true", help="N'affiche que les erreurs.")

    def handle(
        self,
        *args,
        src: str,
        database_url: str | None,
        force: bool,
        shredding_log: list[str],
        quiet: bool,
        **options,
    ) -> None:
        report = (lambda _message: None) if quiet else self.stdout.write
        try:
            result = services.restore(
                src=src, database_url=database_url, force=force, shredding_logs=shredding_log, report=report
            )
        except services.BackupError as error:
            raise CommandError(error.message) from None
        except OSError as error:
            raise CommandError(f"Restauration interrompue : {error}") from None
        if not result.vault.ok:
            ids = ", ".join(str(pk) for pk in (result.vault.missing + result.vault.unreadable)[:20])
            raise CommandError(
                f"Restauration faite, mais {len(result.vault.missing)} version(s) de document n'ont pas "
                f"leur fichier et {len(result.vault.unreadable)} ne se déchiffrent pas (versions {ids}) : "
                "vérifiez COFFRE_KEKS et la sauvegarde avant d'ouvrir le service."
            )
        if not quiet:
            self.stdout.write(self.style.SUCCESS("Restauration terminée et vérifiée."))
