# ruff: noqa: S608 (table names from the models' metadata; every value is a query parameter)
"""A whole town's data for the benchmarks (`bench/city.py`): never for the demo, never in tests.

    manage.py seed_city --households 20000 [--accounts 100000] [--requests 200000] [--seed N] [--reset]

Accounts (user, verified address, person party, holder membership; one Argon2 hash computed once
and shared), households (a guardian each, a second one for one in two) with two children each, a
validated quotient for nine in ten, enrolments in the canteen (every child) and the evening care
(one in two) at the town's schools, the sessions of last, this and next month and the bookings of
last and this month (attendance taken in the past), the requests over the published procedures of
the catalogue with statuses spread as in a real year, and last month's invoice of every household
through the régie's bulk `issue_invoices`. Set-based SQL (INSERT … SELECT), a few minutes on two
cores. The catalogue, the activities and the agents come from `seed_demo` (run first). Refuses to
run twice unless --reset, which deletes what a previous run made (found by its address domain).
"""

import time
from datetime import date, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from regie.services import InvoiceDraft, LineDraft, issue_invoices

DOMAIN = "ville.bench.invalid"
PASSWORD = "Ville-bench-2026"  # noqa: S105 (bench accounts only, on a bench database)
SCHOOLS = 20


def _month(day: date, shift: int) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


