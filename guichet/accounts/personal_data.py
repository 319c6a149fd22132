"""What accounts holds about a person, how it is exported and erased."""

from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils.translation import gettext as _
from django_otp import devices_for_user

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
from guichet.audit.models import AuditCheckpoint, AuditEvent, AuditSeal
from guichet.notify import personal_data as notify_personal_data
from guichet.notify.models import Notification

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
    """Anonymise the account; the row stays so that invoices and decisions keep their author id.

    Its addresses (allauth's), its second factors (django-otp) and the sign-in attempts under its
    address (django-axes) go; its memberships of households and associations end (they stay with
    their other members); its own party stays, renamed, for its invoices. Run last of the erasers
    (the registry sees to it): the others still find the user's parties and addresses."""
    emails = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    by_username = Q()
    for email in emails:
        by_username |= Q(username__iexact=email)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(by_username).delete()
    EmailAddress.objects.filter(user=user).delete()
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    PartyMembership.objects.filter(user=user).exclude(party__person=user).delete()
    AgentMembership.objects.filter(user=user).delete()
    user.email = f"supprime-{user.pk}@invalid.invalid"
    user.first_name = user.last_name = user.phone = ""
    user.address_line = user.address_complement = user.postal_code = user.city = ""
    user.last_login = user.terms_accepted_at = None
    user.terms_version = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.password = make_password(None)
    user.save()
    user.user_permissions.clear()
    user.groups.clear()
    Party.objects.filter(person=user).update(name=_("Compte supprimé"))


registry.declare(
    app_label="accounts",
    personal_fields={
        # The password's hash is never exported; erasure makes it unusable.
        User: (*USER_FIELDS, "password"),
        Party: ("name", "person"),
        # Which households and associations a person acts for (ended at erasure).
        PartyMembership: ("user", "party"),
        Service: (),
        AgentMembership: ("user",),
        Town: (),
        # Counts of sign-ins per day and audience: no person in them.
        DailyLogins: (),
    },
    exporter=export,
    eraser=erase,
    not_personal={
        Service: {
            **dict.fromkeys(
                ("name", "email", "phone"), "A department's own contact details, not a person's."
            ),
            **dict.fromkeys(
                ("slug", "description"), "The department's name in addresses and its presentation."
            ),
        },
        Town: {
            **dict.fromkeys(
                ("name", "email", "phone", "address", "dpo_contact", "website", "opening_hours"),
                "The town hall's own contact details (its DPO's is an office's), not a person's.",
            ),
            **dict.fromkeys(
                (
                    "legal_notice",
                    "privacy_notice",
                    "terms_of_use",
                    "terms_version",
                    "accessibility_statement",
                ),
                "The town's published texts, the same for everyone.",
            ),
            **dict.fromkeys(
                ("logo", "primary_color", "secondary_color"), "The town's public logo and colours."
            ),
        },
    },
    kept={
        User: {
            "date_joined": "The account row stays, anonymised, so that invoices, requests and the audit "
            "trail keep their author's id; the day it was opened names nobody.",
        },
    },
    pseudonymised={
        User: {
            "email": "Required and unique: replaced by supprime-<id>@invalid.invalid, which names nobody."
        },
        Party: {
            "name": "A person's party stays for its invoices, renamed « Compte supprimé »; a household or an "
            "association keeps its name, with its other members.",
        },
    },
)


# audit and notify sit beside accounts and import nothing of it: their declarations are wired here.
registry.declare(
    app_label="audit",
    personal_fields=audit_personal_data.PERSONAL_FIELDS,
    exporter=audit_personal_data.export,
    eraser=audit_personal_data.erase,
    not_personal={
        AuditEvent: {
            **dict.fromkeys(
                ("action", "target_type", "target_id", "request_id", "details"),
                "What was done to which object, by codes and ids: audit rows hold ids, never names or content.",
            ),
            **dict.fromkeys(("prev_hash", "hash"), "The hash chain's links: digests of the rows."),
        },
        AuditSeal: {"last_hash": "The digest where the sealed chain ends."},
        AuditCheckpoint: {"last_hash": "The digest where the chain starts again after a retention purge."},
    },
    # The trail proves who touched whose data: erasure leaves it (see audit's `erase`).
    kept={
        AuditEvent: dict.fromkeys(
            ("actor_id", "owner_party_id", "ip"),
            "The audit trail proves who touched whose data (a legal obligation, and the person's own "
            "protection); it holds ids only and is hash-chained; it goes with its retention period.",
        )
    },
)
registry.declare(
    app_label="notify",
    personal_fields=notify_personal_data.PERSONAL_FIELDS,
    exporter=notify_personal_data.export,
    eraser=notify_personal_data.erase,
    not_personal={Notification: {"kind": "The kind of message, a code of the portal's ('demarche_status')."}},
)
