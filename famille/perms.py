"""Who may do what in the family app. Each function's docstring lists who may.

Selectors and services call these; views never decide alone.
"""

from django.db.models import Exists, OuterRef

from famille.models import Activity, Household
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import AgentMembership, PartyMembership

# The family file (part F1) ---------------------------------------------------------------------


def is_famille_agent(user) -> bool:
    """Agents of an active service that owns at least one activity (canteen, after-school care…),
    and administrators (staff). Any of them may read every family file: the dossier unique is the
    town's, shared by all its family services."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    return AgentMembership.objects.filter(
        Exists(Activity.objects.filter(service_id=OuterRef("service_id"))),
        user=user,
        service__is_active=True,
    ).exists()


def can_read_health(user) -> bool:
    """Agents holding the explicit permission `famille.view_childhealth_notes` (allergies, medical
    notes, PAI: health data, RGPD art. 9). Superusers hold every permission."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm("famille.view_childhealth_notes")


def is_guardian(user, household: Household) -> bool:
    """The responsible adults of the household (GUARDIAN members of its party)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return PartyMembership.objects.filter(
        user=user, party_id=household.party_id, role=PartyRole.GUARDIAN
    ).exists()


# (end of F1)


# Enrolments and bookings (part F2) -------------------------------------------------------------


def can_decide_enrolment(user, enrolment) -> bool:
    """Validate or refuse an enrolment: the agents and managers of the activity's service, while the
    service is active (not administrators as such: a decision is a service's)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return AgentMembership.objects.filter(
        user=user, service_id=enrolment.activity.service_id, service__is_active=True
    ).exists()


# (end of F2)


# Billing runs and tax certificates (part F3) ---------------------------------------------------


def can_bill(user) -> bool:
    """Review, prepare and issue the monthly billing runs: agents of the family services (and
    administrators, see `is_famille_agent`) and agents of the régie. A run covers the whole town's
    month (one per month), so any of them sees all of it; the invoices themselves are issued by the
    system on their behalf (the régie lets the system bill: `regie.perms.can_issue_for`)."""
    from regie.perms import is_regie_agent

    return is_famille_agent(user) or is_regie_agent(user)


# (end of F3)


# Attendance and occupancy (part F4) ------------------------------------------------------------


def can_take_attendance(user, activity) -> bool:
    """Read a session's attendance sheet and tick it: the agents and managers of the activity's
    service, while the service is active. Not administrators as such (the sheet shows children's
    contacts and pick-up persons: a service's business, like an enrolment decision)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return AgentMembership.objects.filter(
        user=user, service_id=activity.service_id, service__is_active=True
    ).exists()


# (end of F4)
