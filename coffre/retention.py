"""The vault's part of the retention schedule (guichet.retention): expired documents. The deletion
of records the other apps' rules end (a request's copies in a service's space) is
`coffre.services.delete_documents_as_system`.

    purge_expired_documents(*, policy, now) -> Iterator[int]
"""

from collections.abc import Iterator
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coffre import services
from coffre.models import Document
from guichet.accounts.enums import PartyKind
from guichet.retention import registry

EXPIRED_DOCUMENTS = "coffre.expired_documents"


def purge_expired_documents(*, policy: registry.Policy, now: datetime) -> Iterator[int]:
    """Delete the documents of people's, households' and associations' vaults whose validity ended
    more than `policy.days` ago (a service's own copies follow the record they belong to)."""
    limit = policy.cutoff_date(timezone.localdate(now))
    expired = Document.objects.filter(expiry_date__lt=limit).exclude(owner__kind=PartyKind.SERVICE)

    def handle(ids: list[int]) -> int:
        with transaction.atomic():
            # Read again under the lock: a document renewed meanwhile has a new end of validity.
            still = Document.objects.filter(pk__in=ids, expiry_date__lt=limit).select_for_update(
                skip_locked=True
            )
            return services.delete_documents_as_system(documents=list(still), reason="retention")

    yield from registry.in_batches(registry.without_protected_references(expired), handle)


registry.register_kind(
    registry.Kind(
        code=EXPIRED_DOCUMENTS,
        label=_("Documents périmés du coffre-fort"),
        covers=_(
            "Les documents de votre coffre-fort dont la date de fin de validité est passée (justificatif de "
            "domicile, attestation d'assurance, pièce d'identité…). Vous êtes prévenu 30 jours puis 7 jours "
            "avant cette date, pour le renouveler à temps. Les copies remises à un service avec une démarche "
            "suivent la durée de cette démarche."
        ),
        counted_from=_("%(duration)s après la fin de validité du document"),
        legal_basis=_(
            "Minimisation et limitation de la conservation (RGPD, article 5.1 c et e) : un document périmé "
            "ne peut plus servir à une démarche."
        ),
        default_days=90,
        min_days=30,
        purge=purge_expired_documents,
        position=40,
    )
)


def processings(schedule) -> list[registry.Processing]:
    from django.urls import reverse

    return [
        registry.Processing(
            anchor="coffre-fort",
            name=str(_("Coffre-fort numérique")),
            purpose=str(
                _(
                    "Garder vos papiers importants, chiffrés, pour les réutiliser dans vos démarches et les "
                    "partager avec un service de la mairie quand vous le décidez."
                )
            ),
            legal_basis=str(
                _(
                    "Votre consentement (RGPD, article 6.1 a) : le coffre-fort est facultatif, vous y déposez "
                    "ce que vous voulez et pouvez tout supprimer à tout moment."
                )
            ),
            people=str(_("Les personnes, les foyers et les associations qui ont un compte.")),
            data=[
                str(_("Les documents que vous déposez, chiffrés (la mairie ne peut pas les lire)")),
                str(_("Leur type, leur intitulé, leurs dates d'émission et de fin de validité, leur taille")),
                str(_("Les partages avec les services : lequel, pour quel motif, jusqu'à quand")),
            ],
            recipients=str(
                _(
                    "Vous seul, et les responsables du foyer ou de l'association pour leur coffre-fort ; un "
                    "service de la mairie seulement pour un document que vous partagez avec lui ou joignez à "
                    "une démarche."
                )
            ),
            retention=[
                schedule.sentence(EXPIRED_DOCUMENTS),
                str(
                    _(
                        "Les autres documents : tant que vous ne les supprimez pas. À la suppression du compte, "
                        "la clé du coffre-fort est détruite : ses documents deviennent illisibles pour toujours."
                    )
                ),
            ],
            links=[(str(_("Comment le coffre-fort protège vos documents")), reverse("coffre:about"))],
        )
    ]


registry.register_section(
    registry.Section(code="coffre", title=_("Coffre-fort numérique"), provider=processings, position=30)
)
