"""What the rooms refuse, each with the French message the person is shown.

Every refusal is an `associations.exceptions.AssociationError`: a view catches that one class and
shows `error.message`. Messages never name a person (they may reach logs).
"""

from django.utils.translation import gettext_lazy as _

from associations.exceptions import AssociationError


class RoomsError(AssociationError):
    """Base of the rooms' refusals."""

    default_message = _("La réservation n'a pas abouti.")


class RoomsAccessDenied(RoomsError):
    """Not one of the actor's parties, not an agent of the vie associative service, not a régie agent."""

    default_message = _("Vous n'avez pas accès à cette réservation.")


class BookingRefused(RoomsError):
    """A request that the rules refuse (closed, past, too many people, not open to private persons…)."""

    default_message = _("Cette réservation n'est pas possible.")


class SlotTaken(BookingRefused):
    """A confirmed booking already holds all or part of the slot (the exclusion constraint said so)."""

    default_message = _(
        "Ce créneau est déjà réservé, en tout ou en partie : choisissez un autre horaire ou une autre date."
    )


class DecisionRefused(RoomsError):
    """An approval or a refusal that cannot be made (already decided, no reason given…)."""

    default_message = _("Cette décision n'est pas possible.")


class CancellationRefused(RoomsError):
    default_message = _("Cette réservation ne peut plus être annulée en ligne.")


class CheckRefused(RoomsError):
    """An after-event check that cannot be recorded (before the end, twice, more than the deposit kept)."""

    default_message = _("L'état des lieux ne peut pas être enregistré.")


class SettlementRefused(RoomsError):
    default_message = _("Ce règlement ne peut pas être fait.")
