from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FranceConnectConfig(AppConfig):
    name = "guichet.franceconnect"
    label = "franceconnect"
    verbose_name = _("FranceConnect")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from guichet.franceconnect import checks, personal_data, prefill, services  # noqa: F401 (registers)
        from guichet.notify import kinds
        from guichet.security import reauth

        # Linking an identity to an account is a new way into it: the owner is told by e-mail, always.
        kinds.register(services.LINKED_NOTIFICATION_KIND, mandatory=True)
        # An account opened through FranceConnect has no password: FranceConnect confirms its sensitive actions.
        reauth.register_method(services.reauthentication_method)
