from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts.demo import DEMO_DOMAIN


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (demo only: DEBUG and demo addresses)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        if not settings.DEBUG or not email.endswith(f"@{DEMO_DOMAIN}"):
            raise CommandError("Réservé aux comptes de démonstration, en mode démo.")
        device = TOTPDevice.objects.filter(user__email=email.lower(), confirmed=True).first()
        if device is None:
            raise CommandError(f"Aucun appareil TOTP pour {email}.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
