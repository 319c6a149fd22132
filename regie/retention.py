"""The régie's entry in the public register of processing activities (guichet.retention).

No purge here: invoices, payments, receipts and mandates are accounting records,
kept for the period public accounting sets, and nothing in the régie is deleted
on its own before it; their archiving afterwards is done with the public accountant.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.retention import registry


def _provider() -> str:
    if settings.REGIE_PAYMENT_BACKEND == "payfip":
        return _("PayFiP, le service de paiement en ligne de la Direction générale des finances publiques")
    return _("Stripe, le prestataire de paiement par carte de la commune (sous-traitant)")


def processings(schedule) -> list[registry.Processing]:
    return [
        registry.Processing(
            anchor="paiements",
            name=_("Factures et paiements"),
            purpose=_(
                "Facturer les services (restauration scolaire, accueils, salles, frais de démarches), "
                "encaisser les paiements en ligne, au guichet ou par prélèvement, rembourser et relancer."
            ),
            legal_basis=_(
                "Obligation légale de la comptabilité publique (RGPD, article 6.1 c ; décret n° 2012-1246 du "
                "7 novembre 2012 relatif à la gestion budgétaire et comptable publique)."
            ),
            people=_("Les personnes, foyers et associations qui paient un service de la commune."),
            data=[
                _("Payeur : nom et adresse"),
                _("Factures, lignes facturées, avoirs, reçus et relances"),
                _(
                    "Paiements : montant, date, moyen de paiement et référence du prestataire (jamais le "
                    "numéro de la carte, que la mairie ne voit pas)"
                ),
                _("Prélèvement : titulaire du compte, IBAN, BIC et mandat SEPA signé"),
            ],
            recipients=_(
                "La régie de la commune ; le comptable public (DGFiP) ; %(provider)s ; la banque de la "
                "commune pour les prélèvements."
            )
            % {"provider": _provider()},
            retention=[
                _(
                    "Factures, paiements, reçus et mandats : 10 ans, comme toutes les pièces comptables, même si "
                    "le compte est supprimé ; leur archivage ensuite se fait avec le comptable public."
                )
            ],
        )
    ]


registry.register_section(
    registry.Section(code="regie", title=gettext_lazy("Paiements"), provider=processings, position=40)
)
