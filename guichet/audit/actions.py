"""Action codes in plain French, for the people whose data they touched."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

GENERIC_LABEL = _("Consultation ou modification de vos données")

ACTION_LABELS: dict[str, Promise] = {
    "user.update": _("Modification de vos coordonnées"),
    "otp.reset": _("Réinitialisation de votre double authentification"),
}

# Apps add codes faster than this file: the last word of a code still says what happened.
VERB_LABELS: dict[str, Promise] = {
    "view": _("Consultation de vos données"),
    "read": _("Consultation de vos données"),
    "download": _("Téléchargement d'un de vos documents"),
    "export": _("Export de vos données"),
    "create": _("Ajout à votre dossier"),
    "update": _("Modification de vos données"),
    "delete": _("Suppression d'un élément de votre dossier"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action) or VERB_LABELS.get(action.rpartition(".")[2], GENERIC_LABEL)
    return str(label)
