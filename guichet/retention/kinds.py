"""The kinds of data and the register entries of the shared layer (accounts, notify, audit), which
import nothing of guichet.retention: their purge functions are registered here.

    audit.events             whole old stretches of the hash chain, from a checkpoint
    notify.deliveries        the sending logs of e-mails
    notify.notifications     the notifications and their stored bodies
    accounts.sessions        expired sessions
    accounts.login_logs      sign-in logs and attempts (django-axes)
"""

from collections.abc import Iterator
from datetime import datetime

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.audit import services as audit_services
from guichet.batches import delete_in_batches
from guichet.notify import retention as notify_retention
from guichet.retention import registry

AUDIT_EVENTS = "audit.events"
DELIVERIES = "notify.deliveries"
NOTIFICATIONS = "notify.notifications"
SESSIONS = "accounts.sessions"
LOGIN_LOGS = "accounts.login_logs"
BATCH_SIZE = 2000


def purge_audit_events(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    yield from audit_services.purge_sealed_before(cutoff=policy.cutoff(now))


def purge_deliveries(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    yield from notify_retention.purge_deliveries(before=policy.cutoff(now))


def purge_notifications(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    yield from notify_retention.purge_notifications(before=policy.cutoff(now))


def purge_sessions(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    """Expired sessions (Django's `clearsessions`, counted): the cookie no longer opens them anyway."""
    from django.contrib.sessions.models import Session

    yield from delete_in_batches(
        Session.objects.filter(expire_date__lt=policy.cutoff(now)), batch_size=BATCH_SIZE
    )


def purge_login_logs(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    """django-axes' sign-ins, failures and attempt counters (the address typed, the IP, the browser)."""
    if not apps.is_installed("axes"):
        return
    before = policy.cutoff(now)
    for name in ("AccessLog", "AccessFailureLog", "AccessAttempt"):
        model = apps.get_model("axes", name)
        yield from delete_in_batches(model.objects.filter(attempt_time__lt=before), batch_size=BATCH_SIZE)


LOG_GUIDANCE = gettext_lazy(
    "Sécurité du traitement (RGPD, article 32) ; la CNIL recommande de garder les journaux de 6 mois à un an."
)

registry.register_kind(
    registry.Kind(
        code=NOTIFICATIONS,
        label=gettext_lazy("Notifications"),
        covers=gettext_lazy(
            "Les messages du guichet affichés dans votre espace et envoyés par courriel (dépôt d'une demande, "
            "changement de statut, rappels), avec leur texte. Le dossier concerné garde ce qui compte : une "
            "notification n'en est qu'un avis."
        ),
        counted_from=gettext_lazy("%(duration)s après leur envoi"),
        legal_basis=gettext_lazy(
            "Information des usagers sur le suivi de leurs démarches (mission d'intérêt public, RGPD, "
            "article 6.1 e) ; limitation de la conservation (article 5.1 e)."
        ),
        default_days=365,
        min_days=30,
        purge=purge_notifications,
        position=60,
    )
)
registry.register_kind(
    registry.Kind(
        code=DELIVERIES,
        label=gettext_lazy("Suivi des envois de courriels"),
        covers=gettext_lazy(
            "L'état de l'envoi de chaque courriel de notification (envoyé, en échec, nombre d'essais, code "
            "d'erreur), sans son contenu."
        ),
        counted_from=gettext_lazy("%(duration)s après le dernier essai d'envoi"),
        legal_basis=gettext_lazy(
            "Un journal technique ne sert qu'à résoudre un problème d'envoi (RGPD, article 5.1 e)."
        ),
        default_days=90,
        min_days=7,
        purge=purge_deliveries,
        position=61,
    )
)
registry.register_kind(
    registry.Kind(
        code=SESSIONS,
        label=gettext_lazy("Sessions de connexion expirées"),
        covers=gettext_lazy(
            "Ce que le serveur garde d'une connexion en cours (le compte connecté, la langue choisie), "
            "une fois la session terminée ou expirée."
        ),
        counted_from=gettext_lazy("%(duration)s après la fin de la session"),
        legal_basis=gettext_lazy(
            "Sécurité du traitement (RGPD, article 32) : une session finie ne sert plus."
        ),
        default_days=1,
        purge=purge_sessions,
        position=70,
    )
)
registry.register_kind(
    registry.Kind(
        code=LOGIN_LOGS,
        label=gettext_lazy("Journal des connexions"),
        covers=gettext_lazy(
            "Les connexions et les tentatives de connexion (adresse électronique saisie, adresse IP, "
            "navigateur, date), qui servent à bloquer les attaques par mot de passe."
        ),
        counted_from=gettext_lazy("%(duration)s après la connexion"),
        legal_basis=LOG_GUIDANCE,
        default_days=180,
        min_days=30,
        purge=purge_login_logs,
        position=71,
    )
)
registry.register_kind(
    registry.Kind(
        code=AUDIT_EVENTS,
        label=gettext_lazy("Journal d'audit"),
        covers=gettext_lazy(
            "La trace de chaque modification de vos données et de chaque consultation par un agent : qui, "
            "quand, sur quel dossier (des numéros, jamais le contenu). C'est ce que montre la page « Qui a "
            "consulté mes données ». Les traces sont enchaînées par des empreintes : on ne supprime que les "
            "plus anciennes périodes entières, en gardant l'empreinte d'où la vérification du journal repart."
        ),
        counted_from=gettext_lazy("%(duration)s après leur enregistrement"),
        legal_basis=LOG_GUIDANCE,
        default_days=365,
        min_days=audit_services.MINIMUM_RETENTION_DAYS,
        purge=purge_audit_events,
        position=90,
    )
)


# The register -----------------------------------------------------------------------------------


def processings(schedule) -> list[registry.Processing]:
    return [
        registry.Processing(
            anchor="compte",
            name=_("Compte du guichet et connexion"),
            purpose=_(
                "Créer votre compte, vous reconnaître quand vous vous connectez, protéger votre compte contre "
                "les attaques, et vous écrire au sujet de vos démarches."
            ),
            legal_basis=_(
                "Mission d'intérêt public (RGPD, article 6.1 e) ; le guichet en ligne est facultatif : "
                "l'accueil de la mairie reste ouvert. Sécurité du traitement (article 32) pour les journaux."
            ),
            people=_(
                "Les habitants et les associations qui ont un compte, les agents et les administrateurs."
            ),
            data=[
                _("Nom, prénom, adresse électronique, téléphone, adresse postale"),
                _(
                    "Si vous utilisez FranceConnect : l'identité qu'il certifie (prénoms, nom, date et lieu de naissance)"
                ),
                _("Date d'inscription, dernière connexion, acceptation des conditions d'utilisation"),
                _("Journal des connexions : adresse électronique saisie, adresse IP, navigateur, date"),
            ],
            recipients=_(
                "Les agents de la mairie, pour les démarches que vous faites ; aucune autre personne."
            ),
            retention=[
                _(
                    "Le compte : tant que vous ne le supprimez pas ; supprimé, il est effacé, sauf ce que la loi "
                    "oblige la mairie à garder, pseudonymisé."
                ),
                _("Sessions : %(sentence)s") % {"sentence": schedule.sentence(SESSIONS)},
                _("Journal des connexions : %(sentence)s") % {"sentence": schedule.sentence(LOGIN_LOGS)},
            ],
        ),
        registry.Processing(
            anchor="notifications",
            name=_("Notifications"),
            purpose=_(
                "Vous prévenir de ce qui change dans vos démarches, réservations, factures et documents, dans "
                "votre espace et par courriel."
            ),
            legal_basis=_(
                "Mission d'intérêt public (RGPD, article 6.1 e) ; les courriels qui ne sont pas indispensables "
                "peuvent être désactivés dans vos préférences."
            ),
            people=_("Les personnes qui ont un compte."),
            data=[
                _("Adresse électronique, objet et texte du message, lien vers le guichet, état de l'envoi")
            ],
            recipients=_("Le prestataire d'envoi des courriels de la mairie (sous-traitant)."),
            retention=[
                _("Notifications : %(sentence)s") % {"sentence": schedule.sentence(NOTIFICATIONS)},
                _("Suivi des envois : %(sentence)s") % {"sentence": schedule.sentence(DELIVERIES)},
            ],
        ),
        registry.Processing(
            anchor="journal-audit",
            name=_("Journal d'audit et « Qui a consulté mes données »"),
            purpose=_(
                "Garder la trace de chaque modification de vos données et de chaque consultation par un agent, "
                "pour prouver qui a fait quoi, détecter un abus, et vous le montrer."
            ),
            legal_basis=_(
                "Sécurité du traitement et responsabilité de la mairie (RGPD, articles 5.2 et 32)."
            ),
            people=_("Les usagers, les agents et les administrateurs du guichet."),
            data=[
                _(
                    "Numéro de la personne qui agit et du dossier concerné, type d'opération, date, adresse IP ; "
                    "jamais le contenu de vos données"
                )
            ],
            recipients=_(
                "Vous, pour ce qui vous concerne ; les administrateurs du guichet et le délégué à la protection "
                "des données, en cas de contrôle."
            ),
            retention=[schedule.sentence(AUDIT_EVENTS)],
            links=[(_("Qui a consulté mes données"), reverse("audit:data_access"))],
        ),
    ]


registry.register_section(
    registry.Section(
        code="compte",
        title=gettext_lazy("Compte, notifications et journal d'audit"),
        provider=processings,
        position=60,
    )
)
