"""Cancelling (free before the notice, the rental due after it), the after-event check releasing the
deposit, and the settlements the régie makes: credit notes for what is unpaid, refunds of what was paid."""

from datetime import date, datetime

import pytest
import time_machine

from associations.rooms import services
from associations.rooms.enums import BookingStatus, RoomCondition, SettlementKind, SettlementStatus
from associations.rooms.exceptions import CancellationRefused, CheckRefused, RoomsAccessDenied
from associations.rooms.models import Booking, Settlement
from associations.rooms.schedule import PARIS
from guichet.notify.models import Notification
from regie import services as regie_services
from regie.enums import InvoiceStatus
from regie.models import Invoice
from tests.associations.rooms.factories import (
    RoomFactory,
    association_of,
    both_agent,
    regie_agent,
    request,
    rooms_agent,
    vie_associative,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)  # a Monday
SATURDAY = date(2026, 3, 14)  # free cancellation until Saturday 7 March, 14:00
LATE = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
AFTER = datetime(2026, 3, 15, 9, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _clock():
    vie_associative()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cashier():
    return regie_agent()


@pytest.fixture
def hall():
    """Private persons welcome, 25 € an hour, a 300 € deposit, confirmed at once."""
    return RoomFactory(
        name="Salle des fêtes",
        needs_approval=False,
        private_allowed=True,
        private_hourly_cents=2500,
        association_hourly_cents=1000,
        deposit_cents=30000,
    )


@pytest.fixture
def party_booking(hall):
    citizen = UserFactory()
    booking = request(citizen, hall, day=SATURDAY, start=(14, 0), end=(18, 0), purpose="Anniversaire")
    return citizen, booking


def invoice(pk):
    return Invoice.objects.with_balance().get(pk=pk)


def pay(cashier, invoice_pk):
    target = invoice(invoice_pk)
    return regie_services.record_counter_payment(
        actor=cashier, payer=target.payer, invoices=[target], method="cash", amount_cents=target.total_cents
    )


def test_the_terms_before_and_after_the_notice(party_booking):
    _citizen, booking = party_booking

    before = services.cancellation_terms(booking)
    late = services.cancellation_terms(booking, LATE)
    started = services.cancellation_terms(booking, datetime(2026, 3, 14, 14, 0, tzinfo=PARIS))

    assert before.deadline == datetime(2026, 3, 7, 14, 0, tzinfo=PARIS)
    assert (before.allowed, before.free, before.back_cents, before.due_cents) == (True, True, 40000, 0)
    assert (late.allowed, late.free, late.billed, late.due_cents, late.back_cents) == (
        True,
        False,
        True,
        10000,
        30000,
    )
    assert not started.allowed
    assert "commencé" in started.reason


def test_a_free_cancellation_by_the_requester_waits_for_the_regie_then_cancels_both_invoices(
    party_booking, cashier
):
    citizen, booking = party_booking

    services.cancel_booking(actor=citizen, booking=booking)

    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_billed) == (BookingStatus.CANCELLED, False)
    waiting = list(Settlement.objects.order_by("kind"))
    assert [(s.kind, s.amount_cents, s.status) for s in waiting] == [
        (SettlementKind.DEPOSIT, 30000, SettlementStatus.PENDING),
        (SettlementKind.RENTAL, 10000, SettlementStatus.PENDING),
    ]
    assert invoice(booking.invoice_id).status == InvoiceStatus.ISSUED
    assert Notification.objects.filter(user=cashier, kind="rooms_settlement").count() == 1

    for settlement in waiting:
        services.settle(actor=cashier, settlement=settlement)

    assert invoice(booking.invoice_id).status == InvoiceStatus.CANCELLED
    assert invoice(booking.deposit_invoice_id).status == InvoiceStatus.CANCELLED
    assert set(Settlement.objects.values_list("status", "credited_cents", "refunded_cents")) == {
        (SettlementStatus.DONE, 30000, 0),
        (SettlementStatus.DONE, 10000, 0),
    }
    # Settling twice does nothing more.
    services.settle(actor=cashier, settlement=waiting[0])
    assert invoice(booking.deposit_invoice_id).credited_cents == 30000


