"""The parents' enrolment, recurring booking, result and cancellation pages, and the agents' enrolment pages."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from famille.enums import BookingStatus, EnrolmentStatus
from famille.models import Booking, Enrolment, Session
from guichet.audit.models import AuditEvent
from tests.factories import ServiceFactory, UserFactory, make_agent, make_town
from tests.famille.factories import SchoolYearFactory, activity_at, enrol, family, no_required_documents
from tests.helpers import login

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)  # a Friday; Christmas holidays (zone B) from 19 December


@pytest.fixture(autouse=True)
def _world(db):
    make_town(school_holiday_zone="B")
    no_required_documents()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def year():
    return SchoolYearFactory()


@pytest.fixture
def lucie(client, year):
    """A parent signed in, with Lucie (CE1) enrolled in the canteen of her school."""
    parent, household, (child,) = family(first_name="Lucie")
    activity, site = activity_at(capacity=2, min_level="cp", max_level="cm2")
    enrolment = enrol(child, activity, site, household)
    login(client, parent)
    return parent, household, child, activity, site, enrolment


def add_session(activity, site, day: date, *, capacity: int = 2, booked: int = 0) -> Session:
    return Session.objects.create(
        activity=activity,
        site=site,
        date=day,
        start_time=activity.start_time,
        end_time=activity.end_time,
        capacity=capacity,
        booked=booked,
    )


# Enrolments -----------------------------------------------------------------------------------------


def test_the_enrolments_page_lists_each_child_with_enrolments_and_links(client, lucie):
    _parent, household, child, activity, site, _enrolment = lucie
    Enrolment.objects.create(
        child=child,
        activity=activity_at(site, name="Accueil du soir")[0],
        site=site,
        school_year=SchoolYearFactory(),
        household=household,
        status=EnrolmentStatus.REFUSED,
        refusal_reason="Complet cette année.",
    )

    response = client.get(reverse("famille:enrolments"))

    assertContains(response, "<h1>Inscriptions et réservations</h1>", html=True)
    assertContains(response, f'<th scope="row">{activity.name}</th>', html=True)
    assertContains(response, '<span class="badge badge--success">Validée</span>', html=True)
    assertContains(response, '<span class="badge badge--danger">Refusée</span>', html=True)
    assertContains(response, "Complet cette année.")
    assertContains(response, reverse("famille:calendar", args=[child.pk]))
    assertContains(response, reverse("famille:recurring_booking", args=[child.pk]))
    assert reverse("famille:enrolments") == "/mon-espace/famille/inscriptions/"


def test_without_a_family_file_the_page_says_how_to_start(client):
    login(client, UserFactory())

    response = client.get(reverse("famille:enrolments"))

    assertContains(response, "Vous n'avez pas encore de dossier famille")
    assertContains(response, reverse("famille:family_home"))
    assert client.post(reverse("famille:enrolments")).status_code == 405


def test_a_parent_asks_for_an_enrolment(client, lucie, year):
    _parent, household, child, _canteen, site, _enrolment = lucie
    care, _site = activity_at(site, name="Accueil du matin")
    choice = care.activity_sites.get()

    page = client.get(reverse("famille:enrolment_request"), {"enfant": child.pk})
    response = client.post(
        reverse("famille:enrolment_request"),
        {"child": child.pk, "activity_site": choice.pk, "school_year": year.pk},
    )

    assertContains(page, f'<option value="{child.pk}" selected>Lucie Martin</option>', html=True)
    assert response.status_code == 302 and response.url == reverse("famille:enrolments")
    enrolment = Enrolment.objects.get(activity=care)
    assert (enrolment.child, enrolment.household, enrolment.status) == (
        child,
        household,
        EnrolmentStatus.REQUESTED,
    )


def test_an_enrolment_not_eligible_shows_why_and_keeps_the_choices(client, lucie, year):
    _parent, _household, child, _canteen, site, _enrolment = lucie
    nursery, _site = activity_at(site, name="Crèche", max_age_months=36)
    choice = nursery.activity_sites.get()

    response = client.post(
        reverse("famille:enrolment_request"),
        {"child": child.pk, "activity_site": choice.pk, "school_year": year.pk},
    )
    empty = client.post(reverse("famille:enrolment_request"), {})

    assert response.status_code == 200
    assertContains(response, "Cette activité accueille les enfants de 36 mois au plus au 1 septembre 2026")
    assertContains(response, f'<option value="{choice.pk}" selected>Crèche — {site.name}</option>', html=True)
    assertContains(empty, "Choisissez l&#x27;enfant à inscrire.")
    assert not Enrolment.objects.filter(activity=nursery).exists()


def test_someone_elses_child_cannot_be_chosen_for_an_enrolment(client, lucie, year):
    _parent, _household, _child, canteen, _site, _enrolment = lucie
    _stranger, _their, (their_child,) = family()

    response = client.post(
        reverse("famille:enrolment_request"),
        {"child": their_child.pk, "activity_site": canteen.activity_sites.get().pk, "school_year": year.pk},
    )

    assertContains(response, "Choisissez un enfant de votre foyer.")
    assert not Enrolment.objects.filter(child=their_child).exists()
    assert client.put(reverse("famille:enrolment_request")).status_code == 405


# The recurring booking ------------------------------------------------------------------------------


def test_a_recurring_pattern_books_until_the_end_of_the_term_in_one_action(client, lucie):
    _parent, household, child, activity, site, enrolment = lucie
    # Mondays, Tuesdays and Thursdays from 30 November to 18 December: 9 days, one of them already full.
    days = [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 3)]
    days += [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 10)]
    days += [date(2026, 12, 14), date(2026, 12, 15), date(2026, 12, 17)]
    sessions = {day: add_session(activity, site, day) for day in days}
    add_session(activity, site, date(2026, 12, 2))  # a Wednesday: not in the pattern
    Session.objects.filter(pk=sessions[date(2026, 12, 8)].pk).update(booked=2)

    form = client.get(reverse("famille:recurring_booking", args=[child.pk]))
    response = client.post(
        reverse("famille:recurring_booking", args=[child.pk]),
        {"enrolment": enrolment.pk, "weekdays": [0, 1, 3], "start": "2026-11-30", "until": "2026-12-18"},
    )

    assertContains(form, 'value="2026-12-18"')  # the end of the term by default
    assert response.status_code == 302
    assert (
        Booking.objects.filter(child=child, household=household, status=BookingStatus.CONFIRMED).count() == 8
    )
    assert Booking.objects.get(session=sessions[date(2026, 12, 8)]).status == BookingStatus.WAITING
    result = client.get(response.url)
    assertContains(result, "8 jours réservés, 1 sur liste d&#x27;attente.")
    assertContains(result, "Mardi 8 décembre 2026 : Restauration scolaire")
    # A reload shows the same result and books nothing more.
    assertContains(client.get(response.url), "8 jours réservés")
    assert Booking.objects.filter(child=child).count() == 9


def test_the_recurring_form_keeps_what_was_typed_when_invalid(client, lucie):
    _parent, _household, child, _activity, _site, enrolment = lucie

    response = client.post(
        reverse("famille:recurring_booking", args=[child.pk]),
        {"enrolment": enrolment.pk, "weekdays": [0], "start": "2026-12-18", "until": "2026-12-01"},
    )
    nothing = client.post(
        reverse("famille:recurring_booking", args=[child.pk]),
        {"enrolment": enrolment.pk, "weekdays": [4], "start": "2026-12-01", "until": "2026-12-18"},
    )

    assert response.status_code == 200
    assertContains(response, "Le dernier jour doit suivre le premier.")
    assertContains(response, 'value="2026-12-18"')
    assertContains(response, 'value="2026-12-01"')
    assertContains(
        nothing,
        "Aucune séance de cette activité ces jours-là entre le 1 décembre 2026 et le 18 décembre 2026.",
    )
    assert not Booking.objects.exists()


def test_the_recurring_form_of_someone_elses_child_is_not_found(client, lucie):
    _stranger, _their, (their_child,) = family()

    assert client.get(reverse("famille:recurring_booking", args=[their_child.pk])).status_code == 404
    assert client.put(reverse("famille:recurring_booking", args=[lucie[2].pk])).status_code == 405


def test_the_result_page_without_a_result_goes_back_to_the_enrolments(client, lucie):
    response = client.get(reverse("famille:booking_result"))

    assert response.status_code == 302 and response.url == reverse("famille:enrolments")
    assert client.post(reverse("famille:booking_result")).status_code == 405


# Cancelling -----------------------------------------------------------------------------------------


def book(parent, household, child, session):
    from famille import services

    return services.book(actor=parent, household=household, child=child, sessions=[session]).booked[0].booking


def test_the_confirmation_says_the_deadline_and_that_it_is_free_then_cancels(client, lucie):
    parent, household, child, activity, site, _enrolment = lucie
    session = add_session(activity, site, date(2026, 12, 10))
    booking = book(parent, household, child, session)
    url = reverse("famille:booking_cancel", args=[booking.pk])

    page = client.get(url)
    response = client.post(url)

    assertContains(page, "<dd>mardi 8 décembre 2026 à 10:00</dd>", html=True)
    assertContains(page, "cette annulation ne vous sera pas facturée")
    assert response.status_code == 302
    assert response.url == reverse("famille:calendar_month", args=[child.pk, 2026, 12])
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_after_the_deadline_the_page_says_it_will_be_billed(client, lucie):
    parent, household, child, activity, site, _enrolment = lucie
    session = add_session(activity, site, date(2026, 12, 10))
    booking = book(parent, household, child, session)
    url = reverse("famille:booking_cancel", args=[booking.pk])

    with time_machine.travel(datetime(2026, 12, 9, 8, 0, tzinfo=PARIS), tick=False):
        # Back on the portal that day: a new session (the idle one of the fixture has ended).
        login(client, parent)
        page = client.get(url)
        client.post(url)

    assertContains(page, "cette journée vous sera facturée même si vous l'annulez")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.LATE_CANCELLED


def test_after_the_deadline_without_billing_the_page_says_why_not(client, lucie):
    parent, household, child, activity, site, _enrolment = lucie
    activity.bill_late_cancellation = False
    activity.save()
    session = add_session(activity, site, date(2026, 12, 10))
    booking = book(parent, household, child, session)
    url = reverse("famille:booking_cancel", args=[booking.pk])

    with time_machine.travel(datetime(2026, 12, 9, 8, 0, tzinfo=PARIS), tick=False):
        # Back on the portal that day: a new session (the idle one of the fixture has ended).
        login(client, parent)
        page = client.get(url)
        refused = client.post(url)

    message = (
        "Le délai d&#x27;annulation est dépassé : il fallait annuler avant le mardi 8 décembre 2026 à 10:00."
    )
    assertContains(page, message)
    assertNotContains(page, "Annuler la réservation</button>")
    assert refused.status_code == 200
    assertContains(refused, message)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_someone_elses_booking_cannot_be_cancelled(client, lucie):
    _parent, _household, _child, activity, site, _enrolment = lucie
    stranger, their_household, (their_child,) = family()
    enrol(their_child, activity, site, their_household)
    theirs = book(stranger, their_household, their_child, add_session(activity, site, date(2026, 12, 10)))
    url = reverse("famille:booking_cancel", args=[theirs.pk])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == BookingStatus.CONFIRMED
    login(client, stranger)
    assert client.put(url).status_code == 405


# Agents ---------------------------------------------------------------------------------------------


@pytest.fixture
def request_to_review(year):
    parent, household, (child,) = family(first_name="Noé", school_level="cp")
    activity, site = activity_at(name="Accueil du soir")
    enrolment = Enrolment.objects.create(
        child=child, activity=activity, site=site, school_year=year, household=household, requested_by=parent
    )
    return parent, enrolment


def test_an_agent_reviews_the_requests_of_their_services_only(client, request_to_review, year):
    _parent, enrolment = request_to_review
    agent = make_agent(enrolment.activity.service)
    other_activity, other_site = activity_at(service=ServiceFactory(slug="sports", name="Sports"))
    _p, other_household, (other_child,) = family(first_name="Zoé")
    foreign = Enrolment.objects.create(
        child=other_child,
        activity=other_activity,
        site=other_site,
        school_year=year,
        household=other_household,
    )
    login(client, agent)

    listing = client.get(reverse("famille:agent_enrolments"))
    page = client.get(reverse("famille:agent_enrolment", args=[enrolment.pk]))

    assertContains(listing, "Noé Martin")
    assertNotContains(listing, "Zoé")
    assertContains(page, "L'âge et la classe de l'enfant correspondent aux conditions de l'activité.")
    assert AuditEvent.objects.filter(action="famille.enrolment.read", target_id=str(enrolment.pk)).exists()
    assert client.get(reverse("famille:agent_enrolment", args=[foreign.pk])).status_code == 404
    assert (
        client.post(
            reverse("famille:agent_enrolment", args=[foreign.pk]), {"decision": "validate"}
        ).status_code
        == 404
    )
    foreign.refresh_from_db()
    assert foreign.status == EnrolmentStatus.REQUESTED


def test_an_agent_validates_and_the_family_is_told(client, request_to_review):
    parent, enrolment = request_to_review
    login(client, make_agent(enrolment.activity.service))

    response = client.post(reverse("famille:agent_enrolment", args=[enrolment.pk]), {"decision": "validate"})

    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.VALIDATED
    assert parent.notifications.filter(kind="famille_enrolment_decision").exists()


def test_a_refusal_without_reason_is_shown_again_with_the_error(client, request_to_review):
    _parent, enrolment = request_to_review
    login(client, make_agent(enrolment.activity.service))
    url = reverse("famille:agent_enrolment", args=[enrolment.pk])

    empty = client.post(url, {"decision": "refuse", "reason": ""})
    refused = client.post(url, {"decision": "refuse", "reason": "Le dossier est incomplet."})

    assert empty.status_code == 200
    assertContains(empty, "Indiquez le motif du refus : il sera communiqué à la famille.")
    assert refused.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.refusal_reason) == (
        EnrolmentStatus.REFUSED,
        "Le dossier est incomplet.",
    )


def test_a_citizen_gets_403_on_the_agent_pages(client, request_to_review):
    parent, enrolment = request_to_review
    login(client, parent)

    assert client.get(reverse("famille:agent_enrolments")).status_code == 403
    assert client.get(reverse("famille:agent_enrolment", args=[enrolment.pk])).status_code == 403
    login(client, make_agent(ServiceFactory(slug="urbanisme", name="Urbanisme")))
    assert client.get(reverse("famille:agent_enrolments")).status_code == 403
    login(client, make_agent(enrolment.activity.service))
    assert client.post(reverse("famille:agent_enrolments")).status_code == 405


def test_the_catalogue_links_lead_to_the_enrolments_page(client):
    from demarches.catalogue import load_catalogue

    slugs = ["inscription-restauration-scolaire", "inscription-periscolaire", "inscription-centre-de-loisirs"]
    load_catalogue(slugs=slugs)

    response = client.get(reverse("demarches:catalogue"))

    assertContains(response, 'href="/mon-espace/famille/inscriptions/"', count=3)
    assertContains(response, "Inscrire son enfant à la cantine")
