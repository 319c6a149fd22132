"""Demo data of the family app: the town's sites, activities, tariffs and school year of sessions, the
demo parent's family file with two children enrolled and booked, and one full session with a waiting list.

Called by `manage.py seed_demo` after the accounts' demo data (the town, the services "education"
and "enfance" with their agents, the parent parent@demo.guichet.fr). Everything a family or an
agent does goes through the services (create_household, add_child, give_document,
declare_quotient / validate_quotient, request_enrolment / validate_enrolment, book,
record_attendance, prepare_run), so the audit log, the vault grants and the notifications agree
with what the pages show. The documents are small real PDFs stored encrypted in the household's
vault like any upload.

What it makes:

- sites: two school groups, a leisure centre, a nursery and the music school;
- the school year holding today (2026-2027), its first and last days taken from the school
  holidays of the town's zone, and its sessions (`generate_sessions`);
- activities with their booking rules and capacities: restauration scolaire (education),
  périscolaire matin and soir, accueil de loisirs du mercredi, multi-accueil, école de musique
  (enfance); tariffs by quotient bracket, an effort rate for the nursery;
- the demo parent's household "Foyer Benali": contact details, Inès (CE1) and Yanis (CM2) at the
  École Jules-Ferry, Inès with a PAI (peanuts), a pick-up person, every required document
  validated, a validated quotient familial (780); both children enrolled (validated) in the
  canteen and the evening care, Yanis asking for the music school (waiting for the agent);
  bookings of last month, this month and next (days already past their deadline are booked as
  they would have been, a week before their month), attendance ticked on this month's past days;
- nine other households whose eighteen children fill the evening care of one Thursday at the
  École Jules-Ferry (18 places): Inès and Yanis wait on its list; their documents wait for an
  agent's check, one quotient and one enrolment too;
- the agent of the education service (agent.education@…) holds `famille.view_childhealth_notes`:
  the canteen's attendance sheet shows Inès's PAI to them; the agent of the enfance service does
  not hold it (the sheet says "PAI : voir le responsable");
- the draft billing run of last month, for an agent to review and issue.

Idempotent: each part is made once (an existing site, activity, household, document, enrolment
or billing run is left alone), so running it twice adds nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from coffre import services as coffre_services
from coffre.models import DocumentType
from famille import deadlines, services
from famille.enums import (
    ACTIVE_BOOKING_STATUSES,
    ActivityKind,
    Attendance,
    BookingStatus,
    EffortBase,
    EnrolmentStatus,
    PriceUnit,
    PricingMode,
    SessionPeriod,
    SiteKind,
)
from famille.models import (
    Activity,
    ActivitySite,
    BillingRun,
    Booking,
    Child,
    Enrolment,
    FamilyDocument,
    Household,
    QuotientFamilial,
    RequiredDocument,
    SchoolYear,
    Session,
    Site,
    TariffBracket,
    TariffRule,
)
from guichet.accounts.models import Service, Town, User

DEMO_DOMAIN = "demo.guichet.fr"
PARENT_EMAIL = f"parent@{DEMO_DOMAIN}"
# The agent who validates the canteen's enrolments and reads the children's health notes.
HEALTH_AGENT_EMAIL = f"agent.education@{DEMO_DOMAIN}"
CHILDCARE_AGENT_EMAIL = f"agent.enfance@{DEMO_DOMAIN}"
HEALTH_PERMISSION = ("famille", "view_childhealth_notes")

SCHOOL = "École Jules-Ferry"
OTHER_SCHOOL = "École Louise-Michel"
CENTRE = "Accueil de loisirs Les Tilleuls"
NURSERY = "Multi-accueil Les Petits Pas"
MUSIC = "École municipale de musique"

SITES = [
    (SCHOOL, SiteKind.SCHOOL, "12 rue des Écoles, 00000 Villebelle"),
    (OTHER_SCHOOL, SiteKind.SCHOOL, "3 avenue du Parc, 00000 Villebelle"),
    (CENTRE, SiteKind.CENTRE, "40 chemin des Tilleuls, 00000 Villebelle"),
    (NURSERY, SiteKind.NURSERY, "5 rue des Coquelicots, 00000 Villebelle"),
    (MUSIC, SiteKind.OTHER, "1 place de la République, 00000 Villebelle"),
]

# The evening care of the demo school: 18 places, filled on one Thursday by the other households.
EVENING_CAPACITY = 18


@dataclass(frozen=True)
class ActivitySpec:
    slug: str
    kind: str
    name: str
    service: str
    description: str
    weekdays: tuple[int, ...]
    start: time
    end: time
    sites: tuple[tuple[str, int], ...]
    rules: dict
    # [(qf_min, qf_max or None, price in cents)], or None for the effort rate below.
    brackets: tuple | None
    non_resident_cents: int | None = None
    effort: dict | None = None


ACTIVITIES = [
    ActivitySpec(
        slug="restauration-scolaire",
        kind=ActivityKind.CANTEEN,
        name="Restauration scolaire",
        service="education",
        description="Le déjeuner des écoliers, les lundis, mardis, jeudis et vendredis.",
        weekdays=(0, 1, 3, 4),
        start=time(11, 45),
        end=time(13, 30),
        sites=((SCHOOL, 120), (OTHER_SCHOOL, 90)),
        # Until two working days before, 10:00; a late cancellation or an absence is billed.
        rules={"min_level": "tps", "max_level": "cm2", "working_days": True},
        brackets=((0, 400, 100), (401, 700, 230), (701, 1000, 350), (1001, 1400, 420), (1401, None, 480)),
        non_resident_cents=560,
    ),
    ActivitySpec(
        slug="periscolaire-matin",
        kind=ActivityKind.MORNING_CARE,
        name="Accueil périscolaire du matin",
        service="enfance",
        description="De 7 h 30 à l'ouverture de l'école.",
        weekdays=(0, 1, 3, 4),
        start=time(7, 30),
        end=time(8, 30),
        sites=((SCHOOL, 30), (OTHER_SCHOOL, 25)),
        rules={
            "min_level": "tps",
            "max_level": "cm2",
            "booking_deadline_days": 1,
            "booking_deadline_time": time(18, 0),
            "cancel_deadline_days": 1,
            "cancel_deadline_time": time(18, 0),
        },
        brackets=((0, 400, 80), (401, 700, 130), (701, 1000, 180), (1001, None, 230)),
        non_resident_cents=280,
    ),
    ActivitySpec(
        slug="periscolaire-soir",
        kind=ActivityKind.EVENING_CARE,
        name="Accueil périscolaire du soir",
        service="enfance",
        description="Goûter, aide aux devoirs et jeux, de la sortie de l'école à 18 h 30.",
        weekdays=(0, 1, 3, 4),
        start=time(16, 30),
        end=time(18, 30),
        sites=((SCHOOL, EVENING_CAPACITY), (OTHER_SCHOOL, 24)),
        rules={
            "min_level": "tps",
            "max_level": "cm2",
            "booking_deadline_days": 1,
            "booking_deadline_time": time(18, 0),
            "cancel_deadline_days": 1,
            "cancel_deadline_time": time(18, 0),
            "bill_unjustified_absence": False,
        },
        brackets=((0, 400, 120), (401, 700, 190), (701, 1000, 260), (1001, None, 330)),
        non_resident_cents=400,
    ),
    ActivitySpec(
        slug="loisirs-mercredi",
        kind=ActivityKind.WEDNESDAY_CENTRE,
        name="Accueil de loisirs du mercredi",
        service="enfance",
        description="La journée du mercredi au centre de loisirs, repas compris.",
        weekdays=(2,),
        start=time(8, 30),
        end=time(17, 30),
        sites=((CENTRE, 40),),
        # A week ahead, in working days: the centre orders the meals and plans the staff.
        rules={
            "min_level": "ps",
            "max_level": "cm2",
            "booking_deadline_days": 5,
            "cancel_deadline_days": 5,
            "working_days": True,
        },
        brackets=((0, 400, 450), (401, 700, 850), (701, 1000, 1250), (1001, None, 1600)),
        non_resident_cents=2000,
    ),
    ActivitySpec(
        slug="multi-accueil",
        kind=ActivityKind.NURSERY,
        name="Multi-accueil Les Petits Pas",
        service="enfance",
        description="L'accueil des tout-petits de 10 semaines à 3 ans, toute l'année.",
        weekdays=(0, 1, 2, 3, 4),
        start=time(8, 0),
        end=time(18, 0),
        sites=((NURSERY, 20),),
        rules={
            "period": SessionPeriod.ALL_YEAR,
            "min_age_months": 2,
            "max_age_months": 48,
            "working_days": True,
            "waiting_list": True,
        },
        brackets=None,
        # The CNAF's barème: 0.0619 % of the monthly income per hour (one child), bounded.
        effort={
            "effort_base": EffortBase.INCOME,
            "effort_rate": Decimal("0.0619"),
            "unit": PriceUnit.HOUR,
            "floor_cents": 50,
            "ceiling_cents": 433,
        },
    ),
    ActivitySpec(
        slug="ecole-de-musique",
        kind=ActivityKind.MUSIC_SCHOOL,
        name="École de musique : éveil musical",
        service="enfance",
        description="Éveil musical et découverte des instruments, le mercredi après-midi.",
        weekdays=(2,),
        start=time(14, 0),
        end=time(15, 0),
        sites=((MUSIC, 12),),
        rules={
            "min_level": "cp",
            "max_level": "cm2",
            "booking_deadline_days": 2,
            "cancel_deadline_days": 2,
            "bill_late_cancellation": False,
            "bill_unjustified_absence": False,
        },
        brackets=((0, 700, 300), (701, None, 600)),
    ),
]

# The demo parent's household (the parent's account comes from the accounts' demo data).
HOUSEHOLD = {
    "name": "Foyer Benali",
    "address": "8 rue des Lilas",
    "postal_code": "00000",
    "city": "Villebelle",
    "phone": "06 12 34 56 78",
    "email": PARENT_EMAIL,
}
# first name, birth date, class; the school is the demo school.
CHILDREN = [("Inès", date(2019, 4, 12), "ce1"), ("Yanis", date(2015, 9, 3), "cm2")]
# Weekdays each child is booked on (0 = Monday): the canteen every day, the evening care some.
PATTERNS = {
    "Inès": {"restauration-scolaire": (0, 1, 3, 4), "periscolaire-soir": (0, 1, 3)},
    "Yanis": {"restauration-scolaire": (0, 1, 3, 4), "periscolaire-soir": (1, 3)},
}

# Other households (accounts without a password: nobody signs in as them), two children each.
OTHERS = [
    (
        "famille.durand",
        "Claire",
        "Durand",
        [("Emma", date(2019, 2, 3), "ce1"), ("Lucas", date(2017, 6, 21), "cm1")],
    ),
    (
        "famille.moreau",
        "Julien",
        "Moreau",
        [("Chloé", date(2018, 11, 9), "ce2"), ("Hugo", date(2020, 3, 30), "cp")],
    ),
    (
        "famille.petit",
        "Inès",
        "Petit",
        [("Léo", date(2016, 8, 14), "cm2"), ("Jade", date(2019, 7, 1), "ce1")],
    ),
    (
        "famille.garcia",
        "Hugo",
        "Garcia",
        [("Louise", date(2017, 1, 25), "cm1"), ("Nathan", date(2020, 5, 5), "cp")],
    ),
    (
        "famille.fontaine",
        "Léa",
        "Fontaine",
        [("Gabriel", date(2018, 4, 18), "ce2"), ("Alice", date(2019, 10, 2), "ce1")],
    ),
    (
        "famille.nguyen",
        "Thomas",
        "Nguyen",
        [("Rose", date(2016, 12, 12), "cm2"), ("Paul", date(2020, 1, 20), "cp")],
    ),
    (
        "famille.bernard",
        "Chloé",
        "Bernard",
        [("Arthur", date(2017, 9, 8), "cm1"), ("Lina", date(2018, 2, 27), "ce2")],
    ),
    (
        "famille.roux",
        "Mathis",
        "Roux",
        [("Adam", date(2019, 6, 6), "ce1"), ("Mila", date(2016, 3, 15), "cm2")],
    ),
    (
        "famille.lambert",
        "Sarah",
        "Lambert",
        [("Jules", date(2020, 8, 30), "cp"), ("Anna", date(2017, 12, 4), "cm1")],
    ),
]

HOUSEHOLD_CODES = ("justificatif-domicile", "attestation-assurance")
CHILD_CODES = ("carnet-vaccination", "fiche-sanitaire")
CAF_CODE = "attestation-caf"
TITLES = {
    "justificatif-domicile": "Facture d'électricité",
    "attestation-assurance": "Attestation d'assurance habitation et responsabilité civile",
    "carnet-vaccination": "Carnet de vaccination",
    "fiche-sanitaire": "Fiche sanitaire de liaison",
    CAF_CODE: "Attestation de quotient familial CAF",
}


# Small real PDFs ------------------------------------------------------------------------------------


def _pdf_text(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("cp1252", errors="replace")


def demo_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a title and a few lines of text (Helvetica, WinAnsi: French accents)."""
    content = b"BT /F1 18 Tf 72 770 Td (" + _pdf_text(title) + b") Tj /F1 11 Tf"
    for line in lines:
        content += b" 0 -22 Td (" + _pdf_text(line) + b") Tj"
    content += b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# The town's offer ------------------------------------------------------------------------------------


