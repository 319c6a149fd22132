from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamilleConfig(AppConfig):
    name = "famille"
    label = "famille"
    verbose_name = _("Famille")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from famille import personal_data  # noqa: F401 (registers)
