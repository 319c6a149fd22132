"""The agents' attendance sheets (part F4): recording a sheet (who, when, only that session's confirmed
bookings, once, never for a day to come), the pages an agent uses on a tablet (the sessions of a site
and day, the sheet with its big radio buttons, the PDF to print), and who may see them."""

import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader
from pytest_django.asserts import assertContains, assertNotContains

from famille import services
from famille.enums import Attendance, BillingRunStatus, BookingStatus
from famille.exceptions import AttendanceRefused, FamilleAccessDenied
from famille.models import AuthorisedPickup, BillingRun, Booking, Closure
from guichet.audit.models import AuditEvent
from tests.factories import ServiceFactory, UserFactory, make_admin, make_agent, make_town
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

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
MONDAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 12, 15, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _today(db):
    make_town()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(db):
    return ServiceFactory(slug="education", name="Éducation")


@pytest.fixture
def school(db):
    return SiteFactory(name="École Jules-Verne")


@pytest.fixture
def canteen(service, school):
    activity = ActivityFactory(service=service, name="Restauration scolaire")
    add_site(activity, school, 30)
    return activity


@pytest.fixture
def session(canteen, school):
    return SessionFactory(activity=canteen, site=school, date=MONDAY)


@pytest.fixture
def agent(service):
    return famille_agent(service, first_name="Alix", last_name="Agent")


@pytest.fixture
def agent_client(client, agent):
    return login(client, agent)


@pytest.fixture
def children(session):
    """Three children booked in the session: Léa (a PAI), Noé (two pick-up persons), Zoé."""
    lea, noe, zoe = book_children(session, 3)
    for booking, first_name, last_name in (
        (lea, "Léa", "Aubert"),
        (noe, "Noé", "Bernard"),
        (zoe, "Zoé", "Carré"),
    ):
        booking.child.first_name, booking.child.last_name = first_name, last_name
        booking.child.save(update_fields=["first_name", "last_name"])
    child_health(lea.child, allergies="Arachide", has_pai=True, pai_details="Trousse d'urgence au bureau")
    AuthorisedPickup.objects.create(
        child=noe.child, name="Mamie Bernard", relationship="Grand-mère", phone="0611"
    )
    AuthorisedPickup.objects.create(child=noe.child, name="Paul Voisin", phone="0622")
    noe.household.phone = "02 40 12 34 56"
    noe.household.save(update_fields=["phone"])
    return lea, noe, zoe


def sheet_url(session) -> str:
    return reverse("famille:agent_attendance_sheet", args=[session.pk])


def field(booking) -> str:
    return f"presence-{booking.pk}"


# The service ------------------------------------------------------------------------------------


def test_recording_a_sheet_marks_each_child_with_who_and_when(agent, session, children):
    lea, noe, zoe = children

    changed = services.record_attendance(
        actor=agent,
        session=session,
        marks={lea.pk: Attendance.PRESENT, noe.pk: Attendance.ABSENT, zoe.pk: Attendance.EXCUSED},
    )

    assert changed == 3
    rows = {b.pk: b for b in Booking.objects.filter(session=session)}
    assert [rows[b.pk].attendance for b in children] == ["present", "absent", "excused"]
    assert {rows[b.pk].attendance_by_id for b in children} == {agent.pk}
    assert {rows[b.pk].attendance_at for b in children} == {NOW}
    event = AuditEvent.objects.get(action="famille.attendance.record")
    assert (event.actor_id, event.target_id) == (agent.pk, str(session.pk))
    assert event.details == {"changed": 3, "present": 1, "absent": 1, "excused": 1}


def test_sending_the_same_sheet_again_changes_nothing(agent, session, children):
    lea, noe, _zoe = children
    marks = {lea.pk: Attendance.PRESENT, noe.pk: Attendance.ABSENT}
    services.record_attendance(actor=agent, session=session, marks=marks)
    other = make_agent(session.activity.service)

    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        assert services.record_attendance(actor=other, session=session, marks=marks) == 0
        # A correction changes that child only, and says who corrected it.
        assert services.record_attendance(actor=other, session=session, marks={noe.pk: "excused"}) == 1

    lea.refresh_from_db()
    noe.refresh_from_db()
    assert (lea.attendance, lea.attendance_by_id, lea.attendance_at) == ("present", agent.pk, NOW)
    assert (noe.attendance, noe.attendance_by_id) == ("excused", other.pk)
    assert noe.attendance_at == NOW + timedelta(minutes=5)
    assert AuditEvent.objects.filter(action="famille.attendance.record").count() == 2


