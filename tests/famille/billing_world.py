"""The hand-computed month of November 2026 that the billing tests check (shared by part F3's tests).

The Martin household (resident, quotient 850 validated for 2026) has two children:

- Léa (born 10 March 2019), enrolled in the canteen and the after-school care;
- Tom (born 2 June 2021), enrolled in the canteen only (his one after-school day is an anomaly).

Canteen (bills late cancellations and unjustified absences): 3.20 € until 15 November,
3.40 € from the 16th (the bracket 501–900 of two successive rules); 4.80 € / 5.00 € without
quotient. After-school care (bills neither): 2.50 € (bracket 501–900), 3.50 € above.
The 26th is a strike day: the canteen session is closed, never billed.

Léa, canteen, Mon/Tue/Thu/Fri (17 days: 2 3 5 6 9 10 12 13 | 16 17 19 20 23 24 26 27 30):
  before the 16th: 8 booked, the 5th excused (medical certificate) → 7 × 3.20 € = 22.40 €
  from the 16th: 9 booked, 19th cancelled late, 24th absent without certificate, 26th closed
               → 6 × 3.40 € = 20.40 €, + 1 late cancellation × 3.40 €, + 1 absence × 3.40 €
Léa, after-school, Tuesdays 3 10 17 24: the 24th absent (not billed by this activity),
  the 12th (a Thursday) cancelled late (not billed either) → 3 × 2.50 € = 7.50 €
Tom, canteen, Mondays and Thursdays (2 5 9 12 | 16 19 23 26 30), the 26th closed,
  the 20th cancelled in time, the 27th on the waiting list (neither billed)
  → 4 × 3.20 € = 12.80 €, 4 × 3.40 € = 13.60 €
Tom, after-school, Monday 2nd, present → 1 × 2.50 € = 2.50 € (listed: no validated enrolment)

Invoice: 22.40 + 20.40 + 3.40 + 3.40 + 7.50 + 12.80 + 13.60 + 2.50 = 86.00 €.

The Durand household (no validated quotient: their quotient is still pending) books the
canteen for Jules on the 2nd and the 3rd: 2 × 4.80 € = 9.60 € (listed: highest bracket).
The Wednesday leisure centre has no tariff: Léa's Wednesday the 4th is listed, not billed.
"""

from dataclasses import dataclass
from datetime import date, time

from famille.enums import ActivityKind, Attendance, BookingStatus, EnrolmentStatus, ReviewStatus
from famille.models import Activity, Booking, Child, Closure, Household, Session, Site
from tests.factories import ServiceFactory, UserFactory
from tests.famille.factories import (
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    EnrolmentFactory,
    QuotientFactory,
    SchoolYearFactory,
    SessionFactory,
    SiteFactory,
    bracket_rule,
    make_household,
)

NOVEMBER = date(2026, 11, 1)
CANTEEN_DAYS = [2, 3, 5, 6, 9, 10, 12, 13, 16, 17, 19, 20, 23, 24, 26, 27, 30]
EXPECTED_TOTAL_CENTS = 8600
# (child, activity, kind, quantity, unit price): the Martins' lines.
EXPECTED_LINES = {
    ("Léa", "Restauration scolaire", "sessions", 7, 320),
    ("Léa", "Restauration scolaire", "sessions", 6, 340),
    ("Léa", "Restauration scolaire", "late_cancellation", 1, 340),
    ("Léa", "Restauration scolaire", "unjustified_absence", 1, 340),
    ("Léa", "Accueil périscolaire du soir", "sessions", 3, 250),
    ("Tom", "Restauration scolaire", "sessions", 4, 320),
    ("Tom", "Restauration scolaire", "sessions", 4, 340),
    ("Tom", "Accueil périscolaire du soir", "sessions", 1, 250),
}
EXPECTED_LABELS = [
    "Accueil périscolaire du soir — Léa (3 × 2,50\u00a0€)",
    "Restauration scolaire — Léa (7 × 3,20\u00a0€)",
    "Restauration scolaire — Léa (6 × 3,40\u00a0€)",
    "Restauration scolaire, annulations hors délai — Léa (1 × 3,40\u00a0€)",
    "Restauration scolaire, absences non justifiées — Léa (1 × 3,40\u00a0€)",
    "Accueil périscolaire du soir — Tom (1 × 2,50\u00a0€)",
    "Restauration scolaire — Tom (4 × 3,20\u00a0€)",
    "Restauration scolaire — Tom (4 × 3,40\u00a0€)",
]


@dataclass
class World:
    martins: Household
    durands: Household
    parent: object
    lea: Child
    tom: Child
    jules: Child
    canteen: Activity
    after_school: Activity
    leisure: Activity
    school: Site
    sessions: dict


def book(world_sessions, activity, day, child, household, status=BookingStatus.CONFIRMED, attendance=""):
    return BookingFactory(
        session=world_sessions[(activity.pk, day)],
        child=child,
        household=household,
        status=status,
        attendance=attendance,
    )


