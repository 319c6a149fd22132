"""The monthly billing run: a hand-computed month, issued once, anomalies listed (part F3)."""

import threading
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from famille import services, tasks
from famille.enums import Attendance, BillingRunStatus, BookingStatus
from famille.exceptions import BillingRefused, BillingRunIssued, FamilleAccessDenied
from famille.models import BillingLine, BillingRun, Booking, ChildHousehold
from guichet.audit.models import AuditEvent
from regie.enums import InvoiceStatus
from regie.models import Invoice
from tests.factories import ServiceFactory, UserFactory, make_agent
from tests.famille.billing_world import (
    EXPECTED_LABELS,
    EXPECTED_LINES,
    EXPECTED_TOTAL_CENTS,
    NOVEMBER,
    book,
    build_november,
)
from tests.famille.factories import ChildFactory, make_household

PARIS = ZoneInfo("Europe/Paris")
DECEMBER_FIRST = datetime(2026, 12, 1, 6, 0, tzinfo=PARIS)


@pytest.fixture
def world(db):
    return build_november()


@pytest.fixture
def agent(world):
    return make_agent(world.canteen.service)


def lines_of(run, household):
    return {
        (line.child.first_name, line.activity.name, line.kind, line.quantity, line.unit_price_cents)
        for line in BillingLine.objects.filter(run=run, household=household).select_related(
            "child", "activity"
        )
    }


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_hand_computed_month_gives_exactly_the_expected_lines_and_invoice(world, agent):
    run = services.prepare_run(actor=agent)

    assert (run.month, run.status) == (NOVEMBER, BillingRunStatus.DRAFT)
    assert lines_of(run, world.martins) == EXPECTED_LINES
    assert lines_of(run, world.durands) == {("Jules", "Restauration scolaire", "sessions", 2, 480)}
    summary = run.summary
    assert summary["households"] == 2
    assert summary["total_cents"] == EXPECTED_TOTAL_CENTS + 960
    canteen = next(totals for totals in summary["activities"] if totals["activity"] == world.canteen.pk)
    # Léa 7 + 6, Tom 4 + 4, Jules 2 sessions; one late cancellation and one absence.
    assert (canteen["sessions"], canteen["late_cancellation"], canteen["unjustified_absence"]) == (23, 1, 1)
    assert canteen["amount_cents"] == 2240 + 2040 + 340 + 340 + 1280 + 1360 + 960
    assert canteen["households"] == 2

    invoices = services.issue_run(actor=agent, run=run)

    assert len(invoices) == 2
    invoice = Invoice.objects.get(payer=world.martins.party)
    assert invoice.total_cents == EXPECTED_TOTAL_CENTS
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.issue_date == date(2026, 12, 1)
    assert invoice.due_date == date(2026, 12, 31)
    assert invoice.source == f"famille.billingrun:{run.pk}:{world.martins.party_id}"
    assert list(invoice.lines.order_by("position").values_list("label", flat=True)) == EXPECTED_LABELS
    assert {line.service_id for line in invoice.lines.all()} == {world.canteen.service_id}
    assert sum(line.amount_cents for line in invoice.lines.all()) == EXPECTED_TOTAL_CENTS
    # Each billing line points at its invoice, each invoice line back at its billing line.
    assert set(
        BillingLine.objects.filter(run=run, household=world.martins).values_list("invoice", flat=True)
    ) == {invoice.pk}
    sources = set(invoice.lines.values_list("source", flat=True))
    assert sources == {
        f"famille.billingline:{pk}"
        for pk in BillingLine.objects.filter(invoice=invoice).values_list("pk", flat=True)
    }
    run.refresh_from_db()
    assert (run.status, run.issued_by, run.summary["invoices"]) == (BillingRunStatus.ISSUED, agent, 2)
    assert AuditEvent.objects.filter(action="famille.billing_run.issue", actor_id=agent.pk).count() == 1
    assert AuditEvent.objects.filter(action="famille.billing_run.prepare", target_id=str(run.pk)).count() == 1


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_running_the_billing_twice_issues_nothing_new(world, agent):
    run = services.prepare_run(actor=agent)
    services.issue_run(actor=agent, run=run)
    issued = list(Invoice.objects.order_by("pk").values_list("pk", "number", "total_cents"))

    with pytest.raises(BillingRunIssued) as refusal:
        services.prepare_run(actor=agent)
    assert "déjà émises" in refusal.value.message
    with pytest.raises(BillingRunIssued):
        services.issue_run(actor=agent, run=run)
    # The beat task and the command find the month issued too, and bill nothing.
    assert tasks.prepare_previous_month_billing.delay().get() is None
    with pytest.raises(CommandError, match="déjà émises"):
        call_command("famille_billing", "--month", "2026-11", "--issue", stdout=StringIO())

    assert list(Invoice.objects.order_by("pk").values_list("pk", "number", "total_cents")) == issued
    assert BillingRun.objects.count() == 1
    assert BillingLine.objects.filter(invoice__isnull=True).count() == 0


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_a_draft_is_recomputed_from_the_bookings_as_they_are_now(world, agent):
    run = services.prepare_run(actor=agent)
    # An agent corrects an attendance: Léa was excused on the 24th after all.
    Booking.objects.filter(
        child=world.lea, session__date=date(2026, 11, 24), session__activity=world.canteen
    ).update(attendance=Attendance.EXCUSED)

    again = services.prepare_run(actor=agent, month=date(2026, 11, 17))

    assert again.pk == run.pk
    assert ("Léa", "Restauration scolaire", "unjustified_absence", 1, 340) not in lines_of(
        again, world.martins
    )
    assert again.summary["total_cents"] == EXPECTED_TOTAL_CENTS + 960 - 340
    assert BillingLine.objects.filter(run=run).count() == 8  # the Martins' 7 lines left, the Durands' one


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_anomalies_are_listed_and_a_day_without_tariff_is_not_billed(world, agent):
    run = services.prepare_run(actor=agent)
    anomalies = run.summary["anomalies"]

    assert anomalies["unpriced"] == [
        {
            "household": world.martins.pk,
            "child": world.lea.pk,
            "activity": world.leisure.pk,
            "kind": "sessions",
            "quantity": 1,
            "first": "2026-11-04",
            "last": "2026-11-04",
            "reason": "no_rule",
        }
    ]
    assert not BillingLine.objects.filter(run=run, activity=world.leisure).exists()
    assert anomalies["not_enrolled"] == [
        {
            "household": world.martins.pk,
            "child": world.tom.pk,
            "activity": world.after_school.pk,
            "quantity": 1,
        }
    ]
    assert anomalies["without_quotient"] == [world.durands.pk]
    assert anomalies["zero_total"] == []
    assert run.summary["anomaly_count"] == 3


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_a_closed_session_is_never_billed(world, agent):
    closed = Booking.objects.filter(session__closure__isnull=False)
    assert closed.count() == 2  # Léa's and Tom's canteen on the strike day, still "confirmed"
    run = services.prepare_run(actor=agent)
    # 17 canteen days for Léa: 1 excused, 1 late, 1 absent, 1 closed → 13 sessions billed.
    billed = BillingLine.objects.filter(run=run, child=world.lea, activity=world.canteen, kind="sessions")
    assert sum(billed.values_list("quantity", flat=True)) == 13
    closed.update(status=BookingStatus.CLOSED)
    again = services.prepare_run(actor=agent)
    assert again.summary["total_cents"] == run.summary["total_cents"]


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_each_household_pays_for_its_own_bookings_in_alternating_custody(world, agent):
    dad = make_household(name="Foyer Martin-Lefèvre")
    ChildHousehold.objects.create(child=world.tom, household=dad)
    book(world.sessions, world.canteen, 6, world.tom, dad)  # a Friday with his father

    run = services.prepare_run(actor=agent)

    assert lines_of(run, dad) == {("Tom", "Restauration scolaire", "sessions", 1, 480)}
    assert lines_of(run, world.martins) == EXPECTED_LINES
    assert dad.pk in run.summary["anomalies"]["without_quotient"]


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_a_household_whose_month_comes_to_nothing_gets_no_invoice(world, agent):
    world.canteen.tariffs.filter(valid_until__isnull=True).get().brackets.update(price_cents=0)
    world.canteen.tariffs.exclude(valid_until__isnull=True).get().brackets.update(price_cents=0)
    run = services.prepare_run(actor=agent)
    assert run.summary["anomalies"]["zero_total"] == [world.durands.pk]

    invoices = services.issue_run(actor=agent, run=run)

    assert [invoice.payer_id for invoice in invoices] == [world.martins.party_id]
    # Léa's after-school 7.50 € and Tom's 2.50 €; the canteen lines at 0 € stay on the invoice.
    assert invoices[0].total_cents == 1000
    assert not Invoice.objects.filter(payer=world.durands.party).exists()


