import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand

from guichet.accounts import demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        accounts = demo.seed()
        # Every other app may provide a `demo` module with a seed() function.
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if config.name != "guichet.accounts" and importlib.util.find_spec(module_name):
                importlib.import_module(module_name).seed()

        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        self.stdout.write(f"Mot de passe de tous les comptes : {demo.DEMO_PASSWORD}")
        for account in accounts:
            line = f"  {account.role:<40} {account.email}"
            if account.otp_secret:
                line += f"  (clé TOTP : {account.otp_secret})"
            self.stdout.write(line)
        self.stdout.write("Code à 6 chiffres d'un compte démo : python manage.py demo_otp_code <adresse>")
