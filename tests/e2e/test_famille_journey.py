"""The family app in a real browser, over three weeks of November 2026 (the clock moved by time-machine):

1. Monday 9 November: a parent opens their child's calendar, books the canteen every Monday, Tuesday
   and Thursday until the Christmas holidays in one action; the result lists the booked days and the
   one full day (Thursday 26) put on the waiting list. They cancel Tuesday 24 before its deadline:
   free, as the page says.
2. Tuesday 17 November: the cancellation deadline of Thursday 19 is past; the confirmation page says
   that cancelling it now is billed, and the parent cancels it anyway. At lunchtime the agent of the
   education service (password and TOTP) ticks the canteen's attendance sheet.
3. Tuesday 1 December: the agent prepares and issues November's bill; the parent finds the invoice of
   their household in "Mes factures": 5 meals and 1 late cancellation at their quotient's price.

Every page visited, the parent's and the agent's, passes axe's WCAG 2.1 A/AA rules; screenshots at
360 and 1280 px go to /tmp/screens/famille-*.png.
"""

import re
from collections import Counter
from datetime import date, datetime

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from famille import services
from famille.deadlines import PARIS
from famille.enums import Attendance, BillingRunStatus, BookingStatus
from famille.models import BillingRun, Booking, Session
from regie.models import Invoice
from tests.e2e.helpers import check_accessibility, take_screenshots
from tests.factories import PASSWORD, ServiceFactory, UserFactory, make_agent, make_town
from tests.famille.factories import (
    ActivityFactory,
    ChildFactory,
    QuotientFactory,
    SchoolYearFactory,
    SiteFactory,
    add_site,
    book_children,
    bracket_rule,
    complete_file,
    enrol,
    make_household,
    seed_requirements,
)

pytestmark = pytest.mark.e2e

PARENT = "sofia.benali@exemple.fr"
AGENT = "agent.education@villebelle.fr"
MONDAY_9 = datetime(2026, 11, 9, 9, 0, tzinfo=PARIS)
TUESDAY_17 = datetime(2026, 11, 17, 11, 0, tzinfo=PARIS)
TUESDAY_17_LUNCH = datetime(2026, 11, 17, 12, 15, tzinfo=PARIS)
DECEMBER_1 = datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)
FULL_DAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def vault_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "coffre": {
            "BACKEND": "coffre.storage.VaultFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "coffre"},
        },
    }


@pytest.fixture
def world(time_machine):
    """A school with its canteen (20 places, D-2 at 10:00, late cancellations billed), the year's
    sessions, a price grid, and the Benali family: Inès in CE1, enrolled, papers given, quotient 780."""
    time_machine.move_to(MONDAY_9, tick=True)
    # The live server's tests empty the tables: the vault's types and the required documents again.
    seed_requirements()
    make_town(name="Villebelle", school_holiday_zone="C")
    education = ServiceFactory(slug="education", name="Éducation")
    agent = make_agent(education, email=AGENT, first_name="Alex", last_name="Durand")
    school = SiteFactory(name="École Jules-Ferry")
    canteen = ActivityFactory(service=education, slug="restauration-scolaire", weekdays=[0, 1, 3, 4])
    add_site(canteen, school, capacity=20)
    year = SchoolYearFactory(start_date=date(2026, 9, 1), end_date=date(2027, 7, 2))
    services.generate_sessions(activity=canteen, school_year=year)
    bracket_rule(canteen, [(0, 700, 230), (701, 1000, 350), (1001, None, 480)], valid_from=year.start_date)
    parent = UserFactory(email=PARENT, first_name="Sofia", last_name="Benali")
    household = make_household(parent, name="Foyer Benali", phone="06 12 34 56 78")
    ines = ChildFactory(
        household=household, first_name="Inès", last_name="Benali", school=school, school_level="ce1"
    )
    complete_file(parent, household, [ines])
    QuotientFactory(household=household, value=780)
    enrol(ines, canteen, school, household)
    # Thursday 26 is full: twenty children of other families took its places.
    full = Session.objects.get(activity=canteen, site=school, date=FULL_DAY)
    book_children(full, 20)
    return {"agent": agent, "parent": parent, "household": household, "ines": ines, "canteen": canteen}


