from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "guichet.retention"
    label = "retention"
    verbose_name = _("Conservation des données")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The shared layer's kinds and register entries; each app registers its own in its ready().
        from guichet.retention import kinds, personal_data  # noqa: F401 (registers)
