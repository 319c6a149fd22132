"""An agent takes attendance on a tablet, in a real browser (Chromium, JavaScript off): the marks are
touch targets of at least 44 × 44 CSS px, the sheet and its error pass axe's WCAG 2.1 A/AA rules,
the page prints without the site's chrome, and the occupancy grid passes axe too.

Screenshots go to /tmp/screens/famille-attendance-*.png for a person to look at.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from famille.models import AuthorisedPickup, Booking
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import ServiceFactory, make_town
from tests.famille.factories import (
    ActivityFactory,
    SessionFactory,
    SiteFactory,
    add_site,
    book_children,
    child_health,
    famille_agent,
)
from tests.helpers import login

pytestmark = pytest.mark.e2e

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def tablet(browser, live_server, settings):
    """Opens tablet-sized tabs signed in as a verified agent of the canteen's service: with JavaScript
    (axe needs it) or without (what the sheet must work with)."""
    make_town(name="Villebelle")
    service = ServiceFactory(slug="education", name="Éducation")
    agent = famille_agent(service, first_name="Alix", last_name="Agent")
    cookie = login(Client(), agent).cookies[settings.SESSION_COOKIE_NAME].value
    contexts = []

    def open_tab(*, javascript: bool):
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            viewport=TABLET,
            java_script_enabled=javascript,
        )
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_tab, service
    for context in contexts:
        context.close()


def todays_canteen(service):
    school = SiteFactory(name="École Jules-Verne")
    canteen = ActivityFactory(service=service, name="Restauration scolaire")
    add_site(canteen, school)
    session = SessionFactory(activity=canteen, site=school, date=timezone.localdate())
    bookings = book_children(session, 3)
    for booking, (first, last) in zip(
        bookings, [("Léa", "Aubert"), ("Noé", "Bernard"), ("Zoé", "Carré")], strict=True
    ):
        booking.child.first_name, booking.child.last_name = first, last
        booking.child.save(update_fields=["first_name", "last_name"])
    child_health(bookings[0].child, allergies="Arachide", has_pai=True)
    AuthorisedPickup.objects.create(child=bookings[1].child, name="Mamie Bernard", phone="06 11 22 33 44")
    return session, bookings


def test_an_agent_ticks_the_sheet_on_a_tablet_without_javascript(tablet):
    open_tab, service = tablet
    session, (lea, noe, zoe) = todays_canteen(service)
    page = open_tab(javascript=False)

    page.goto(reverse("famille:agent_attendance"))
    expect(page.get_by_role("heading", level=2)).to_contain_text("École Jules-Verne")
    page.get_by_role("link", name="Faire l'appel – Restauration scolaire").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Appel – Restauration scolaire")
    labels = page.locator("label.attendance-choice")
    expect(labels).to_have_count(9)
    for index in range(9):
        box = labels.nth(index).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, f"mark {index}: {box}"

    # A wrong mark cannot be typed in a browser; an empty sheet is the error an agent can make.
    page.get_by_role("button", name="Enregistrer l'appel", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Cochez la présence d'au moins un enfant.")

    page.get_by_role("group", name="Présence de Noé Bernard").get_by_text("Absent", exact=True).click()
    page.get_by_role("button", name="Enregistrer : les enfants non cochés sont présents").click()

    expect(page.get_by_role("status").first).to_contain_text("Appel enregistré : 3 présences mises à jour.")
    expect(
        page.get_by_role("group", name="Présence de Noé Bernard").get_by_label("Absent", exact=True)
    ).to_be_checked()
    assert dict(Booking.objects.values_list("pk", "attendance")) == {
        lea.pk: "present",
        noe.pk: "absent",
        zoe.pk: "present",
    }

    # On paper: the children and their marks, without the site's header, navigation and buttons.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Enregistrer l'appel", exact=True)).to_be_hidden()
    expect(page.get_by_role("row", name="Aubert Léa")).to_be_visible()


def test_the_attendance_pages_pass_axe(tablet):
    open_tab, service = tablet
    session, _bookings = todays_canteen(service)
    page = open_tab(javascript=True)

    page.goto(reverse("famille:agent_attendance"))
    check_accessibility(page)
    page.goto(reverse("famille:agent_attendance_sheet", args=[session.pk]))
    check_accessibility(page)
    take_screenshots(page, name="famille-attendance-sheet")
    page.get_by_role("button", name="Enregistrer l'appel", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Cochez la présence d'au moins un enfant.")
    check_accessibility(page)

    page.goto(reverse("famille:agent_occupancy"))
    expect(page.get_by_role("table")).to_contain_text("3 / 30")
    check_accessibility(page)
    take_screenshots(page, name="famille-attendance-occupancy")
