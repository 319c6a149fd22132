"""Equipment: the town's equipment lent to associations (chairs, tables, stands…), never beyond its stock."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    name = "associations.equipment"
    label = "equipment"
    verbose_name = _("Prêt de matériel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from associations.equipment import cards, personal_data, services  # noqa: F401 (registers)
        from guichet.notify import kinds

        kinds.register(services.REQUEST_NOTIFICATION_KIND)
        kinds.register(services.DECISION_NOTIFICATION_KIND)
        cards.register()
