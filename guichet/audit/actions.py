"""Action codes in plain French, for the people whose data they touched."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

GENERIC_LABEL = _("Consultation ou modification de vos données")

ACTION_LABELS: dict[str, Promise] = {
    "user.update": _("Modification de vos coordonnées"),
    "otp.reset": _("Réinitialisation de votre double authentification"),
    # Coffre-fort (vault)
    "coffre.document.read": _("Consultation d'un document de votre coffre-fort"),
    "coffre.document.create": _("Dépôt d'un document dans votre coffre-fort"),
    "coffre.version.create": _("Nouvelle version d'un document de votre coffre-fort"),
    "coffre.document.update": _("Modification d'un document de votre coffre-fort"),
    "coffre.document.delete": _("Suppression d'un document de votre coffre-fort"),
    "coffre.version.delete": _("Suppression d'une version d'un document de votre coffre-fort"),
    "coffre.grant.create": _("Partage d'un document de votre coffre-fort avec un service"),
    "coffre.grant.revoke": _("Fin du partage d'un document de votre coffre-fort"),
    "coffre.vault.export": _("Export de votre coffre-fort"),
    "coffre.vault.shred": _("Destruction de votre coffre-fort"),
    "coffre.document.copy": _("Copie d'un document de votre coffre-fort remise à un service de la mairie"),
    # Démarches (requests)
    "demarches.request.create": _("Début d'une démarche en ligne (brouillon)"),
    "demarches.request.update": _("Enregistrement des réponses d'une démarche en cours"),
    "demarches.request.delete": _("Suppression d'un brouillon de démarche"),
    "demarches.request.submit": _("Dépôt d'une demande"),
    "demarches.request.status": _("Changement de statut d'une de vos demandes"),
    "demarches.request.reply": _("Envoi des compléments demandés pour une demande"),
    "demarches.request.withdraw": _("Retrait d'une de vos demandes"),
    # Démarches: at the counter, and the deadlines kept by the town's system
    "demarches.request.counter": _("Démarche commencée en votre nom au guichet, avec votre accord"),
    "demarches.counter.search": _("Recherche de votre compte par un agent, à l'accueil du guichet"),
    "demarches.request.silence": _("Décision implicite d'une de vos demandes, faute de réponse du service"),
    "demarches.request.expire": _("Demande classée sans suite, les compléments demandés n'étant pas venus"),
    "demarches.message.create": _("Message échangé avec le service au sujet d'une de vos demandes"),
    # Démarches: the agents' side (a request's page in the back-office)
    "demarches.request.read": _("Consultation d'une de vos demandes par un agent de la mairie"),
    "demarches.attachment.read": _("Consultation par un agent d'un document joint à une de vos demandes"),
    "demarches.decision.read": _("Consultation par un agent du courrier de décision d'une de vos demandes"),
    "demarches.request.assign": _("Attribution d'une de vos demandes à un agent du service"),
    "demarches.request.letter": _("Courrier de décision d'une de vos demandes"),
    # Retention: what the nightly run did at the end of a retention period (the system's, not an agent's)
    "demarches.request.pseudonymise": _(
        "Pseudonymisation d'une de vos demandes terminées, à la fin de sa durée de conservation"
    ),
    "demarches.request.purge": _(
        "Suppression d'une de vos demandes terminées, à la fin de sa durée de conservation"
    ),
    "retention.run": _("Application des durées de conservation"),
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