def _school_year(today: date, zone: str) -> SchoolYear:
    """The school year holding today (from September), its days from the zone's school holidays."""
    first = today.year if today.month >= 8 else today.year - 1
    name = f"{first}-{first + 1}"
    existing = SchoolYear.objects.filter(name=name).first()
    if existing is not None:
        return existing
    try:
        start = date(first, 8, 25)
        while start.weekday() >= 5 or deadlines.is_school_holiday(start, zone):
            start += timedelta(days=1)
        end = deadlines.term_end(date(first + 1, 6, 1), zone)
    except deadlines.UnknownSchoolCalendar:
        start, end = date(first, 9, 1), date(first + 1, 7, 3)
    return SchoolYear.objects.create(name=name, start_date=start, end_date=end)


def _sites() -> dict[str, Site]:
    sites = {}
    for name, kind, address in SITES:
        sites[name], _created = Site.objects.get_or_create(
            name=name, defaults={"kind": kind, "address": address}
        )
    return sites


def _activity(spec: ActivitySpec, services_: dict[str, Service], sites: dict[str, Site], year: SchoolYear):
    activity = Activity.objects.filter(slug=spec.slug).first()
    if activity is None:
        activity = Activity.objects.create(
            slug=spec.slug,
            kind=spec.kind,
            name=spec.name,
            service=services_[spec.service],
            description=spec.description,
            weekdays=list(spec.weekdays),
            start_time=spec.start,
            end_time=spec.end,
            **spec.rules,
        )
    for site_name, capacity in spec.sites:
        ActivitySite.objects.get_or_create(
            activity=activity, site=sites[site_name], defaults={"capacity": capacity}
        )
    if not TariffRule.objects.filter(activity=activity).exists():
        if spec.brackets is not None:
            rule = TariffRule.objects.create(
                activity=activity,
                valid_from=year.start_date,
                mode=PricingMode.BRACKETS,
                non_resident_price_cents=spec.non_resident_cents,
            )
            TariffBracket.objects.bulk_create(
                TariffBracket(rule=rule, qf_min=low, qf_max=high, price_cents=cents)
                for low, high, cents in spec.brackets
            )
        else:
            TariffRule.objects.create(
                activity=activity, valid_from=year.start_date, mode=PricingMode.EFFORT_RATE, **spec.effort
            )
    if not Session.objects.filter(activity=activity, date__range=(year.start_date, year.end_date)).exists():
        services.generate_sessions(activity=activity, school_year=year)
    return activity


