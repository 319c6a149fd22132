"""What the associations' space holds about a person, how it is exported and erased (personal-data registry).

An association is a legal person, but its contact details are often one of its
members' (the president's phone, a home address as its seat): they are declared
personal, exported to its members and kept with the association when one leaves.
"""

from allauth.account.models import EmailAddress
from django.db.models import Q

from associations.models import Association, AssociationInvitation
from associations.selectors import associations_for_user
from guichet.accounts import registry


def export(user) -> dict:
    """The user's associations (profile, their role) and the invitations they sent."""
    return {
        "associations": [
            {
                "association": association.pk,
                "nom": association.party.name,
                "rôle": association.my_role,
                "rna": association.rna,
                "siret": association.siret,
                "objet": association.purpose,
                "adresse": association.address_line,
                "code_postal": association.postal_code,
                "commune": association.city,
                "courriel": association.email,
                "téléphone": association.phone,
                "site": association.website,
                "titulaire_du_compte": association.bank_account_holder,
                "iban": association.iban,
                "bic": association.bic,
                "état": association.status,
            }
            for association in associations_for_user(user=user)
        ],
        "invitations_envoyées": [
            {"association": association_id, "adresse": email, "rôle": role, "envoyée": sent.isoformat()}
            for association_id, email, role, sent in AssociationInvitation.objects.filter(invited_by=user)
            .order_by("created_at", "pk")
            .values_list("association_id", "email", "role", "created_at")
        ],
    }


def erase(user) -> None:
    """Invitations addressed to the user are forgotten (pending ones deleted, accepted ones keep no
    address), those they sent and still pending are withdrawn. Their memberships go with the account
    (accounts' eraser); the associations stay, with their other members.

    Matches every address of the account (allauth keeps them), since accounts' eraser may already
    have replaced `user.email` when this one runs."""
    emails = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    by_address = Q()
    for email in emails:
        by_address |= Q(email__iexact=email)
    addressed = by_address | Q(accepted_by=user)
    AssociationInvitation.objects.filter(addressed, accepted_at__isnull=True).delete()
    AssociationInvitation.objects.filter(addressed, accepted_at__isnull=False).update(email="")
    AssociationInvitation.objects.filter(invited_by=user, accepted_at__isnull=True).delete()


registry.declare(
    app_label="associations",
    personal_fields={
        Association: (
            "address_line",
            "postal_code",
            "city",
            "email",
            "phone",
            "bank_account_holder",
            "iban",
            "bic",
            "created_by",
            "status_changed_by",
        ),
        AssociationInvitation: ("email", "invited_by", "accepted_by"),
    },
    exporter=export,
    eraser=erase,
    kept={
        Association: dict.fromkeys(
            ("address_line", "postal_code", "city", "email", "phone", "bank_account_holder", "iban", "bic"),
            "The association's own contact and bank details (a legal person's), kept with it and its other "
            "members when one of them leaves.",
        )
    },
    not_personal={
        Association: {
            **dict.fromkeys(
                ("siret", "rna"),
                "The association's own public numbers (RNA, SIRET: public registers), not a person's.",
            ),
            **dict.fromkeys(
                ("purpose", "website", "logo"), "The association's public presentation (a legal person's)."
            ),
            "status_reason": "The service's words on the association's registration (a legal person's file).",
            "party": "The association's own party, which owns its vault, requests and invoices.",
        },
        AssociationInvitation: {"token_hash": "The digest of a random invitation token, naming nobody."},
    },
)
