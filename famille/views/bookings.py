"""Enrolments, the month calendar, bookings and cancellations (part F2).

Parents' pages under mon-espace/famille/…: every child, booking or enrolment comes
through a selector scoped to the user's households, so anyone else's answers 404.
Agents' pages under agent/famille/…: verified agents of a family service (403
otherwise), who see only the enrolments of their own services' activities.
"""

from datetime import date
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from famille import perms, selectors, services
from famille.enums import EnrolmentStatus
from famille.exceptions import FamilleError
from famille.forms.bookings import (
    CalendarForm,
    EnrolmentFilterForm,
    EnrolmentRequestForm,
    RecurringBookingForm,
    RefusalForm,
)
from famille.models import Activity, Booking, Child, Enrolment, Household
from famille.services.bookings import BookingResult, cancellation_terms
from famille.services.enrolments import check_eligibility
from guichet import audit
from guichet.portal.decorators import agent_required

RESULT_SESSION_KEY = "famille_booking_result"


def trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Mon espace › Inscriptions et réservations › …, the last one being the current page."""
    result = [
        (_("Mon espace"), reverse("portal:dashboard")),
        (_("Inscriptions et réservations"), reverse("famille:enrolments")),
        *pages,
    ]
    result[-1] = (result[-1][0], "")
    return result


def _child_or_404(request: HttpRequest, pk: int) -> tuple[Child, Household]:
    try:
        return selectors.child_of_user_household(user=request.user, pk=pk)
    except Child.DoesNotExist:
        raise Http404 from None


def _month_or_404(year: int, month: int) -> date:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    return date(year, month, 1)


def _missing_documents(child: Child, household: Household) -> list[str]:
    from famille.selectors import family

    return [
        f"{item.label} ({item.reason})" if hasattr(item, "reason") else str(item)
        for item in family.missing_documents(child=child, household=household, on=timezone.localdate())
    ]


# Enrolments --------------------------------------------------------------------------------------


@require_GET
def enrolments(request: HttpRequest) -> HttpResponse:
    """The household's children, each with their enrolments, their calendar and a way to enrol."""
    households = selectors.households_with_enrolments(user=request.user)
    return render(
        request,
        "famille/bookings/enrolments.html",
        {"households": households, "trail": trail()},
    )


@require_http_methods(["GET", "POST"])
def enrolment_request(request: HttpRequest) -> HttpResponse:
    """Ask for a child's enrolment in an activity at a site for a school year."""
    children = Child.objects.for_user(request.user).order_by("birth_date", "first_name", "pk")
    initial = {}
    if (child_id := request.GET.get("enfant", "")).isdigit():
        initial["child"] = int(child_id)
    form = EnrolmentRequestForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        children=children,
        activity_sites=selectors.activity_sites_open(),
        school_years=selectors.school_years_open(),
    )
    if request.method == "POST" and form.is_valid():
        child = form.cleaned_data["child"]
        _child, household = _child_or_404(request, child.pk)
        activity_site = form.cleaned_data["activity_site"]
        try:
            services.request_enrolment(
                actor=request.user,
                household=household,
                child=child,
                activity=activity_site.activity,
                site=activity_site.site,
                school_year=form.cleaned_data["school_year"],
            )
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Votre demande d'inscription est envoyée : le service vous répondra dans votre espace."),
            )
            return redirect("famille:enrolments")
    return render(
        request,
        "famille/bookings/enrolment_request.html",
        {
            "form": form,
            "has_children": children.exists(),
            "trail": trail((_("Demander une inscription"), "")),
        },
    )


# The month calendar --------------------------------------------------------------------------------


@require_GET
def calendar(request: HttpRequest, child_pk: int) -> HttpResponse:
    """This month's calendar of the child."""
    today = timezone.localdate()
    return _calendar_page(request, child_pk, today.year, today.month)


@require_http_methods(["GET", "POST"])
def calendar_month(request: HttpRequest, child_pk: int, year: int, month: int) -> HttpResponse:
    """A month of the child's sessions, week by week, with a plain form to book and cancel days."""
    return _calendar_page(request, child_pk, year, month)


