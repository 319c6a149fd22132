"""The back-office of the rooms (the vie associative service, in the agent shell, section "rooms"):
requests to decide, a booking's and a series' pages with their decisions, the rooms' calendars
with who booked, the after-event check, the rooms' feeds; and, for the régie's agents, the money
to give back on the rooms' invoices.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from associations.exceptions import AssociationError
from associations.rooms import feeds, perms, selectors, services
from associations.rooms.forms import CheckForm, RefusalForm
from associations.rooms.views.public import parse_month, parse_week, weekday_names
from associations.views.common import agent_render, agent_trail, associations_agent_required, or_404
from guichet.portal.decorators import agent_required

SECTION = "rooms"


def _trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    return agent_trail((_("Salles"), reverse("associations:agent_rooms")), *pages)


def _render(request, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    return agent_render(
        request, f"associations/rooms/agent/{template}", context, section=SECTION, status=status
    )


def regie_agent_required(view):
    """The settlements: a verified agent (2FA) of the régie; else 403."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.can_settle(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@associations_agent_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Requests to decide (one-offs and series, with their conflicts), rooms to check, the rooms."""
    return _render(
        request,
        "home.html",
        {"home": selectors.agent_home(user=request.user), "trail": agent_trail((_("Salles"), ""))},
    )


# A booking ----------------------------------------------------------------------------------------


def _booking_page(
    request, pk: int, *, refusal: RefusalForm | None = None, error: str = "", status: int = 200
):
    page = or_404(selectors.booking_for_agent, user=request.user, pk=pk)
    booking = page.booking
    return _render(
        request,
        "booking.html",
        {
            "page": page,
            "booking": booking,
            "form": refusal or RefusalForm(),
            "error": error,
            "trail": _trail((_("Réservation %(reference)s") % {"reference": booking.reference}, "")),
        },
        status=status,
    )


@associations_agent_required
@require_GET
def booking(request: HttpRequest, pk: int) -> HttpResponse:
    return _booking_page(request, pk)


@associations_agent_required
@require_POST
def booking_approve(request: HttpRequest, pk: int) -> HttpResponse:
    page = or_404(selectors.booking_for_agent, user=request.user, pk=pk)
    try:
        booking = services.approve_booking(actor=request.user, booking=page.booking)
    except AssociationError as error:
        return _booking_page(request, pk, error=error.message)
    messages.success(
        request,
        _("Réservation %(reference)s confirmée : le demandeur est prévenu.")
        % {"reference": booking.reference},
    )
    return redirect("associations:agent_rooms")


@associations_agent_required
@require_POST
def booking_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    page = or_404(selectors.booking_for_agent, user=request.user, pk=pk)
    form = RefusalForm(request.POST)
    if form.is_valid():
        try:
            booking = services.refuse_booking(
                actor=request.user, booking=page.booking, reason=form.cleaned_data["reason"]
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Demande %(reference)s refusée : le demandeur est prévenu.")
                % {"reference": booking.reference},
            )
            return redirect("associations:agent_rooms")
    return _booking_page(request, pk, refusal=form)


@associations_agent_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, pk: int) -> HttpResponse:
    """The after-event check (état des lieux): the room's condition, and the deposit released or kept in part."""
    page = or_404(selectors.booking_for_agent, user=request.user, pk=pk)
    booking = page.booking
    form = CheckForm(request.POST if request.method == "POST" else None, deposit_cents=booking.deposit_cents)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_check(
                actor=request.user,
                booking=booking,
                condition=form.cleaned_data["condition"],
                damage_notes=form.cleaned_data["damage_notes"],
                kept_cents=form.cleaned_data.get("kept") or 0,
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("État des lieux enregistré : le demandeur est prévenu."))
            return redirect("associations:rooms_agent_booking", booking.pk)
    return _render(
        request,
        "check.html",
        {
            "booking": booking,
            "form": form,
            "can_settle": perms.can_settle(request.user),
            "trail": _trail(
                (
                    _("Réservation %(reference)s") % {"reference": booking.reference},
                    reverse("associations:rooms_agent_booking", args=[booking.pk]),
                ),
                (_("État des lieux"), ""),
            ),
        },
    )


# A series -------------------------------------------------------------------------------------------


def _series_page(request, pk: int, *, refusal: RefusalForm | None = None, error: str = "") -> HttpResponse:
    page = or_404(selectors.series_for_agent, user=request.user, pk=pk)
    return _render(
        request,
        "series.html",
        {
            "page": page,
            "file": page.file,
            "series": page.series,
            "form": refusal or RefusalForm(),
            "error": error,
            "trail": _trail((_("Série %(reference)s") % {"reference": page.series.reference}, "")),
        },
    )


@associations_agent_required
@require_GET
def series(request: HttpRequest, pk: int) -> HttpResponse:
    return _series_page(request, pk)


