from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    name = "associations.equipment"
    label = "equipment"
    verbose_name = _("Prêt de matériel")
    default_auto_field = "django.db.models.BigAutoField"
