from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegieConfig(AppConfig):
    name = "regie"
    label = "regie"
    verbose_name = _("Régie unique")

    def ready(self) -> None:
        from regie import personal_data  # noqa: F401 (declares the app's personal data)
