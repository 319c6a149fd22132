from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamilleConfig(AppConfig):
    name = "famille"
    label = "famille"
    verbose_name = _("Famille")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The family file (part F1): the démarches prefill source, the "Ma famille" card, notifications
        from famille import cards, personal_data, prefill, retention  # noqa: F401 (registers)
        from famille.services import family
        from guichet.notify import kinds as notify_kinds

        notify_kinds.register(family.DOCUMENT_REFUSED_NOTIFICATION_KIND)
        notify_kinds.register(family.QUOTIENT_DECIDED_NOTIFICATION_KIND)
        cards.register()
        # (end of F1)

        # Enrolments and bookings (part F2)
        from famille.services import bookings, enrolments, sessions
        from guichet.notify import kinds

        kinds.register(sessions.CLOSURE_NOTIFICATION_KIND)
        kinds.register(bookings.PROMOTED_NOTIFICATION_KIND)
        kinds.register(enrolments.ENROLMENT_DECISION_NOTIFICATION_KIND)
        # (end of F2)