# Families --------------------------------------------------------------------------------------------


def _store(*, actor: User, household: Household, code: str, subject: str, today: date):
    """A document of the household's vault: a small PDF, through the vault's own path."""
    document_type = DocumentType.objects.get(code=code)
    title = TITLES[code]
    issue = today - timedelta(days=20)
    expiry = None
    if code == "attestation-assurance":
        expiry = date(issue.year + (1 if issue.month >= 9 else 0), 8, 31)
    elif code == "carnet-vaccination":
        issue = None
    content = demo_pdf(
        title,
        [
            f"Document de démonstration : {subject}.",
            "Guichet de Villebelle, données fictives.",
            f"Émis le {issue:%d/%m/%Y}." if issue else "Vaccinations à jour.",
        ],
    )
    version = coffre_services.store_document_from_file(
        actor=actor,
        owner=household.party,
        source=BytesIO(content),
        filename=f"{code}.pdf",
        document_type=document_type,
        title=f"{title} – {subject}",
        issue_date=issue,
        expiry_date=expiry,
    )
    return version.document


def _give_documents(*, actor: User, household: Household, children: list[Child], today: date, check=None):
    """Every required document, of the household and of each child; validated by `check` when given."""
    requirements = {
        (requirement.document_type.code, requirement.for_child): requirement
        for requirement in RequiredDocument.objects.filter(is_active=True).select_related("document_type")
    }
    wanted = [(code, None) for code in HOUSEHOLD_CODES] + [
        (code, child) for child in children for code in CHILD_CODES
    ]
    for code, child in wanted:
        requirement = requirements.get((code, child is not None))
        if requirement is None:
            continue  # the administrators no longer ask for it
        if FamilyDocument.objects.filter(household=household, requirement=requirement, child=child).exists():
            continue
        subject = child.first_name if child is not None else household.party.name
        document = _store(actor=actor, household=household, code=code, subject=subject, today=today)
        given = services.give_document(
            actor=actor, household=household, requirement=requirement, document=document, child=child
        )
        if check is not None:
            services.validate_document(actor=check, family_document=given)


