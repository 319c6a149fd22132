"""The portal at a town's size, every figure next to a baseline measured in the same run (`make bench`).

    .venv/bin/python bench/city.py [--quick] [--households 20000] [--seconds 30]

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/guichet_bench,
created when missing) and Redis database (BENCH_REDIS_URL, default DB 12); migrates it, runs
`seed_demo` and `seed_city` once (skipped when seeded). The portal runs as in production: gunicorn
with guichet/gunicorn.conf.py, DEBUG off, a generated SECRET_KEY, Argon2id (the settings' hasher),
a Celery worker; locust drives it headless from another process on 127.0.0.1.

The baseline is a bare Django view doing one query (bench/baseline_wsgi.py) under the same gunicorn
configuration; each page's throughput is given as a share of it. Scenarios: browsing logged in (one
locust run per page), the opening morning (bench/famille.py's storm with --storm-households
parents), a burst of signed Stripe webhooks with duplicates, the monthly billing run of every
household (time and peak memory of its own process), WeasyPrint receipts per second in one process,
the vault against a plain copy (bench/coffre.py), and each page's query count at city size against
the budgets the tests pin. Writes bench/results/<date>.md and a chart per scenario in
bench/results/<date>/. Exit status 1 when a target is missed.
"""

import argparse
import importlib.util
import json
import os
import random
import re
import resource
import secrets
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
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
HERE = Path(__file__).resolve().parent
LOG = ROOT / "var" / "bench-city.log"
CONFIG = ROOT / "var" / "bench-city.json"
WEBHOOK_SECRET = "whsec_bench_" + secrets.token_hex(8)

TARGETS = {
    "pages": 0.40,  # share of the baseline's throughput
    "logins_per_s": 50,
    "bookings_per_s": 200,
    "billing_seconds": 120,
    "billing_mib": 1024,
}


def environment(args) -> None:
    """The production environment, on the bench's own database and Redis database."""
    os.environ.update(
        {
            "DATABASE_URL": os.environ.get(
                "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_bench"
            ),
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
            "CACHE_KEY_PREFIX": "bench-city",
            "DJANGO_SETTINGS_MODULE": "guichet.settings",
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_SECRET_KEY": "sk_test_bench",
            "REGIE_FAKE_PROVIDER": "false",
        }
    )


def manage(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, check=True)


