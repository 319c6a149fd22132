"""Enrolments (part F2): a parent asks, an agent of the activity's service validates or refuses.

A child is enrolled once per activity and school year, at one site; only a
validated enrolment opens the bookings. Eligibility is the activity's age range
(in months, on the first day of the school year) and range of school classes.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from famille import perms
from famille.enums import EnrolmentStatus, SchoolLevel
from famille.exceptions import EnrolmentRefused, FamilleAccessDenied, NotEligible
from famille.models import Activity, ActivitySite, Child, Enrolment, Household, SchoolYear, Site
from famille.services.bookings import check_household_child
from guichet import audit
from guichet.notify import services as notify

__all__ = [
    "ENROLMENT_DECISION_NOTIFICATION_KIND",
    "check_eligibility",
    "refuse_enrolment",
    "request_enrolment",
    "validate_enrolment",
]

ENROLMENT_DECISION_NOTIFICATION_KIND = "famille_enrolment_decision"
LEVELS = list(SchoolLevel.values)


def check_eligibility(*, child: Child, activity: Activity, school_year: SchoolYear) -> None:
    """Raise NotEligible, with the French reason, when the child's age (in months on the school
    year's first day) or class is outside the activity's range."""
    start = school_year.start_date
    age = child.age_in_months(start)
    on = formats.date_format(start, "j F Y")
    if activity.min_age_months is not None and age < activity.min_age_months:
        raise NotEligible(
            _(
                "Cette activité accueille les enfants d'au moins %(min)s mois au %(date)s ; "
                "votre enfant en aura %(age)s."
            )
            % {"min": activity.min_age_months, "date": on, "age": max(age, 0)}
        )
    if activity.max_age_months is not None and age > activity.max_age_months:
        raise NotEligible(
            _(
                "Cette activité accueille les enfants de %(max)s mois au plus au %(date)s ; "
                "votre enfant en aura %(age)s."
            )
            % {"max": activity.max_age_months, "date": on, "age": age}
        )
    if not (activity.min_level or activity.max_level):
        return
    low = activity.min_level or LEVELS[0]
    high = activity.max_level or LEVELS[-1]
    classes = _("des classes de %(low)s à %(high)s") % {
        "low": SchoolLevel(low).label,
        "high": SchoolLevel(high).label,
    }
    if not child.school_level:
        raise NotEligible(
            _("Cette activité est réservée aux élèves %(classes)s : indiquez la classe de votre enfant.")
            % {"classes": classes}
        )
    if not LEVELS.index(low) <= LEVELS.index(child.school_level) <= LEVELS.index(high):
        raise NotEligible(
            _("Cette activité est réservée aux élèves %(classes)s ; votre enfant est en %(level)s.")
            % {"classes": classes, "level": SchoolLevel(child.school_level).label}
        )


@transaction.atomic
def request_enrolment(
    *,
    actor,
    household: Household,
    child: Child,
    activity: Activity,
    site: Site,
    school_year: SchoolYear,
    now: datetime | None = None,
) -> Enrolment:
    """A responsible adult asks to enrol a child of the household in an activity at a site for a school
    year; an agent of the activity's service then decides."""
    now = now or timezone.now()
    check_household_child(actor=actor, household=household, child=child)
    if not activity.is_active:
        raise EnrolmentRefused(_("Cette activité n'accepte pas d'inscription en ce moment."))
    if not ActivitySite.objects.filter(activity=activity, site=site, site__is_active=True).exists():
        raise EnrolmentRefused(_("Ce lieu ne propose pas cette activité."))
    if school_year.end_date < timezone.localdate(now):
        raise EnrolmentRefused(_("Cette année scolaire est terminée."))
    check_eligibility(child=child, activity=activity, school_year=school_year)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                child=child,
                activity=activity,
                site=site,
                school_year=school_year,
                household=household,
                requested_by=actor,
                requested_at=now,
            )
    except IntegrityError:
        raise EnrolmentRefused(
            _("Une inscription à cette activité est déjà demandée ou validée pour cette année scolaire.")
        ) from None
    audit.record(actor=actor, action="famille.enrolment.create", target=enrolment, owner=household.party_id)
    return enrolment


def _decide(*, actor, enrolment: Enrolment, status: str, reason: str, now: datetime | None) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("activity", "site", "school_year", "child", "household")
        .get(pk=enrolment.pk)
    )
    if not perms.can_decide_enrolment(actor, enrolment):
        raise FamilleAccessDenied(
            _("Seuls les agents du service de cette activité décident de ses inscriptions.")
        )
    if enrolment.status != EnrolmentStatus.REQUESTED:
        raise EnrolmentRefused(_("Cette demande d'inscription a déjà été traitée."))
    enrolment.status = status
    enrolment.decided_by = actor
    enrolment.decided_at = now or timezone.now()
    enrolment.refusal_reason = reason
    enrolment.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
    audit.record(
        actor=actor,
        action=f"famille.enrolment.{'validate' if status == EnrolmentStatus.VALIDATED else 'refuse'}",
        target=enrolment,
        owner=enrolment.household.party_id,
    )
    from famille.selectors.bookings import guardians_by_household

    users = guardians_by_household([enrolment.household_id]).get(enrolment.household_id, [])
    if users:
        notify.notify_many(
            users=users,
            kind=ENROLMENT_DECISION_NOTIFICATION_KIND,
            context={"enrolment": enrolment, "validated": status == EnrolmentStatus.VALIDATED},
            url=reverse("famille:enrolments"),
        )
    return enrolment


@transaction.atomic
def validate_enrolment(*, actor, enrolment: Enrolment, now: datetime | None = None) -> Enrolment:
    """An agent of the activity's service validates a requested enrolment: the child may be booked."""
    return _decide(actor=actor, enrolment=enrolment, status=EnrolmentStatus.VALIDATED, reason="", now=now)


@transaction.atomic
def refuse_enrolment(*, actor, enrolment: Enrolment, reason: str, now: datetime | None = None) -> Enrolment:
    """An agent of the activity's service refuses a requested enrolment, saying why (shown to the family)."""
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentRefused(_("Indiquez le motif du refus : il sera communiqué à la famille."))
    return _decide(actor=actor, enrolment=enrolment, status=EnrolmentStatus.REFUSED, reason=reason, now=now)
