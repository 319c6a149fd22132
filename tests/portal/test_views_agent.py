"""The agent shell's home: agents with a verified second factor only."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import ServiceFactory, UserFactory, make_admin, make_agent, make_town
from tests.helpers import login

pytestmark = pytest.mark.django_db

AGENT_HOME = "/agent/"


@pytest.fixture(autouse=True)
def town():
    return make_town(name="Saint-Exemple")


def test_agent_home_url_is_under_the_back_office_prefix():
    # The 2FA middleware guards /agent/; the page must stay there.
    assert reverse("portal:agent_home") == AGENT_HOME


def test_verified_agent_sees_their_services(client):
    agent = make_agent(ServiceFactory(name="État civil", description="Actes et livrets de famille"))
    ServiceFactory(name="Urbanisme")

    login(client, agent)

    response = client.get(AGENT_HOME)

    assert response.status_code == 200
    assertContains(response, "<h1>Espace agents</h1>", html=True)
    assertContains(response, '<h3 class="card__title">État civil</h3>', html=True)
    assertContains(response, "<p>Actes et livrets de famille</p>", html=True)
    assertNotContains(response, "Urbanisme")
    assertContains(response, 'aria-label="Menu des agents"', count=1)


def test_agent_of_an_inactive_service_is_told_they_have_none(client):
    agent = make_agent(ServiceFactory(name="Ancien service", is_active=False))
    login(client, agent)

    response = client.get(AGENT_HOME)

    assertContains(
        response, '<p class="empty-state__title">Aucun service ne vous est encore attribué</p>', html=True
    )
    assertNotContains(response, "Ancien service")


def test_verified_administrator_without_a_service_sees_the_administration_link(client):
    login(client, make_admin())

    response = client.get(AGENT_HOME)

    assert response.status_code == 200
    assertContains(response, f'<a href="{reverse("admin:index")}">Administration</a>', html=True)


def test_citizen_is_refused_the_agent_home(client):
    login(client, UserFactory())

    response = client.get(AGENT_HOME)

    assertContains(response, "<h1>Accès refusé</h1>", status_code=403, html=True)


def test_agent_who_has_not_given_their_code_is_sent_to_the_second_factor(client):
    login(client, make_agent(), verified=False)

    response = client.get(AGENT_HOME)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:otp_verify')}?next=%2Fagent%2F"


def test_agent_without_a_device_is_sent_to_enrolment(client):
    login(client, make_agent(otp=False))

    response = client.get(AGENT_HOME)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:otp_setup')}?next=%2Fagent%2F"


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(AGENT_HOME)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={AGENT_HOME}"


def test_agent_home_refuses_post(client):
    login(client, make_agent())
    assert client.post(AGENT_HOME).status_code == 405


def _back_office_paths() -> list[str]:
    """Every URL of the back-office (/agent/…), its parameters filled with 1: the middleware answers
    before any view looks the object up."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    paths = []
    for route in walk(get_resolver().url_patterns):
        if not route.startswith("agent/"):
            continue
        path = "/" + route
        for converter in ("<int:pk>", "<int:attachment_pk>", "<int:number>", "<int:session_pk>"):
            path = path.replace(converter, "1")
        if "<" not in path:
            paths.append(path)
    return sorted(set(paths))


BACK_OFFICE_PATHS = _back_office_paths()


def test_the_back_office_has_pages_of_every_app():
    prefixes = {path.split("/")[2] for path in BACK_OFFICE_PATHS}
    assert {"demarches", "famille", "regie"} <= prefixes


@pytest.mark.parametrize("path", BACK_OFFICE_PATHS)
def test_every_back_office_page_sends_an_agent_without_a_device_to_enrolment(client, path):
    login(client, make_agent(otp=False))

    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(f"{reverse('accounts:otp_setup')}?next=")


@pytest.mark.parametrize("path", BACK_OFFICE_PATHS)
def test_every_back_office_page_asks_an_agent_for_their_code_first(client, path):
    login(client, make_agent(), verified=False)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(f"{reverse('accounts:otp_verify')}?next=")


def test_the_agent_home_links_to_the_back_offices_the_agent_may_use(client):
    from famille.models import Activity

    education = ServiceFactory(name="Éducation", slug="education")
    regie = ServiceFactory(name="Régie unique", slug="regie")
    Activity.objects.create(
        kind="canteen",
        name="Restauration scolaire",
        slug="cantine",
        service=education,
        start_time="11:30",
        end_time="13:30",
    )
    agent = make_agent(service=education)
    login(client, agent)

    response = client.get(AGENT_HOME)

    assertContains(response, f'<a href="{reverse("demarches:agent_queue")}">Démarches</a>', html=True)
    assertContains(response, f'<a href="{reverse("famille:agent_households")}">Famille</a>', html=True)
    assertNotContains(response, reverse("regie_pages:agent_home"))

    login(client, make_agent(service=regie))
    response = client.get(AGENT_HOME)

    assertContains(response, f'<a href="{reverse("regie_pages:agent_home")}">Régie</a>', html=True)
    assertNotContains(response, reverse("famille:agent_households"))
