"""What the personal-data rights refuse, each with the French message the person is shown.

Every refusal is a `PrivacyError`: a view catches that one class and shows `error.message`.
Messages never name a person (they may reach logs).
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class PrivacyError(Exception):
    """Base of the refusals; `message` is French and safe to show."""

    default_message: Promise | str = _("L'opération n'a pas abouti.")

    def __init__(self, message: Promise | str | None = None):
        self.message = str(message if message is not None else self.default_message)
        super().__init__(self.message)


class DeletionRefused(PrivacyError):
    """This account cannot be deleted from the portal (an agent's or an administrator's)."""

    default_message = _(
        "Ce compte est aussi celui d'un agent ou d'un administrateur de la mairie : il ne se supprime pas "
        "en ligne. Demandez-le à l'administrateur du guichet."
    )


class DeletionAlreadyRequested(PrivacyError):
    default_message = _("La suppression de ce compte est déjà demandée.")


class ComeBackRefused(PrivacyError):
    """The link or the sign-in no longer leads to a deletion that can be cancelled."""

    default_message = _(
        "Ce lien n'est plus valable : la suppression a déjà été annulée, ou le délai de 30 jours est passé "
        "et le compte a été supprimé."
    )