def test_a_mark_for_a_booking_of_another_session_is_ignored(agent, session, children, canteen, school):
    other_session = SessionFactory(activity=canteen, site=school, date=MONDAY - timedelta(days=7))
    (stranger,) = book_children(other_session, 1)
    lea = children[0]

    changed = services.record_attendance(
        actor=agent, session=session, marks={lea.pk: "present", stranger.pk: "absent"}
    )

    assert changed == 1
    stranger.refresh_from_db()
    assert (stranger.attendance, stranger.attendance_by_id, stranger.attendance_at) == ("", None, None)


def test_waiting_and_cancelled_bookings_are_not_marked(agent, session):
    (waiting,) = book_children(session, 1, status=BookingStatus.WAITING)
    (cancelled,) = book_children(session, 1, status=BookingStatus.CANCELLED)

    assert (
        services.record_attendance(
            actor=agent, session=session, marks={waiting.pk: "present", cancelled.pk: "present"}
        )
        == 0
    )
    assert set(Booking.objects.values_list("attendance", flat=True)) == {""}
    assert not AuditEvent.objects.filter(action="famille.attendance.record").exists()


def test_a_sheet_for_a_day_to_come_is_refused(agent, canteen, school):
    tomorrow = SessionFactory(activity=canteen, site=school, date=MONDAY + timedelta(days=1))
    (booking,) = book_children(tomorrow, 1)

    with pytest.raises(AttendanceRefused, match="séance à venir"):
        services.record_attendance(actor=agent, session=tomorrow, marks={booking.pk: "present"})
    booking.refresh_from_db()
    assert booking.attendance == ""


def test_a_past_day_can_still_be_ticked(agent, canteen, school):
    last_week = SessionFactory(activity=canteen, site=school, date=MONDAY - timedelta(days=7))
    (booking,) = book_children(last_week, 1)

    assert services.record_attendance(actor=agent, session=last_week, marks={booking.pk: "excused"}) == 1


def test_a_closed_session_and_a_billed_month_are_refused(agent, session, children):
    BillingRun.objects.create(month=date(2026, 11, 1), status=BillingRunStatus.ISSUED)
    with pytest.raises(AttendanceRefused, match="factures de ce mois sont émises"):
        services.record_attendance(actor=agent, session=session, marks={children[0].pk: "absent"})

    BillingRun.objects.update(status=BillingRunStatus.DISCARDED)
    session.closure = Closure.objects.create(date=MONDAY, reason="Grève")
    session.save(update_fields=["closure"])
    with pytest.raises(AttendanceRefused, match="séance est fermée"):
        services.record_attendance(actor=agent, session=session, marks={children[0].pk: "absent"})
    assert set(Booking.objects.values_list("attendance", flat=True)) == {""}


def test_an_agent_of_another_service_or_an_administrator_may_not_record(session, children):
    leisure = ServiceFactory(slug="loisirs", name="Loisirs")
    for actor in (famille_agent(leisure), make_admin()):
        with pytest.raises(FamilleAccessDenied):
            services.record_attendance(actor=actor, session=session, marks={children[0].pk: "present"})
    assert set(Booking.objects.values_list("attendance", flat=True)) == {""}


def test_an_unknown_mark_is_refused(agent, session, children):
    with pytest.raises(AttendanceRefused, match="présent"):
        services.record_attendance(actor=agent, session=session, marks={children[0].pk: "late"})


# The sessions of a site and day --------------------------------------------------------------------


def test_the_day_page_lists_the_sessions_of_the_agents_services_at_the_site(
    agent_client, agent, session, children, school
):
    leisure = ActivityFactory(service=ServiceFactory(slug="loisirs"), name="Club nature")
    add_site(leisure, school)
    SessionFactory(activity=leisure, site=school, date=MONDAY)
    services.record_attendance(actor=agent, session=session, marks={children[0].pk: "present"})

    # One site only: the agent lands on today's sessions there.
    response = agent_client.get(reverse("famille:agent_attendance"))

    assert response.status_code == 200
    assertContains(response, "École Jules-Verne, lundi 2 novembre 2026 (aujourd'hui)")
    assertContains(response, '<th scope="row" data-label="Activité">Restauration scolaire</th>', html=True)
    assertContains(response, '<td data-label="Pointés">1 / 3</td>', html=True)
    assertContains(response, sheet_url(session))
    assertContains(response, reverse("famille:agent_attendance_pdf", args=[session.pk]))
    assertNotContains(response, "Club nature")