def prepare_database(args) -> float:
    """Create, migrate and seed the bench database (the city once); returns the seconds seeding took."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo")
    with psycopg.connect(url) as db:
        households = db.execute(
            "SELECT count(*) FROM accounts_party WHERE kind = 'household' AND name LIKE 'Foyer %% (ville)'"
        ).fetchone()[0]
        accounts = db.execute(
            "SELECT count(*) FROM accounts_user WHERE email LIKE '%%@ville.bench.invalid'"
        ).fetchone()[0]
    if accounts and households == args.households:
        print(f"  city already seeded ({accounts} accounts, {households} households)", flush=True)
        return 0.0
    started = time.perf_counter()
    arguments = ["--households", str(args.households), "--accounts", str(args.accounts)]
    arguments += ["--requests", str(args.requests), "--seed", str(args.seed)]
    manage("seed_city", *arguments, *(["--reset"] if accounts else []))
    return time.perf_counter() - started


# Locust ------------------------------------------------------------------------------------------


def locust(page: str, port: int, *, users: int, seconds: int, results: Path) -> dict:
    prefix = results / f"locust-{page}"
    env = {**os.environ, "BENCH_CONFIG": str(CONFIG), "BENCH_PAGE": page}
    command = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless"]
    command += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--csv", str(prefix)]
    command += ["--host", f"http://127.0.0.1:{port}", "--only-summary", "--loglevel", "ERROR"]
    subprocess.run(
        command, cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    import csv

    with open(f"{prefix}_stats.csv", encoding="utf-8") as data:
        row = next(row for row in csv.DictReader(data) if row["Name"] == page)
    for leftover in results.glob(f"locust-{page}_*.csv"):
        leftover.unlink()
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
    }


def log_in(index: int, port: int, email: str, password: str, otp_key: bytes | None = None) -> str:
    """A real login through the form (and the TOTP step for agents); returns the session cookie."""
    from django_otp.oath import totp

    parent = Parent(port, source_address(3000 + index), email, 0)
    token = parent.csrf_token("/compte/login/")
    status, headers, _ = parent.post_form(
        "/compte/login/", [("login", email), ("password", password), ("csrfmiddlewaretoken", token)]
    )
    assert status == 302, (email, status, headers)
    if otp_key is not None:
        token = parent.csrf_token("/compte/2fa/verifier/")
        code = f"{totp(otp_key):06d}"
        status, headers, _ = parent.post_form(
            "/compte/2fa/verifier/", [("token", code), ("csrfmiddlewaretoken", token)]
        )
        assert status == 302, (email, "otp", status, headers)
    parent.close()
    return parent.cookies["sessionid"]


def page_plan(sample: int) -> dict:
    """Who browses which page: city guardians with a draft request and a child, and the agents."""
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from guichet.accounts.models import AgentMembership

    this = timezone.localdate().replace(day=1)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT u.email, min(r.id), min(ch.child_id)
               FROM accounts_user u
               JOIN accounts_party p ON p.person_id = u.id
               JOIN demarches_request r ON r.applicant_id = p.id AND r.status = 'draft'
               JOIN accounts_partymembership m ON m.user_id = u.id AND m.role = 'guardian'
               JOIN famille_household h ON h.party_id = m.party_id
               JOIN famille_childhousehold ch ON ch.household_id = h.id
               WHERE u.email LIKE '%%@ville.bench.invalid'
               GROUP BY u.email ORDER BY u.email LIMIT %s""",
            [sample],
        )
        citizens = cursor.fetchall()
    agents = []
    for membership in AgentMembership.objects.select_related("user", "service").order_by("pk"):
        device = TOTPDevice.objects.filter(user=membership.user, confirmed=True).first()
        if device and membership.service.slug not in {"regie"}:
            agents.append((membership.user.email, device.bin_key))
    return {"citizens": citizens, "agents": agents, "month": this}


PAGES = {
    "home": lambda c, m: "/",
    "mon_espace": lambda c, m: "/mon-espace/",
    "catalogue": lambda c, m: "/demarches/",
    "form_page": lambda c, m: f"/mon-espace/demandes/{c[1]}/page/1/",
    "mes_demandes": lambda c, m: "/mon-espace/demandes/",
    "calendar": lambda c, m: f"/mon-espace/famille/enfants/{c[2]}/calendrier/{m.year}/{m.month}/",
}
LABELS = {
    "home": "Home (logged in)",
    "mon_espace": "Mon espace",
    "catalogue": "Catalogue",
    "form_page": "A form page (draft, page 1)",
    "mes_demandes": "Mes demandes",
    "calendar": "Family calendar (month)",
    "agent_queue": "Agent queue (2FA)",
}


def browse(args, results: Path, figures: dict) -> None:
    from django.db import close_old_connections

    from guichet.accounts.demo import DEMO_PASSWORD

    seed_city = importlib.import_module("famille.management.commands.seed_city")
    log = LOG.open("a")
    # The baseline: the bare view, same gunicorn configuration.
    port = free_port()
    env = production_env(port)
    CONFIG.write_text(json.dumps({"pages": {"baseline": [{"path": "/", "cookie": ""}]}}))
    web = start_web(port, env, log, app="bench.baseline_wsgi", probe="/")
    try:
        figures["baseline"] = locust(
            "baseline", port, users=args.users, seconds=args.seconds, results=results
        )
    finally:
        stop([web])
    print(f"  baseline (bare view + 1 query): {figures['baseline']['rps']:.0f} req/s", flush=True)

    plan = page_plan(args.sample)
    close_old_connections()
    port = free_port()
    env = production_env(port)
    processes = [start_web(port, env, log), start_worker(env, log)]
    figures["pages"] = {}
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            cookies = list(
                pool.map(
                    lambda item: log_in(item[0], port, item[1][0], seed_city.PASSWORD),
                    enumerate(plan["citizens"]),
                )
            )
        agent_cookies = [
            log_in(1000 + index, port, email, DEMO_PASSWORD, key)
            for index, (email, key) in enumerate(plan["agents"])
        ]
        config = {
            page: [
                {"path": path(citizen, plan["month"]), "cookie": cookie}
                for citizen, cookie in zip(plan["citizens"], cookies, strict=True)
            ]
            for page, path in PAGES.items()
        }
        config["agent_queue"] = [{"path": "/agent/demarches/", "cookie": cookie} for cookie in agent_cookies]
        CONFIG.write_text(json.dumps({"pages": config}))
        for page in [*PAGES, "agent_queue"]:
            result = locust(page, port, users=args.users, seconds=args.seconds, results=results)
            result["ratio"] = result["rps"] / figures["baseline"]["rps"]
            figures["pages"][page] = result
            print(
                f"  {LABELS[page]:<30} {result['rps']:7.1f} req/s  {result['ratio']:5.0%} of baseline  "
                f"p50 {result['p50']:.0f} p95 {result['p95']:.0f} p99 {result['p99']:.0f} ms  "
                f"failures {result['failures']}",
                flush=True,
            )
        webhooks(args, port, figures)
    finally:
        stop(processes)
    close_old_connections()


