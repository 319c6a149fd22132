from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "guichet.privacy"
    label = "privacy"
    verbose_name = _("Mes données personnelles")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from guichet.notify import kinds
        from guichet.privacy import cards, personal_data, services, signals  # noqa: F401 (registers)

        # About the account itself: always e-mailed, whatever the person chose for other messages.
        kinds.register(services.DELETION_REQUESTED_KIND, mandatory=True)
        kinds.register(services.DELETION_CANCELLED_KIND, mandatory=True)
        cards.register()
        signals.connect()
