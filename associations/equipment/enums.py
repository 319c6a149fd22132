"""Statuses and choices of equipment loans, with their French labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoanStatus(models.TextChoices):
    PENDING = "pending", _("En attente de décision")
    APPROVED = "approved", _("Accepté")
    HANDED_OVER = "handed_over", _("En prêt")
    # Checked back in with some quantities missing: they stay out of the stock until they come back.
    INCOMPLETE = "incomplete", _("Retour incomplet")
    RETURNED = "returned", _("Rendu")
    REFUSED = "refused", _("Refusé")
    CANCELLED = "cancelled", _("Annulé")

    @property
    def tone(self) -> str:
        """The colour of its badge (components/status_badge.html)."""
        return {
            "pending": "warning",
            "approved": "success",
            "handed_over": "info",
            "incomplete": "danger",
            "returned": "neutral",
            "refused": "danger",
            "cancelled": "neutral",
        }[self.value]


class DeliveryMode(models.TextChoices):
    PICKUP = "pickup", _("Retrait et retour à l'atelier municipal")
    DELIVERY = "delivery", _("Livraison et reprise par les services techniques")


# Which loans hold stock, on every day of their period (start and end dates included):
# - a pending request holds what it asks for until an agent decides, so the association sees
#   what it will get and agents can never approve more than the stock;
# - an accepted loan, and a loan handed over, hold over their period; a loan handed over and not
#   back after its last day (late) holds from its first day on, with no end, until checked back in;
# - a loan checked back in with pieces missing (INCOMPLETE) holds the missing quantities from its
#   start date onwards, with no end, until they come back or are written off as lost;
# - refused, cancelled and returned loans hold nothing.
HOLDING_STATUSES = (LoanStatus.PENDING, LoanStatus.APPROVED, LoanStatus.HANDED_OVER)

# The one table of allowed moves; each move is a service of associations.equipment.services.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    LoanStatus.PENDING: (LoanStatus.APPROVED, LoanStatus.REFUSED, LoanStatus.CANCELLED),
    LoanStatus.APPROVED: (LoanStatus.HANDED_OVER, LoanStatus.CANCELLED),
    LoanStatus.HANDED_OVER: (LoanStatus.RETURNED, LoanStatus.INCOMPLETE),
    LoanStatus.INCOMPLETE: (LoanStatus.RETURNED, LoanStatus.INCOMPLETE),
    LoanStatus.RETURNED: (),
    LoanStatus.REFUSED: (),
    LoanStatus.CANCELLED: (),
}

# Still under way: what "Mes prêts de matériel" shows first and the card counts.
OPEN_STATUSES = (LoanStatus.PENDING, LoanStatus.APPROVED, LoanStatus.HANDED_OVER, LoanStatus.INCOMPLETE)
