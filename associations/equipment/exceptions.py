"""What the equipment loans refuse, each with the French message the person is shown.

Every refusal is an `associations.exceptions.AssociationError`: a view catches that one class
and shows `error.message`; `NotEnoughStock` also lists, item by item, what is left.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from associations.exceptions import AssociationError


class LoanRefused(AssociationError):
    """A request that the rules refuse (period, quantities, delivery…): the message says why."""

    default_message = _("Cette demande de prêt ne peut pas être enregistrée.")


@dataclass(frozen=True)
class Shortage:
    """One item of a request beyond what is left over its period."""

    item_id: int
    left: int
    requested: int
    message: str


class NotEnoughStock(LoanRefused):
    """Some items are not available in the quantities asked for over the period."""

    def __init__(self, shortages: list[Shortage]):
        self.shortages = shortages
        super().__init__(" ".join(shortage.message for shortage in shortages))


class TransitionRefused(AssociationError):
    """A move that the loan's status forbids (deciding twice, cancelling after the start…)."""

    default_message = _("Ce changement n'est plus possible pour ce prêt.")


class ReturnRefused(AssociationError):
    """Return-check figures that do not add up (more back than lent, more damaged than back…)."""

    default_message = _("Les quantités rendues ne sont pas cohérentes.")
