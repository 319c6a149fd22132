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
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    # Run as a script, this folder comes first on the path, and this file is named like the app.
    sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    import django

    django.setup()


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


# ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument(
        "--month", type=month_arg, default=date(2001, 2, 1), help="AAAA-MM, a month without data"
    )
    parser.add_argument("--repeat", type=int, default=1)
    # `make bench` hands every bench the same arguments: the others' are not ours.
    args, _others = parser.parse_known_args()
    setup_django()
    billing_bench(households=args.households, month=args.month, repeat=args.repeat)


if __name__ == "__main__":
    main()
