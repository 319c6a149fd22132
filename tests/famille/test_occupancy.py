"""The occupancy dashboard (part F4): booked / capacity, waiting lists and closures per activity and
day of an ISO week at a site, the sessions at 90 % and full highlighted, one aggregate query."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from famille import selectors
from famille.enums import ActivityKind, BookingStatus
from famille.models import Closure, Session
from tests.factories import ServiceFactory, UserFactory, make_admin, make_town
from tests.famille.factories import (
    ActivityFactory,
    SessionFactory,
    SiteFactory,
    add_site,
    book_children,
    famille_agent,
)
from tests.helpers import login

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2026, 11, 2)  # ISO week 45 of 2026
URL = reverse("famille:agent_occupancy")


@pytest.fixture(autouse=True)
def _today(db):
    make_town()
    with time_machine.travel(datetime(2026, 11, 4, 9, 0, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def service(db):
    return ServiceFactory(slug="education", name="Éducation")


@pytest.fixture
def school(db):
    return SiteFactory(name="École Jules-Verne")


@pytest.fixture
def agent(service):
    return famille_agent(service)


@pytest.fixture
def agent_client(client, agent):
    return login(client, agent)


def session(activity, site, day: date, *, capacity: int, booked: int, waiting: int = 0, **fields) -> Session:
    made = SessionFactory(activity=activity, site=site, date=day, capacity=capacity, booked=booked, **fields)
    book_children(made, waiting, status=BookingStatus.WAITING)
    return made


@pytest.fixture
def week(service, school):
    """The known week at the school.

    Canteen (30 places): Monday full with 2 waiting, Tuesday 27 (90 %), Thursday 26 (86 %), Friday
    closed (strike). Evening care (20 places): Monday 5, Tuesday 19 (95 %) with a cancelled booking
    (not waiting). A holiday club on Saturday: 12 / 12. Not shown: another service's activity at the
    school, the canteen at another school, the canteen of the week after.
    """
    canteen = ActivityFactory(service=service, name="Restauration scolaire", kind=ActivityKind.CANTEEN)
    evening = ActivityFactory(service=service, name="Accueil du soir", kind=ActivityKind.EVENING_CARE)
    club = ActivityFactory(service=service, name="Club du samedi", kind=ActivityKind.HOLIDAY_CENTRE)
    for activity in (canteen, evening, club):
        add_site(activity, school)
    session(canteen, school, MONDAY, capacity=30, booked=30, waiting=2)
    session(canteen, school, MONDAY + timedelta(days=1), capacity=30, booked=27)
    session(canteen, school, MONDAY + timedelta(days=3), capacity=30, booked=26)
    strike = Closure.objects.create(date=MONDAY + timedelta(days=4), reason="Grève des agents")
    session(canteen, school, MONDAY + timedelta(days=4), capacity=30, booked=0, closure=strike)
    session(evening, school, MONDAY, capacity=20, booked=5)
    tuesday = session(evening, school, MONDAY + timedelta(days=1), capacity=20, booked=19)
    book_children(tuesday, 1, status=BookingStatus.CANCELLED)
    session(club, school, MONDAY + timedelta(days=5), capacity=12, booked=12)

    music = ActivityFactory(service=ServiceFactory(slug="culture", name="Culture"), name="École de musique")
    add_site(music, school)
    session(music, school, MONDAY, capacity=10, booked=3)
    other_school = SiteFactory(name="École Prévert")
    add_site(canteen, other_school)
    session(canteen, other_school, MONDAY, capacity=30, booked=1)
    session(canteen, school, MONDAY + timedelta(days=7), capacity=30, booked=1)
    return {
        "canteen": canteen,
        "evening": evening,
        "club": club,
        "music": music,
        "other_school": other_school,
    }


def figures(grid) -> dict[str, list]:
    """{activity: [(booked, capacity, waiting, state) or None per day]}."""

    def state(cell):
        return (
            "closed" if cell.is_closed else "full" if cell.is_full else "90%" if cell.is_nearly_full else ""
        )

    return {
        row.activity.name: [
            (cell.booked, cell.capacity, cell.waiting, state(cell)) if cell.session else None
            for cell in row.cells
        ]
        for row in grid.rows
    }


def test_the_week_grid_has_the_right_figures(agent, school, week):
    grid = selectors.occupancy_week(user=agent, site=school, monday=MONDAY)

    # Monday to Friday, and Saturday (a session); not Sunday.
    assert grid.days == [MONDAY + timedelta(days=offset) for offset in range(6)]
    assert grid.iso == (2026, 45)
    assert figures(grid) == {
        "Restauration scolaire": [
            (30, 30, 2, "full"),
            (27, 30, 0, "90%"),
            None,
            (26, 30, 0, ""),
            (0, 30, 0, "closed"),
            None,
        ],
        "Accueil du soir": [(5, 20, 0, ""), (19, 20, 0, "90%"), None, None, None, None],
        "Club du samedi": [None, None, None, None, None, (12, 12, 0, "full")],
    }


def test_an_administrator_sees_every_service_at_the_site(school, week):
    grid = selectors.occupancy_week(user=make_admin(), site=school, monday=MONDAY)

    assert "École de musique" in figures(grid)


def test_the_dashboard_shows_the_week_with_highlights_and_its_neighbours(agent_client, school, week):
    response = agent_client.get(URL, {"site": school.pk, "jour": "2026-11-04"})

    assert response.status_code == 200
    assertContains(response, "École Jules-Verne – semaine 45 de 2026, du 2 novembre au 8 novembre 2026")
    assertContains(response, '<th scope="col">Lundi 2/11</th>', html=True)
    assertContains(response, '<th scope="col">Samedi 7/11</th>', html=True)
    assertNotContains(response, "Dimanche")
    assertContains(
        response,
        '<td class="occupancy-cell occupancy-cell--full"><span class="occupancy-figure">30 / 30</span>'
        '<strong class="badge badge--danger">Complet</strong><span class="occupancy-waiting">2 en attente</span></td>',
        html=True,
    )
    assertContains(
        response,
        '<td class="occupancy-cell occupancy-cell--nearly-full"><span class="occupancy-figure">27 / 30</span>'
        '<strong class="badge badge--warning">Presque complet</strong></td>',
        html=True,
    )
    assertContains(
        response,
        '<td class="occupancy-cell"><span class="occupancy-figure">26 / 30</span></td>',
        html=True,
    )
    assertContains(
        response,
        '<td class="occupancy-cell occupancy-cell--closed"><strong>Fermé</strong><br>Grève des agents</td>',
        html=True,
    )
    assertContains(
        response, '<strong class="badge badge--warning">Presque complet</strong>', html=True, count=2
    )
    assertContains(response, '<strong class="badge badge--danger">Complet</strong>', html=True, count=2)
    assertNotContains(response, "École de musique")
    assertContains(response, f'href="{URL}?site={school.pk}&amp;jour=2026-10-26" rel="prev"')
    assertContains(response, f'href="{URL}?site={school.pk}&amp;jour=2026-11-09" rel="next"')


def test_the_next_week_and_an_empty_week(agent_client, school, week):
    response = agent_client.get(URL, {"site": school.pk, "jour": "2026-11-09"})
    assertContains(response, "semaine 46 de 2026")
    assertContains(response, '<span class="occupancy-figure">1 / 30</span>', html=True)

    response = agent_client.get(URL, {"site": school.pk, "jour": "2026-11-16"})
    assertContains(response, "Aucune séance cette semaine à ce lieu.")


def test_the_first_visit_shows_this_week_at_the_agents_only_site(client, service, school, week):
    # The agent's service runs activities at two schools: they choose; with one, it is chosen.
    agent = famille_agent(ServiceFactory(slug="petite-enfance", name="Petite enfance"))
    nursery = ActivityFactory(service=agent.agent_memberships.get().service, name="Multi-accueil")
    add_site(nursery, school)
    session(nursery, school, MONDAY + timedelta(days=2), capacity=15, booked=14)
    login(client, agent)

    response = client.get(URL)

    assertContains(response, "semaine 45 de 2026")
    assertContains(response, '<span class="occupancy-figure">14 / 15</span>', html=True)


def test_a_wrong_date_or_site_says_so_and_keeps_what_was_typed(agent_client, school, week):
    response = agent_client.get(URL, {"site": school.pk, "jour": "lundi"})
    assert response.status_code == 200
    assertContains(response, "Indiquez une date valide, par exemple 12/11/2026.")
    assertContains(response, 'value="lundi"')
    assertNotContains(response, "occupancy-table")

    # A site where none of the agent's activities runs is not on their list.
    other = week["other_school"]
    other_only = SiteFactory(name="Crèche des Lilas")
    response = agent_client.get(URL, {"site": other_only.pk, "jour": "2026-11-04"})
    assertContains(response, "Choisissez un lieu d&#x27;accueil de la liste.")
    assertContains(response, f'<option value="{other.pk}">École Prévert</option>', html=True)


def test_a_citizen_is_refused_and_only_get_is_answered(client, agent_client):
    assert agent_client.post(URL).status_code == 405
    login(client, UserFactory())
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("per_activity", [1, 10])
def test_the_grid_costs_the_same_queries_for_5_or_50_sessions(
    agent_client, agent, service, school, per_activity, django_assert_num_queries
):
    """5 sessions (one activity × 5 days) or 50 (ten activities × 5 days), each with a waiting child."""
    for index in range(per_activity):
        activity = ActivityFactory(service=service, name=f"Activité {index:02d}")
        add_site(activity, school)
        for offset in range(5):
            session(activity, school, MONDAY + timedelta(days=offset), capacity=10, booked=10, waiting=1)
    assert Session.objects.count() == 5 * per_activity

    # The page: the user, the 2FA device, the agent checks (3), the chosen site, the grid, whether
    # there are sites, the town (layout), the site list; the same for 5 sessions as for 50.
    with django_assert_num_queries(QUERY_BUDGET):
        response = agent_client.get(URL, {"site": school.pk, "jour": "2026-11-02"})
    assertContains(response, "1 en attente", count=5 * per_activity)

    with django_assert_num_queries(1):
        grid = selectors.occupancy_week(user=agent, site=school, monday=MONDAY)
        assert sum(cell.waiting for row in grid.rows for cell in row.cells) == 5 * per_activity


QUERY_BUDGET = 10
