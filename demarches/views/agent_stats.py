"""The statistics of the démarches: figures of the agent's services (every service for administrators),
as tables and server-drawn bar charts, and as CSV.

Open to verified agents (2FA) of at least one active service and to administrators
(staff); a citizen gets 403. An agent reads the figures of their own services only
(`selectors.stats.visible_services`): the service filter offers nothing else.
"""

from collections.abc import Iterator
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from demarches import perms
from demarches.selectors import stats as selectors
from demarches.stats_forms import StatsFilterForm
from guichet.accounts.models import Town
from guichet.db_router import use_replica
from guichet.portal import charts
from guichet.portal.decorators import agent_required
from guichet.spreadsheets import Column, csv_stream


def stats_viewer_required(view):
    """Verified agents (2FA) of an active service, and administrators (staff); anyone else 403."""

    @agent_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_staff or perms.is_any_service_agent(user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def short_month_label(month) -> str:
    # "M" would abbreviate juin and juillet alike: numbers on the axis, names in the table.
    return formats.date_format(month, "m/Y")


def decimal(value: float | None, places: int = 1) -> str:
    """A figure for the CSV, with a decimal comma ("" when there is none)."""
    return "" if value is None else f"{value:.{places}f}".replace(".", ",")


def _filter_form(request: HttpRequest) -> StatsFilterForm:
    return StatsFilterForm(
        request.GET or None,
        services=selectors.visible_services(request.user),
        every_service=request.user.is_staff,
    )


def _query(form: StatsFilterForm, period: selectors.Period) -> str:
    """The filters in canonical form, for the CSV link: the same figures as the page."""
    params = {"du": period.start.isoformat(), "au": period.end.isoformat()}
    if form.is_bound and form.cleaned_data.get("service"):
        params["service"] = form.cleaned_data["service"]
    return urlencode(params)


def _charts(statistics: selectors.Statistics) -> dict[str, charts.BarChart]:
    colours = charts.palette(Town.current().primary_color)
    period = statistics.period
    dates = {
        "start": formats.date_format(period.start, "j F Y"),
        "end": formats.date_format(period.end, "j F Y"),
    }
    monthly = statistics.monthly
    logins = statistics.logins
    return {
        "monthly": charts.bar_chart(
            chart_id="chart-requests-per-month",
            title=_("Demandes déposées par mois"),
            description=_(
                "Diagramme en barres : %(total)d demandes déposées du %(start)s au %(end)s. "
                "Les chiffres sont dans le tableau qui suit."
            )
            % {"total": monthly.total, **dates},
            categories=[short_month_label(month) for month in monthly.months],
            series=[charts.Series(_("Demandes"), monthly.totals)],
            colours=colours,
            # "12/2025" is wide: one month in two is named on the axis (the table names them all).
            max_labels=7,
        ),
        "logins": charts.bar_chart(
            chart_id="chart-weekly-logins",
            title=_("Connexions au guichet par semaine"),
            description=_(
                "Diagramme en barres empilées : connexions des familles, des autres habitants et des agents, "
                "par semaine, du %(start)s au %(end)s. Les chiffres sont dans le tableau qui suit."
            )
            % dates,
            categories=[formats.date_format(row.week, "d/m") for row in logins],
            series=[
                charts.Series(_("Familles"), [row.families for row in logins]),
                charts.Series(_("Autres habitants"), [row.citizens for row in logins]),
                charts.Series(_("Agents"), [row.agents for row in logins]),
            ],
            colours=colours,
        ),
    }


# Figures a second old are fine: the heavy aggregations read from a replica when there is one.
@stats_viewer_required
@require_GET
@use_replica()
def stats(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    selection = form.selection()
    context = {"form": form, "statistics": None, "charts": None, "csv_url": ""}
    if selection is not None:
        services, period = selection
        statistics = selectors.statistics(services=services, period=period)
        context |= {
            "statistics": statistics,
            "charts": _charts(statistics),
            "csv_url": f"{reverse('demarches:agent_stats_csv')}?{_query(form, period)}",
        }
    return render(request, "demarches/agent/stats.html", context)


def csv_columns() -> list[Column]:
    return [
        Column(_("Tableau")),
        Column(_("Service")),
        Column(_("Démarche")),
        Column(_("Période")),
        Column(_("Indicateur")),
        Column(_("Valeur")),
    ]


def csv_rows(statistics: selectors.Statistics) -> Iterator[list]:
    """Every figure of the page, one a line: table, service, procedure, period, indicator, value."""
    period = statistics.period
    whole = _("du %(start)s au %(end)s") % {
        "start": period.start.strftime("%d/%m/%Y"),
        "end": period.end.strftime("%d/%m/%Y"),
    }
    table = _("Demandes déposées par mois")
    for row in statistics.monthly.rows:
        for month, count in zip(statistics.monthly.months, row.counts, strict=True):
            yield [table, row.service, row.title, month.strftime("%m/%Y"), _("Demandes déposées"), str(count)]
    table = _("Délais de traitement")
    for row in statistics.processing:
        for indicator, value in (
            (_("Demandes décidées"), str(row.decided)),
            (_("Délai médian (jours)"), decimal(row.median)),
            (_("90e centile (jours)"), decimal(row.p90)),
            (_("Délai annoncé (jours)"), "" if row.target is None else str(row.target)),
            (_("Décidées dans le délai annoncé (%)"), decimal(row.within_share)),
        ):
            yield [table, row.service, row.title, whole, indicator, value]
    table = _("Canal de dépôt")
    channels = statistics.channels
    for indicator, value in (
        (_("En ligne"), str(channels.online)),
        (_("Au guichet"), str(channels.counter)),
        (_("En ligne (%)"), decimal(channels.online_share)),
        (_("Au guichet (%)"), decimal(channels.counter_share)),
    ):
        yield [table, "", "", whole, indicator, value]
    table = _("Dossiers en cours")
    today = _("au %(date)s") % {"date": statistics.today.strftime("%d/%m/%Y")}
    for row in statistics.backlog:
        for indicator, value in (
            (_("Déposées"), row.submitted),
            (_("En cours d'instruction"), row.in_review),
            (_("En attente de compléments"), row.awaiting),
            (_("Total en cours"), row.total),
            (_("En retard"), row.overdue),
        ):
            yield [table, row.service, "", today, indicator, str(value)]
    table = _("Connexions par semaine (toute la commune)")
    for row in statistics.logins:
        week = f"{row.iso_year}-S{row.iso_week:02d}"
        for indicator, value in (
            (_("Familles"), row.families),
            (_("Autres habitants"), row.citizens),
            (_("Agents"), row.agents),
        ):
            yield [table, "", "", week, indicator, str(value)]


@stats_viewer_required
@require_GET
@use_replica()
def stats_csv(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    selection = form.selection()
    if selection is None:
        # The filters are wrong: the page says why, with what was typed.
        return render(
            request,
            "demarches/agent/stats.html",
            {"form": form, "statistics": None, "charts": None, "csv_url": ""},
            status=400,
        )
    services, period = selection
    statistics = selectors.statistics(services=services, period=period)
    response = StreamingHttpResponse(
        csv_stream(csv_columns(), csv_rows(statistics)), content_type="text/csv; charset=utf-8"
    )
    filename = f"statistiques-demarches-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