# Stripe webhooks -------------------------------------------------------------------------------


def webhooks(args, port: int, figures: dict) -> None:
    """A burst of signed checkout.session.completed events, one in five delivered twice."""
    from django.db import close_old_connections
    from django.utils import timezone

    from regie.enums import PaymentMethod, PaymentStatus, Provider
    from regie.fake_stripe import FakeStripe
    from regie.models import Invoice, Payment, PaymentAllocation, ProcessedWebhookEvent

    count = args.webhooks
    invoices = list(
        Invoice.objects.filter(source__startswith="bench.city:", allocations__isnull=True).order_by("pk")[
            :count
        ]
    )
    tag = secrets.token_hex(4)
    payments = Payment.objects.bulk_create(
        Payment(
            payer_id=invoice.payer_id,
            method=PaymentMethod.CARD,
            amount_cents=invoice.total_cents,
            status=PaymentStatus.PENDING,
            provider=Provider.STRIPE,
            provider_reference=f"cs_bench_{tag}_{invoice.pk}",
            idempotency_key=f"bench-{tag}-{invoice.pk}",
            expires_at=timezone.now() + timezone.timedelta(minutes=30),
        )
        for invoice in invoices
    )
    PaymentAllocation.objects.bulk_create(
        PaymentAllocation(payment=payment, invoice=invoice, amount_cents=invoice.total_cents)
        for payment, invoice in zip(payments, invoices, strict=True)
    )
    close_old_connections()
    stripe = FakeStripe(api_key="sk_test_bench", webhook_secret=WEBHOOK_SECRET)
    deliveries = [
        stripe.event(
            "checkout.session.completed",
            {
                "id": payment.provider_reference,
                "object": "checkout.session",
                "status": "complete",
                "payment_status": "paid",
                "amount_total": payment.amount_cents,
                "currency": "eur",
                "payment_intent": f"pi_{secrets.token_hex(8)}",
                "metadata": {"payment_id": str(payment.pk)},
            },
        )
        for payment in payments
    ]
    burst = deliveries + random.Random(args.seed).sample(deliveries, len(deliveries) // 5)
    random.Random(args.seed + 1).shuffle(burst)
    statuses, latency = [], []
    lock = threading.Lock()

    def post(pair) -> None:
        index, delivery = pair
        client = Parent(port, source_address(5000 + index % 200), "", 0)
        begin = time.perf_counter()
        status, _headers, _body = client.request(
            "POST",
            "/regie/webhooks/stripe/",
            body=delivery.payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": delivery.signature},
        )
        client.close()
        with lock:
            latency.append(time.perf_counter() - begin)
            statuses.append(status)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=24) as pool:
        list(pool.map(post, enumerate(burst)))
    seconds = time.perf_counter() - started
    left, drained = drain_queue(300)
    ids = [payment.pk for payment in payments]
    settled = Payment.objects.filter(pk__in=ids, status=PaymentStatus.SUCCEEDED)
    events = ProcessedWebhookEvent.objects.filter(event_id__in=[d.event["id"] for d in deliveries]).count()
    receipts = len(set(settled.values_list("receipt_number", flat=True)))
    from regie.models import Receipt

    pdfs = Receipt.objects.filter(payment_id__in=ids).count()
    figures["webhooks"] = {
        "sent": len(burst),
        "unique": len(deliveries),
        "per_s": len(burst) / seconds,
        "latency": latency,
        "server_errors": sum(status >= 500 for status in statuses),
        "non_200": sum(status != 200 for status in statuses),
        "settled": settled.count(),
        "events": events,
        "receipt_numbers": receipts,
        "receipt_pdfs": pdfs,
        "drained": drained,
        "tasks_left": left,
        "payment_ids": ids,
    }
    w = figures["webhooks"]
    w["exactly_once"] = w["settled"] == w["unique"] == w["events"] == w["receipt_numbers"]
    print(
        f"  webhooks: {w['sent']} sent ({w['unique']} unique) {w['per_s']:.0f}/s, {percentiles(latency)}; "
        f"settled {w['settled']}, events {w['events']}, receipt numbers {w['receipt_numbers']}, "
        f"PDFs {pdfs} (worker drained in {drained:.0f} s), 5xx {w['server_errors']}",
        flush=True,
    )


