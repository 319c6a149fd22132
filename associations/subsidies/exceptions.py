"""What the subsidies refuse, each with the French message the person is shown (an AssociationError)."""

from django.utils.translation import gettext_lazy as _

from associations.exceptions import AssociationError


class SubsidyError(AssociationError):
    default_message = _("Cette opération sur la demande de subvention n'est pas possible.")


class CampaignRefused(SubsidyError):
    """A campaign that cannot be recorded (dates, envelope below what was granted, procedure)."""

    default_message = _("La campagne ne peut pas être enregistrée.")


class CampaignClosed(SubsidyError):
    default_message = _("Cette campagne de subventions ne reçoit pas de demandes en ce moment.")


class ApplicationExists(SubsidyError):
    default_message = _("Votre association a déjà une demande dans cette campagne.")


class InstructionRefused(SubsidyError):
    """A score, an opinion or a decision that the request's state or the input does not allow."""

    default_message = _("Cette étape de l'instruction n'est pas possible pour cette demande.")


class EnvelopeExceeded(InstructionRefused):
    default_message = _("Le montant accordé dépasse ce qui reste dans l'enveloppe de la campagne.")


class ReportRefused(SubsidyError):
    default_message = _("Le compte rendu financier ne peut pas être enregistré.")
