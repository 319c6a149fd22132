from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemarchesConfig(AppConfig):
    name = "demarches"
    label = "demarches"
    verbose_name = _("Démarches en ligne")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from demarches import cards, personal_data, prefill  # noqa: F401 (registers)
        from demarches.services import SUBMITTED_NOTIFICATION_KIND
        from guichet.notify import kinds

        kinds.register(SUBMITTED_NOTIFICATION_KIND)
        cards.register()
