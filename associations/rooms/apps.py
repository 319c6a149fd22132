"""Rooms: the town's rooms, their calendars, one-off and weekly bookings, approval, invoices and deposits
through the régie, iCalendar feeds."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    name = "associations.rooms"
    label = "rooms"
    verbose_name = _("Salles municipales")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from associations.rooms import cards, personal_data  # noqa: F401 (registers)
        from associations.rooms.services import NOTIFICATION_KINDS
        from guichet.notify import kinds

        for code in NOTIFICATION_KINDS:
            kinds.register(code)
        cards.register()
