from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "guichet.accounts"
    label = "accounts"
    verbose_name = _("Comptes et services")

    def ready(self) -> None:
        from guichet.accounts import personal_data, signals  # noqa: F401 (registers)
