from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegieConfig(AppConfig):
    name = "regie"
    label = "regie"
    verbose_name = _("Régie unique")

    def ready(self) -> None:
        from guichet.notify import kinds
        from guichet.portal import agent_tools, dashboard
        from regie import (
            cards,
            personal_data,  # noqa: F401 (declares the app's personal data)
            retention,  # noqa: F401 (its register entry)
        )

        kinds.register("regie_reminder")
        dashboard.register("regie.invoices", cards.invoices_card)
        agent_tools.register("regie.agent", cards.regie_tool)
