"""The family app's part of the retention schedule (guichet.retention) and of the public register.

famille.invitations   invitations to a household and shares of a child's file, once their link is over
purge_invitations(*, policy, now) -> Iterator[int]
processings(schedule) -> one register entry per activity open to bookings (two queries)
"""

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from famille.models import Activity, ChildShareInvitation, HouseholdInvitation, RequiredDocument
from guichet.batches import delete_in_batches
from guichet.retention import registry

INVITATIONS = "famille.invitations"
BATCH_SIZE = 1000


def purge_invitations(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    # An invitation whose link ended long ago (accepted, cancelled or never used) only holds an address.
    before = policy.cutoff(now)
    for model in (HouseholdInvitation, ChildShareInvitation):
        yield from delete_in_batches(model.objects.filter(expires_at__lt=before), batch_size=BATCH_SIZE)


registry.register_kind(
    registry.Kind(
        code=INVITATIONS,
        label=gettext_lazy("Invitations au foyer et partages de fiches d'enfant"),
        covers=gettext_lazy(
            "L'adresse électronique d'une personne invitée à rejoindre un foyer, ou à qui une fiche d'enfant "
            "est partagée (garde alternée), avec qui l'a invitée et quand. Une fois le lien accepté, le foyer "
            "garde ses membres : l'invitation ne sert plus."
        ),
        counted_from=gettext_lazy("%(duration)s après la fin de validité du lien envoyé"),
        legal_basis=gettext_lazy(
            "Limitation de la conservation (RGPD, article 5.1 e) : une invitation terminée ne sert plus."
        ),
        default_days=90,
        min_days=30,
        purge=purge_invitations,
        position=50,
    )
)


def processings(schedule) -> list[registry.Processing]:
    """One entry per activity families may book: two queries, however many activities there are."""
    documents = [
        required.document_type.label
        for required in RequiredDocument.objects.filter(is_active=True).select_related("document_type")
    ]
    data = [
        _("Responsables légaux : nom, prénom, coordonnées, adresse du foyer, commune de résidence"),
        _("Quotient familial et revenus déclarés, pour le tarif, avec l'attestation de la CAF"),
        _("Enfants : prénom, nom, date de naissance, école et classe, droit à l'image"),
        _("Santé de l'enfant : allergies, informations médicales, projet d'accueil individualisé (PAI)"),
        _("Personnes autorisées à venir chercher l'enfant : nom, lien avec l'enfant, téléphone"),
        _("Inscriptions, réservations, annulations, présences et absences"),
    ]
    data += [_("Document : %(type)s") % {"type": label} for label in documents]
    retention = [
        _(
            "Le dossier famille : tant que le foyer l'utilise et que le compte de ses responsables existe ; "
            "les réservations et les présences facturées sont gardées avec les factures (voir « Paiements »)."
        ),
        _("Invitations : %(sentence)s") % {"sentence": schedule.sentence(INVITATIONS)},
    ]
    entries = []
    for activity in (
        Activity.objects.filter(is_active=True).select_related("service").order_by("kind", "name")
    ):
        entries.append(
            registry.Processing(
                anchor=f"activite-{activity.slug}",
                name=activity.name,
                purpose=_(
                    "Inscrire les enfants à l'activité (%(kind)s), réserver et annuler les séances, pointer "
                    "les présences, facturer les familles et veiller à la sécurité des enfants."
                )
                % {"kind": activity.get_kind_display().lower()},
                legal_basis=_(
                    "Mission d'intérêt public de la commune (RGPD, article 6.1 e) ; les informations de santé "
                    "sont données par les responsables légaux, pour la sécurité de l'enfant (article 9.2 a), "
                    "et lues seulement par les agents habilités."
                ),
                people=_(
                    "Les enfants inscrits, leurs responsables légaux et les personnes autorisées à venir les "
                    "chercher."
                ),
                data=data,
                recipients=_(
                    "Les agents du service « %(service)s » et les animateurs de l'activité ; la régie de la "
                    "commune, pour la facture."
                )
                % {"service": activity.service.name},
                retention=retention,
                service=activity.service.name,
            )
        )
    return entries


registry.register_section(
    registry.Section(
        code="famille",
        title=gettext_lazy("Enfance et famille"),
        intro=gettext_lazy(
            "Le dossier famille, commun à toutes les activités, et chaque activité que les familles "
            "réservent : la liste suit les activités ouvertes."
        ),
        provider=processings,
        position=20,
    )
)