@associations_agent_required
@require_POST
def series_approve(request: HttpRequest, pk: int) -> HttpResponse:
    page = or_404(selectors.series_for_agent, user=request.user, pk=pk)
    try:
        decision = services.approve_series(actor=request.user, series=page.series)
    except AssociationError as error:
        return _series_page(request, pk, error=error.message)
    messages.success(
        request,
        ngettext("%(count)d date confirmée.", "%(count)d dates confirmées.", len(decision.confirmed))
        % {"count": len(decision.confirmed)},
    )
    if decision.refused:
        messages.warning(
            request,
            _("Dates refusées car déjà réservées ou passées : %(days)s.")
            % {"days": ", ".join(formats.date_format(booking.day, "j F Y") for booking in decision.refused)},
        )
    return redirect("associations:rooms_agent_series", page.series.pk)


@associations_agent_required
@require_POST
def series_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    page = or_404(selectors.series_for_agent, user=request.user, pk=pk)
    form = RefusalForm(request.POST)
    if form.is_valid():
        try:
            services.refuse_series(actor=request.user, series=page.series, reason=form.cleaned_data["reason"])
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Série refusée : le demandeur est prévenu."))
            return redirect("associations:agent_rooms")
    return _series_page(request, pk, refusal=form)


# Rooms: calendars with names, feed ------------------------------------------------------------------


@associations_agent_required
@require_GET
def room(request: HttpRequest, pk: int) -> HttpResponse:
    """A room for the service: its calendars with who booked, and its feed's URL."""
    room = or_404(selectors.room_for_agent, user=request.user, pk=pk)
    key = getattr(room, "feed_key", None)
    return _render(
        request,
        "room.html",
        {
            "room": room,
            "opening": selectors.opening_week(room),
            "feed_url": feeds.feed_url(key) if key else "",
            "trail": _trail((room.name, "")),
        },
    )


@associations_agent_required
@require_POST
def room_feed_renew(request: HttpRequest, pk: int) -> HttpResponse:
    room = or_404(selectors.room_for_agent, user=request.user, pk=pk)
    key = services.renew_room_feed(actor=request.user, room=room)
    if key.renewed_at:
        messages.success(request, _("Nouvelle adresse de l'agenda : l'ancienne ne fonctionne plus."))
    else:
        messages.success(request, _("L'agenda de la salle est prêt."))
    return redirect("associations:rooms_agent_room", room.pk)


def _room_trail(room, label: str) -> list[tuple[str, str]]:
    return _trail((room.name, reverse("associations:rooms_agent_room", args=[room.pk])), (label, ""))


@associations_agent_required
@require_GET
def week(request: HttpRequest, pk: int) -> HttpResponse:
    room = or_404(selectors.room_for_agent, user=request.user, pk=pk)
    week = selectors.week_calendar(room=room, start=parse_week(request.GET.get("du")), with_pending=True)
    return _render(
        request,
        "week.html",
        {
            "room": room,
            "week": week,
            "agent": True,
            "week_url": reverse("associations:rooms_agent_week", args=[room.pk]),
            "month_url": reverse("associations:rooms_agent_month", args=[room.pk]),
            "trail": _room_trail(room, _("Semaine")),
        },
    )


@associations_agent_required
@require_GET
def month(request: HttpRequest, pk: int) -> HttpResponse:
    room = or_404(selectors.room_for_agent, user=request.user, pk=pk)
    first = parse_month(request.GET.get("mois"))
    month = selectors.month_calendar(room=room, year=first.year, month=first.month, with_pending=True)
    return _render(
        request,
        "month.html",
        {
            "room": room,
            "month": month,
            "agent": True,
            "weekday_names": weekday_names(),
            "week_url": reverse("associations:rooms_agent_week", args=[room.pk]),
            "month_url": reverse("associations:rooms_agent_month", args=[room.pk]),
            "trail": _room_trail(room, _("Mois")),
        },
    )


# The régie's settlements ---------------------------------------------------------------------------------


@regie_agent_required
@require_GET
def settlements(request: HttpRequest) -> HttpResponse:
    """Money to give back on the rooms' invoices (cancelled bookings, deposits released)."""
    return _render(
        request,
        "settlements.html",
        {
            "page": selectors.settlements_for_regie(user=request.user),
            "trail": _trail((_("Avoirs et remboursements"), "")),
        },
    )


@regie_agent_required
@require_POST
def settle(request: HttpRequest, pk: int) -> HttpResponse:
    settlement = or_404(selectors.settlement_for_regie, user=request.user, pk=pk)
    try:
        settlement = services.settle(actor=request.user, settlement=settlement)
    except AssociationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Réglé pour la réservation %(reference)s.") % {"reference": settlement.booking.reference},
        )
    return redirect("associations:rooms_agent_settlements")