def test_only_a_month_that_is_over_can_be_billed(world, agent):
    with time_machine.travel(datetime(2026, 11, 30, 23, 0, tzinfo=PARIS), tick=False):
        with pytest.raises(BillingRefused) as refusal:
            services.prepare_run(actor=agent, month=date(2026, 11, 1))
        assert refusal.value.message == "Seul un mois terminé peut être facturé."
    assert not BillingRun.objects.exists()


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_only_family_and_regie_agents_may_bill(world):
    parent = world.parent
    with pytest.raises(FamilleAccessDenied):
        services.prepare_run(actor=parent)
    other = make_agent(ServiceFactory(slug="urbanisme", name="Urbanisme"))
    with pytest.raises(FamilleAccessDenied):
        services.prepare_run(actor=other)
    regie_agent = make_agent(ServiceFactory(slug=settings.REGIE_SERVICE_SLUG, name="Régie unique"))
    run = services.prepare_run(actor=regie_agent)
    with pytest.raises(FamilleAccessDenied):
        services.issue_run(actor=UserFactory(), run=run)
    assert not Invoice.objects.exists()


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_preparing_a_month_is_set_based(world, agent, django_assert_max_num_queries):
    """The queries do not grow with the bookings: 12 more households with a month each cost none."""

    def prepare_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            services.prepare_run(actor=agent)
        return len(queries.captured_queries)

    services.prepare_run(actor=agent)
    few = prepare_queries()
    for index in range(12):
        household = make_household(name=f"Foyer {index}")
        child = ChildFactory(household=household)
        for day in (2, 3, 5, 6, 9, 10, 12, 13, 16, 17):
            book(world.sessions, world.canteen, day, child, household)
    assert prepare_queries() == few
    # Session settings and the temporary table of the month's bookings count for half of them.
    with django_assert_max_num_queries(25):
        services.prepare_run(actor=agent)


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_issuing_is_set_based(world, agent, django_assert_max_num_queries):
    for index in range(15):
        household = make_household(name=f"Foyer {index}")
        child = ChildFactory(household=household)
        for day in (2, 3, 5):
            book(world.sessions, world.canteen, day, child, household)
    run = services.prepare_run(actor=agent)
    # Fixed queries plus one audit row per invoice (the régie's own log of each issue).
    with django_assert_max_num_queries(20 + 17):
        invoices = services.issue_run(actor=agent, run=run)
    assert len(invoices) == 17