class Command(BaseCommand):
    help = "Seed a town's worth of data for the benchmarks (bench/city.py)."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=20_000)
        parser.add_argument("--accounts", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--reset", action="store_true", help="delete a previous run's data first")

    def handle(self, *args, households, accounts, requests, seed, reset, **options):
        if settings.DEBUG is False and "bench" not in connection.settings_dict["NAME"]:
            raise CommandError("seed_city only runs on a bench database (its name contains 'bench').")
        if accounts < 2 * households:
            raise CommandError("--accounts must be at least twice --households (the guardians).")
        user_model = apps.get_model("accounts.User")
        seeded = user_model.objects.filter(email__endswith=f"@{DOMAIN}").exists()
        if seeded and not reset:
            raise CommandError("Already seeded (use --reset to seed again).")
        if not apps.get_model("demarches.Demarche").objects.filter(status="published").exists():
            raise CommandError("No published procedure: run `manage.py seed_demo` first.")
        started = time.perf_counter()
        with transaction.atomic():
            if seeded:
                self._reset()
                self._say("reset", started)
            self._seed(
                households=households, accounts=accounts, requests=requests, seed=seed, started=started
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"City seeded in {time.perf_counter() - started:.0f} s."))

    def _say(self, what: str, started: float) -> None:
        self.stdout.write(f"  {time.perf_counter() - started:6.1f} s  {what}")

    def _run(self, statements: list[str], params: dict) -> None:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement, params)

    def _reset(self) -> None:
        t = {name: _table(label) for name, label in TABLES.items()}
        self._run(
            [
                "CREATE TEMP TABLE old_party ON COMMIT DROP AS SELECT id FROM {party} "
                "WHERE name LIKE '%% (ville)'".format(**t),
                "DELETE FROM {request} WHERE applicant_id IN (SELECT id FROM old_party)".format(**t),
                "DELETE FROM {booking} WHERE household_id IN (SELECT h.id FROM {household} h "
                "JOIN old_party p ON p.id = h.party_id)".format(**t),
                "DELETE FROM {enrolment} WHERE household_id IN (SELECT h.id FROM {household} h "
                "JOIN old_party p ON p.id = h.party_id)".format(**t),
                "DELETE FROM {quotient} WHERE household_id IN (SELECT h.id FROM {household} h "
                "JOIN old_party p ON p.id = h.party_id)".format(**t),
                "CREATE TEMP TABLE old_child ON COMMIT DROP AS SELECT child_id id FROM {childhousehold} "
                "WHERE household_id IN (SELECT h.id FROM {household} h JOIN old_party p ON p.id = h.party_id)".format(
                    **t
                ),
                "DELETE FROM {childhousehold} WHERE child_id IN (SELECT id FROM old_child)".format(**t),
                "DELETE FROM {child} WHERE id IN (SELECT id FROM old_child)".format(**t),
                "DELETE FROM {household} WHERE party_id IN (SELECT id FROM old_party)".format(**t),
                "DELETE FROM {session} WHERE site_id IN (SELECT id FROM {site} WHERE name LIKE '%% (ville)')".format(
                    **t
                ),
                "DELETE FROM {activitysite} WHERE site_id IN (SELECT id FROM {site} "
                "WHERE name LIKE '%% (ville)')".format(**t),
                "DELETE FROM {site} WHERE name LIKE '%% (ville)'".format(**t),
                # Invoices are the régie's ledger: the bench's own, never paid, go with their payer.
                "DELETE FROM {allocation} WHERE invoice_id IN (SELECT id FROM {invoice} "
                "WHERE payer_id IN (SELECT id FROM old_party))".format(**t),
                "DELETE FROM {invoiceline} WHERE invoice_id IN (SELECT id FROM {invoice} "
                "WHERE payer_id IN (SELECT id FROM old_party))".format(**t),
                "DELETE FROM {invoice} WHERE payer_id IN (SELECT id FROM old_party)".format(**t),
                "DELETE FROM {receipt} WHERE payment_id IN (SELECT id FROM {payment} "
                "WHERE payer_id IN (SELECT id FROM old_party))".format(**t),
                "DELETE FROM {payment} WHERE payer_id IN (SELECT id FROM old_party)".format(**t),
                "DELETE FROM {notification} WHERE user_id IN (SELECT id FROM {user} WHERE email LIKE %(like)s)".format(
                    **t
                ),
                "DELETE FROM {membership} WHERE party_id IN (SELECT id FROM old_party)".format(**t),
                "DELETE FROM {party} WHERE id IN (SELECT id FROM old_party)".format(**t),
                "DELETE FROM {email} WHERE email LIKE %(like)s".format(**t),
                "DELETE FROM {user} WHERE email LIKE %(like)s".format(**t),
            ],
            {"like": f"%@{DOMAIN}"},
        )

    def _seed(self, *, households: int, accounts: int, requests: int, seed: int, started: float) -> None:
        t = {name: _table(label) for name, label in TABLES.items()}
        town = apps.get_model("accounts.Town").current()
        activity_model = apps.get_model("famille.Activity")
        canteen = activity_model.objects.get(kind="canteen")
        evening = activity_model.objects.get(kind="evening_care")
        year = apps.get_model("famille.SchoolYear").objects.filter(
            start_date__lte=timezone.localdate(), end_date__gte=timezone.localdate()
        )
        year = year.get()
        today = timezone.localdate()
        params = {
            "password": make_password(PASSWORD),  # one Argon2 hash for every account
            "accounts": accounts,
            "households": households,
            "requests": requests,
            "seed": seed,
            "domain": f"@{DOMAIN}",
            "terms": town.terms_version,
            "canteen": canteen.pk,
            "evening": evening.pk,
            "year": year.pk,
            "schools": SCHOOLS,
            "first": _month(today, -1),
            "this": _month(today, 0),
            "end": _month(today, 2),
            "today": today,
        }
        self._run(
            [
                # Accounts: user, verified address, person party, holder membership.
                """INSERT INTO {user} (password, is_superuser, email, first_name, last_name, phone, address_line,
                       address_complement, postal_code, city, is_active, is_staff, date_joined, terms_version,
                       terms_accepted_at)
                   SELECT %(password)s, false, 'habitant-' || lpad(g::text, 6, '0') || %(domain)s,
                          (ARRAY['Camille','Léa','Hugo','Inès','Noah','Jade','Louis','Emma','Adam','Chloé'])
                              [1 + (g * 7 + %(seed)s) %% 10],
                          'Habitant ' || g, '', '', '', '00000', 'Villebelle', true, false,
                          now() - ((g %% 900) || ' days')::interval, %(terms)s, now()
                   FROM generate_series(1, %(accounts)s) g ORDER BY g""".format(**t),
                """CREATE TEMP TABLE city_user ON COMMIT DROP AS
                   SELECT id, row_number() OVER (ORDER BY id) n FROM {user} WHERE email LIKE '%%' || %(domain)s""".format(
                    **t
                ),
                "CREATE UNIQUE INDEX ON city_user (n)",
                """INSERT INTO {email} (email, verified, "primary", user_id)
                   SELECT u.email, true, true, u.id FROM {user} u JOIN city_user c ON c.id = u.id""".format(
                    **t
                ),
                """INSERT INTO {party} (kind, name, created_at, updated_at, person_id)
                   SELECT 'person', u.first_name || ' ' || u.last_name || ' (ville)', now(), now(), u.id
                   FROM {user} u JOIN city_user c ON c.id = u.id""".format(**t),
                """CREATE TEMP TABLE city_person ON COMMIT DROP AS
                   SELECT p.id, c.n, c.id user_id FROM {party} p JOIN city_user c ON c.id = p.person_id""".format(
                    **t
                ),
                "CREATE UNIQUE INDEX ON city_person (n)",
                """INSERT INTO {membership} (role, created_at, party_id, user_id)
                   SELECT 'holder', now(), id, user_id FROM city_person""".format(**t),
            ],
            params,
        )
        self._say(f"{accounts} accounts", started)
        self._run(
            [
                # Households: user n holds household n, user households + n (n odd) is the second guardian.
                """INSERT INTO {party} (kind, name, created_at, updated_at)
                   SELECT 'household', 'Foyer ' || g || ' (ville)', now(), now()
                   FROM generate_series(1, %(households)s) g ORDER BY g""".format(**t),
                """CREATE TEMP TABLE city_home ON COMMIT DROP AS
                   SELECT id party_id, row_number() OVER (ORDER BY id) n FROM {party}
                   WHERE kind = 'household' AND name LIKE 'Foyer %% (ville)'""".format(**t),
                "CREATE UNIQUE INDEX ON city_home (n)",
                """INSERT INTO {membership} (role, created_at, party_id, user_id)
                   SELECT 'guardian', now(), h.party_id, c.id FROM city_home h JOIN city_user c ON c.n = h.n
                   UNION ALL
                   SELECT 'guardian', now(), h.party_id, c.id FROM city_home h
                   JOIN city_user c ON c.n = %(households)s + h.n WHERE h.n %% 2 = 1""".format(**t),
                """INSERT INTO {household} (address, postal_code, city, phone, email, is_resident, created_at,
                       updated_at, party_id)
                   SELECT h.n || ' rue de la Mairie', '00000', 'Villebelle', '', '', h.n %% 20 <> 0, now(), now(),
                          h.party_id
                   FROM city_home h ORDER BY h.n""".format(**t),
                """ALTER TABLE city_home ADD COLUMN household_id bigint""",
                """UPDATE city_home c SET household_id = h.id FROM {household} h WHERE h.party_id = c.party_id""".format(
                    **t
                ),
                # Two children each, at one of the town's schools.
                """INSERT INTO {site} (name, kind, address, is_active)
                   SELECT 'École de quartier ' || g || ' (ville)', 'school', '', true
                   FROM generate_series(1, %(schools)s) g ORDER BY g""".format(**t),
                """CREATE TEMP TABLE city_site ON COMMIT DROP AS
                   SELECT id, row_number() OVER (ORDER BY id) - 1 k FROM {site} WHERE name LIKE '%% (ville)'""".format(
                    **t
                ),
                """INSERT INTO {activitysite} (capacity, activity_id, site_id)
                   SELECT 5000, a.id, s.id FROM city_site s CROSS JOIN (VALUES (%(canteen)s), (%(evening)s)) a(id)""".format(
                    **t
                ),
                """INSERT INTO {child} (first_name, last_name, birth_date, school_level, image_rights, created_at,
                       updated_at)
                   SELECT (ARRAY['Lina','Tom','Rose','Jules','Mia','Léo','Alice','Gabriel'])[1 + (h.n * 3 + k) %% 8],
                          'Foyer ' || h.n, date '2015-09-01' + ((h.n * 37 + k * 400) %% 2500)::int, '', k = 1, now(),
                          now()
                   FROM city_home h CROSS JOIN generate_series(1, 2) k ORDER BY h.n, k""".format(**t),
                """CREATE TEMP TABLE city_child ON COMMIT DROP AS
                   SELECT c.id child_id, h.household_id, h.n, row_number() OVER (ORDER BY c.id) i
                   FROM {child} c JOIN city_home h ON c.last_name = 'Foyer ' || h.n
                   WHERE c.created_at >= now() - interval '1 hour'""".format(**t),
                """INSERT INTO {childhousehold} (created_at, child_id, household_id)
                   SELECT now(), child_id, household_id FROM city_child""".format(**t),
                """INSERT INTO {quotient} (value, status, valid_from, valid_until, declared_at, refusal_reason,
                       household_id)
                   SELECT 250 + (n * 7919 + %(seed)s) %% 1500, 'validated', %(first)s::date - 60,
                          %(end)s::date + 300, now(), '', household_id
                   FROM city_home WHERE n %% 10 <> 0""".format(**t),
                """INSERT INTO {enrolment} (status, requested_at, decided_at, refusal_reason, activity_id, child_id,
                       household_id, school_year_id, site_id)
                   SELECT 'validated', now(), now(), '', a.id, c.child_id, c.household_id, %(year)s, s.id
                   FROM city_child c JOIN city_site s ON s.k = c.n %% %(schools)s
                   CROSS JOIN (VALUES (%(canteen)s), (%(evening)s)) a(id)
                   WHERE a.id = %(canteen)s OR c.i %% 2 = 0""".format(**t),
            ],
            params,
        )
        self._say(f"{households} households, {2 * households} children, enrolments", started)
        self._run(
            [
                # Sessions of last, this and next month on the activities' weekdays (Monday = 0).
                """INSERT INTO {session} (date, start_time, end_time, capacity, booked, activity_id, site_id)
                   SELECT d::date, a.start_time, a.end_time, 5000, 0, a.id, s.id
                   FROM city_site s
                   CROSS JOIN {activity} a
                   CROSS JOIN generate_series(%(first)s::date, %(end)s::date - 1, interval '1 day') d
                   WHERE a.id IN (%(canteen)s, %(evening)s)
                     AND a.weekdays @> to_jsonb(extract(isodow FROM d)::int - 1)""".format(**t),
                # Bookings of last and this month: the canteen for every child, the evening care for one in two;
                # one in 40 cancelled late, attendance taken before today.
                """INSERT INTO {booking} (status, created_at, attendance, child_id, household_id, session_id)
                   SELECT CASE WHEN (c.child_id * 31 + x.id) %% 40 = 0 THEN 'late_cancelled' ELSE 'confirmed' END,
                          now(),
                          CASE WHEN x.date >= %(today)s OR (c.child_id * 31 + x.id) %% 40 = 0 THEN ''
                               WHEN (c.child_id * 17 + x.id) %% 50 = 0 THEN 'absent'
                               WHEN (c.child_id * 13 + x.id) %% 60 = 0 THEN 'excused'
                               ELSE 'present' END,
                          c.child_id, c.household_id, x.id
                   FROM city_child c
                   JOIN city_site s ON s.k = c.n %% %(schools)s
                   JOIN {session} x ON x.site_id = s.id AND x.date < %(end)s::date - interval '1 month'
                        AND (x.activity_id = %(canteen)s OR (x.activity_id = %(evening)s AND c.i %% 2 = 0))""".format(
                    **t
                ),
                """UPDATE {session} x SET booked = counted.n
                   FROM (SELECT b.session_id, count(*) n FROM {booking} b JOIN {session} x2 ON x2.id = b.session_id
                         JOIN city_site s ON s.id = x2.site_id WHERE b.status = 'confirmed'
                         GROUP BY b.session_id) counted
                   WHERE x.id = counted.session_id""".format(**t),
            ],
            params,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM {booking} WHERE household_id IN (SELECT household_id FROM city_home)".format(
                    **t
                )
            )
            bookings = cursor.fetchone()[0]
        self._say(f"{bookings} bookings", started)
        self._run(
            [
                # Requests over the published online forms, applicants spread over every account.
                """CREATE TEMP TABLE city_demarche ON COMMIT DROP AS
                   SELECT d.id, d.current_revision_id revision_id, d.processing_days, d.service_id,
                          row_number() OVER (ORDER BY d.id) - 1 k,
                          (SELECT min(m.user_id) FROM {agentmembership} m WHERE m.service_id = d.service_id) agent_id
                   FROM {demarche} d
                   WHERE d.status = 'published' AND d.kind = 'form' AND d.for_person
                     AND d.current_revision_id IS NOT NULL""".format(**t),
                """INSERT INTO {request} (reference, status, answers, created_at, updated_at, submitted_at,
                       applicant_id, created_by_id, demarche_id, revision_id, decided_at, assignee_id, channel,
                       consent_statement, due_date)
                   SELECT CASE WHEN r.status = 'draft' THEN '' ELSE 'GV-' || lpad(r.g::text, 9, '0') END,
                          r.status, '{{}}'::jsonb, r.stamp, r.stamp,
                          CASE WHEN r.status = 'draft' THEN NULL ELSE r.stamp END,
                          p.id, p.user_id, d.id, d.revision_id,
                          CASE WHEN r.status IN ('accepted', 'refused', 'closed')
                               THEN r.stamp + ((1 + r.g %% 20) || ' days')::interval END,
                          CASE WHEN r.status = 'in_review' THEN d.agent_id END,
                          'online', '',
                          CASE WHEN r.status = 'draft' THEN NULL
                               ELSE (r.stamp + (coalesce(d.processing_days, 30) || ' days')::interval)::date END
                   FROM (SELECT g, now() - ((g * 7 %% 525600) || ' minutes')::interval stamp,
                                CASE WHEN b < 10 THEN 'draft' WHEN b < 25 THEN 'submitted' WHEN b < 45 THEN 'in_review'
                                     WHEN b < 50 THEN 'awaiting_information' WHEN b < 82 THEN 'accepted'
                                     WHEN b < 93 THEN 'refused' ELSE 'closed' END status,
                                1 + (g * 7919 + %(seed)s) %% %(accounts)s person
                         FROM (SELECT g, (g * 37 + %(seed)s) %% 100 b FROM generate_series(1, %(requests)s) g) s) r
                   JOIN city_person p ON p.n = r.person
                   JOIN city_demarche d ON d.k = r.g %% (SELECT count(*) FROM city_demarche)
                   ORDER BY r.g""".format(**t),
                """UPDATE {request} SET search_vector = to_tsvector('simple', reference)
                   WHERE reference LIKE 'GV-%%'""".format(**t),
            ],
            params,
        )
        self._say(f"{requests} requests", started)
        self._invoices(params)
        self._say(f"{households} invoices (regie.services.issue_invoices)", started)

    def _invoices(self, params: dict) -> None:
        """Last month's bill of every household, through the régie's own bulk issue (numbers, audit)."""
        service = apps.get_model("accounts.Service").objects.get(slug="education")
        party_model = apps.get_model("accounts.Party")
        payers = party_model.objects.filter(kind="household", name__endswith=" (ville)").order_by("pk")
        label = f"Restauration scolaire, {params['first']:%m/%Y}"
        due = params["this"] + timedelta(days=30)
        drafts = [
            InvoiceDraft(
                payer=payer,
                lines=[
                    LineDraft(label=label, service=service, unit_price_cents=320, quantity=12 + payer.pk % 5)
                ],
                due_date=due,
                source=f"bench.city:{payer.pk}",
            )
            for payer in payers.iterator(chunk_size=5000)
        ]
        for start in range(0, len(drafts), 5000):
            issue_invoices(actor=None, invoices=drafts[start : start + 5000])


TABLES = {
    "user": "accounts.User",
    "email": "account.EmailAddress",
    "party": "accounts.Party",
    "membership": "accounts.PartyMembership",
    "agentmembership": "accounts.AgentMembership",
    "household": "famille.Household",
    "child": "famille.Child",
    "childhousehold": "famille.ChildHousehold",
    "quotient": "famille.QuotientFamilial",
    "enrolment": "famille.Enrolment",
    "activity": "famille.Activity",
    "activitysite": "famille.ActivitySite",
    "site": "famille.Site",
    "session": "famille.Session",
    "booking": "famille.Booking",
    "demarche": "demarches.Demarche",
    "request": "demarches.Request",
    "invoice": "regie.Invoice",
    "invoiceline": "regie.InvoiceLine",
    "allocation": "regie.PaymentAllocation",
    "payment": "regie.Payment",
    "receipt": "regie.Receipt",
    "notification": "notify.Notification",
}