@pytest.mark.parametrize("activities", [1, 8])
def test_the_day_page_costs_the_same_queries_for_1_or_8_sessions(
    agent_client, service, school, activities, django_assert_num_queries
):
    for index in range(activities):
        activity = ActivityFactory(service=service, name=f"Activité {index}")
        add_site(activity, school)
        book_children(SessionFactory(activity=activity, site=school, date=MONDAY), 2)

    # The user, the 2FA device, the agent checks (3), the chosen site, the sessions with their
    # counts, whether there are sites, the town (layout), the site list.
    with django_assert_num_queries(10):
        response = agent_client.get(reverse("famille:agent_attendance"), {"site": school.pk})
    assertContains(response, "Faire l'appel", count=activities)


def test_the_day_page_with_a_wrong_date_says_so_and_keeps_what_was_typed(agent_client, school, session):
    response = agent_client.get(
        reverse("famille:agent_attendance"), {"site": school.pk, "jour": "31/02/2026"}
    )

    assert response.status_code == 200
    assertContains(response, "Indiquez une date valide, par exemple 12/11/2026.")
    assertContains(response, 'value="31/02/2026"')
    assertContains(response, f'<option value="{school.pk}" selected>École Jules-Verne</option>', html=True)
    assertNotContains(response, sheet_url(session))


def test_another_day_and_an_empty_day(agent_client, school, session):
    response = agent_client.get(
        reverse("famille:agent_attendance"), {"site": school.pk, "jour": "2026-11-03"}
    )

    assertContains(response, "Aucune séance de vos services à ce lieu ce jour-là.")
    assertContains(response, f"?site={school.pk}&amp;jour=2026-11-02")


def test_a_citizen_is_refused_the_attendance_pages(client, session, children):
    login(client, UserFactory())
    for url in (
        reverse("famille:agent_attendance"),
        sheet_url(session),
        reverse("famille:agent_attendance_pdf", args=[session.pk]),
    ):
        assert client.get(url).status_code == 403


def test_the_day_page_answers_only_get(agent_client):
    assert agent_client.post(reverse("famille:agent_attendance")).status_code == 405


# The sheet ------------------------------------------------------------------------------------------


def test_the_sheet_shows_each_child_with_class_contacts_pickups_and_a_health_flag(
    agent_client, session, children
):
    lea, noe, zoe = children

    response = agent_client.get(sheet_url(session))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Aubert Léa") < html.index("Bernard Noé") < html.index("Carré Zoé")
    assertContains(response, '<td data-label="Classe">CE1</td>', html=True, count=3)
    assertContains(response, '<a href="tel:0240123456">02 40 12 34 56</a>', html=True)
    assertContains(response, "Mamie Bernard (Grand-mère)")
    assertContains(response, "Paul Voisin")
    assertContains(response, "Les responsables légaux seulement", count=2)
    # Without the permission: the flag, never the notes.
    assertContains(response, "PAI : voir le responsable", count=1)
    assertNotContains(response, "Arachide")
    assertNotContains(response, "Trousse")
    for booking in children:
        assertContains(response, f'name="{field(booking)}"', count=3)
    event = AuditEvent.objects.get(action="famille.attendance.read")
    assert event.details == {"children": 3, "health": False}


def test_an_agent_holding_the_health_permission_reads_the_notes(client, session, children, service):
    from django.contrib.auth.models import Permission

    nurse = famille_agent(service)
    nurse.user_permissions.add(Permission.objects.get(codename="view_childhealth_notes"))
    login(client, nurse)

    response = client.get(sheet_url(session))

    assertContains(response, "Arachide")
    assertContains(response, "Trousse d&#x27;urgence au bureau")
    assertNotContains(response, "PAI : voir le responsable")
    assert AuditEvent.objects.get(action="famille.attendance.read").details["health"] is True


