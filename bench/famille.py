"""Family app at a town's scale, in one run (`make bench`, never part of the test suite).

    DATABASE_URL=postgres://… .venv/bin/python bench/famille.py [--households 20000]

Billing (part F3): seeds --households households (1 or 2 children each) with a
month of bookings — the canteen four days a week for every child, after-school
care twice a week for half of them, with late cancellations, absences excused
or not, a tariff change mid-month, 10 % of households without a validated
quotient, a few children without enrolment — then times
`famille.services.prepare_run` (the set-based draft: one SQL aggregation, prices
per distinct combination, one bulk insert), a recompute of that draft, and
`famille.services.issue_run` (one invoice per household through the régie's
bulk `issue_invoices`). Prints households/s and invoices/s.

The seeding is set-based SQL too (INSERT … SELECT), on a month no real data
has (February 2001 by default, --month), and everything runs in one
transaction rolled back at the end: the database is left as it was (invoice
numbers included: their sequence rolls back with it). The database must be
migrated (`manage.py migrate`; `make bench` does it).

The opening-day storm (part F5): --storm-households parents (500 by default,
a child each, enrolled, papers in order) log in through the login form of a
gunicorn started with the production configuration (and a Celery worker when
REDIS_URL is set), open their child's calendar, then all at the same moment
POST it ticking the --storm-days days (5) of the holiday centre, whose
sessions have --storm-capacity places (60) and a waiting list, and follow the
redirect to the result page. Prints logins/s, booking requests/s and
bookings/s, the latency distribution (p50/p95/p99), and checks that no
session is overbooked: for every day, confirmed bookings = `booked` <=
capacity, the others on the waiting list, each child once (exit status 1
otherwise). Its rows are committed (the server is another process) and
deleted at the end; the audit log keeps its rows. `--only storm` or
`--only billing` runs one part.
"""

import argparse
import http.client
import importlib
import os
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

from _common import (
    Parent,
    drain_queue,
    free_port,
    percentiles,
    production_env,
    setup_django,
    source_address,
    start_web,
    start_worker,
    stop,
)

ROOT = Path(__file__).resolve().parent.parent


class Rollback(Exception):
    pass


def month_arg(value: str) -> date:
    year, month = value.split("-")
    return date(int(year), int(month), 1)


# Billing (part F3) -------------------------------------------------------------------------------


