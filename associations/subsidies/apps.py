from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "associations.subsidies"
    label = "subsidies"
    verbose_name = _("Subventions aux associations")
    default_auto_field = "django.db.models.BigAutoField"