def _household(user: User, fields: dict) -> Household:
    household = Household.objects.for_user(user).select_related("party").first()
    if household is None:
        household = services.create_household(actor=user, **fields)
    return household


def _children(user: User, household: Household, school: Site, children) -> list[Child]:
    made = []
    for first_name, birth_date, level in children:
        child = Child.objects.filter(memberships__household=household, first_name=first_name).first()
        if child is None:
            child = services.add_child(
                actor=user,
                household=household,
                first_name=first_name,
                last_name=user.last_name,
                birth_date=birth_date,
                school=school,
                school_level=level,
                image_rights=True,
            )
        made.append(child)
    return made


def _enrol(*, actor: User, household: Household, child: Child, activity: Activity, site: Site, year, decider):
    """The child enrolled (requested by the parent, then validated by `decider` when given)."""
    enrolment = Enrolment.objects.filter(
        child=child,
        activity=activity,
        school_year=year,
        status__in=[EnrolmentStatus.REQUESTED, EnrolmentStatus.VALIDATED],
    ).first()
    if enrolment is None:
        enrolment = services.request_enrolment(
            actor=actor, household=household, child=child, activity=activity, site=site, school_year=year
        )
    if decider is not None and enrolment.status == EnrolmentStatus.REQUESTED:
        enrolment = services.validate_enrolment(actor=decider, enrolment=enrolment)
    return enrolment