def test_ticking_the_sheet_records_it_and_comes_back_to_it(agent_client, agent, session, children):
    lea, noe, zoe = children

    response = agent_client.post(
        sheet_url(session), {field(lea): "present", field(noe): "absent", field(zoe): "excused"}, follow=True
    )

    assert response.redirect_chain == [(sheet_url(session), 302)]
    assertContains(response, "Appel enregistré : 3 présences mises à jour.")
    assertContains(
        response,
        f'<input type="radio" name="{field(noe)}" value="absent" id="id_{field(noe)}_1" checked>',
        html=True,
    )
    assert dict(Booking.objects.values_list("pk", "attendance")) == {
        lea.pk: "present",
        noe.pk: "absent",
        zoe.pk: "excused",
    }
    assert set(Booking.objects.values_list("attendance_by", flat=True)) == {agent.pk}


def test_the_others_are_present_button_ticks_the_children_left_blank(agent_client, session, children):
    lea, noe, zoe = children
    Booking.objects.filter(pk=zoe.pk).update(attendance=Attendance.EXCUSED)

    agent_client.post(sheet_url(session), {field(noe): "absent", "tous_presents": "1"})

    assert dict(Booking.objects.values_list("pk", "attendance")) == {
        lea.pk: "present",
        noe.pk: "absent",
        zoe.pk: "excused",
    }


def test_a_wrong_mark_shows_the_error_and_keeps_what_was_ticked(agent_client, session, children):
    lea, noe, _zoe = children

    response = agent_client.post(sheet_url(session), {field(lea): "absent", field(noe): "en-retard"})

    assert response.status_code == 200
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(response, "Choisissez « présent », « absent » ou « absence justifiée ».", count=2)
    assertContains(
        response,
        f'<input type="radio" name="{field(lea)}" value="absent" id="id_{field(lea)}_1" checked>',
        html=True,
    )
    assertContains(response, f'href="#id_{field(noe)}"')
    assertContains(response, f'<fieldset id="id_{field(noe)}"', count=1)
    assert set(Booking.objects.values_list("attendance", flat=True)) == {""}


def test_an_empty_sheet_says_to_tick_someone(agent_client, session, children):
    response = agent_client.post(sheet_url(session), {})

    assertContains(response, "Cochez la présence d&#x27;au moins un enfant.")
    assert set(Booking.objects.values_list("attendance", flat=True)) == {""}


def test_a_sheet_for_a_day_to_come_is_refused_on_the_page(agent_client, canteen, school):
    tomorrow = SessionFactory(activity=canteen, site=school, date=MONDAY + timedelta(days=1))
    (booking,) = book_children(tomorrow, 1)

    shown = agent_client.get(sheet_url(tomorrow))
    assertContains(shown, "L&#x27;appel d&#x27;une séance à venir ne peut pas être enregistré.")
    assertNotContains(shown, 'type="radio"')

    response = agent_client.post(sheet_url(tomorrow), {field(booking): "present"})
    assert response.status_code == 200
    assertContains(response, "Le formulaire contient des erreurs")
    booking.refresh_from_db()
    assert booking.attendance == ""


def test_a_posted_mark_for_another_sessions_booking_is_ignored(
    agent_client, session, children, canteen, school
):
    other = SessionFactory(activity=canteen, site=school, date=MONDAY - timedelta(days=1))
    (stranger,) = book_children(other, 1)

    agent_client.post(sheet_url(session), {field(children[0]): "present", field(stranger): "absent"})

    stranger.refresh_from_db()
    assert stranger.attendance == ""
    assert Booking.objects.get(pk=children[0].pk).attendance == "present"


def test_another_services_agent_and_an_administrator_get_a_404(client, session, children):
    leisure = ServiceFactory(slug="loisirs", name="Loisirs")
    for user in (famille_agent(leisure), make_admin()):
        login(client, user)
        assert client.get(sheet_url(session)).status_code == 404
        assert client.post(sheet_url(session), {field(children[0]): "present"}).status_code == 404
        assert client.get(reverse("famille:agent_attendance_pdf", args=[session.pk])).status_code == 404
    assert set(Booking.objects.values_list("attendance", flat=True)) == {""}


def test_the_sheet_answers_only_get_and_post(agent_client, session):
    assert agent_client.put(sheet_url(session)).status_code == 405
    assert agent_client.delete(sheet_url(session)).status_code == 405
    assert agent_client.post(reverse("famille:agent_attendance_pdf", args=[session.pk])).status_code == 405


