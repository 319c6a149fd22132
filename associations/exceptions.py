"""What the associations' space refuses, each with the French message the person is shown.

Every refusal is an `AssociationError`: a view catches that one class and shows
`error.message`. The sub-apps (subsidies, rooms, equipment) derive their own from it.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class AssociationError(Exception):
    """Base of the associations' refusals; `message` is French and safe to show."""

    default_message: Promise | str = _("L'opération n'a pas abouti.")

    def __init__(self, message: Promise | str | None = None):
        self.message = str(message if message is not None else self.default_message)
        super().__init__(self.message)


class AssociationAccessDenied(AssociationError):
    """Not a member (or not of the board) of this association, not an agent of the vie associative service."""

    default_message = _("Vous n'avez pas accès à cette association.")


class NotBoardMember(AssociationAccessDenied):
    default_message = _("Seuls les membres du bureau (présidence, trésorerie, secrétariat) peuvent le faire.")


class AssociationNotVerified(AssociationError):
    """The vie associative service has not verified the association yet (or suspended it)."""

    default_message = _(
        "Votre association doit d'abord être vérifiée par le service de la vie associative : "
        "vous pourrez ensuite faire vos demandes."
    )


class AssociationRefused(AssociationError):
    """A profile that cannot be recorded (a number already used, bank details…)."""

    default_message = _("Les informations de l'association ne peuvent pas être enregistrées.")


class MembershipRefused(AssociationError):
    """An invitation, a role change or a departure that the rules forbid (message says why)."""

    default_message = _("Ce changement dans les membres n'est pas possible.")


class StatusRefused(AssociationError):
    default_message = _("Ce changement d'état n'est pas possible.")