def test_a_paid_booking_cancelled_in_time_is_refunded(party_booking, cashier):
    citizen, booking = party_booking
    pay(cashier, booking.invoice_id)
    pay(cashier, booking.deposit_invoice_id)

    services.cancel_booking(actor=citizen, booking=booking)
    for settlement in Settlement.objects.all():
        services.settle(actor=cashier, settlement=settlement)

    rental, deposit = invoice(booking.invoice_id), invoice(booking.deposit_invoice_id)
    assert (rental.credited_cents, rental.refunded_cents, rental.balance_cents) == (10000, 10000, 0)
    assert (deposit.credited_cents, deposit.refunded_cents, deposit.balance_cents) == (30000, 30000, 0)


def test_a_late_cancellation_frees_the_room_keeps_the_rental_due_and_releases_the_deposit(
    party_booking, cashier
):
    citizen, booking = party_booking

    with time_machine.travel(LATE, tick=False):
        services.cancel_booking(actor=citizen, booking=booking)

    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_billed) == (BookingStatus.CANCELLED, True)
    assert list(Settlement.objects.values_list("kind", "amount_cents")) == [(SettlementKind.DEPOSIT, 30000)]
    services.settle(actor=cashier, settlement=Settlement.objects.get())
    assert invoice(booking.invoice_id).amount_due_cents == 10000
    assert invoice(booking.deposit_invoice_id).status == InvoiceStatus.CANCELLED
    # The slot is free again for someone else.
    other = request(UserFactory(), booking.room, day=SATURDAY, start=(15, 0), end=(17, 0), now=LATE)
    assert other.status == BookingStatus.CONFIRMED


def test_a_regie_agent_who_cancels_settles_at_once(hall):
    agent = both_agent()
    association = association_of(agent=agent)
    # The régie agent is a member of the association too.
    from tests.associations.rooms.factories import join

    join(association, agent)
    booking = request(association.created_by, hall, party=association.party, day=SATURDAY)

    services.cancel_booking(actor=agent, booking=booking)

    assert set(Settlement.objects.values_list("status", flat=True)) == {SettlementStatus.DONE}
    assert invoice(booking.invoice_id).status == InvoiceStatus.CANCELLED
    assert not Notification.objects.filter(kind="rooms_settlement").exists()


def test_a_pending_request_is_withdrawn_for_free_and_someone_else_cannot_cancel():
    club = association_of()
    room = RoomFactory(association_hourly_cents=1000)
    booking = request(club.created_by, room, party=club.party, day=SATURDAY)

    with pytest.raises(RoomsAccessDenied):
        services.cancel_booking(actor=UserFactory(), booking=booking)
    services.cancel_booking(actor=club.created_by, booking=booking)

    assert Booking.objects.get().status == BookingStatus.CANCELLED
    assert not Settlement.objects.exists()
    with pytest.raises(CancellationRefused, match="rien à annuler"):
        services.cancel_booking(actor=club.created_by, booking=booking)


def test_a_series_is_cancelled_date_by_date_with_each_date_s_terms():
    from datetime import time

    club = association_of()
    room = RoomFactory(needs_approval=False, association_hourly_cents=1000)
    result = services.request_series(
        actor=club.created_by,
        room=room,
        party=club.party,
        weekday=2,
        start=time(18),
        end=time(20),
        first_date=date(2026, 3, 4),
        last_date=date(2026, 3, 25),
        purpose="Chorale",
        attendees=12,
    )

    with time_machine.travel(datetime(2026, 3, 12, 9, 0, tzinfo=PARIS), tick=False):
        terms = services.series_terms(result.series)
        cancelled = services.cancel_series(actor=club.created_by, series=result.series)

    # 4 and 11 March are past; 18 March is within the notice (billed); 25 March is free.
    assert [(b.day, t.free) for b, t in terms] == [(date(2026, 3, 18), False), (date(2026, 3, 25), True)]
    assert [(b.day, b.cancellation_billed) for b in cancelled] == [
        (date(2026, 3, 18), True),
        (date(2026, 3, 25), False),
    ]
    assert list(Settlement.objects.values_list("kind", "amount_cents")) == [(SettlementKind.RENTAL, 2000)]
    assert Booking.objects.filter(series=result.series, status=BookingStatus.CONFIRMED).count() == 2


