"""What the family app holds about a person, how it is exported and erased (personal-data registry)."""

from allauth.account.models import EmailAddress
from django.db.models import Q

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
    ChildShareInvitation,
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
    """The user's households: contact details, adults, children (health included), documents given,
    quotients, enrolments and bookings; JSON-ready (dates as ISO strings)."""
    households = (
        Household.objects.for_user(user)
        .select_related("party")
        .prefetch_related(
            "children__health",
            "children__authorised_pickups",
            "quotients",
            "documents__requirement__document_type",
            "enrolments__activity",
            "enrolments__site",
            "enrolments__school_year",
        )
    )
    result = []
    for household in households:
        children = list(household.children.all())
        result.append(
            {
                "foyer": household.party_id,
                "nom": household.party.name,
                "adresse": household.address,
                "code_postal": household.postal_code,
                "commune": household.city,
                "téléphone": household.phone,
                "courriel": household.email,
                "habite_la_commune": household.is_resident,
                "enfants": [
                    {
                        "prénom": child.first_name,
                        "nom": child.last_name,
                        "naissance": child.birth_date.isoformat(),
                        "école": child.school_id,
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
                "documents": [
                    {
                        "pièce": given.requirement.document_type.code,
                        "enfant": given.child_id,
                        "document_du_coffre": given.document_id,
                        "état": given.status,
                        "motif_du_refus": given.refusal_reason,
                    }
                    for given in household.documents.all()
                ],
                "quotients": [
                    {
                        "valeur": quotient.value,
                        "revenus_mensuels_centimes": quotient.monthly_income_cents,
                        "enfants_à_charge": quotient.dependants,
                        "du": quotient.valid_from.isoformat(),
                        "au": quotient.valid_until.isoformat(),
                        "état": quotient.status,
                        "motif_du_refus": quotient.refusal_reason,
                    }
                    for quotient in household.quotients.all()
                ],
                "inscriptions": [
                    {
                        "enfant": enrolment.child_id,
                        "activité": enrolment.activity.name,
                        "lieu": enrolment.site.name,
                        "année_scolaire": enrolment.school_year.name,
                        "état": enrolment.status,
                        "demandée_le": enrolment.requested_at.isoformat(),
                        "motif_du_refus": enrolment.refusal_reason,
                    }
                    for enrolment in sorted(household.enrolments.all(), key=lambda e: (e.requested_at, e.pk))
                ],
                "réservations": [
                    {"enfant": child_id, "activité": activity, "jour": day.isoformat(), "état": status}
                    for child_id, activity, day, status in Booking.objects.filter(household=household)
                    .order_by("session__date", "pk")
                    .values_list("child_id", "session__activity__name", "session__date", "status")
                ],
            }
        )
    return {"foyers": result}


def erase(user) -> None:
    """Invitations addressed to the user are forgotten (pending ones deleted, accepted ones keep no
    address) and those the user sent and still pending are withdrawn. The households' files,
    bookings and billing stay: they are the family's and the other adult's, and the treasury's
    records follow their own retention; the account itself is anonymised by accounts.

    Matches every address of the account (allauth keeps them) and the acceptance, since
    accounts' eraser may already have replaced `user.email` when this one runs."""
    emails = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    by_address = Q()
    for email in emails:
        by_address |= Q(email__iexact=email)
    for model in (HouseholdInvitation, ChildShareInvitation):
        addressed = by_address | Q(accepted_by=user)
        model.objects.filter(addressed, accepted_at__isnull=True).delete()
        model.objects.filter(addressed, accepted_at__isnull=False).update(email="")
        model.objects.filter(invited_by=user, accepted_at__isnull=True).delete()


# The family file is the household's, not one adult's: it stays with the other adults (and, when the
# last one leaves, with the town until its retention rule ends it), as do the children's records.
_FILE = (
    "The household's family file, shared by its adults and the children's record: it stays with the "
    "household (the party stays) until the family file's retention rule ends it."
)
_PLACES = "A number of places ('capacity' only looks like 'city')."
_INVITATION_DIGEST = "The digest of a random invitation token, naming nobody."
_BILLED = (
    "What the family's invoices were computed from (accounting records, 10 years), kept with the household."
)

registry.declare(
    app_label="famille",
    personal_fields={
        Household: ("party", "address", "postal_code", "city", "phone", "email", "is_resident"),
        HouseholdInvitation: ("email", "invited_by", "accepted_by"),
        Child: ("first_name", "last_name", "birth_date", "school", "school_level", "image_rights"),
        ChildHousehold: ("child", "household"),
        ChildShareInvitation: ("child", "email", "invited_by", "accepted_by"),
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
    kept={
        Household: dict.fromkeys(("address", "postal_code", "city", "phone", "email", "is_resident"), _FILE),
        Child: dict.fromkeys(
            ("first_name", "last_name", "birth_date", "school_level", "image_rights"), _FILE
        ),
        ChildHealth: dict.fromkeys(("allergies", "medical_notes", "has_pai", "pai_details"), _FILE),
        AuthorisedPickup: dict.fromkeys(("name", "relationship", "phone"), _FILE),
        FamilyDocument: {"refusal_reason": _FILE},
        QuotientFamilial: dict.fromkeys(
            ("value", "monthly_income_cents", "dependants", "refusal_reason"), _BILLED
        ),
        Enrolment: {"refusal_reason": _FILE},
        Booking: {"attendance": _BILLED},
        TaxCertificate: {"amount_cents": _BILLED},
    },
    not_personal={
        Site: dict.fromkeys(
            ("name", "address"), "The places of the town (schools, centres), not a person's."
        ),
        Activity: dict.fromkeys(
            ("name", "slug", "description", "weekdays"),
            "The town's activities and when they run, for everyone.",
        ),
        SchoolYear: {"name": "'2026-2027', not a person's name."},
        ActivitySite: {"capacity": _PLACES},
        Session: {"capacity": _PLACES},
        Closure: {"reason": "Why the town closes an activity on a day ('Grève', 'Pont'), for everyone."},
        BillingRun: {"summary": "Counts and totals of a month's billing run, no person in them."},
        HouseholdInvitation: {"token_hash": _INVITATION_DIGEST},
        ChildShareInvitation: {"token_hash": _INVITATION_DIGEST},
    },
)