@time_machine.travel(DECEMBER_FIRST, tick=False)
def test_the_beat_task_prepares_the_previous_month_and_the_command_issues_it(world):
    entry = settings.CELERY_BEAT_SCHEDULE["famille-prepare-billing"]
    assert entry["task"] == tasks.prepare_previous_month_billing.name
    schedule = entry["schedule"]
    assert (schedule.day_of_month, schedule.hour, schedule.minute) == ({1}, {6}, {0})
    assert settings.CELERY_TIMEZONE == "Europe/Paris"

    run_id = tasks.prepare_previous_month_billing.delay().get()

    run = BillingRun.objects.get(pk=run_id)
    assert (run.month, run.status, run.created_by) == (NOVEMBER, BillingRunStatus.DRAFT, None)
    out = StringIO()
    call_command("famille_billing", "--month", "2026-11", "--issue", stdout=out)
    assert "2026-11 : 2 foyers" in out.getvalue()
    assert "2 factures émises." in out.getvalue()
    run.refresh_from_db()
    assert run.status == BillingRunStatus.ISSUED
    assert Invoice.objects.get(payer=world.martins.party).total_cents == EXPECTED_TOTAL_CENTS


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("concurrency")
@time_machine.travel(DECEMBER_FIRST, tick=True)
def test_two_agents_issuing_at_once_issue_once():
    world = build_november()
    agent = make_agent(world.canteen.service)
    run = services.prepare_run(actor=agent)
    barrier = threading.Barrier(2)
    outcomes = []

    def issue():
        try:
            barrier.wait()
            outcomes.append(len(services.issue_run(actor=agent, run=run)))
        except BillingRunIssued:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes, key=str) == [2, "refused"]
    assert Invoice.objects.count() == 2
    assert Invoice.objects.get(payer=world.martins.party).total_cents == EXPECTED_TOTAL_CENTS


def test_a_line_label_always_fits_the_invoice_line():
    label = services.line_label(
        activity="Accueil de loisirs " + "très " * 40,
        kind="late_cancellation",
        child="Marie-" * 30,
        quantity=12,
        unit_price_cents=123456,
    )
    assert len(label) <= 200
    assert label.endswith("(12 × 1\u202f234,56\u00a0€)")
    assert (
        services.line_label(
            activity="Restauration scolaire", kind="sessions", child="Léa", quantity=12, unit_price_cents=320
        )
        == "Restauration scolaire — Léa (12 × 3,20\u00a0€)"
    )
