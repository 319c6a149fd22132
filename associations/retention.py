"""The associations' part of the retention schedule (guichet.retention) and of the public register.

associations.invitations   invitations to join an association, once their link is over
purge_invitations(*, policy, now) -> Iterator[int]
processings(schedule) -> the associations' file, subsidies, rooms and equipment (no query)
"""

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.models import AssociationInvitation
from guichet.accounts.models import Service
from guichet.batches import delete_in_batches
from guichet.retention import registry

INVITATIONS = "associations.invitations"
BATCH_SIZE = 1000


def purge_invitations(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    """Delete the invitations whose link ended more than `policy.days` ago (accepted, cancelled or unused)."""
    yield from delete_in_batches(
        AssociationInvitation.objects.filter(expires_at__lt=policy.cutoff(now)), batch_size=BATCH_SIZE
    )


registry.register_kind(
    registry.Kind(
        code=INVITATIONS,
        label=gettext_lazy("Invitations dans les associations"),
        covers=gettext_lazy(
            "L'adresse électronique d'une personne invitée à rejoindre une association sur le guichet, son "
            "rôle, et qui l'a invitée. Une fois le lien accepté, l'association garde ses membres : "
            "l'invitation ne sert plus."
        ),
        counted_from=gettext_lazy("%(duration)s après la fin de validité du lien envoyé"),
        legal_basis=gettext_lazy(
            "Limitation de la conservation (RGPD, article 5.1 e) : une invitation terminée ne sert plus."
        ),
        default_days=90,
        min_days=30,
        purge=purge_invitations,
        position=51,
    )
)


def _service_name() -> str:
    service = Service.objects.filter(slug=settings.ASSOCIATIONS_SERVICE_SLUG).values_list("name", flat=True)
    return service.first() or _("Vie associative")


def processings(schedule) -> list[registry.Processing]:
    service = _service_name()
    public_mission = _(
        "Mission d'intérêt public de la commune : le soutien à la vie associative (RGPD, 6.1 e)."
    )
    recipients = _("Les agents du service « %(service)s » ; les membres du bureau de l'association.") % {
        "service": service
    }
    return [
        registry.Processing(
            anchor="associations",
            name=_("Dossier des associations"),
            purpose=_(
                "Faire connaître les associations de la commune à la mairie, vérifier qu'elles existent, "
                "et leur permettre de gérer leurs membres sur le guichet."
            ),
            legal_basis=public_mission,
            people=_("Les membres des associations inscrites, et les personnes invitées à les rejoindre."),
            data=[
                _("Association : nom, numéro RNA, SIRET, objet, siège, coordonnées, site, logo"),
                _("Coordonnées bancaires : titulaire du compte, IBAN, BIC"),
                _(
                    "Membres : nom, adresse électronique et rôle (présidence, trésorerie, secrétariat, membre)"
                ),
                _("Statuts et autres pièces, dans le coffre-fort de l'association"),
            ],
            recipients=recipients,
            retention=[
                _("Le dossier : tant que l'association est inscrite sur le guichet."),
                _("Invitations : %(sentence)s") % {"sentence": schedule.sentence(INVITATIONS)},
            ],
            service=service,
        ),
        registry.Processing(
            anchor="subventions",
            name=_("Demandes de subvention"),
            purpose=_(
                "Recevoir et instruire les demandes de subvention des associations, les noter, décider en "
                "commission dans l'enveloppe votée, et suivre leurs comptes rendus financiers."
            ),
            legal_basis=_(
                "Mission d'intérêt public et obligation légale de contrôle des subventions (RGPD, article 6.1 c "
                "et e ; loi n° 2000-321 du 12 avril 2000, article 10)."
            ),
            people=_("Les membres du bureau des associations qui demandent une subvention."),
            data=[
                _("La demande : projet, budget prévisionnel, montant demandé, pièces jointes"),
                _("L'évaluation, l'avis et la décision de la commission, le courrier envoyé"),
                _("Le compte rendu financier et son justificatif"),
            ],
            recipients=_(
                "Les agents du service « %(service)s », les élus de la commission ; le comptable public pour "
                "le versement."
            )
            % {"service": service},
            retention=[
                _(
                    "Au moins 10 ans après le versement, comme les pièces comptables : ni la demande en ligne "
                    "ni son dossier ne sont pseudonymisés ou supprimés avant."
                )
            ],
            service=service,
        ),
        registry.Processing(
            anchor="salles",
            name=_("Réservation des salles municipales"),
            purpose=_(
                "Réserver les salles pour une date ou chaque semaine, éviter les doubles réservations, "
                "facturer la location et la caution."
            ),
            legal_basis=public_mission,
            people=_("Les membres des associations qui réservent une salle."),
            data=[
                _("Réservations : salle, dates et heures, objet, nombre de personnes, qui a réservé"),
                _("Décisions, annulations, factures et cautions"),
            ],
            recipients=recipients,
            retention=[_("Avec le dossier de l'association ; les factures 10 ans (voir « Paiements »).")],
            service=service,
        ),
        registry.Processing(
            anchor="materiel",
            name=_("Prêt de matériel"),
            purpose=_(
                "Prêter le matériel de la commune (tables, chaises, barnums…), le remettre et le reprendre."
            ),
            legal_basis=public_mission,
            people=_("Les membres des associations qui empruntent du matériel."),
            data=[_("Demandes de prêt : matériel, quantités, dates, qui a demandé, état au retour")],
            recipients=recipients,
            retention=[_("Avec le dossier de l'association.")],
            service=service,
        ),
    ]


registry.register_section(
    registry.Section(
        code="associations", title=gettext_lazy("Associations"), provider=processings, position=50
    )
)