def test_the_sheet_keeps_its_number_of_queries_whatever_the_number_of_children(
    agent_client, canteen, school, django_assert_max_num_queries
):
    small = SessionFactory(activity=canteen, site=school, date=MONDAY)
    for booking in book_children(small, 2):
        AuthorisedPickup.objects.create(child=booking.child, name="Tata", phone="06")
    with django_assert_max_num_queries(30) as small_run:
        agent_client.get(sheet_url(small))

    large = SessionFactory(activity=canteen, site=school, date=MONDAY - timedelta(days=7), capacity=40)
    for booking in book_children(large, 40):
        AuthorisedPickup.objects.create(child=booking.child, name="Tata", phone="06")
        child_health(booking.child, allergies="Gluten")
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        agent_client.get(sheet_url(large))


# The PDF --------------------------------------------------------------------------------------------


def test_the_printable_sheet_is_a_pdf_with_the_childrens_names(agent_client, session, children):
    lea = children[0]
    Booking.objects.filter(pk=lea.pk).update(attendance=Attendance.PRESENT)

    response = agent_client.get(reverse("famille:agent_attendance_pdf", args=[session.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == f'inline; filename="appel-2026-11-02-{session.pk}.pdf"'
    text = pdf_text(response.content)
    for name in ("Aubert Léa", "Bernard Noé", "Carré Zoé", "Restauration scolaire", "École Jules-Verne"):
        assert name in text
    assert "PAI : voir le responsable" in text
    assert "Arachide" not in text
    assert (
        AuditEvent.objects.filter(action="famille.attendance.print", target_id=str(session.pk)).count() == 1
    )


def test_the_pdf_follows_the_sheet_a_new_mark_makes_a_new_one(agent_client, session, children):
    url = reverse("famille:agent_attendance_pdf", args=[session.pk])
    first = agent_client.get(url).content
    assert agent_client.get(url).content == first  # the same sheet: served again from the cache

    Booking.objects.filter(pk=children[0].pk).update(attendance=Attendance.ABSENT)
    second = agent_client.get(url).content

    assert second != first
    # Léa (first by name) is ticked absent; Noé and Zoé are not ticked yet.
    boxes = "".join(char for char in pdf_text(second) if char in "☐☒")
    assert boxes == "☐☒☐" + "☐☐☐" * 2


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def test_while_the_pdf_is_rendered_the_page_says_so_and_queues_it_once(
    agent_client, session, children, queued_tasks
):
    from famille import tasks

    url = reverse("famille:agent_attendance_pdf", args=[session.pk])

    response = agent_client.get(url)
    assert response.status_code == 202
    assert response["Retry-After"] == "5"
    assertContains(response, "<h1>Feuille d'appel en préparation</h1>", html=True, status_code=202)
    assertContains(
        response,
        f'<a class="button" href="{url}">Télécharger la feuille (PDF)</a>',
        html=True,
        status_code=202,
    )
    assert agent_client.get(url).status_code == 202
    assert queued_tasks() == 1  # asked twice, queued once
    assert not AuditEvent.objects.filter(action="famille.attendance.print").exists()

    tasks.render_attendance_sheet(session.pk)  # what the worker does with the message

    response = agent_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


# The tablet --------------------------------------------------------------------------------------------


def test_the_sheets_buttons_are_big_touch_targets_and_the_page_prints():
    """The marks are labels of at least 44 × 44 CSS px (48 here), and a print stylesheet hides the chrome."""
    css = (Path(settings.BASE_DIR) / "static" / "css" / "famille-attendance.css").read_text()
    rule = re.search(r"\.attendance-choice \{([^}]*)\}", css).group(1)
    sizes = dict(re.findall(r"(min-width|min-height):\s*(\d+)px", rule))
    assert int(sizes["min-width"]) >= 44 and int(sizes["min-height"]) >= 44
    assert "@media print" in css


def test_the_sheet_links_its_stylesheet(agent_client, session, children):
    response = agent_client.get(sheet_url(session))

    assertContains(response, '<link rel="stylesheet" href="/static/css/famille-attendance.css">', html=True)
    assertContains(response, 'class="attendance-choice attendance-choice--present"', count=3)
