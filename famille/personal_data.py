"""What the family app holds about a person, how it is exported and erased (personal-data registry)."""

from famille.models import (
    Activity,
    ActivitySite,
    AuthorisedPickup,
    BillingLine,
    BillingRun,
    Booking,
    Child,
    ChildHealth,
    ChildHousehold,
    Closure,
    Enrolment,
    FamilyDocument,
    Household,
    HouseholdInvitation,
    QuotientFamilial,
    RequiredDocument,
    SchoolYear,
    Session,
    Site,
    TariffBracket,
    TariffRule,
    TaxCertificate,
)
from guichet.accounts import registry


def export(user) -> dict:
    """The user's households: contact details, children (health included), quotients, enrolments, bookings."""
    households = Household.objects.for_user(user).prefetch_related(
        "children__health", "children__authorised_pickups", "quotients"
    )
    result = []
    for household in households:
        children = list(household.children.all())
        result.append(
            {
                "foyer": household.party_id,
                "adresse": household.address,
                "code_postal": household.postal_code,
                "commune": household.city,
                "téléphone": household.phone,
                "courriel": household.email,
                "enfants": [
                    {
                        "prénom": child.first_name,
                        "nom": child.last_name,
                        "naissance": child.birth_date.isoformat(),
                        "classe": child.school_level,
                        "droit_à_l_image": child.image_rights,
                        "allergies": getattr(getattr(child, "health", None), "allergies", ""),
                        "informations_médicales": getattr(
                            getattr(child, "health", None), "medical_notes", ""
                        ),
                        "pai": getattr(getattr(child, "health", None), "pai_details", ""),
                        "personnes_autorisées": [
                            {"nom": pickup.name, "lien": pickup.relationship, "téléphone": pickup.phone}
                            for pickup in child.authorised_pickups.all()
                        ],
                    }
                    for child in children
                ],
                "quotients": [
                    {
                        "valeur": quotient.value,
                        "revenus_mensuels_centimes": quotient.monthly_income_cents,
                        "du": quotient.valid_from.isoformat(),
                        "au": quotient.valid_until.isoformat(),
                        "état": quotient.status,
                    }
                    for quotient in household.quotients.all()
                ],
                "réservations": list(
                    Booking.objects.filter(household=household)
                    .order_by("session__date", "pk")
                    .values_list("child_id", "session__activity__name", "session__date", "status")
                ),
            }
        )
    return {"foyers": result}


def erase(user) -> None:
    """The user leaves their households. A household's file, bookings and billing stay: they are the
    other adult's, and the treasury's records follow their own retention."""
    invitations = HouseholdInvitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True)
    invitations.delete()


registry.declare(
    app_label="famille",
    personal_fields={
        Household: ("party", "address", "postal_code", "city", "phone", "email", "is_resident"),
        HouseholdInvitation: ("email", "invited_by", "accepted_by"),
        Child: ("first_name", "last_name", "birth_date", "school", "school_level", "image_rights"),
        ChildHousehold: ("child", "household"),
        # Health data (RGPD art. 9): agents read it only with an explicit permission.
        ChildHealth: ("allergies", "medical_notes", "has_pai", "pai_details"),
        AuthorisedPickup: ("name", "relationship", "phone"),
        FamilyDocument: ("document", "reviewed_by", "refusal_reason"),
        QuotientFamilial: (
            "value",
            "monthly_income_cents",
            "dependants",
            "caf_document",
            "declared_by",
            "reviewed_by",
            "refusal_reason",
        ),
        Enrolment: ("child", "household", "requested_by", "decided_by", "refusal_reason"),
        Booking: ("child", "household", "created_by", "cancelled_by", "attendance", "attendance_by"),
        Closure: ("created_by",),
        BillingRun: ("created_by", "issued_by"),
        BillingLine: ("household", "child"),
        TaxCertificate: ("household", "amount_cents", "document"),
        Site: (),
        SchoolYear: (),
        Activity: (),
        ActivitySite: (),
        RequiredDocument: (),
        Session: (),
        TariffRule: (),
        TariffBracket: (),
    },
    exporter=export,
    eraser=erase,
    not_personal={
        # The places of the town (schools, centres) and their addresses, not a person's.
        Site: ("name", "address"),
        Activity: ("name",),
    },
)
