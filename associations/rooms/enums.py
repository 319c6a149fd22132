from django.db import models
from django.utils.translation import gettext_lazy as _

WEEKDAYS = [
    (0, _("Lundi")),
    (1, _("Mardi")),
    (2, _("Mercredi")),
    (3, _("Jeudi")),
    (4, _("Vendredi")),
    (5, _("Samedi")),
    (6, _("Dimanche")),
]


class BookingStatus(models.TextChoices):
    """Where a booking stands. Only confirmed bookings hold the room (the exclusion constraint)."""

    PENDING = "pending", _("En attente de validation")
    CONFIRMED = "confirmed", _("Confirmée")
    REFUSED = "refused", _("Refusée")
    CANCELLED = "cancelled", _("Annulée")

    @property
    def tone(self) -> str:
        """The colour of its badge (components/status_badge.html)."""
        return {"pending": "warning", "confirmed": "success", "refused": "danger", "cancelled": "neutral"}[
            self.value
        ]


ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)

# Moves a booking may make, each by one service (request, approve, refuse, cancel).
TRANSITIONS = {
    BookingStatus.PENDING: {BookingStatus.CONFIRMED, BookingStatus.REFUSED, BookingStatus.CANCELLED},
    BookingStatus.CONFIRMED: {BookingStatus.CANCELLED},
    BookingStatus.REFUSED: set(),
    BookingStatus.CANCELLED: set(),
}


class ConflictReason(models.TextChoices):
    """Why a date of a weekly request was not asked for."""

    BOOKED = "booked", _("Déjà réservé à cette heure")
    HOLIDAY = "holiday", _("Jour férié")
    PAST = "past", _("Date ou heure déjà passée")


class RoomCondition(models.TextChoices):
    """What the after-event check (état des lieux) found."""

    GOOD = "good", _("Salle rendue en bon état")
    DAMAGED = "damaged", _("Dégradations ou manquements constatés")


class SettlementKind(models.TextChoices):
    RENTAL = "rental", _("Location")
    DEPOSIT = "deposit", _("Caution")


class SettlementReason(models.TextChoices):
    """Why money goes back to the payer (a credit note, then a refund of what was already paid)."""

    CANCELLED = "cancelled", _("Réservation annulée dans le délai d'annulation gratuite")
    DEPOSIT_CANCELLED = "deposit_cancelled", _("Réservation annulée : caution libérée")
    DEPOSIT_RELEASED = "deposit_released", _("État des lieux : caution libérée")


class SettlementStatus(models.TextChoices):
    PENDING = "pending", _("À régler par la régie")
    DONE = "done", _("Réglé")

    @property
    def tone(self) -> str:
        return {"pending": "warning", "done": "success"}[self.value]
