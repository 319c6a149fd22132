"""The statistics of the démarches: figures checked by hand on known data, the Paris months, the
channels, the backlog, the weekly sign-ins, the CSV, the query budget, and who may see what."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from demarches import services
from demarches.enums import Channel, RequestStatus
from demarches.models import Request
from demarches.selectors import stats
from guichet.accounts.models import DailyLogins, LoginAudience
from guichet.accounts.services import count_login
from guichet.portal import charts
from tests.demarches.factories import DemarcheFactory, add_page, publish, submitted
from tests.factories import ServiceFactory, UserFactory, make_admin
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]

PARIS = ZoneInfo("Europe/Paris")
S = RequestStatus
STATS = reverse("demarches:agent_stats")
STATS_CSV = reverse("demarches:agent_stats_csv")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def procedure(service, title: str, processing_days: int | None = 5):
    demarche = DemarcheFactory(service=service, title=title, processing_days=processing_days)
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    return demarche


def send(time_machine, *, user, demarche, when: datetime) -> Request:
    time_machine.move_to(when, tick=False)
    return submitted(user=user, demarche=demarche, answers={"nom": "Martin"})


def decide(time_machine, request: Request, *, actor, when: datetime, status: str = S.ACCEPTED) -> None:
    time_machine.move_to(when, tick=False)
    services.change_status(actor=actor, request=request, status=status, motivation="Décision motivée.")


def csv_table(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


@pytest.fixture
def demarche(service):
    return procedure(service, "Acte de naissance", processing_days=5)


@pytest.fixture
def decided_five(time_machine, citizen, agent, demarche):
    """Five requests submitted on 2 March 2026 at 10:00 and decided 1, 2, 4, 8 and 10 days later.

    By hand: median 4 days; 90th percentile (interpolated) 8 + 0.6 × (10 − 8) = 9.2 days;
    within the 5 days announced: 3 of 5 = 60 %.
    """
    requests = []
    for days in (10, 1, 8, 2, 4):
        request = send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 2, 10))
        requests.append((request, days))
    for request, days in requests:
        decide(time_machine, request, actor=agent, when=at(2026, 3, 2, 10) + timedelta(days=days))
    time_machine.move_to(at(2026, 6, 15, 9), tick=False)
    return [request for request, _days in requests]


# The figures -----------------------------------------------------------------------------------


def test_median_and_90th_percentile_against_the_target_are_those_computed_by_hand(
    decided_five, service, demarche
):
    figures = stats.statistics(services=[service], period=stats.Period(date(2026, 3, 1), date(2026, 3, 31)))

    [row] = figures.processing
    assert (row.title, row.decided, row.target) == ("Acte de naissance", 5, 5)
    assert row.median == pytest.approx(4.0)
    assert row.p90 == pytest.approx(9.2)
    assert (row.with_target, row.within_target, row.within_share) == (5, 3, pytest.approx(60.0))


def test_processing_days_are_paris_calendar_days_and_the_target_is_each_revisions(
    time_machine, citizen, agent, service
):
    demarche = procedure(service, "Attestation", processing_days=2)
    # Sent at 23:30 on the 2nd, decided at 00:30 on the 4th (Paris): two calendar days, within 2.
    late = send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 2, 23, 30))
    decide(time_machine, late, actor=agent, when=at(2026, 3, 4, 0, 30))
    # The procedure now announces 1 day: the first request keeps its revision's 2, the next one has 1.
    demarche.processing_days = 1
    demarche.save()
    publish(demarche)
    other = send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 10, 9))
    decide(time_machine, other, actor=agent, when=at(2026, 3, 12, 9))

    [row] = stats.processing_times(
        service_ids=[service.pk], period=stats.Period(date(2026, 3, 1), date(2026, 3, 31))
    )

    assert (row.decided, row.median, row.target) == (2, pytest.approx(2.0), 1)
    assert (row.with_target, row.within_target) == (2, 1)


def test_months_are_paris_months_across_a_month_boundary(time_machine, citizen, service, demarche):
    # 00:30 on 1 April in Paris is 22:30 on 31 March in UTC: an April request.
    send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 31, 23, 30))
    send(time_machine, user=citizen, demarche=demarche, when=at(2026, 4, 1, 0, 30))
    send(time_machine, user=citizen, demarche=demarche, when=at(2026, 4, 30, 23, 59))
    # Outside the period (before its first day, in Paris time).
    send(time_machine, user=citizen, demarche=demarche, when=at(2026, 2, 28, 23, 59))

    table = stats.requests_per_month(
        service_ids=[service.pk], period=stats.Period(date(2026, 3, 1), date(2026, 5, 31))
    )

    assert table.months == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]
    [row] = table.rows
    assert row.counts == [1, 2, 0]
    assert (table.totals, table.total) == ([1, 2, 0], 3)


def test_online_and_counter_shares(time_machine, citizen, service, demarche):
    sent = [send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 2, 10)) for _ in range(4)]
    # Test data: one filed at the counter (the counter's own service is tested with its pages).
    Request.objects.filter(pk=sent[0].pk).update(
        channel=Channel.COUNTER, consent_recorded_at=at(2026, 3, 2, 10)
    )

    channels = stats.channels(
        service_ids=[service.pk], period=stats.Period(date(2026, 3, 1), date(2026, 3, 31))
    )

    assert (channels.online, channels.counter, channels.total) == (3, 1, 4)
    assert (channels.online_share, channels.counter_share) == (75.0, 25.0)


def test_the_backlog_counts_requests_in_progress_and_those_overdue(
    time_machine, citizen, agent, service, demarche
):
    other_service = ServiceFactory(name="Urbanisme")
    waiting, reviewed, submitted_one, overdue, decided = (
        send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 2, 10)) for _ in range(5)
    )
    services.change_status(actor=agent, request=reviewed, status=S.IN_REVIEW)
    services.request_information(actor=agent, request=waiting, missing="Le justificatif.")
    decide(time_machine, decided, actor=agent, when=at(2026, 3, 3, 10))
    time_machine.move_to(at(2026, 3, 20, 10), tick=False)
    fresh_one = send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 20, 10))

    [row, empty] = stats.backlog(services=[service, other_service], today=date(2026, 3, 20))

    # Due on 7 March: the submitted and the reviewed ones sent on the 2nd are late; the waiting one is paused.
    assert (row.service, row.submitted, row.in_review, row.awaiting) == ("État civil", 3, 1, 1)
    assert (row.total, row.overdue) == (5, 3)
    assert (empty.service, empty.total, empty.overdue) == ("Urbanisme", 0, 0)
    assert not fresh_one.is_overdue(date(2026, 3, 20))
    submitted_one.refresh_from_db()
    assert submitted_one.is_overdue(date(2026, 3, 20)) and overdue.is_overdue(date(2026, 3, 20))


def test_weekly_sign_ins_by_iso_week_and_audience(time_machine, citizen):
    time_machine.move_to(at(2026, 3, 4, 9), tick=False)  # a Wednesday, ISO week 10
    count_login(user=citizen)
    count_login(user=citizen)
    DailyLogins.objects.create(
        day=date(2026, 3, 8), audience=LoginAudience.FAMILY, count=400
    )  # Sunday, week 10
    DailyLogins.objects.create(
        day=date(2026, 3, 9), audience=LoginAudience.FAMILY, count=380
    )  # Monday, week 11
    DailyLogins.objects.create(day=date(2026, 3, 10), audience=LoginAudience.AGENT, count=12)
    DailyLogins.objects.create(day=date(2026, 2, 27), audience=LoginAudience.FAMILY, count=999)  # before

    weeks = stats.weekly_logins(period=stats.Period(date(2026, 3, 4), date(2026, 3, 18)))

    assert [(w.week, w.iso_week, w.families, w.citizens, w.agents) for w in weeks] == [
        (date(2026, 3, 2), 10, 400, 2, 0),
        (date(2026, 3, 9), 11, 380, 0, 12),
        (date(2026, 3, 16), 12, 0, 0, 0),
    ]


def test_the_default_period_is_the_last_twelve_months():
    period = stats.Period.default(date(2026, 6, 15))

    assert (period.start, period.end) == (date(2025, 7, 1), date(2026, 6, 15))
    assert len(period.months()) == 12


# The page --------------------------------------------------------------------------------------


def test_the_page_shows_tables_and_accessible_charts(client, decided_five, agent, time_machine):
    response = login(client, agent).get(STATS, {"du": "2026-03-01", "au": "2026-06-15"})

    assert response.status_code == 200
    html = response.content.decode()
    assertContains(response, "<h1>Statistiques des démarches</h1>", html=True)
    assertContains(response, "Du 1 mars 2026 au 15 juin 2026.")
    # Requests per month: a chart with a title and a description, and the same figures in a table.
    assert 'role="img" aria-labelledby="chart-requests-per-month-title chart-requests-per-month-desc"' in html
    assert '<title id="chart-requests-per-month-title">Demandes déposées par mois</title>' in html
    assertContains(response, "Demandes déposées par démarche et par mois (date de dépôt, heure de Paris)")
    assertContains(response, '<th scope="col" class="stats-number">mars 2026</th>', html=True)
    assertContains(response, '<td class="stats-number">5</td>', html=True)
    # Processing times against the target, with French decimals.
    assertContains(response, '<td class="stats-number">4,0</td>', html=True)
    assertContains(response, '<td class="stats-number">9,2</td>', html=True)
    assertContains(response, '<td class="stats-number">60 %</td>', html=True)
    assertContains(response, "Connexions au guichet par semaine")
    assert 'aria-labelledby="chart-weekly-logins-title chart-weekly-logins-desc"' in html
    assert "<script" not in html.split("<main")[1].split("</main>")[0]
    # Coordinates keep a dot whatever the language.
    assert 'y="' in html and not any("," in value for value in _svg_numbers(html))
    assertContains(response, f'href="{STATS_CSV}?du=2026-03-01&amp;au=2026-06-15"')


def _svg_numbers(html: str) -> list[str]:
    import re

    svg = html[html.index("<svg") : html.index("</svg>")]
    return re.findall(r' (?:x|y|width|height|x1|x2|y1|y2)="([^"]*)"', svg)


def test_the_default_page_covers_the_last_twelve_months(client, agent, time_machine):
    time_machine.move_to(at(2026, 6, 15, 9), tick=False)

    response = login(client, agent).get(STATS)

    assertContains(response, "Du 1 juillet 2025 au 15 juin 2026.")
    assertContains(response, "Aucune demande déposée sur la période")
    assertContains(response, 'value="2025-07-01"')


def test_invalid_filters_say_why_in_french_and_keep_what_was_typed(client, agent):
    response = login(client, agent).get(STATS, {"du": "2026-05-01", "au": "2026-04-01"})

    assert response.status_code == 200
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(response, "La fin de la période ne peut pas précéder son début.")
    assertContains(response, 'value="2026-05-01"')
    assertContains(response, 'value="2026-04-01"')
    assertNotContains(response, "Délais de traitement")

    response = client.get(STATS, {"du": "2020-01-01", "au": "2026-04-01"})
    assertContains(response, "Choisissez une période de 36 mois au plus.")
    response = client.get(STATS, {"du": "pas une date"})
    assertContains(response, "Saisissez une date valide.")


def test_an_agent_sees_only_their_services_figures(client, time_machine, citizen, agent, service, demarche):
    other_service = ServiceFactory(name="Urbanisme", slug="urbanisme")
    other = procedure(other_service, "Permis de végétaliser")
    send(time_machine, user=citizen, demarche=other, when=at(2026, 3, 2, 10))
    send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 2, 10))
    time_machine.move_to(at(2026, 3, 20, 10), tick=False)
    login(client, agent)

    response = client.get(STATS)

    assertContains(response, "Acte de naissance")
    assertNotContains(response, "Permis de végétaliser")
    assertNotContains(response, "Urbanisme")
    response = client.get(STATS, {"service": other_service.pk})
    assertContains(response, "Choisissez un service de la liste.")
    assertNotContains(response, "Permis de végétaliser")
    rows = csv_table(client.get(STATS_CSV, {"service": "", "du": "2026-03-01", "au": "2026-03-31"}))
    assert {row["Service"] for row in rows} <= {"État civil", ""}


def test_an_administrator_sees_every_service_and_filters_one(
    client, time_machine, citizen, service, demarche
):
    other_service = ServiceFactory(name="Urbanisme", slug="urbanisme")
    other = procedure(other_service, "Permis de végétaliser")
    send(time_machine, user=citizen, demarche=other, when=at(2026, 3, 2, 10))
    send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 2, 10))
    time_machine.move_to(at(2026, 3, 20, 10), tick=False)
    login(client, make_admin())

    response = client.get(STATS)
    assertContains(response, "Acte de naissance")
    assertContains(response, "Permis de végétaliser")
    assertContains(response, '<option value="" selected>Tous les services</option>', html=True)

    response = client.get(STATS, {"service": other_service.pk})
    assertContains(response, "Service : Urbanisme.")
    assertNotContains(response, "Acte de naissance")


def test_a_citizen_gets_403_and_an_anonymous_visitor_the_login_page(client, citizen):
    assert login(client, citizen).get(STATS).status_code == 403
    assert client.get(STATS_CSV).status_code == 403
    client.logout()
    response = client.get(STATS)
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_an_agent_without_a_verified_second_factor_does_not_see_the_figures(client, agent):
    response = login(client, agent, verified=False).get(STATS)

    assert response.status_code in (302, 403)
    assertNotContains(response, "Délais de traitement", status_code=response.status_code)


def test_the_pages_answer_only_get(client, agent):
    login(client, agent)

    assert client.post(STATS).status_code == 405
    assert client.post(STATS_CSV).status_code == 405


# The CSV ---------------------------------------------------------------------------------------


def test_the_csv_holds_the_same_figures_and_parses_back(client, decided_five, agent, service):
    DailyLogins.objects.create(day=date(2026, 3, 3), audience=LoginAudience.FAMILY, count=3012)
    login(client, agent)

    response = client.get(STATS_CSV, {"du": "2026-03-01", "au": "2026-03-31"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="statistiques-demarches-2026-03-01-2026-03-31.csv"'
    )
    rows = csv_table(response)
    assert list(rows[0]) == ["Tableau", "Service", "Démarche", "Période", "Indicateur", "Valeur"]

    def value(table, indicator, **match):
        [row] = [
            row
            for row in rows
            if row["Tableau"] == table
            and row["Indicateur"] == indicator
            and all(row[key] == wanted for key, wanted in match.items())
        ]
        return row["Valeur"]

    assert value("Demandes déposées par mois", "Demandes déposées", Période="03/2026") == "5"
    period = "du 01/03/2026 au 31/03/2026"
    assert value("Délais de traitement", "Demandes décidées", Démarche="Acte de naissance") == "5"
    assert value("Délais de traitement", "Délai médian (jours)", Période=period) == "4,0"
    assert value("Délais de traitement", "90e centile (jours)") == "9,2"
    assert value("Délais de traitement", "Délai annoncé (jours)") == "5"
    assert value("Délais de traitement", "Décidées dans le délai annoncé (%)") == "60,0"
    assert value("Canal de dépôt", "En ligne") == "5"
    assert value("Canal de dépôt", "En ligne (%)") == "100,0"
    assert value("Dossiers en cours", "Total en cours", Service="État civil") == "0"
    assert value("Connexions par semaine (toute la commune)", "Familles", Période="2026-S10") == "3012"


def test_the_csv_neutralises_a_formula_in_a_title(client, time_machine, citizen, agent, service):
    demarche = procedure(service, '=HYPERLINK("http://exemple.fr")')
    send(time_machine, user=citizen, demarche=demarche, when=at(2026, 3, 2, 10))
    login(client, agent)

    rows = csv_table(client.get(STATS_CSV, {"du": "2026-03-01", "au": "2026-03-31"}))

    assert {row["Démarche"] for row in rows if row["Démarche"]} == {'\'=HYPERLINK("http://exemple.fr")'}


def test_invalid_csv_filters_answer_the_page_with_the_errors(client, agent):
    response = login(client, agent).get(STATS_CSV, {"du": "2026-05-01", "au": "2026-04-01"})

    assert response.status_code == 400
    assertContains(response, "La fin de la période ne peut pas précéder son début.", status_code=400)


# Query budget ----------------------------------------------------------------------------------


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(STATS, {"du": "2026-01-01", "au": "2026-06-15"})
    assert response.status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_5_or_50_requests(client, time_machine, agent, service):
    demarches = [procedure(service, f"Démarche {index}") for index in range(5)]
    applicants = [UserFactory() for _ in range(5)]

    def add(count: int, start: int) -> None:
        for index in range(start, start + count):
            month = 1 + index % 5
            request = send(
                time_machine,
                user=applicants[index % 5],
                demarche=demarches[index % 5],
                when=at(2026, month, 2, 10),
            )
            if index % 2:
                decide(time_machine, request, actor=agent, when=at(2026, month, 3 + index % 7, 10))
            DailyLogins.objects.create(
                day=date(2026, 1, 1) + timedelta(days=index * 3),
                audience=LoginAudience.FAMILY,
                count=10 + index,
            )

    add(5, 0)
    time_machine.move_to(at(2026, 6, 15, 9), tick=False)
    login(client, agent)
    _page_queries(client)  # the first page of a session reads the session and fills the town's cache
    few = _page_queries(client)
    add(45, 5)
    time_machine.move_to(at(2026, 6, 15, 9), tick=False)
    many = _page_queries(client)

    assert few == many
    # Session, user, 2FA device, agent checks (3), visible services, then one query per block (5).
    assert many <= 12


# The chart helper ------------------------------------------------------------------------------


def test_chart_colours_keep_a_3_to_1_contrast_on_white():
    from guichet.accounts.models import contrast_ratio

    assert all(contrast_ratio(colour, "#ffffff") >= 3 for colour in charts.palette("#1f4e79"))
    assert charts.palette("#ffff00")[0] == "#1f4e79"  # too light: the default colour instead
    assert charts.palette("not a colour")[0] == "#1f4e79"


def test_bar_geometry_stacks_series_on_a_round_scale():
    chart = charts.bar_chart(
        chart_id="c",
        title="Titre",
        description="Description",
        categories=["a", "b"],
        series=[charts.Series("Un", [30, 0]), charts.Series("Deux", [10, 5])],
        width=200,
        height=200,
    )

    assert [tick.label for tick in chart.ticks] == ["0", "10", "20", "30", "40"]
    assert [rect.label for rect in chart.rects] == ["a — Un : 30", "a — Deux : 10", "b — Deux : 5"]
    first, second, _third = chart.rects
    assert float(first.y) == pytest.approx(float(second.y) + float(second.height))
    assert [item.text for item in chart.legend] == ["Un", "Deux"]
