from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssociationsConfig(AppConfig):
    name = "associations"
    label = "associations"
    verbose_name = _("Associations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from associations import cards, personal_data, retention, services  # noqa: F401 (registers)
        from guichet.notify import kinds

        kinds.register(services.STATUS_NOTIFICATION_KIND)
        cards.register()
