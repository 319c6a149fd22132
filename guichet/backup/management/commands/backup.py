"""manage.py backup DEST: the database, the vault's blobs and the public media, with a manifest.

Sauvegarde la base (pg_dump -Fc), les fichiers chiffrés du coffre et les médias publics dans DEST,
avec un manifeste (empreintes SHA-256). Les clés maîtresses du coffre n'y sont pas.
"""

from django.core.management.base import BaseCommand, CommandError

from guichet.backup import services


class Command(BaseCommand):
    help = (
        "Sauvegarde la base, les fichiers chiffrés du coffre et les médias publics dans DEST (dossier "
        "nouveau ou vide), avec un manifeste. Les clés maîtresses (COFFRE_KEKS) n'y sont pas : "
        "gardez-les à part. Voir docs/backups.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", help="Dossier de la sauvegarde : créé, doit être absent ou vide.")
        parser.add_argument("--quiet", action="store_true", help="N'affiche que les erreurs.")

    def handle(self, *args, dest: str, quiet: bool, **options) -> None:
        report = (lambda _message: None) if quiet else self.stdout.write
        try:
            services.backup(dest=dest, report=report)
        except services.BackupError as error:
            raise CommandError(error.message) from None
        except OSError as error:
            raise CommandError(f"Sauvegarde interrompue : {error}") from None