def _quotient(*, actor: User, household: Household, value: int, income_cents: int, today: date, year, check):
    if QuotientFamilial.objects.filter(household=household).exists():
        return
    certificate = _store(actor=actor, household=household, code=CAF_CODE, subject=f"QF {value}", today=today)
    quotient = services.declare_quotient(
        actor=actor,
        household=household,
        value=value,
        monthly_income_cents=income_cents,
        dependants=2,
        caf_document=certificate,
    )
    if check is not None:
        # For the whole school year: the agent may choose the period (the default ends on 31 December).
        services.validate_quotient(
            actor=check, quotient=quotient, valid_from=year.start_date, valid_until=year.end_date
        )


def _user(login: str, first_name: str, last_name: str) -> User:
    email = f"{login}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, None, first_name=first_name, last_name=last_name, city="Villebelle"
        )
    return user


# Bookings --------------------------------------------------------------------------------------------


def _paris(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=deadlines.PARIS)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(month: date, count: int) -> date:
    year, index = divmod(month.year * 12 + month.month - 1 + count, 12)
    return date(year, index + 1, 1)


def _book_patterns(*, user: User, household: Household, children: list[Child], activities, year, now):
    """Last month's, this month's and next month's days of each child's weekly patterns. A day whose
    deadline has passed is booked as it would have been: a week before the first of its month."""
    today = timezone.localdate(now)
    first = max(_add_months(_month_start(today), -1), year.start_date)
    last = min(_add_months(_month_start(today), 2) - timedelta(days=1), year.end_date)
    for child in children:
        enrolled = {
            enrolment.activity_id: enrolment.site_id
            for enrolment in Enrolment.objects.filter(
                child=child, school_year=year, status=EnrolmentStatus.VALIDATED
            )
        }
        for slug, weekdays in PATTERNS[child.first_name].items():
            activity = activities[slug]
            sessions = [
                session
                for session in Session.objects.filter(
                    activity=activity, site_id=enrolled.get(activity.pk), date__range=(first, last)
                ).select_related("activity")
                if session.date.weekday() in weekdays
            ]
            late, in_time = {}, []
            for session in sessions:
                if deadlines.window(activity, session.date).is_past_deadline(now):
                    late.setdefault(_month_start(session.date), []).append(session)
                else:
                    in_time.append(session)
            for month, days in sorted(late.items()):
                then = min(_paris(month - timedelta(days=7)), now)
                services.book(actor=user, household=household, child=child, sessions=days, now=then)
            if in_time:
                services.book(actor=user, household=household, child=child, sessions=in_time, now=now)


