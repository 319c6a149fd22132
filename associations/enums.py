from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.accounts.enums import PartyRole


class AssociationStatus(models.TextChoices):
    """Where an association stands with the vie associative service: it asks for nothing until verified."""

    PENDING = "pending", _("En attente de vérification")
    VERIFIED = "verified", _("Vérifiée")
    SUSPENDED = "suspended", _("Suspendue")

    @property
    def tone(self) -> str:
        """The colour of its badge (components/status_badge.html)."""
        return {"pending": "warning", "verified": "success", "suspended": "danger"}[self.value]


# The board (bureau): its members run the association's account, open its vault and, when the
# association says so, alone file its subsidy requests.
BOARD_ROLES = (PartyRole.PRESIDENT, PartyRole.TREASURER, PartyRole.SECRETARY)
MEMBER_ROLES = (*BOARD_ROLES, PartyRole.MEMBER)


def member_role_choices() -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in MEMBER_ROLES]
