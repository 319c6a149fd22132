from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "guichet.portal"
    label = "portal"
    verbose_name = _("Portail")

    def ready(self) -> None:
        from guichet.portal import cards, personal_data  # noqa: F401 (personal_data registers)

        cards.register()
