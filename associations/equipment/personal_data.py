"""What equipment loans hold about a person, how it is exported and erased (personal-data registry).

A loan is the association's, but the member who asks gives a contact (name, phone), often their
own, and sometimes a home address for the delivery: those are personal. The people who moved a
loan (who asked, decided, handed over, checked back in, cancelled) are users.
"""

from django.db.models import Q

from associations.equipment.enums import OPEN_STATUSES, DeliveryMode
from associations.equipment.models import Item, Loan, LoanLine
from guichet.accounts import registry

ERASED_ADDRESS = "[adresse effacée]"


def export(user) -> dict:
    """The loans the user asked for or cancelled, with what they wrote and the lines."""
    loans = (
        Loan.objects.filter(Q(created_by=user) | Q(cancelled_by=user))
        .prefetch_related("lines__item")
        .order_by("created_at", "pk")
    )
    return {
        "prêts_de_matériel": [
            {
                "prêt": loan.reference,
                "association": loan.association_id,
                "état": loan.status,
                "du": loan.start_date.isoformat(),
                "au": loan.end_date.isoformat(),
                "manifestation": loan.purpose,
                "livraison": loan.delivery_mode,
                "adresse_de_livraison": loan.delivery_address,
                "personne_à_contacter": loan.contact_name,
                "téléphone": loan.contact_phone,
                "précisions": loan.note,
                "demandé_le": loan.created_at.isoformat(),
                "demandé_par_vous": loan.created_by_id == user.pk,
                "annulé_par_vous": loan.cancelled_by_id == user.pk,
                "matériel": [
                    {"article": line.item.name, "quantité": line.quantity} for line in loan.lines.all()
                ],
            }
            for loan in loans
        ]
    }


def erase(user) -> None:
    """The loans stay the association's; what the user wrote goes: the contact and the precisions of
    every loan they asked for, and the delivery address of those that are over (a loan under way
    still needs to be delivered and fetched back)."""
    mine = Loan.objects.filter(created_by=user)
    mine.update(contact_name="", contact_phone="", note="")
    # A delivery keeps an address (a CHECK constraint): a mark of the erasure takes its place.
    mine.exclude(status__in=OPEN_STATUSES).filter(delivery_mode=DeliveryMode.DELIVERY).update(
        delivery_address=ERASED_ADDRESS
    )


registry.declare(
    app_label="equipment",
    personal_fields={
        Item: (),
        Loan: (
            "purpose",
            "delivery_address",
            "contact_name",
            "contact_phone",
            "note",
            "refusal_reason",
            "return_note",
            "created_by",
            "decided_by",
            "handed_over_by",
            "returned_by",
            "cancelled_by",
        ),
        LoanLine: ("damage_note",),
    },
    exporter=export,
    eraser=erase,
    kept={
        Loan: {
            **dict.fromkeys(
                ("refusal_reason", "return_note"),
                "The service's own words on the association's loan (its decision, the return check), kept with it.",
            ),
            "purpose": "The association's event the equipment is lent for, kept with the association's loan.",
        },
        LoanLine: {
            "damage_note": "The return check of the association's loan (what was damaged), kept with it."
        },
    },
    pseudonymised={
        Loan: {
            "delivery_address": "A delivery keeps an address (a CHECK constraint): once the loan is over, a mark of "
            "the erasure takes its place; a loan under way keeps it until the equipment is back.",
        }
    },
    not_personal={
        Item: dict.fromkeys(
            ("name", "unit_singular", "unit_plural", "description", "photo", "photo_alt"),
            "The town's catalogue of equipment to lend ('Chaise pliante'), the same for everyone.",
        ),
    },
)
