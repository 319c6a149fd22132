"""What accounts holds about a person, how it is exported and erased."""

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from guichet.accounts import registry
from guichet.accounts.models import (
    AgentMembership,
    DailyLogins,
    Party,
    PartyMembership,
    Service,
    Town,
    User,
)
from guichet.audit import personal_data as audit_personal_data
from guichet.notify import personal_data as notify_personal_data

USER_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "address_line",
    "address_complement",
    "postal_code",
    "city",
    "date_joined",
    "last_login",
    "terms_version",
    "terms_accepted_at",
)


def export(user: User) -> dict:
    memberships = PartyMembership.objects.filter(user=user).select_related("party")
    return {
        "profil": {name: getattr(user, name) for name in USER_FIELDS},
        "titulaires": [
            {"id": m.party_id, "type": m.party.kind, "nom": m.party.name, "rôle": m.role} for m in memberships
        ],
        "services": list(AgentMembership.objects.filter(user=user).values("service__name", "role")),
    }


def erase(user: User) -> None:
    """Anonymise the account; the row stays so that invoices and decisions keep their author id."""
    user.email = f"supprime-{user.pk}@invalid.invalid"
    user.first_name = user.last_name = user.phone = ""
    user.address_line = user.address_complement = user.postal_code = user.city = ""
    user.is_active = False
    user.password = make_password(None)
    user.save()
    Party.objects.filter(person=user).update(name=_("Compte supprimé"))


registry.declare(
    app_label="accounts",
    personal_fields={
        User: USER_FIELDS,
        Party: ("name",),
        PartyMembership: (),
        Service: (),
        AgentMembership: (),
        Town: (),
        # Counts of sign-ins per day and audience: no person in them.
        DailyLogins: (),
    },
    exporter=export,
    eraser=erase,
    # A department's and the town hall's own contact details, not a person's.
    not_personal={
        Service: ("name", "email", "phone"),
        Town: ("name", "email", "phone", "address", "dpo_contact"),
    },
)


# audit and notify sit beside accounts and import nothing of it: their declarations are wired here.
registry.declare(
    app_label="audit",
    personal_fields=audit_personal_data.PERSONAL_FIELDS,
    exporter=audit_personal_data.export,
    eraser=audit_personal_data.erase,
)
registry.declare(
    app_label="notify",
    personal_fields=notify_personal_data.PERSONAL_FIELDS,
    exporter=notify_personal_data.export,
    eraser=notify_personal_data.erase,
)