def main(page):
    return page.get_by_role("main")


def look(page, name: str) -> None:
    check_accessibility(page)
    take_screenshots(page, name=f"famille-{name}")


def log_in(page, email: str, *, next_path: str) -> None:
    page.goto(f"/compte/login/?next={next_path}")
    page.get_by_role("textbox", name=re.compile(r"^Courriel")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_role("main").locator("form button[type=submit]").click()


def log_in_agent(page, agent, *, next_path: str) -> None:
    log_in(page, agent.email, next_path=next_path)
    device = TOTPDevice.objects.get(user=agent)
    page.get_by_role("textbox", name=re.compile(r"^Code de vérification")).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Valider").click()


def log_out(page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()


def test_a_parent_books_a_term_cancels_and_pays_the_month_an_agent_ticks_attendance(
    page, world, time_machine
):
    ines, agent = world["ines"], world["agent"]

    # Monday 9 November. The parent opens Inès's calendar from "Inscriptions et réservations".
    log_in(page, PARENT, next_path="/mon-espace/famille/inscriptions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscriptions et réservations")
    look(page, "enrolments")
    main(page).get_by_role("link", name="Calendrier des réservations de Inès").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réservations de Inès – novembre 2026")
    look(page, "calendar")

    # A recurring pattern: Monday, Tuesday and Thursday from the 12th until the end of the term.
    main(page).get_by_role("link", name="Réservation régulière").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réservation régulière pour Inès")
    # The end of the term by default: the day before the Christmas holidays of zone C.
    expect(page.get_by_label("Jusqu'au")).to_have_value("2026-12-18")
    look(page, "recurring")
    page.get_by_role("button", name="Réserver ces jours").click()
    expect(page.get_by_role("alert")).to_contain_text("Cochez au moins un jour de la semaine.")
    look(page, "recurring-error")
    for day in ("Lundi", "Mardi", "Jeudi"):
        page.get_by_role("checkbox", name=day).check()
    page.get_by_label("À partir du").fill("2026-11-12")
    page.get_by_role("button", name="Réserver ces jours").click()

    # The result: fifteen days booked, the full Thursday on the waiting list.
    expect(page.get_by_role("heading", level=1)).to_have_text("Réservations de Inès : le résultat")
    expect(main(page)).to_contain_text("15 jours réservés, 1 sur liste d'attente.")
    booked = main(page).get_by_role("region", name=re.compile("^Jours réservés"))
    expect(booked.get_by_role("listitem")).to_have_count(15)
    expect(booked).to_contain_text("Jeudi 12 novembre 2026 : Restauration scolaire, École Jules-Ferry")
    expect(booked).to_contain_text("Jeudi 17 décembre 2026")
    waiting = main(page).get_by_role("region", name=re.compile("^Jours sur liste d'attente"))
    expect(waiting.get_by_role("listitem")).to_have_count(1)
    expect(waiting).to_contain_text("Jeudi 26 novembre 2026")
    look(page, "result")
    statuses = Counter(Booking.objects.filter(child=ines).values_list("status", flat=True))
    assert statuses == {BookingStatus.CONFIRMED: 15, BookingStatus.WAITING: 1}

    # Back to the calendar: the 26th shows its place on the list; cancel Tuesday 24 before its deadline.
    main(page).get_by_role("link", name="Retour au calendrier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réservations de Inès – novembre 2026")
    expect(main(page)).to_contain_text("position 1")
    page.get_by_label(re.compile(r"^Annuler sans frais.*mardi 24 novembre")).check()
    main(page).get_by_role("button", name="Enregistrer mes choix").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réservations de Inès : le résultat")
    cancelled = main(page).get_by_role("region", name=re.compile("^Réservations annulées sans frais"))
    expect(cancelled).to_contain_text("Mardi 24 novembre 2026")
    look(page, "cancelled-in-time")
    assert Booking.objects.get(child=ines, session__date=date(2026, 11, 24)).status == BookingStatus.CANCELLED
    log_out(page)

    # Tuesday 17 November, 11:00: cancelling Thursday 19 is now billed, and the page says so.
    time_machine.move_to(TUESDAY_17, tick=True)
    log_in(page, PARENT, next_path=f"/mon-espace/famille/enfants/{ines.pk}/calendrier/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Réservations de Inès – novembre 2026")
    main(page).get_by_role("link", name=re.compile(r"^Annuler….*jeudi 19 novembre")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annuler la réservation de Inès")
    expect(main(page)).to_contain_text("Le délai d'annulation est dépassé : cette journée vous sera facturée")
    look(page, "cancel-late")
    page.get_by_role("button", name="Annuler quand même (facturé)").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(
        "Réservation annulée hors délai : elle vous sera facturée."
    )
    look(page, "calendar-after-late-cancel")
    late = Booking.objects.get(child=ines, session__date=date(2026, 11, 19))
    assert late.status == BookingStatus.LATE_CANCELLED
    log_out(page)

    # At lunchtime the agent ticks the canteen's sheet: Inès is there.
    time_machine.move_to(TUESDAY_17_LUNCH, tick=True)
    log_in_agent(page, agent, next_path="/agent/famille/presences/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Appel")
    look(page, "agent-sheets")
    main(page).get_by_role("link", name=re.compile("^Faire l'appel")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Appel – Restauration scolaire")
    expect(main(page)).to_contain_text("Benali Inès")
    look(page, "agent-sheet")
    main(page).get_by_role("radio", name="Présent", exact=True).check()
    page.get_by_role("button", name="Enregistrer l'appel").click()
    expect(page.get_by_role("status").first).to_contain_text("Appel enregistré : 1 présence mise à jour.")
    look(page, "agent-sheet-saved")
    ticked = Booking.objects.get(child=ines, session__date=date(2026, 11, 17))
    assert (ticked.attendance, ticked.attendance_by) == (Attendance.PRESENT, agent)
    log_out(page)

    # Tuesday 1 December: the agent prepares November's bill, reviews it, issues it.
    time_machine.move_to(DECEMBER_1, tick=True)
    log_in_agent(page, agent, next_path="/agent/famille/facturation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Facturation des familles")
    look(page, "agent-billing")
    page.get_by_label("Mois à facturer").fill("2026-11")
    page.get_by_role("button", name="Préparer le brouillon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Facturation de novembre 2026")
    look(page, "agent-billing-run")
    main(page).get_by_role("link", name="Émettre les factures").click()
    look(page, "agent-billing-issue")
    page.get_by_label(re.compile("^J'ai vérifié les totaux")).check()
    page.get_by_role("button", name="Émettre les factures").click()
    expect(page.get_by_role("status").first).to_contain_text("factures émises")
    run = BillingRun.objects.get(month=date(2026, 11, 1))
    assert run.status == BillingRunStatus.ISSUED
    log_out(page)

    # The parent finds the invoice of their household in "Mes factures".
    log_in(page, PARENT, next_path="/mon-espace/factures/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes factures")
    invoice = Invoice.objects.get(payer=world["household"].party)
    assert invoice.total_cents == 5 * 350 + 350
    row = main(page).get_by_role("row", name=re.compile(rf"N° {re.escape(invoice.number)}"))
    expect(row).to_contain_text("Foyer Benali")
    expect(row).to_contain_text("21,00\u00a0€")
    look(page, "invoices")
    row.get_by_role("link", name=f"N° {invoice.number}", exact=True).click()
    expect(main(page)).to_contain_text("Restauration scolaire — Inès (5 × 3,50\u00a0€)")
    expect(main(page)).to_contain_text(
        "Restauration scolaire, annulations hors délai — Inès (1 × 3,50\u00a0€)"
    )
    look(page, "invoice")
