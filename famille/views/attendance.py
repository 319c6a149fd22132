"""The agents' attendance sheets and occupancy dashboard (part F4), in the agent shell.

Only verified agents (2FA) of a service that runs family activities, and administrators, get in
(`famille_agent_required`, else 403); a session of another service's activity is a 404. The sheet
is made for a tablet: big radio buttons, one POST for the whole sheet, no JavaScript needed.

The printable sheet is rendered by a Celery task (WeasyPrint takes seconds on a long table) and
kept in the cache while it is up to date: the PDF link answers with the file when it is ready,
else with a short page saying it is on its way and a link to try again (no automatic refresh).
"""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from famille import perms, selectors, services
from famille.exceptions import FamilleError
from famille.forms.attendance import AttendanceSheetForm, SiteDayForm, SiteWeekForm
from famille.views.agent_family import famille_agent_required
from guichet import audit


def _trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    trail = [(_("Tableau de bord"), reverse("portal:agent_home")), *pages]
    trail[-1] = (trail[-1][0], "")
    return trail


def _site_form(request: HttpRequest, form_class, sites):
    """The site and day picker: bound when a site is asked for (or when the agent has only one site),
    so that a first visit shows no error; the day defaults to today."""
    data = request.GET.copy()
    if not data.get("jour"):
        data["jour"] = timezone.localdate().isoformat()
    if "site" not in data:
        only = list(sites[:2])
        if len(only) == 1:
            data["site"] = str(only[0].pk)
    if "site" in data:
        return form_class(data, sites=sites)
    return form_class(initial={"jour": data["jour"]}, sites=sites)


def _sheets_url(site_id: int, day: date) -> str:
    return f"{reverse('famille:agent_attendance')}?{urlencode({'site': site_id, 'jour': day.isoformat()})}"


def _occupancy_url(site_id: int, day: date) -> str:
    return f"{reverse('famille:agent_occupancy')}?{urlencode({'site': site_id, 'jour': day.isoformat()})}"


def _session(request: HttpRequest, session_pk: int):
    try:
        return selectors.session_for_attendance(user=request.user, pk=session_pk)
    except ObjectDoesNotExist:
        raise Http404 from None


@famille_agent_required
@require_GET
def sheets(request: HttpRequest) -> HttpResponse:
    """Pick a site and a day: the sessions of the agent's services there, how many children are
    booked and how many are ticked, with a link to each sheet and to its printable version."""
    sites = selectors.attendance_sites(user=request.user)
    form = _site_form(request, SiteDayForm, sites)
    site = day = None
    sessions = []
    if form.is_bound and form.is_valid():
        site, day = form.cleaned_data["site"], form.cleaned_data["jour"]
        sessions = selectors.day_sessions(user=request.user, site=site, day=day)
    return render(
        request,
        "famille/attendance/sheets.html",
        {
            "form": form,
            "site": site,
            "day": day,
            "today": timezone.localdate(),
            "sessions": sessions,
            "previous_day": day and day - timedelta(days=1),
            "next_day": day and day + timedelta(days=1),
            "has_sites": sites.exists(),
            "trail": _trail((_("Appel"), "")),
        },
    )


@famille_agent_required
@require_http_methods(["GET", "POST"])
def sheet(request: HttpRequest, session_pk: int) -> HttpResponse:
    """One session's sheet: every child with a confirmed booking and a present / absent / absence
    justifiée choice; one POST records them all (what was ticked stays ticked when it fails)."""
    session = _session(request, session_pk)
    with_health = perms.can_read_health(request.user)
    attendance = selectors.attendance_sheet(session=session, with_health=with_health)
    form = AttendanceSheetForm(request.POST if request.method == "POST" else None, rows=attendance.rows)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.record_attendance(actor=request.user, session=session, marks=form.marks())
        except FamilleError as refused:
            form.add_error(None, refused.message)
        else:
            if changed:
                messages.success(
                    request,
                    ngettext(
                        "Appel enregistré : %(count)d présence mise à jour.",
                        "Appel enregistré : %(count)d présences mises à jour.",
                        changed,
                    )
                    % {"count": changed},
                )
            else:
                messages.info(request, _("Appel enregistré : rien n'avait changé."))
            return redirect("famille:agent_attendance_sheet", session_pk=session.pk)
    if request.method == "GET":
        # The sheet shows children's contacts (and health notes to some): every reading is recorded.
        audit.record(
            actor=request.user,
            action="famille.attendance.read",
            target=session,
            children=len(attendance.rows),
            health=with_health,
        )
    refusal = services.attendance_refusal(session=session, today=timezone.localdate())
    return render(
        request,
        "famille/attendance/sheet.html",
        {
            "form": form,
            "sheet": attendance,
            "session": session,
            "refusal": refusal,
            "trail": _trail(
                (_("Appel"), _sheets_url(session.site_id, session.date)),
                (session.activity.name, ""),
            ),
        },
    )


@famille_agent_required
@require_GET
def sheet_pdf(request: HttpRequest, session_pk: int) -> HttpResponse:
    """The sheet to print (children, class, contacts, pick-up persons, a box per mark), as a PDF
    when its rendering is ready; else a page saying it is on its way (202)."""
    session = _session(request, session_pk)
    attendance = selectors.attendance_sheet(session=session, with_health=False)
    pdf = services.attendance_sheet_pdf(sheet=attendance)
    if pdf is None:
        response = render(
            request,
            "famille/attendance/pdf_pending.html",
            {
                "session": session,
                "trail": _trail(
                    (_("Appel"), _sheets_url(session.site_id, session.date)),
                    (session.activity.name, reverse("famille:agent_attendance_sheet", args=[session.pk])),
                    (_("Feuille à imprimer"), ""),
                ),
            },
            status=202,
        )
        response["Retry-After"] = "5"
        return response
    audit.record(
        actor=request.user,
        action="famille.attendance.print",
        target=session,
        children=len(attendance.rows),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="appel-{session.date:%Y-%m-%d}-{session.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@famille_agent_required
@require_GET
def occupancy(request: HttpRequest) -> HttpResponse:
    """Pick a site and a week: booked / capacity, waiting list and closures per activity and day,
    the sessions at 90 % and full highlighted, the previous and next weeks a link away."""
    sites = selectors.occupancy_sites(user=request.user)
    form = _site_form(request, SiteWeekForm, sites)
    week = None
    if form.is_bound and form.is_valid():
        week = selectors.occupancy_week(
            user=request.user,
            site=form.cleaned_data["site"],
            monday=selectors.iso_monday(form.cleaned_data["jour"]),
        )
    return render(
        request,
        "famille/attendance/occupancy.html",
        {
            "form": form,
            "week": week,
            "nearly_full": selectors.NEARLY_FULL_PERCENT,
            "previous_url": week and _occupancy_url(week.site.pk, week.previous_monday),
            "next_url": week and _occupancy_url(week.site.pk, week.next_monday),
            "has_sites": sites.exists(),
            "trail": _trail((_("Occupation"), "")),
        },
    )
