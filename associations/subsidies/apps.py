"""Subsidies: the town's yearly campaigns, the associations' requests (a démarche), their instruction,
the committee's decision within the envelope, and the financial report afterwards."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "associations.subsidies"
    label = "subsidies"
    verbose_name = _("Subventions aux associations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from associations.subsidies import hooks, personal_data, services  # noqa: F401 (registers)
        from guichet.notify import kinds

        kinds.register(services.REPORT_REMINDER_NOTIFICATION_KIND)
        kinds.register(services.REPORT_FILED_NOTIFICATION_KIND)
        hooks.register()