# Child processes: billing and PDFs, each in a process of its own (its own peak memory) ---------


def child_billing() -> None:
    from django.db import transaction
    from django.utils import timezone

    from famille import services

    today = timezone.localdate()
    month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    figures = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            run = services.prepare_run(actor=None, month=month)
            figures["prepare"] = time.perf_counter() - started
            started = time.perf_counter()
            invoices = services.issue_run(actor=None, run=run)
            figures["issue"] = time.perf_counter() - started
            figures["invoices"] = len(invoices)
            figures["households"] = run.summary["households"]
            figures["lines"] = run.summary["lines"]
            raise KeyboardInterrupt  # rolled back: the bench leaves the month unbilled
    except KeyboardInterrupt:
        pass
    figures["seconds"] = figures["prepare"] + figures["issue"]
    figures["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["month"] = f"{month:%Y-%m}"
    print("JSON " + json.dumps(figures))


def child_pdf(count: int) -> None:
    from regie.enums import PaymentStatus
    from regie.models import Payment
    from regie.services.receipts import render_receipt_pdf

    payments = list(Payment.objects.filter(status=PaymentStatus.SUCCEEDED).order_by("-pk")[: count + 1])
    started = time.perf_counter()
    render_receipt_pdf(payments[0])
    cold = time.perf_counter() - started
    times = []
    for payment in payments[1:]:
        started = time.perf_counter()
        render_receipt_pdf(payment)
        times.append(time.perf_counter() - started)
    print("JSON " + json.dumps({"cold": cold, "times": times, "per_s": len(times) / sum(times)}))


def child(name: str, *extra: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", name, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError(f"{name} failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return json.loads(line[5:])


def vault(args) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "coffre.py"),
            "--size-mib",
            str(args.vault_mib),
            "--repeat",
            "2",
            "--no-http",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    def rate(label: str) -> float:
        return float(re.search(re.escape(label) + r".*?(\d+) MB/s", result.stdout).group(1))

    return {
        "copy": rate("plain copy, shutil (in-kernel), fsync'd"),
        "store": rate("vault store (sniff"),
        "read": rate("vault read back into a file"),
    }


# Query budgets ------------------------------------------------------------------------------------

# The budgets the tests pin (django_assert_max_num_queries), or "same as a light account" where the
# test pins the count as constant whatever the data (Mes demandes, the calendar).
BUDGETS = {
    "mon_espace": 15,  # tests/portal/test_views_dashboard.py, DASHBOARD_BUDGET (a parent with a family file)
    "agent_queue": 14,  # tests/demarches/test_agent_queues.py
    "mes_demandes": "light",  # tests/demarches/test_views_requests.py
    "calendar": "light",  # tests/famille/test_calendar.py
}


def query_counts(args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from famille.models import ChildHousehold
    from guichet.accounts.demo import DEMO_DOMAIN
    from guichet.accounts.models import User
    from tests.helpers import login

    plan = page_plan(1)
    citizen = User.objects.get(email=plan["citizens"][0][0])
    light = User.objects.get(email=f"parent@{DEMO_DOMAIN}")
    light_child = ChildHousehold.objects.filter(household__party__memberships__user=light).first()
    agent = User.objects.get(email=plan["agents"][0][0])
    month = plan["month"]

    def count(user, path: str) -> int:
        client = login(Client(HTTP_HOST="127.0.0.1"), user)
        assert client.get(path).status_code == 200, path  # warm: the session, the town
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200, path
        return len(captured)

    counts = {}
    for page, path in PAGES.items():
        counts[page] = {"city": count(citizen, path(plan["citizens"][0], month))}
    counts["agent_queue"] = {"city": count(agent, "/agent/demarches/")}
    counts["mes_demandes"]["light"] = count(light, "/mon-espace/demandes/")
    if light_child:
        counts["calendar"]["light"] = count(
            light,
            f"/mon-espace/famille/enfants/{light_child.child_id}/calendrier/{month.year}/{month.month}/",
        )
    for page, numbers in counts.items():
        budget = BUDGETS.get(page)
        if budget == "light":
            budget = numbers.get("light")
        numbers["budget"] = budget
        numbers["ok"] = budget is None or numbers["city"] <= budget
    return counts


# Report -------------------------------------------------------------------------------------------


def charts(figures: dict, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    pages = figures["pages"]
    names = ["baseline", *pages]
    fig, ax = plt.subplots(figsize=(9, 4))
    values = [figures["baseline"]["rps"], *(pages[name]["rps"] for name in pages)]
    ax.bar(names, values, color=["grey", *["tab:blue"] * len(pages)])
    ax.axhline(
        figures["baseline"]["rps"] * TARGETS["pages"], color="red", linestyle="--", label="40 % of baseline"
    )
    ax.set_ylabel("requests/s")
    ax.set_title("Pages at city size vs a bare view + 1 query")
    ax.legend()
    plt.xticks(rotation=30, ha="right")
    fig.tight_layout()
    fig.savefig(folder / "pages.png")
    plt.close(fig)

    def histogram(name: str, series: dict, title: str) -> None:
        fig, ax = plt.subplots(figsize=(7, 4))
        for label, values in series.items():
            if values:
                ax.hist([value * 1000 for value in values], bins=40, alpha=0.6, label=label)
        ax.set_xlabel("ms")
        ax.set_title(title)
        ax.legend()
        fig.tight_layout()
        fig.savefig(folder / f"{name}.png")
        plt.close(fig)

    storm = figures["storm"]
    histogram(
        "storm",
        {"login": storm["login_latency"], "booking POST": storm["post_latency"]},
        f"Opening morning: {storm['households']} parents",
    )
    histogram("webhooks", {"webhook": figures["webhooks"]["latency"]}, "Stripe webhook burst")
    for name, pairs, unit, title in [
        (
            "billing",
            [("prepare_run", figures["billing"]["prepare"]), ("issue_run", figures["billing"]["issue"])],
            "s",
            "Monthly billing run",
        ),
        ("vault", [(k, v) for k, v in figures["vault"].items()], "MB/s", "Vault vs plain copy"),
        ("pdf", [("warm", figures["pdf"]["per_s"])], "receipts/s", "WeasyPrint receipts, one process"),
    ]:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.bar([label for label, _ in pairs], [value for _, value in pairs])
        ax.set_ylabel(unit)
        ax.set_title(title)
        fig.tight_layout()
        fig.savefig(folder / f"{name}.png")
        plt.close(fig)


def report(args, figures: dict, results: Path, day: str) -> bool:
    base = figures["baseline"]
    storm, hooks, billing, pdf, vaults = (
        figures[k] for k in ("storm", "webhooks", "billing", "pdf", "vault")
    )

    def ok(flag: bool) -> str:
        return "PASS" if flag else "FAIL"

    checks = []
    lines = [
        f"# `make bench` at city size — {day}",
        "",
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end; "
        f"{'QUICK run (small sizes)' if args.quick else 'full size'}: {args.households} households, "
        f"{args.accounts} accounts, {args.requests} requests; total {figures['total_seconds'] / 60:.1f} min "
        f"(seeding {figures['seeding']:.0f} s). gunicorn `guichet/gunicorn.conf.py` "
        f"({os.environ.get('GUNICORN_WORKERS', os.cpu_count() + 1)} workers × "
        f"{os.environ.get('GUNICORN_THREADS', 4)} threads), DEBUG off, Argon2id (19 MiB, t=2, p=1), "
        f"Celery worker, locust {args.users} users × {args.seconds} s per page from another process.",
        "",
        "## Pages (logged in) vs the baseline",
        "",
        f"Baseline: a bare Django view doing one query, same gunicorn: **{base['rps']:.0f} req/s** "
        f"(p50 {base['p50']:.0f} / p95 {base['p95']:.0f} / p99 {base['p99']:.0f} ms).",
        "",
        "| page | req/s | share of baseline | p50 / p95 / p99 ms | failures | queries (budget) | target |",
        "| --- | ---: | ---: | --- | ---: | --- | --- |",
    ]
    for page, result in figures["pages"].items():
        q = figures["queries"].get(page, {})
        passed = result["ratio"] >= TARGETS["pages"] and not result["failures"] and q.get("ok", True)
        checks.append(passed)
        budget = q.get("budget")
        lines.append(
            f"| {LABELS[page]} | {result['rps']:.1f} | {result['ratio']:.0%} | {result['p50']:.0f} / "
            f"{result['p95']:.0f} / {result['p99']:.0f} | {result['failures']} | {q.get('city', '?')} "
            f"({budget if budget is not None else 'none pinned'}) | {ok(passed)} |"
        )
    storm_ok = not storm["overbooked"] and not storm["server_errors"] and storm["passed"]
    checks += [
        storm["logins_per_s"] >= TARGETS["logins_per_s"],
        storm["bookings_per_s"] >= TARGETS["bookings_per_s"],
        storm_ok,
    ]
    lines += [
        "",
        f"## Opening morning: {storm['households']} parents, {storm['days']} days of {storm['capacity']} places",
        "",
        "| figure | value | share of baseline | target |",
        "| --- | ---: | ---: | --- |",
        f"| logins/s (Argon2id, real form) | {storm['logins_per_s']:.1f} | "
        f"{storm['logins_per_s'] / base['rps']:.1%} | ≥ 50/s {ok(checks[-3])} |",
        f"| booking POSTs/s | {storm['requests_per_s']:.1f} | {storm['requests_per_s'] / base['rps']:.1%} | |",
        f"| bookings/s end to end | {storm['bookings_per_s']:.1f} | | ≥ 200/s {ok(checks[-2])} |",
        f"| login latency | {percentiles(storm['login_latency'])} | | |",
        f"| POST latency | {percentiles(storm['post_latency'])} | | |",
        f"| HTTP errors / 5xx | {storm['errors']} / {storm['server_errors']} | | 0 5xx |",
        f"| overbooked sessions / wrong days / duplicates | {storm['overbooked']} / {storm['wrong_days']} / "
        f"{storm['duplicates']} | | 0 {ok(storm_ok)} |",
    ]
    hooks_ok = hooks["exactly_once"] and not hooks["server_errors"]
    checks.append(hooks_ok)
    lines += [
        "",
        f"## Stripe webhooks: {hooks['sent']} deliveries ({hooks['unique']} events, the rest duplicates)",
        "",
        f"- {hooks['per_s']:.0f} webhooks/s ({hooks['per_s'] / base['rps']:.0%} of baseline), "
        f"{percentiles(hooks['latency'])}",
        f"- settled {hooks['settled']}, processed events {hooks['events']}, distinct receipt numbers "
        f"{hooks['receipt_numbers']}, receipt PDFs by the worker {hooks['receipt_pdfs']} "
        f"(drained {hooks['drained']:.0f} s after the burst), non-200 {hooks['non_200']}, 5xx "
        f"{hooks['server_errors']}: exactly once **{ok(hooks_ok)}**",
    ]
    billing_ok = (
        billing["seconds"] < TARGETS["billing_seconds"] and billing["maxrss_mib"] < TARGETS["billing_mib"]
    )
    checks.append(billing_ok)
    lines += [
        "",
        f"## Monthly billing run ({billing['month']}, own process, rolled back)",
        "",
        f"- {billing['households']} households, {billing['lines']} lines, {billing['invoices']} invoices: "
        f"prepare {billing['prepare']:.1f} s + issue {billing['issue']:.1f} s = **{billing['seconds']:.1f} s**, "
        f"peak RSS **{billing['maxrss_mib']:.0f} MiB** (targets < 120 s, < 1024 MiB): {ok(billing_ok)}",
        "",
        "## Receipts (WeasyPrint) and vault",
        "",
        f"- receipts: {pdf['per_s']:.1f}/s per worker process warm "
        f"(median {statistics.median(pdf['times']) * 1000:.0f} ms; first render {pdf['cold'] * 1000:.0f} ms)",
        f"- vault store {vaults['store']:.0f} MB/s, read back {vaults['read']:.0f} MB/s vs a plain fsync'd copy "
        f"{vaults['copy']:.0f} MB/s on the same disk: {vaults['store'] / vaults['copy']:.2f} × and "
        f"{vaults['read'] / vaults['copy']:.2f} × the copy",
        "",
        "## Charts",
        "",
        *(
            f"- ![{name}]({day}/{name}.png)"
            for name in ("pages", "storm", "webhooks", "billing", "pdf", "vault")
        ),
        "",
        f"**Overall: {ok(all(checks))}** ({sum(checks)}/{len(checks)} checks).",
        "",
    ]
    (results / f"{day}.md").write_text("\n".join(lines))
    return all(checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs: to try it out")
    parser.add_argument("--households", type=int)
    parser.add_argument("--accounts", type=int)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=int, help="locust run per page")
    parser.add_argument("--users", type=int, default=24, help="locust users per page")
    parser.add_argument("--sample", type=int, default=40, help="citizens logged in for the pages")
    parser.add_argument("--storm-households", type=int)
    parser.add_argument("--webhooks", type=int)
    parser.add_argument("--child", choices=["billing", "pdf"], help=argparse.SUPPRESS)
    parser.add_argument("--pdf-count", type=int, default=30, help=argparse.SUPPRESS)
    parser.add_argument("--vault-mib", type=int)
    args, _others = parser.parse_known_args()  # `make bench` hands every bench the same arguments
    quick = args.quick
    for name, full, small in [
        ("households", 20_000, 1_000),
        ("accounts", 100_000, 5_000),
        ("requests", 200_000, 10_000),
        ("seconds", 30, 5),
        ("storm_households", 2_000, 200),
        ("webhooks", 1_000, 100),
        ("vault_mib", 100, 20),
    ]:
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    if args.child:
        setup_django()
        if args.child == "billing":
            child_billing()
        else:
            child_pdf(args.pdf_count)
        return 0

    environment(args)
    started = time.monotonic()
    (ROOT / "var").mkdir(exist_ok=True)
    LOG.write_text("")
    day = time.strftime("%Y-%m-%d")
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    print("City bench: preparing the database", flush=True)
    figures = {"seeding": prepare_database(args)}
    setup_django()
    spec = importlib.util.spec_from_file_location("bench_famille", HERE / "famille.py")
    famille_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(famille_bench)

    print("Pages:", flush=True)
    browse(args, results, figures)
    print("Opening morning:", flush=True)
    figures["storm"] = famille_bench.storm_bench(
        households=args.storm_households, days=5, capacity=60, login_threads=12
    )
    print("Billing, receipts, vault:", flush=True)
    figures["billing"] = child("billing")
    print(f"  billing {figures['billing']}", flush=True)
    figures["pdf"] = child("pdf", "--pdf-count", str(20 if quick else 40))
    print(f"  receipts {figures['pdf']['per_s']:.1f}/s", flush=True)
    figures["vault"] = vault(args)
    print(f"  vault {figures['vault']}", flush=True)
    figures["queries"] = query_counts(args)
    print(f"  queries {figures['queries']}", flush=True)
    figures["total_seconds"] = time.monotonic() - started
    charts(figures, results / day)
    passed = report(args, figures, results, day)
    print(
        f"Results: {(results / f'{day}.md').relative_to(ROOT)} — {'all targets met' if passed else 'TARGET MISSED'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