def _days(month: date, weekdays: set[int]) -> list[date]:
    day, days = month, []
    while day.month == month.month:
        if day.weekday() in weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def seed_billing_month(*, households: int, month: date, sites: int = 40) -> dict:
    """A month of bookings for `households` households, set-based; returns what was made."""
    from django.db import connection

    from famille.enums import ActivityKind, PricingMode, SiteKind
    from famille.models import Activity, SchoolYear, Session, Site, TariffBracket, TariffRule
    from guichet.accounts.models import Service

    tag = secrets.token_hex(3)
    service, _ = Service.objects.get_or_create(slug="education", defaults={"name": "Éducation"})
    schools = Site.objects.bulk_create(
        Site(name=f"Bench {tag} école {index}", kind=SiteKind.SCHOOL) for index in range(sites)
    )
    canteen = Activity.objects.create(
        kind=ActivityKind.CANTEEN,
        name="Restauration scolaire",
        slug=f"bench-{tag}-cantine",
        service=service,
        weekdays=[0, 1, 3, 4],
        start_time=clock(11, 45),
        end_time=clock(13, 30),
    )
    after_school = Activity.objects.create(
        kind=ActivityKind.EVENING_CARE,
        name="Accueil périscolaire du soir",
        slug=f"bench-{tag}-soir",
        service=service,
        weekdays=[1, 3],
        start_time=clock(16, 30),
        end_time=clock(18, 30),
        bill_late_cancellation=False,
    )
    middle = month + timedelta(days=14)
    grids = [
        (
            canteen,
            month,
            middle - timedelta(days=1),
            [(0, 500, 120), (501, 900, 320), (901, 1300, 420), (1301, None, 480)],
        ),
        (canteen, middle, None, [(0, 500, 130), (501, 900, 340), (901, 1300, 440), (1301, None, 500)]),
        (after_school, month, None, [(0, 500, 150), (501, 900, 250), (901, None, 350)]),
    ]
    for activity, start, end, brackets in grids:
        rule = TariffRule.objects.create(
            activity=activity, valid_from=start, valid_until=end, mode=PricingMode.BRACKETS
        )
        TariffBracket.objects.bulk_create(
            TariffBracket(rule=rule, qf_min=low, qf_max=high, price_cents=cents)
            for low, high, cents in brackets
        )
    year = SchoolYear.objects.create(
        name=f"b{tag}", start_date=date(month.year - 1, 9, 1), end_date=date(month.year + 1, 7, 1)
    )
    sessions = [
        Session(
            activity=activity,
            site=site,
            date=day,
            start_time=activity.start_time,
            end_time=activity.end_time,
            capacity=10_000,
        )
        for activity, weekdays in ((canteen, {0, 1, 3, 4}), (after_school, {1, 3}))
        for site in schools
        for day in _days(month, weekdays)
    ]
    Session.objects.bulk_create(sessions, batch_size=5000)
    params = {
        "prefix": f"Foyer bench {tag} ",
        "tag": f"Foyer bench {tag} %",
        "households": households,
        "canteen": canteen.pk,
        "after_school": after_school.pk,
        "year": year.pk,
        "first_site": schools[0].pk,
        "sites": sites,
        "start": month,
        "end": (month.replace(day=28) + timedelta(days=4)).replace(day=1),
    }
    statements = [
        # Households: a household party each; one in 20 lives outside the town.
        """INSERT INTO accounts_party (kind, name, created_at, updated_at)
           SELECT 'household', %(prefix)s || g, now(), now() FROM generate_series(1, %(households)s) g""",
        """INSERT INTO famille_household (party_id, address, postal_code, city, phone, email, is_resident,
                                          created_at, updated_at)
           SELECT id, '', '', '', '', '', id %% 20 <> 0, now(), now() FROM accounts_party WHERE name LIKE %(tag)s""",
        # 1 or 2 children per household (1.5 on average); the child's name carries its household.
        """INSERT INTO famille_child (first_name, last_name, birth_date, school_level, image_rights,
                                      created_at, updated_at)
           SELECT 'Enfant' || n, 'H' || h.id, date '2016-01-01' + (h.id %% 1800)::int, '', false, now(), now()
           FROM famille_household h JOIN accounts_party p ON p.id = h.party_id,
                generate_series(1, 1 + h.id %% 2) n
           WHERE p.name LIKE %(tag)s""",
        """INSERT INTO famille_childhousehold (child_id, household_id, created_at)
           SELECT c.id, substr(c.last_name, 2)::bigint, now() FROM famille_child c
           JOIN famille_household h ON h.id = substr(c.last_name, 2)::bigint
           JOIN accounts_party p ON p.id = h.party_id
           WHERE p.name LIKE %(tag)s AND c.last_name LIKE 'H%%'""",
        # A validated quotient for 9 households in 10, from 250 to 1,749.
        """INSERT INTO famille_quotientfamilial (household_id, value, status, valid_from, valid_until, declared_at,
                                                 refusal_reason)
           SELECT h.id, 250 + (h.id * 7919) %% 1500, 'validated', %(start)s::date - 30, %(end)s::date + 300, now(), ''
           FROM famille_household h JOIN accounts_party p ON p.id = h.party_id
           WHERE p.name LIKE %(tag)s AND h.id %% 10 <> 0""",
        # Validated enrolments, but for one child in 100 in the after-school care (an anomaly).
        """INSERT INTO famille_enrolment (child_id, activity_id, site_id, school_year_id, household_id, status,
                                          requested_at, refusal_reason)
           SELECT ch.child_id, a.id, %(first_site)s + ch.household_id %% %(sites)s, %(year)s, ch.household_id,
                  'validated', now(), ''
           FROM famille_childhousehold ch JOIN famille_household h ON h.id = ch.household_id
           JOIN accounts_party p ON p.id = h.party_id
           CROSS JOIN (VALUES (%(canteen)s), (%(after_school)s)) a(id)
           WHERE p.name LIKE %(tag)s AND NOT (a.id = %(after_school)s AND ch.child_id %% 100 = 0)""",
        # The canteen every day for every child, the after-school care for one child in two; one booking in
        # 40 cancelled late, one in 50 absent without certificate, one in 60 excused.
        """INSERT INTO famille_booking (session_id, child_id, household_id, status, created_at, attendance)
           SELECT s.id, ch.child_id, ch.household_id,
                  CASE WHEN (ch.child_id * 31 + s.id) %% 40 = 0 THEN 'late_cancelled' ELSE 'confirmed' END,
                  now(),
                  CASE WHEN (ch.child_id * 31 + s.id) %% 40 = 0 THEN ''
                       WHEN (ch.child_id * 17 + s.id) %% 50 = 0 THEN 'absent'
                       WHEN (ch.child_id * 13 + s.id) %% 60 = 0 THEN 'excused'
                       WHEN s.date < current_date THEN 'present' ELSE '' END
           FROM famille_childhousehold ch JOIN famille_household h ON h.id = ch.household_id
           JOIN accounts_party p ON p.id = h.party_id
           JOIN famille_session s ON s.site_id = %(first_site)s + ch.household_id %% %(sites)s
                AND s.date >= %(start)s AND s.date < %(end)s
                AND (s.activity_id = %(canteen)s OR (s.activity_id = %(after_school)s AND ch.child_id %% 2 = 0))
           WHERE p.name LIKE %(tag)s""",
        """UPDATE famille_session s SET booked = counted.n
           FROM (SELECT session_id, count(*) n FROM famille_booking b JOIN famille_session s2 ON s2.id = b.session_id
                 WHERE s2.activity_id IN (%(canteen)s, %(after_school)s) AND b.status = 'confirmed'
                 GROUP BY session_id) counted
           WHERE s.id = counted.session_id""",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
        cursor.execute(
            "SELECT count(*) FROM famille_booking b JOIN famille_session s ON s.id = b.session_id "
            "WHERE s.activity_id IN (%(canteen)s, %(after_school)s)",
            params,
        )
        bookings = cursor.fetchone()[0]
        cursor.execute("ANALYZE famille_booking; ANALYZE famille_session; ANALYZE famille_quotientfamilial")
    return {"bookings": bookings, "sessions": len(sessions)}


def billing_bench(*, households: int, month: date, repeat: int) -> None:
    from django.db import connection, transaction

    from famille import services
    from famille.models import BillingRun

    if "famille_billingrun" not in connection.introspection.table_names():
        sys.exit("The database is not migrated: run `manage.py migrate` first.")
    figures: dict[str, list[float]] = {"prepare": [], "recompute": [], "issue": []}
    try:
        with transaction.atomic():
            if BillingRun.objects.filter(month=month).exists():
                sys.exit(f"A billing run of {month:%Y-%m} exists already: choose another --month.")
            started = time.perf_counter()
            seeded = seed_billing_month(households=households, month=month)
            seeding = time.perf_counter() - started
            for round_ in range(repeat):
                with transaction.atomic():
                    started = time.perf_counter()
                    run = services.prepare_run(actor=None, month=month)
                    figures["prepare"].append(time.perf_counter() - started)
                    started = time.perf_counter()
                    run = services.prepare_run(actor=None, month=month)
                    figures["recompute"].append(time.perf_counter() - started)
                    started = time.perf_counter()
                    invoices = services.issue_run(actor=None, run=run)
                    figures["issue"].append(time.perf_counter() - started)
                    summary = run.summary
                    if round_ < repeat - 1:
                        transaction.set_rollback(True)
            raise Rollback
    except Rollback:
        pass

    def median(name: str) -> float:
        return statistics.median(figures[name])

    billed = summary["households"]
    print(
        f"Billing bench: {households} households, {seeded['bookings']} bookings in {month:%Y-%m} "
        f"({seeded['sessions']} sessions), seeded in {seeding:.1f} s; median of {repeat} run(s)"
    )
    print(f"  {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end")
    print(
        f"  prepare_run (draft)    {median('prepare'):7.2f} s   {billed / median('prepare'):8.0f} households/s"
        f"   ({summary['lines']} lines, {summary['anomaly_count']} anomalies)"
    )
    print(
        f"  prepare_run (again)    {median('recompute'):7.2f} s   {billed / median('recompute'):8.0f} households/s"
    )
    print(
        f"  issue_run              {median('issue'):7.2f} s   {len(invoices) / median('issue'):8.0f} invoices/s"
        f"   ({len(invoices)} invoices, {summary['total_cents'] / 100:,.2f} €)"
    )
    for name, values in figures.items():
        print(f"  runs {name:10}" + " ".join(f"{value:.2f}s" for value in values))


# The opening-day storm (part F5) -----------------------------------------------------------------
#
# The moment the bookings of the holiday leisure centre open, every family tries at once. The
# portal runs as in production (gunicorn with guichet/gunicorn.conf.py, DJANGO_DEBUG=false, a
# Celery worker when REDIS_URL is set), on a free 127.0.0.1 port. The households are committed
# rows (the server is another process), made set-based and deleted at the end by their tag: users
# (one Argon2 hash computed once), household parties, a child each with a validated enrolment and
# the required documents (validated vault rows without content: the booking only checks they are
# there and valid), the sessions of a few days with few places. Each parent logs in for real through
# the login form (allauth + axes) from an address of their own (127.0.x.y: the login throttle
# counts per address, as it would for families at home), opens the child's month calendar, then all
# wait at a barrier, each with a connection already open, and at the same moment each POSTs the
# calendar form ticking every day of the week (the CSRF token of the page), then follows the
# redirect to the result page as a browser would. The audit log keeps its rows (it only grows),
# today's family sign-in count is put back as it was.

STORM_PASSWORD = "Bench-famille-" + secrets.token_urlsafe(12)


def _storm_days(today: date, count: int) -> list[date]:
    """`count` working days at the start of the month after next (all open to bookings today)."""
    from famille import deadlines

    month = (today.replace(day=1) + timedelta(days=62)).replace(day=1)
    days, day = [], month
    while len(days) < count and day.month == month.month:
        if deadlines.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def seed_storm(*, households: int, days: int, capacity: int) -> dict:
    """The storm's world, committed and tagged; returns what the storm and the clean-up need."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from coffre.models import Document
    from famille.enums import ActivityKind, EnrolmentStatus, ReviewStatus, SessionPeriod, SiteKind
    from famille.models import (
        Activity,
        ActivitySite,
        Child,
        ChildHousehold,
        Enrolment,
        FamilyDocument,
        Household,
        RequiredDocument,
        SchoolYear,
        Session,
        Site,
    )
    from guichet.accounts.enums import PartyKind, PartyRole
    from guichet.accounts.models import Party, PartyMembership, Service, User

    tag = secrets.token_hex(3)
    today = timezone.localdate()
    dates = _storm_days(today, days)
    with transaction.atomic():
        service, created_service = Service.objects.get_or_create(
            slug="enfance", defaults={"name": "Enfance et petite enfance"}
        )
        site = Site.objects.create(name=f"Bench {tag} accueil de loisirs", kind=SiteKind.CENTRE)
        activity = Activity.objects.create(
            kind=ActivityKind.HOLIDAY_CENTRE,
            name="Accueil de loisirs des vacances",
            slug=f"bench-{tag}-vacances",
            service=service,
            weekdays=[0, 1, 2, 3, 4],
            period=SessionPeriod.HOLIDAYS,
            start_time=clock(8, 30),
            end_time=clock(17, 30),
            booking_opens_days=90,
            waiting_list=True,
        )
        ActivitySite.objects.create(activity=activity, site=site, capacity=capacity)
        year = SchoolYear.objects.create(
            name=f"s{tag}", start_date=dates[0] - timedelta(days=120), end_date=dates[-1] + timedelta(days=30)
        )
        sessions = Session.objects.bulk_create(
            Session(
                activity=activity,
                site=site,
                date=day,
                start_time=activity.start_time,
                end_time=activity.end_time,
                capacity=capacity,
            )
            for day in dates
        )
        password = make_password(STORM_PASSWORD)  # one Argon2 hash, shared: the logins check it each time
        users = User.objects.bulk_create(
            User(
                email=f"bench-storm-{tag}-{index:05d}@example.invalid",
                password=password,
                first_name="Parent",
                last_name=f"Bench {index}",
            )
            for index in range(households)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
        )
        people = Party.objects.bulk_create(
            Party(kind=PartyKind.PERSON, name=f"Parent Bench {index}", person=user)
            for index, user in enumerate(users)
        )
        homes = Party.objects.bulk_create(
            Party(kind=PartyKind.HOUSEHOLD, name=f"Foyer bench {tag} {index}") for index in range(households)
        )
        PartyMembership.objects.bulk_create(
            [
                PartyMembership(user=user, party=party, role=PartyRole.HOLDER)
                for user, party in zip(users, people, strict=True)
            ]
            + [
                PartyMembership(user=user, party=party, role=PartyRole.GUARDIAN)
                for user, party in zip(users, homes, strict=True)
            ]
        )
        household_rows = Household.objects.bulk_create(Household(party=party) for party in homes)
        children = Child.objects.bulk_create(
            Child(
                first_name=f"Enfant{index}",
                last_name="Bench",
                birth_date=date(2018, 5, 14),
                school_level="ce1",
            )
            for index in range(households)
        )
        ChildHousehold.objects.bulk_create(
            ChildHousehold(child=child, household=household)
            for child, household in zip(children, household_rows, strict=True)
        )
        # The required papers: validated rows of the household's vault (no content: never opened here).
        requirements = list(RequiredDocument.objects.filter(is_active=True).select_related("document_type"))
        pairs = [
            (requirement, household, child if requirement.for_child else None)
            for household, child in zip(household_rows, children, strict=True)
            for requirement in requirements
        ]
        documents = Document.objects.bulk_create(
            Document(
                owner_id=household.party_id,
                document_type=requirement.document_type,
                title=f"Bench {tag}",
                expiry_date=today + timedelta(days=365),
            )
            for requirement, household, _child in pairs
        )
        FamilyDocument.objects.bulk_create(
            FamilyDocument(
                household=household,
                child=child,
                requirement=requirement,
                document=document,
                status=ReviewStatus.VALIDATED,
            )
            for (requirement, household, child), document in zip(pairs, documents, strict=True)
        )
        Enrolment.objects.bulk_create(
            Enrolment(
                child=child,
                activity=activity,
                site=site,
                school_year=year,
                household=household,
                status=EnrolmentStatus.VALIDATED,
            )
            for child, household in zip(children, household_rows, strict=True)
        )
    return {
        "tag": tag,
        "service_created": created_service,
        "service": service.pk,
        "activity": activity.pk,
        "site": site.pk,
        "year": year.pk,
        "sessions": [session.pk for session in sessions],
        "dates": dates,
        "users": [(user.email, child.pk) for user, child in zip(users, children, strict=True)],
        "user_ids": [user.pk for user in users],
        "parties": [party.pk for party in [*people, *homes]],
        "households": [household.pk for household in household_rows],
        "children": [child.pk for child in children],
        "documents": [document.pk for document in documents],
    }


def clean_storm(world: dict, *, session_keys: list[str], logins_before: int | None) -> None:
    """Delete everything the storm made (the audit log keeps its rows); put today's sign-in count back."""
    from allauth.account.models import EmailAddress
    from axes.models import AccessAttempt, AccessLog
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from coffre.models import Document
    from famille.models import (
        Activity,
        Booking,
        Child,
        Enrolment,
        FamilyDocument,
        Household,
        SchoolYear,
        Session,
        Site,
    )
    from guichet.accounts.models import DailyLogins, LoginAudience, Party, PartyMembership, Service, User
    from guichet.notify.models import Notification

    emails = [email for email, _child in world["users"]]
    with transaction.atomic():
        Booking.objects.filter(session__activity_id=world["activity"]).delete()
        Enrolment.objects.filter(activity_id=world["activity"]).delete()
        Session.objects.filter(activity_id=world["activity"]).delete()
        FamilyDocument.objects.filter(household_id__in=world["households"]).delete()
        Document.objects.filter(pk__in=world["documents"]).delete()
        Child.objects.filter(pk__in=world["children"]).delete()
        Household.objects.filter(pk__in=world["households"]).delete()
        Notification.objects.filter(user_id__in=world["user_ids"]).delete()
        PartyMembership.objects.filter(user_id__in=world["user_ids"]).delete()
        Party.objects.filter(pk__in=world["parties"]).delete()
        EmailAddress.objects.filter(user_id__in=world["user_ids"]).delete()
        User.objects.filter(pk__in=world["user_ids"]).delete()
        Activity.objects.filter(pk=world["activity"]).delete()
        Site.objects.filter(pk=world["site"]).delete()
        SchoolYear.objects.filter(pk=world["year"]).delete()
        if world["service_created"]:
            Service.objects.filter(pk=world["service"], activities__isnull=True).delete()
        AccessLog.objects.filter(username__in=emails).delete()
        AccessAttempt.objects.filter(username__in=emails).delete()
        today = DailyLogins.objects.filter(day=timezone.localdate(), audience=LoginAudience.FAMILY)
        if logins_before is None:
            today.delete()
        else:
            today.update(count=logins_before)
    # The logins' sessions, from the database and the cache alike.
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    for key in session_keys:
        store(session_key=key).delete()


STORM_LOG = ROOT / "var" / "bench-famille-storm.log"


def storm_bench(
    *, households: int, days: int, capacity: int, login_threads: int, worker_after: bool = False
) -> dict:
    """Returns the figures; "passed" is True when every check passed (no HTTP error, no overbooking,
    each child once a day)."""
    from django.db import close_old_connections, connection
    from django.utils import timezone

    from guichet.accounts.models import DailyLogins, LoginAudience

    if "famille_session" not in connection.introspection.table_names():
        sys.exit("The database is not migrated: run `manage.py migrate` first.")
    logins_before = (
        DailyLogins.objects.filter(day=timezone.localdate(), audience=LoginAudience.FAMILY)
        .values_list("count", flat=True)
        .first()
    )
    started = time.perf_counter()
    world = seed_storm(households=households, days=days, capacity=capacity)
    seeding = time.perf_counter() - started
    close_old_connections()
    port = free_port()
    parents = [
        Parent(port, source_address(index), email, child)
        for index, (email, child) in enumerate(world["users"])
    ]
    try:
        return _storm(
            world,
            parents,
            capacity=capacity,
            login_threads=login_threads,
            seeding=seeding,
            worker_after=worker_after,
        )
    finally:
        close_old_connections()
        session_keys = [parent.cookies["sessionid"] for parent in parents if parent.cookies.get("sessionid")]
        clean_storm(world, session_keys=session_keys, logins_before=logins_before)


def _storm(
    world: dict,
    parents: list[Parent],
    *,
    capacity: int,
    login_threads: int,
    seeding: float,
    worker_after: bool,
) -> dict:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import close_old_connections
    from django.db.models import Count, Q
    from django.urls import reverse

    from famille.enums import ACTIVE_BOOKING_STATUSES, BookingStatus
    from famille.models import Booking, Session

    month = world["dates"][0]
    session_ids = world["sessions"]
    login_path = reverse("account_login")
    result_path = reverse("famille:booking_result")
    calendar_path = {
        parent.child_id: reverse("famille:calendar_month", args=[parent.child_id, month.year, month.month])
        for parent in parents
    }
    errors: list[str] = []
    server_errors: list[int] = []  # 5xx answers, of the booking POST or of the result page
    STORM_LOG.parent.mkdir(exist_ok=True)
    log = STORM_LOG.open("w")
    env = production_env(parents[0].port)
    broker = bool(os.environ.get("REDIS_URL"))
    processes = [start_web(parents[0].port, env, log)]
    if broker and not worker_after:
        processes.append(start_worker(env, log))
    try:
        # Every parent logs in and opens the calendar (the CSRF token of its form), a pool at a time.
        def log_in(parent: Parent) -> tuple[float, str]:
            begin = time.perf_counter()
            token = parent.csrf_token(login_path)
            fields = [("login", parent.email), ("password", STORM_PASSWORD), ("csrfmiddlewaretoken", token)]
            status, headers, _ = parent.post_form(login_path, fields)
            if status != 302 or "sessionid" not in parent.cookies:
                raise RuntimeError(f"login of {parent.email} from {parent.address}: {status} {headers}")
            elapsed = time.perf_counter() - begin
            token = parent.csrf_token(calendar_path[parent.child_id])
            parent.close()
            return elapsed, token

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=login_threads) as pool:
            logged = list(pool.map(log_in, parents))
        login_seconds = time.perf_counter() - started
        tokens = [token for _elapsed, token in logged]

        # The opening: everyone at once, a connection already open, ticking every day of the week.
        count = len(parents)
        barrier = threading.Barrier(count + 1)
        post_latency, post_done, full_latency, full_done = ([0.0] * count for _ in range(4))

        def storm(index: int) -> None:
            parent = parents[index]
            fields = [("csrfmiddlewaretoken", tokens[index]), *(("book", pk) for pk in session_ids)]
            try:
                parent.connect()
            finally:
                barrier.wait()
            try:
                begin = time.perf_counter()
                status, headers, _ = parent.post_form(calendar_path[parent.child_id], fields)
                post_done[index] = time.perf_counter()
                post_latency[index] = post_done[index] - begin
                if status >= 500:
                    server_errors.append(status)
                if status != 302 or not headers.get("Location", "").endswith(result_path):
                    errors.append(f"booking of {parent.email}: {status}")
                    return
                status, _headers, content = parent.request("GET", result_path)
                full_done[index] = time.perf_counter()
                full_latency[index] = full_done[index] - begin
                if status >= 500:
                    server_errors.append(status)
                if status != 200 or "Réservations de".encode() not in content:
                    errors.append(f"result page of {parent.email}: {status}")
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{parent.email}: {error!r}")
            finally:
                parent.close()

        threads = [threading.Thread(target=storm, args=(index,)) for index in range(count)]
        for thread in threads:
            thread.start()
        barrier.wait()
        opened = time.perf_counter()
        for thread in threads:
            thread.join()
        if broker and worker_after:
            processes.append(start_worker(env, log))
        tasks_left, drained = drain_queue()
    finally:
        stop(processes)
    post_seconds = max(post_done) - opened
    storm_seconds = max(full_done) - opened

    # No overbooking: each session holds `booked` confirmed children, no more than its places; the
    # others wait; each child once per day.
    close_old_connections()
    rows = list(
        Session.objects.filter(pk__in=session_ids)
        .annotate(
            confirmed=Count("bookings", filter=Q(bookings__status=BookingStatus.CONFIRMED)),
            waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITING)),
            children=Count(
                "bookings__child", distinct=True, filter=Q(bookings__status__in=ACTIVE_BOOKING_STATUSES)
            ),
        )
        .order_by("date")
    )
    duplicates = (
        Booking.objects.filter(session_id__in=session_ids, status__in=ACTIVE_BOOKING_STATUSES)
        .values("session_id", "child_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    booked_ok = count - len(errors)
    if not broker:
        worker = "Celery eager (no REDIS_URL)"
    elif worker_after:
        worker = "the Celery worker started after the storm"
    else:
        worker = "a Celery worker (REDIS_URL)"
    total = sum(row.confirmed + row.waiting for row in rows)
    print(
        f"Opening-day storm: {count} households (a child each) book the {len(rows)} days of the holiday "
        f"centre ({capacity} places a day, waiting list) at the same moment, over HTTP"
    )
    print(
        f"  gunicorn --config guichet/gunicorn.conf.py, DEBUG off, {worker}; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at the end; seeded in {seeding:.1f} s; "
        f"logs in {STORM_LOG.relative_to(ROOT)}"
    )
    print(
        f"  logins (Argon2id, {login_threads} at a time)   {count / login_seconds:7.1f} logins/s     "
        f"{percentiles([elapsed for elapsed, _token in logged])}"
    )
    print(
        f"  booking POSTs, {len(rows)} days each     {count / post_seconds:7.1f} requests/s   "
        f"{total / post_seconds:7.1f} bookings/s   (the last answered {post_seconds:.2f} s after the opening)"
    )
    print(f"    POST latency                   {percentiles([value for value in post_latency if value])}")
    print(f"    POST + result page             {percentiles([value for value in full_latency if value])}")
    print(
        f"    the whole storm: {storm_seconds:.2f} s; HTTP errors: {len(errors)}; the worker ran the "
        f"promotion checks queued by waiting bookings {drained:.1f} s after the last answer"
        + (f" ({tasks_left} LEFT in the queue)" if tasks_left else "")
    )
    wrong = 0
    for row in rows:
        ok = (
            row.confirmed == row.booked <= row.capacity
            and row.confirmed == min(row.capacity, booked_ok)
            and row.confirmed + row.waiting == row.children == booked_ok
        )
        wrong += not ok
        print(
            f"    {row.date:%Y-%m-%d}: {row.confirmed:4d} confirmed = booked {row.booked:4d} <= capacity "
            f"{row.capacity:4d}; {row.waiting:4d} on the waiting list; {row.children:4d} children   "
            + ("OK" if ok else "WRONG")
        )
    passed = not wrong and not duplicates and not errors
    print("  no overbooking, every child once a day: " + ("confirmed" if passed else "NOT CONFIRMED"))
    for error in errors[:10]:
        print(f"    {error}")
    return {
        "passed": passed,
        "households": count,
        "days": len(rows),
        "capacity": capacity,
        "logins_per_s": count / login_seconds,
        "login_latency": [elapsed for elapsed, _token in logged],
        "requests_per_s": count / post_seconds,
        "bookings_per_s": total / post_seconds,
        "post_latency": [value for value in post_latency if value],
        "full_latency": [value for value in full_latency if value],
        "storm_seconds": storm_seconds,
        "errors": len(errors),
        "server_errors": len(server_errors),
        "overbooked": sum(row.confirmed > row.capacity or row.booked > row.capacity for row in rows),
        "wrong_days": wrong,
        "duplicates": duplicates,
        "tasks_left": tasks_left,
    }


# ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument(
        "--month", type=month_arg, default=date(2001, 2, 1), help="AAAA-MM, a month without data"
    )
    parser.add_argument("--repeat", type=int, default=1)
    # The opening-day storm (part F5).
    parser.add_argument("--storm-households", type=int, default=500, help="parents booking at once")
    parser.add_argument("--storm-days", type=int, default=5, help="days each parent books in one POST")
    parser.add_argument("--storm-capacity", type=int, default=60, help="places of each day")
    parser.add_argument("--login-threads", type=int, default=12, help="parents logging in at a time")
    parser.add_argument(
        "--worker-after-storm",
        action="store_true",
        help="start the Celery worker once the storm is over (the web's figures without it)",
    )
    parser.add_argument("--only", choices=["billing", "storm"], help="run one part only")
    # `make bench` hands every bench the same arguments: the others' are not ours.
    args, _others = parser.parse_known_args()
    setup_django()
    if args.only != "storm":
        billing_bench(households=args.households, month=args.month, repeat=args.repeat)
    if args.only != "billing":
        figures = storm_bench(
            households=args.storm_households,
            days=args.storm_days,
            capacity=args.storm_capacity,
            login_threads=args.login_threads,
            worker_after=args.worker_after_storm,
        )
        if not figures["passed"]:
            sys.exit(1)


if __name__ == "__main__":
    main()
