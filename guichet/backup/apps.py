from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupConfig(AppConfig):
    name = "guichet.backup"
    label = "backup"
    verbose_name = _("Sauvegardes")
    default_auto_field = "django.db.models.BigAutoField"