def full_session(*, activity: Activity, site: Site, today: date) -> Session | None:
    """The evening care's session that the other households fill: a Thursday at least three days ahead."""
    sessions = Session.objects.filter(
        activity=activity, site=site, date__gte=today + timedelta(days=3), closure__isnull=True
    ).order_by("date")
    return sessions.filter(date__iso_week_day=4).first() or sessions.first()


def _attendance(*, activities, site: Site, agents: dict[str, User], household: Household, today: date):
    """This month's past days of the demo school, ticked: present, but Yanis absent one day without
    a certificate and Inès excused once (a medical certificate)."""
    sessions = (
        Session.objects.filter(
            activity__in=activities,
            site=site,
            date__gte=_month_start(today),
            date__lt=today,
            closure__isnull=True,
            bookings__household=household,
            bookings__status=BookingStatus.CONFIRMED,
        )
        .distinct()
        .select_related("activity__service")
        .order_by("date", "activity_id")
    )
    for index, session in enumerate(sessions):
        agent = agents.get(session.activity.service.slug)
        if agent is None or services.attendance_refusal(session=session, today=today):
            continue
        marks = {}
        for booking in Booking.objects.filter(session=session, status=BookingStatus.CONFIRMED).select_related(
            "child"
        ):
            mark = Attendance.PRESENT
            if index == 2 and booking.child.first_name == "Yanis":
                mark = Attendance.ABSENT
            elif index == 5 and booking.child.first_name == "Inès":
                mark = Attendance.EXCUSED
            marks[booking.pk] = mark
        if marks:
            services.record_attendance(actor=agent, session=session, marks=marks)


# Seeding -------------------------------------------------------------------------------------------


def _grant_health_permission(user: User) -> None:
    app_label, codename = HEALTH_PERMISSION
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    user.user_permissions.add(permission)