def build_november() -> World:
    service = ServiceFactory(slug="education", name="Éducation")
    school = SiteFactory(name="École Jules-Verne")
    canteen = ActivityFactory(kind=ActivityKind.CANTEEN, name="Restauration scolaire", service=service)
    after_school = ActivityFactory(
        kind=ActivityKind.EVENING_CARE,
        name="Accueil périscolaire du soir",
        service=service,
        start_time=time(16, 30),
        end_time=time(18, 30),
        bill_late_cancellation=False,
        bill_unjustified_absence=False,
    )
    leisure = ActivityFactory(
        kind=ActivityKind.WEDNESDAY_CENTRE, name="Accueil de loisirs du mercredi", service=service
    )
    bracket_rule(
        canteen,
        [(0, 500, 120), (501, 900, 320), (901, None, 480)],
        valid_from=date(2026, 9, 1),
        valid_until=date(2026, 11, 15),
    )
    bracket_rule(canteen, [(0, 500, 130), (501, 900, 340), (901, None, 500)], valid_from=date(2026, 11, 16))
    bracket_rule(
        after_school, [(0, 500, 150), (501, 900, 250), (901, None, 350)], valid_from=date(2026, 9, 1)
    )

    sessions = {}
    for day in CANTEEN_DAYS:
        sessions[(canteen.pk, day)] = SessionFactory(activity=canteen, site=school, date=date(2026, 11, day))
    for day in (2, 3, 10, 12, 17, 24):
        sessions[(after_school.pk, day)] = SessionFactory(
            activity=after_school, site=school, date=date(2026, 11, day)
        )
    sessions[(leisure.pk, 4)] = SessionFactory(activity=leisure, site=school, date=date(2026, 11, 4))
    strike = Closure.objects.create(date=date(2026, 11, 26), activity=canteen, reason="Grève")
    Session.objects.filter(activity=canteen, date=date(2026, 11, 26)).update(closure=strike)

    parent = UserFactory(first_name="Camille", last_name="Martin")
    martins = make_household(
        parent, name="Foyer Martin", address="3 rue des Lilas", postal_code="44000", city="Nantes"
    )
    QuotientFactory(household=martins, value=850, valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    lea = ChildFactory(first_name="Léa", last_name="Martin", birth_date=date(2019, 3, 10), household=martins)
    tom = ChildFactory(first_name="Tom", last_name="Martin", birth_date=date(2021, 6, 2), household=martins)
    year = SchoolYearFactory()
    for child, activity in ((lea, canteen), (lea, after_school), (tom, canteen), (lea, leisure)):
        EnrolmentFactory(child=child, activity=activity, site=school, household=martins, school_year=year)
    # Tom's after-school enrolment was asked for, never validated.
    EnrolmentFactory(
        child=tom,
        activity=after_school,
        site=school,
        household=martins,
        school_year=year,
        status=EnrolmentStatus.REQUESTED,
    )

    for day in CANTEEN_DAYS:
        status, attendance = BookingStatus.CONFIRMED, ""
        if day == 5:
            attendance = Attendance.EXCUSED
        elif day == 19:
            status = BookingStatus.LATE_CANCELLED
        elif day == 24:
            attendance = Attendance.ABSENT
        elif day == 12:
            attendance = Attendance.PRESENT
        book(sessions, canteen, day, lea, martins, status, attendance)
    for day, status, attendance in (
        (3, BookingStatus.CONFIRMED, Attendance.PRESENT),
        (10, BookingStatus.CONFIRMED, ""),
        (12, BookingStatus.LATE_CANCELLED, ""),
        (17, BookingStatus.CONFIRMED, Attendance.PRESENT),
        (24, BookingStatus.CONFIRMED, Attendance.ABSENT),
    ):
        book(sessions, after_school, day, lea, martins, status, attendance)
    for day in (2, 5, 9, 12, 16, 19, 23, 26, 30):
        book(sessions, canteen, day, tom, martins)
    book(sessions, canteen, 20, tom, martins, BookingStatus.CANCELLED)
    book(sessions, canteen, 27, tom, martins, BookingStatus.WAITING)
    book(sessions, after_school, 2, tom, martins, attendance=Attendance.PRESENT)
    book(sessions, leisure, 4, lea, martins)

    durands = make_household(name="Foyer Durand")
    QuotientFactory(household=durands, value=400, status=ReviewStatus.PENDING)
    jules = ChildFactory(
        first_name="Jules", last_name="Durand", birth_date=date(2018, 1, 20), household=durands
    )
    EnrolmentFactory(child=jules, activity=canteen, site=school, household=durands, school_year=year)
    for day in (2, 3):
        book(sessions, canteen, day, jules, durands)
    return World(
        martins=martins,
        durands=durands,
        parent=parent,
        lea=lea,
        tom=tom,
        jules=jules,
        canteen=canteen,
        after_school=after_school,
        leisure=leisure,
        school=school,
        sessions=sessions,
    )


def booking_count() -> int:
    return Booking.objects.count()