def test_the_check_releases_the_deposit_but_for_the_part_kept_for_damage(party_booking, cashier):
    citizen, booking = party_booking
    pay(cashier, booking.deposit_invoice_id)
    agent = rooms_agent()

    with time_machine.travel(AFTER, tick=False):
        services.record_check(
            actor=agent,
            booking=booking,
            condition=RoomCondition.DAMAGED,
            damage_notes="Deux chaises cassées.",
            kept_cents=8000,
        )

    booking.refresh_from_db()
    assert (booking.condition, booking.deposit_kept_cents, booking.checked_by) == (
        RoomCondition.DAMAGED,
        8000,
        agent,
    )
    settlement = Settlement.objects.get()
    assert (settlement.kind, settlement.amount_cents) == (SettlementKind.DEPOSIT, 22000)
    services.settle(actor=cashier, settlement=settlement)
    deposit = invoice(booking.deposit_invoice_id)
    assert (deposit.credited_cents, deposit.refunded_cents, deposit.paid_cents) == (22000, 22000, 8000)
    body = Notification.objects.get(user=citizen, kind="rooms_check").body
    assert "Deux chaises cassées." in body and "80,00" in body


def test_an_unpaid_deposit_partly_kept_stays_due_for_that_part(party_booking, cashier):
    _citizen, booking = party_booking

    with time_machine.travel(AFTER, tick=False):
        services.record_check(
            actor=both_agent(),
            booking=booking,
            condition="damaged",
            damage_notes="Vitre fêlée.",
            kept_cents=5000,
        )

    deposit = invoice(booking.deposit_invoice_id)
    assert (deposit.status, deposit.credited_cents, deposit.amount_due_cents) == (
        InvoiceStatus.ISSUED,
        25000,
        5000,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"condition": "damaged", "damage_notes": ""}, "Décrivez les dégradations"),
        ({"condition": "good", "kept_cents": 100}, "suppose des dégradations"),
        (
            {"condition": "damaged", "damage_notes": "Tache", "kept_cents": 30001},
            "ne peut pas dépasser la caution",
        ),
        ({"condition": "excellent"}, "dans quel état"),
    ],
)
def test_the_check_refuses_what_does_not_hold(party_booking, kwargs, message):
    _citizen, booking = party_booking

    with time_machine.travel(AFTER, tick=False), pytest.raises(CheckRefused, match=message):
        services.record_check(actor=rooms_agent(), booking=booking, **kwargs)


def test_the_check_comes_after_the_slot_and_only_once(party_booking):
    _citizen, booking = party_booking
    agent = rooms_agent()

    with pytest.raises(CheckRefused, match="après la fin du créneau, le samedi 14 mars 2026 à 18:00"):
        services.record_check(actor=agent, booking=booking, condition="good")
    with time_machine.travel(AFTER, tick=False):
        services.record_check(actor=agent, booking=booking, condition="good")
        with pytest.raises(CheckRefused, match="déjà enregistré"):
            services.record_check(actor=agent, booking=booking, condition="good")

    assert Settlement.objects.get().amount_cents == 30000


def test_only_regie_agents_settle(party_booking):
    citizen, booking = party_booking
    services.cancel_booking(actor=citizen, booking=booking)
    settlement = Settlement.objects.first()

    for actor in (citizen, rooms_agent()):
        with pytest.raises(RoomsAccessDenied, match="agents de la régie"):
            services.settle(actor=actor, settlement=settlement)

    assert set(Settlement.objects.values_list("status", flat=True)) == {SettlementStatus.PENDING}