@transaction.atomic
def seed() -> None:
    parent = User.objects.filter(email=PARENT_EMAIL).first()
    agents = {
        "education": User.objects.filter(email=HEALTH_AGENT_EMAIL).first(),
        "enfance": User.objects.filter(email=CHILDCARE_AGENT_EMAIL).first(),
    }
    services_ = {service.slug: service for service in Service.objects.filter(slug__in=agents)}
    if parent is None or None in agents.values() or len(services_) != len(agents):
        return  # the accounts' demo data is not there

    now = timezone.now()
    today = timezone.localdate(now)
    town = Town.current()
    year = _school_year(today, town.school_holiday_zone)
    sites = _sites()
    activities = {spec.slug: _activity(spec, services_, sites, year) for spec in ACTIVITIES}
    _grant_health_permission(agents["education"])
    school = sites[SCHOOL]
    canteen, evening = activities["restauration-scolaire"], activities["periscolaire-soir"]
    deciders = {canteen.pk: agents["education"], evening.pk: agents["enfance"]}

    # The demo parent's family file.
    household = _household(parent, HOUSEHOLD)
    children = _children(parent, household, school, CHILDREN)
    ines, yanis = children
    if not hasattr(ines, "health") or not ines.health.allergies:
        services.update_child_health(
            actor=parent,
            child=ines,
            allergies="Arachide (cacahuète) et fruits à coque.",
            medical_notes="Stylo d'adrénaline dans le sac, trousse d'urgence à la cantine.",
            has_pai=True,
            pai_details="PAI alimentaire signé le 15 septembre : panier-repas fourni par la famille.",
        )
    if not ines.authorised_pickups.exists():
        services.add_pickup(
            actor=parent, child=ines, name="Nadia Benali", relationship="Grand-mère", phone="06 98 76 54 32"
        )
    _give_documents(
        actor=parent, household=household, children=children, today=today, check=agents["education"]
    )
    _quotient(
        actor=parent,
        household=household,
        value=780,
        income_cents=320_000,
        today=today,
        year=year,
        check=agents["education"],
    )
    for child in children:
        for activity in (canteen, evening):
            _enrol(
                actor=parent,
                household=household,
                child=child,
                activity=activity,
                site=school,
                year=year,
                decider=deciders[activity.pk],
            )
    # Waiting for the agent of the enfance service.
    _enrol(
        actor=parent,
        household=household,
        child=yanis,
        activity=activities["ecole-de-musique"],
        site=sites[MUSIC],
        year=year,
        decider=None,
    )

    # Other households fill one evening of the demo school (their papers wait for an agent's check).
    target = full_session(activity=evening, site=school, today=today)
    for index, (login, first_name, last_name, kids) in enumerate(OTHERS):
        user = _user(login, first_name, last_name)
        if Household.objects.for_user(user).exists():
            continue
        other = _household(
            user,
            {
                "name": f"Foyer {last_name}",
                "address": f"{10 + index * 3} rue des Écoles",
                "postal_code": "00000",
                "city": "Villebelle",
                "phone": f"06 20 30 40 {10 + index:02d}",
                "email": user.email,
            },
        )
        other_children = _children(user, other, school, kids)
        _give_documents(actor=user, household=other, children=other_children, today=today)
        if index in (0, 1):
            _quotient(
                actor=user,
                household=other,
                value=520 + index * 400,
                income_cents=210_000 + index * 150_000,
                today=today,
                year=year,
                check=None,
            )
        for number, child in enumerate(other_children):
            _enrol(
                actor=user,
                household=other,
                child=child,
                activity=evening,
                site=school,
                year=year,
                decider=agents["enfance"],
            )
            # One canteen enrolment waits for the agent of the education service.
            if index == len(OTHERS) - 1 and number == 0:
                _enrol(
                    actor=user,
                    household=other,
                    child=child,
                    activity=canteen,
                    site=school,
                    year=year,
                    decider=None,
                )
            if target is not None:
                services.book(actor=user, household=other, child=child, sessions=[target], now=now)

    # The demo family's days: booked, and on the waiting list of the full evening.
    if not Booking.objects.filter(household=household).exists():
        _book_patterns(
            user=parent, household=household, children=children, activities=activities, year=year, now=now
        )
    _attendance(
        activities=[canteen, evening],
        site=school,
        agents=agents,
        household=household,
        today=today,
    )

    # Last month's bill, prepared as a draft for an agent to review and issue.
    last_month = _add_months(_month_start(today), -1)
    if (
        last_month >= _month_start(year.start_date)
        and not BillingRun.objects.filter(month=last_month).exists()
        and Booking.objects.filter(session__date__range=(last_month, _month_start(today) - timedelta(days=1)))
        .filter(status__in=ACTIVE_BOOKING_STATUSES)
        .exists()
    ):
        services.prepare_run(actor=agents["education"], month=last_month)
