from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoffreConfig(AppConfig):
    name = "coffre"
    label = "coffre"
    verbose_name = _("Coffre-fort numérique")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from coffre import cards, checks, personal_data, retention  # noqa: F401 (registers)
        from coffre.services import EXPIRY_NOTIFICATION_KIND
        from guichet.notify import kinds

        kinds.register(EXPIRY_NOTIFICATION_KIND)
        cards.register()