def _calendar_page(request: HttpRequest, child_pk: int, year: int, month: int) -> HttpResponse:
    child, household = _child_or_404(request, child_pk)
    first = _month_or_404(year, month)
    now = timezone.now()
    month_calendar = selectors.month_calendar(
        child=child, household=household, year=year, month=month, now=now
    )
    form = CalendarForm(request.POST if request.method == "POST" else None, calendar=month_calendar)
    if request.method == "POST" and form.is_valid():
        to_book = set(form.cleaned_data["book"])
        if week := form.cleaned_data["week"]:
            to_book |= {
                entry.session.pk
                for entry in month_calendar.entries()
                if entry.checkbox == "book" and 0 <= (entry.session.date - week).days < 7
            }
        try:
            result = services.change_bookings(
                actor=request.user,
                household=household,
                child=child,
                book_sessions=sorted(to_book),
                cancel_bookings=form.cleaned_data["cancel"],
                now=now,
            )
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            return _show_result(request, child, first, result)
    ticked_book = {str(value) for value in form["book"].value() or []} if form.is_bound else set()
    ticked_cancel = {str(value) for value in form["cancel"].value() or []} if form.is_bound else set()
    return render(
        request,
        "famille/bookings/calendar.html",
        {
            "calendar": month_calendar,
            "child": child,
            "children": Child.objects.for_user(request.user).order_by("birth_date", "first_name", "pk"),
            "form": form,
            "ticked_book": ticked_book,
            "ticked_cancel": ticked_cancel,
            "missing": _missing_documents(child, household),
            "weekday_names": [
                formats.date_format(date(2024, 1, 1 + day), "l") for day in month_calendar.weekdays
            ],
            "trail": trail((_("Calendrier de %(name)s") % {"name": child.first_name}, "")),
        },
    )


def _show_result(request: HttpRequest, child: Child, month: date, result: BookingResult) -> HttpResponse:
    """Keep the result in the session and show it on its own page (a reload books nothing twice)."""

    def rows(outcomes):
        return [
            {
                "day": formats.date_format(outcome.session.date, "l j F Y"),
                "activity": outcome.session.activity.name,
                "site": outcome.session.site.name,
                "reason": outcome.reason,
            }
            for outcome in outcomes
        ]

    request.session[RESULT_SESSION_KEY] = {
        "child": child.pk,
        "child_name": child.first_name,
        "year": month.year,
        "month": month.month,
        "booked": rows(result.booked),
        "waiting": rows(result.waiting),
        "already": rows(result.already),
        "refused": rows(result.refused),
        "cancelled": rows(result.cancelled),
    }
    return redirect("famille:booking_result")


@require_GET
def booking_result(request: HttpRequest) -> HttpResponse:
    """What the last booking action did: booked, waiting list, already booked, refused (with why)."""
    result = request.session.get(RESULT_SESSION_KEY)
    if not result:
        return redirect("famille:enrolments")
    try:
        _child_or_404(request, result["child"])
    except Http404:
        request.session.pop(RESULT_SESSION_KEY, None)
        return redirect("famille:enrolments")
    counts = [
        (
            len(result["booked"]),
            ngettext("%(count)d jour réservé", "%(count)d jours réservés", len(result["booked"])),
        ),
        (
            len(result["waiting"]),
            ngettext(
                "%(count)d sur liste d'attente", "%(count)d sur liste d'attente", len(result["waiting"])
            ),
        ),
        (len(result["refused"]), ngettext("%(count)d refusé", "%(count)d refusés", len(result["refused"]))),
        (
            len(result["already"]),
            ngettext("%(count)d déjà réservé", "%(count)d déjà réservés", len(result["already"])),
        ),
        (
            len(result["cancelled"]),
            ngettext("%(count)d annulé", "%(count)d annulés", len(result["cancelled"])),
        ),
    ]
    summary = ", ".join(text % {"count": count} for count, text in counts if count) or _("Aucun jour")
    return render(
        request,
        "famille/bookings/result.html",
        {
            "result": result,
            "summary": summary,
            "calendar_url": reverse(
                "famille:calendar_month", args=[result["child"], result["year"], result["month"]]
            ),
            "trail": trail((_("Résultat de la réservation"), "")),
        },
    )


