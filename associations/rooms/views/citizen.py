"""The pages of those who book: the booking forms (one-off and weekly), the result of a weekly
request, "Mes réservations de salles", cancelling, and the association's feed.

Bookings come through selectors scoped to the user's parties: anyone else's is a 404, and so is
an association's for a member who left it.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from associations import selectors as association_selectors
from associations.exceptions import AssociationError
from associations.rooms import perms, selectors, services
from associations.rooms.enums import BookingStatus
from associations.rooms.forms import BookingForm, SeriesForm
from associations.rooms.views.public import room_or_404
from associations.views.common import member_association, or_404


def trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Mon espace › Mes réservations de salles › pages…; the last one is the current page."""
    result = [
        (_("Mon espace"), reverse("portal:dashboard")),
        (_("Mes réservations de salles"), reverse("associations:rooms_my_bookings")),
        *pages,
    ]
    result[-1] = (result[-1][0], "")
    return result


def _room_trail(room, label: str) -> list[tuple[str, str]]:
    return [
        (_("Salles municipales"), reverse("associations:rooms")),
        (room.name, reverse("associations:rooms_room", args=[room.pk])),
        (label, ""),
    ]


def _parties(request: HttpRequest, room) -> list:
    """Whom the user may book this room for: themself (if the room is open to private persons) and
    their verified associations."""
    return [
        acting
        for acting in association_selectors.acting_parties(user=request.user)
        if perms.room_open_to(room, acting.party)
    ]


def _blocked_associations(request: HttpRequest) -> list:
    """The user's associations not verified yet (the page says why they are not offered)."""
    return [
        acting.association
        for acting in association_selectors.acting_parties(user=request.user, verified_only=False)
        if acting.association is not None and not acting.association.is_verified
    ]


def _request_page(request: HttpRequest, pk: int, *, form_class, template: str, label: str, submit):
    room = room_or_404(pk)
    parties = _parties(request, room)
    form = form_class(
        request.POST if request.method == "POST" else None, parties=parties, capacity=room.capacity
    )
    if request.method == "POST" and parties and form.is_valid():
        try:
            response = submit(room, form.cleaned_data)
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            return response
    return render(
        request,
        template,
        {
            "room": room,
            "form": form,
            "parties": parties,
            "blocked": _blocked_associations(request),
            "opening": selectors.opening_week(room),
            "trail": _room_trail(room, label),
        },
    )


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for one slot of a room."""

    def submit(room, data):
        booking = services.request_booking(
            actor=request.user,
            room=room,
            party=data["party"],
            day=data["day"],
            start=data["start"],
            end=data["end"],
            purpose=data["purpose"],
            attendees=data["attendees"],
        )
        if booking.status == BookingStatus.CONFIRMED:
            messages.success(request, _("Votre réservation est confirmée."))
        else:
            messages.success(
                request,
                _(
                    "Votre demande est envoyée au service de la vie associative : vous serez prévenu de sa décision."
                ),
            )
        return redirect("associations:rooms_my_bookings")

    return _request_page(
        request,
        pk,
        form_class=BookingForm,
        template="associations/rooms/book.html",
        label=_("Réserver"),
        submit=submit,
    )


@require_http_methods(["GET", "POST"])
def book_series(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the same slot every week of a season; the next page lists the dates not asked for."""

    def submit(room, data):
        result = services.request_series(
            actor=request.user,
            room=room,
            party=data["party"],
            weekday=data["weekday"],
            start=data["start"],
            end=data["end"],
            first_date=data["first_date"],
            last_date=data["last_date"],
            purpose=data["purpose"],
            attendees=data["attendees"],
        )
        messages.success(
            request,
            ngettext(
                "%(count)d date demandée.",
                "%(count)d dates demandées.",
                len(result.booked),
            )
            % {"count": len(result.booked)},
        )
        return redirect("associations:rooms_series", result.series.pk)

    return _request_page(
        request,
        pk,
        form_class=SeriesForm,
        template="associations/rooms/book_series.html",
        label=_("Réserver chaque semaine"),
        submit=submit,
    )


@require_GET
def series(request: HttpRequest, pk: int) -> HttpResponse:
    """A weekly request: the dates asked for and their state, the conflicts and the dates not asked for."""
    file = or_404(selectors.series_for_user, user=request.user, pk=pk)
    return render(
        request,
        "associations/rooms/series.html",
        {
            "file": file,
            "series": file.series,
            "can_cancel": bool(services.series_terms(file.series)),
            "trail": trail(
                (_("Réservation chaque semaine %(reference)s") % {"reference": file.series.reference}, "")
            ),
        },
    )


@require_GET
def my_bookings(request: HttpRequest) -> HttpResponse:
    """The bookings of the user and of their associations, their invoices, the associations' feeds."""
    mine = selectors.my_bookings(user=request.user)
    return render(
        request,
        "associations/rooms/my_bookings.html",
        {"mine": mine, "now": timezone.now(), "trail": trail()},
    )


@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The cancellation rules applied to this booking, then the cancellation."""
    booking = or_404(selectors.booking_for_user, user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            booking = services.cancel_booking(actor=request.user, booking=booking)
        except AssociationError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("La réservation est annulée."))
            if booking.series_id:
                return redirect("associations:rooms_series", booking.series_id)
            return redirect("associations:rooms_my_bookings")
    back = (
        reverse("associations:rooms_series", args=[booking.series_id])
        if booking.series_id
        else reverse("associations:rooms_my_bookings")
    )
    return render(
        request,
        "associations/rooms/cancel.html",
        {
            "booking": booking,
            "terms": services.cancellation_terms(booking),
            "error": error,
            "back_url": back,
            "trail": trail(
                (_("Annuler la réservation %(reference)s") % {"reference": booking.reference}, "")
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def series_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel every date of a weekly series still to come, each by its own terms (shown first)."""
    file = or_404(selectors.series_for_user, user=request.user, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            cancelled = services.cancel_series(actor=request.user, series=file.series)
        except AssociationError as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                ngettext("%(count)d date annulée.", "%(count)d dates annulées.", len(cancelled))
                % {"count": len(cancelled)},
            )
            return redirect("associations:rooms_series", file.series.pk)
    terms = services.series_terms(file.series)
    return render(
        request,
        "associations/rooms/series_cancel.html",
        {
            "series": file.series,
            "terms": terms,
            "free": [booking for booking, term in terms if term.free],
            "billed": [booking for booking, term in terms if term.billed],
            "error": error,
            "trail": trail(
                (
                    _("Réservation chaque semaine %(reference)s") % {"reference": file.series.reference},
                    reverse("associations:rooms_series", args=[file.series.pk]),
                ),
                (_("Annuler les dates à venir"), ""),
            ),
        },
    )


@require_POST
def association_feed_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """Make, or renew, the association's feed URL (the old one stops working at once)."""
    association = member_association(request, pk)
    try:
        key = services.renew_association_feed(actor=request.user, association=association)
    except AssociationError as error:
        messages.error(request, error.message)
    else:
        if key.renewed_at:
            messages.success(request, _("Nouvelle adresse de l'agenda : l'ancienne ne fonctionne plus."))
        else:
            messages.success(request, _("L'agenda des réservations de l'association est prêt."))
    return redirect(reverse("associations:rooms_my_bookings") + "#agendas")
