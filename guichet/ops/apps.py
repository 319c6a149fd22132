"""The ops app: connects the metrics' observers of other apps' models."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "guichet.ops"
    label = "ops"
    verbose_name = _("Exploitation")

    def ready(self) -> None:
        # The Celery side is installed with the Celery app (guichet/celery.py), before Django is set up.
        from guichet.ops import observers

        observers.connect()
