"""What the family app refuses, each with the French message the person is shown.

Every refusal is a `FamilleError`: a view catches that one class and shows
`error.message`. Messages never name a child or a person (they may reach logs).
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class FamilleError(Exception):
    """Base of the family app's refusals; `message` is French and safe to show."""

    default_message: Promise | str = _("L'opération n'a pas abouti.")

    def __init__(self, message: Promise | str | None = None):
        self.message = str(message if message is not None else self.default_message)
        super().__init__(self.message)


class FamilleAccessDenied(FamilleError):
    """The actor may not do this (someone else's household, not an agent of the family services)."""

    default_message = _("Vous n'avez pas accès à ce dossier famille.")


# The family file (part F1) ---------------------------------------------------------------------


class HouseholdExists(FamilleError):
    default_message = _("Vous êtes déjà responsable d'un dossier famille.")


class InvitationRefused(FamilleError):
    """An invitation that cannot be sent, accepted or revoked (message says why)."""

    default_message = _("Cette invitation ne peut pas être utilisée.")


class TooManyAdults(FamilleError):
    default_message = _("Un foyer compte au plus deux responsables légaux.")


class ChildRefused(FamilleError):
    """A child's details that cannot be recorded (birth date in the future, not a school…)."""

    default_message = _("Les informations de l'enfant ne peuvent pas être enregistrées.")


class ChildShareRefused(FamilleError):
    default_message = _("Cette fiche d'enfant ne peut pas être partagée ainsi.")


class DocumentRefused(FamilleError):
    """A vault document that cannot be given for a requirement (wrong type, expired, not the household's)."""

    default_message = _("Ce document ne peut pas être utilisé pour cette pièce.")


class ReviewRefused(FamilleError):
    """A document or quotient that cannot be validated or refused now."""

    default_message = _("Cette vérification n'est plus possible.")


class QuotientRefused(FamilleError):
    default_message = _("Ce quotient familial ne peut pas être enregistré.")


# (end of F1)


# Enrolments, sessions and bookings (part F2) ---------------------------------------------------


class NotEligible(FamilleError):
    """The child's age or class is outside the activity's range (the message says which)."""

    default_message = _("Votre enfant ne remplit pas les conditions d'accès à cette activité.")


class EnrolmentRefused(FamilleError):
    """An enrolment that cannot be requested, validated or refused now (message says why)."""

    default_message = _("Cette inscription n'est pas possible.")


class BookingRefused(FamilleError):
    """A booking action refused as a whole (someone else's child, no day chosen…)."""

    default_message = _("Cette réservation n'est pas possible.")


class CancellationRefused(FamilleError):
    """After the cancellation deadline of an activity that does not bill late cancellations, or too late."""

    default_message = _("Cette réservation ne peut plus être annulée.")


class SessionsRefused(FamilleError):
    """Sessions that cannot be generated (unknown school calendar, no site…)."""

    default_message = _("Les séances ne peuvent pas être générées.")


# (end of F2)


# Prices, billing runs and tax certificates (part F3) ---------------------------------------------


class BillingRefused(FamilleError):
    """A billing run that cannot be prepared or issued now (a month not over, already issued…)."""

    default_message = _("Cette facturation n'est pas possible.")


class BillingRunIssued(BillingRefused):
    """The month's invoices are already issued: nothing is billed twice."""

    default_message = _("Les factures de ce mois sont déjà émises : rien n'est facturé deux fois.")


# (end of F3)


# Attendance and occupancy (part F4) --------------------------------------------------------------


class AttendanceRefused(FamilleError):
    """An attendance sheet that cannot be recorded now (a day to come, a closed session, a month billed)."""

    default_message = _("L'appel de cette séance ne peut pas être enregistré.")


# (end of F4)
