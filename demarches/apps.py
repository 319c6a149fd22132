from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemarchesConfig(AppConfig):
    name = "demarches"
    label = "demarches"
    verbose_name = _("Démarches en ligne")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from demarches import cards, personal_data, prefill, retention, services  # noqa: F401 (registers)
        from guichet.notify import kinds

        kinds.register(services.SUBMITTED_NOTIFICATION_KIND)
        kinds.register(services.STATUS_NOTIFICATION_KIND)
        kinds.register(services.APPLICANT_MOVE_NOTIFICATION_KIND)
        kinds.register(services.ASSIGNED_NOTIFICATION_KIND)
        kinds.register(services.MESSAGE_NOTIFICATION_KIND)
        kinds.register(services.OVERDUE_NOTIFICATION_KIND)
        kinds.register(services.ESCALATED_NOTIFICATION_KIND)
        kinds.register(services.INFORMATION_REMINDER_NOTIFICATION_KIND)
        cards.register()