@require_http_methods(["GET", "POST"])
def recurring_booking(request: HttpRequest, child_pk: int) -> HttpResponse:
    """Book a pattern: some weekdays of an activity from one day until another (the end of the term)."""
    child, household = _child_or_404(request, child_pk)
    today = timezone.localdate()
    enrolments = selectors.validated_enrolments(child=child, on=today)
    form = RecurringBookingForm(
        request.POST if request.method == "POST" else None,
        enrolments=enrolments,
        initial={"start": today, "until": selectors.default_until(today=today)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sessions = selectors.sessions_matching(
            enrolment=data["enrolment"], weekdays=data["weekdays"], start=data["start"], end=data["until"]
        )
        if not sessions:
            form.add_error(
                None,
                _("Aucune séance de cette activité ces jours-là entre le %(start)s et le %(until)s.")
                % {
                    "start": formats.date_format(data["start"], "j F Y"),
                    "until": formats.date_format(data["until"], "j F Y"),
                },
            )
        else:
            try:
                result = services.book(
                    actor=request.user, household=household, child=child, sessions=sessions
                )
            except FamilleError as error:
                form.add_error(None, error.message)
            else:
                return _show_result(request, child, data["start"].replace(day=1), result)
    return render(
        request,
        "famille/bookings/recurring.html",
        {
            "form": form,
            "child": child,
            "has_enrolments": enrolments.exists(),
            "trail": trail(
                (
                    _("Calendrier de %(name)s") % {"name": child.first_name},
                    reverse("famille:calendar", args=[child.pk]),
                ),
                (_("Réservation régulière"), ""),
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a cancellation: the page says the deadline and whether it will be billed, or why not."""
    try:
        booking = selectors.booking_for_user(user=request.user, pk=pk)
    except Booking.DoesNotExist:
        raise Http404 from None
    session = booking.session
    calendar_url = reverse(
        "famille:calendar_month", args=[booking.child_id, session.date.year, session.date.month]
    )
    error = ""
    if request.method == "POST":
        try:
            cancelled = services.cancel(actor=request.user, booking=booking)
        except FamilleError as refusal:
            error = refusal.message
        else:
            if cancelled.status == "late_cancelled":
                messages.warning(request, _("Réservation annulée hors délai : elle vous sera facturée."))
            else:
                messages.success(request, _("Réservation annulée : elle ne vous sera pas facturée."))
            return redirect(calendar_url)
    return render(
        request,
        "famille/bookings/cancel.html",
        {
            "booking": booking,
            "session": session,
            "terms": cancellation_terms(booking),
            "error": error,
            "calendar_url": calendar_url,
            "trail": trail(
                (_("Calendrier de %(name)s") % {"name": booking.child.first_name}, calendar_url),
                (_("Annuler une réservation"), ""),
            ),
        },
    )


# Agents --------------------------------------------------------------------------------------------


def famille_agent_required(view):
    """Back-office pages of the family app: a verified agent (2FA) of a family service, else 403."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.is_famille_agent(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def agent_trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    result = [
        (_("Tableau de bord"), reverse("portal:agent_home")),
        (_("Inscriptions à examiner"), reverse("famille:agent_enrolments")),
        *pages,
    ]
    result[-1] = (result[-1][0], "")
    return result


@require_GET
@famille_agent_required
def agent_enrolments(request: HttpRequest) -> HttpResponse:
    """The enrolments of the agent's services' activities, requested ones first (filters by GET)."""
    activities = Activity.objects.filter(service__in=request.user.services.filter(is_active=True)).order_by(
        "name"
    )
    form = EnrolmentFilterForm(
        request.GET or {"status": EnrolmentStatus.REQUESTED},
        statuses=EnrolmentStatus.choices,
        activities=activities,
    )
    status, activity_id = EnrolmentStatus.REQUESTED, None
    if form.is_valid():
        status = form.cleaned_data["status"] or None
        activity_id = form.cleaned_data["activity"]
    rows = selectors.enrolments_for_agent(user=request.user, status=status, activity_id=activity_id)[:500]
    return render(
        request,
        "famille/bookings/agent_enrolments.html",
        {"form": form, "enrolments": rows, "trail": agent_trail()},
    )


@require_http_methods(["GET", "POST"])
@famille_agent_required
def agent_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    """One enrolment request: the child's age and class against the activity's range, validate or refuse."""
    try:
        enrolment = selectors.enrolment_for_agent(user=request.user, pk=pk)
    except Enrolment.DoesNotExist:
        raise Http404 from None
    refusal = RefusalForm(request.POST if request.POST.get("decision") == "refuse" else None)
    error = ""
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "validate":
                services.validate_enrolment(actor=request.user, enrolment=enrolment)
                messages.success(request, _("Inscription validée : la famille est prévenue."))
                return redirect("famille:agent_enrolments")
            if decision == "refuse" and refusal.is_valid():
                services.refuse_enrolment(
                    actor=request.user, enrolment=enrolment, reason=refusal.cleaned_data["reason"]
                )
                messages.success(request, _("Inscription refusée : la famille est prévenue du motif."))
                return redirect("famille:agent_enrolments")
            if decision not in ("validate", "refuse"):
                error = _("Choisissez de valider ou de refuser l'inscription.")
        except FamilleError as refused:
            error = refused.message
    else:
        audit.record(
            actor=request.user,
            action="famille.enrolment.read",
            target=enrolment,
            owner=enrolment.household.party_id,
        )
    try:
        check_eligibility(
            child=enrolment.child, activity=enrolment.activity, school_year=enrolment.school_year
        )
        eligibility = ""
    except FamilleError as not_eligible:
        eligibility = not_eligible.message
    return render(
        request,
        "famille/bookings/agent_enrolment.html",
        {
            "enrolment": enrolment,
            "age_months": enrolment.child.age_in_months(enrolment.school_year.start_date),
            "eligibility": eligibility,
            "refusal": refusal,
            "error": error,
            "trail": agent_trail((str(enrolment.child), "")),
        },
    )
