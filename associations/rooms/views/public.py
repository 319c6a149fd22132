"""The public pages: the rooms, a room, its week and month calendars, and the iCalendar feeds.

Anyone may see them (login_not_required): busy slots say "Réservé", never who booked.
"""

from datetime import date

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from associations.rooms import feeds, selectors
from associations.rooms.enums import WEEKDAYS
from associations.rooms.models import Room
from associations.views.common import or_404


def public_trail(*pages: tuple[str, str]) -> list[tuple[str, str]]:
    """Accueil › Salles municipales › pages…; the last one is the current page."""
    trail = [
        (_("Accueil"), reverse("portal:home")),
        (_("Salles municipales"), reverse("associations:rooms")),
        *pages,
    ]
    trail[-1] = (trail[-1][0], "")
    return trail


def parse_week(value: str | None) -> date:
    """The Monday of the week of `?du=YYYY-MM-DD`; this week when missing or not a date."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        day = timezone.localdate()
    if not 2000 <= day.year <= 2100:
        day = timezone.localdate()
    return day


def parse_month(value: str | None) -> date:
    """The first day of `?mois=YYYY-MM`; this month when missing or not a month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = timezone.localdate().replace(day=1)
    if not 2000 <= first.year <= 2100:
        first = timezone.localdate().replace(day=1)
    return first


def weekday_names() -> list[tuple[str, str]]:
    """The month's column heads: the full name (read) and its short form (seen), "Lundi" and "Lun."."""
    return [(str(label), f"{str(label)[:3]}.") for _day, label in WEEKDAYS]


def room_or_404(pk: int) -> Room:
    return or_404(selectors.room_public, pk=pk)


@login_not_required
@require_GET
def rooms(request: HttpRequest) -> HttpResponse:
    """The rooms the town lends: capacity, prices, accessibility at a glance."""
    return render(
        request,
        "associations/rooms/rooms.html",
        {"rooms": selectors.rooms_public(), "trail": public_trail()},
    )


@login_not_required
@require_GET
def room(request: HttpRequest, pk: int) -> HttpResponse:
    """A room: photos, capacity, equipment, accessibility, prices, opening hours, rules."""
    room = room_or_404(pk)
    return render(
        request,
        "associations/rooms/room.html",
        {"room": room, "opening": selectors.opening_week(room), "trail": public_trail((room.name, ""))},
    )


@login_not_required
@require_GET
def room_week(request: HttpRequest, pk: int) -> HttpResponse:
    room = room_or_404(pk)
    week = selectors.week_calendar(room=room, start=parse_week(request.GET.get("du")))
    return render(
        request,
        "associations/rooms/week.html",
        {
            "room": room,
            "week": week,
            "week_url": reverse("associations:rooms_week", args=[room.pk]),
            "month_url": reverse("associations:rooms_month", args=[room.pk]),
            "trail": public_trail(
                (room.name, reverse("associations:rooms_room", args=[room.pk])), (_("Semaine"), "")
            ),
        },
    )


@login_not_required
@require_GET
def room_month(request: HttpRequest, pk: int) -> HttpResponse:
    room = room_or_404(pk)
    first = parse_month(request.GET.get("mois"))
    month = selectors.month_calendar(room=room, year=first.year, month=first.month)
    return render(
        request,
        "associations/rooms/month.html",
        {
            "room": room,
            "month": month,
            "weekday_names": weekday_names(),
            "week_url": reverse("associations:rooms_week", args=[room.pk]),
            "month_url": reverse("associations:rooms_month", args=[room.pk]),
            "trail": public_trail(
                (room.name, reverse("associations:rooms_room", args=[room.pk])), (_("Mois"), "")
            ),
        },
    )


@login_not_required
@require_GET
def feed(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """A room's or an association's feed, for whoever holds its current URL (an old one is a 404)."""
    key = feeds.key_for_token(pk=pk, token=token)
    if key is None:
        raise Http404
    response = HttpResponse(feeds.build_feed(key), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="reservations.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
