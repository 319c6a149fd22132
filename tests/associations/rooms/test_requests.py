"""One-off requests: who may ask, the rules of the room, approval or immediate confirmation, billing, and
no overlap between confirmed bookings (touching slots both hold)."""

from datetime import date, datetime, time

import pytest
import time_machine

from associations.exceptions import AssociationError, AssociationNotVerified
from associations.rooms.enums import BookingStatus
from associations.rooms.exceptions import BookingRefused, RoomsAccessDenied, SlotTaken
from associations.rooms.models import Booking
from associations.rooms.schedule import PARIS
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from regie.models import Invoice
from tests.associations.rooms.factories import (
    RoomFactory,
    association_of,
    confirmed,
    join,
    request,
    rooms_agent,
    vie_associative,
)
from tests.factories import UserFactory, person_party

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)  # a Monday
SATURDAY = date(2026, 3, 14)


@pytest.fixture(autouse=True)
def _clock():
    vie_associative()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def club():
    return association_of(name="Basket Club")


def test_a_request_in_a_room_needing_approval_waits_and_the_agents_are_told(club):
    agent = rooms_agent()
    room = RoomFactory(name="Salle des fêtes")

    booking = request(club.created_by, room, party=club.party, day=SATURDAY, start=(14, 0), end=(18, 30))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    assert (booking.starts_at, booking.ends_at) == (
        datetime(2026, 3, 14, 14, 0, tzinfo=PARIS),
        datetime(2026, 3, 14, 18, 30, tzinfo=PARIS),
    )
    assert (booking.invoice_id, booking.deposit_invoice_id) == (None, None)
    assert Notification.objects.filter(user=agent, kind="rooms_request").count() == 1
    assert AuditEvent.objects.filter(action="rooms.booking.request", target_id=str(booking.pk)).exists()


def test_a_room_without_approval_confirms_at_once_and_bills_hours_and_deposit_apart(club):
    room = RoomFactory(needs_approval=False, association_hourly_cents=1250, deposit_cents=30000)

    booking = request(club.created_by, room, party=club.party, day=SATURDAY, start=(14, 0), end=(16, 30))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.price_cents == 3125  # 2 h 30 × 12,50 €
    rental = Invoice.objects.get(pk=booking.invoice_id)
    deposit = Invoice.objects.get(pk=booking.deposit_invoice_id)
    assert (rental.payer_id, rental.total_cents, rental.source) == (
        club.party_id,
        3125,
        f"rooms.booking:{booking.pk}",
    )
    assert (deposit.total_cents, deposit.source) == (30000, f"rooms.deposit:{booking.pk}")
    line = rental.lines.get()
    assert line.source == f"rooms.booking:{booking.pk}"
    assert line.service.slug == "vie-associative"
    assert line.label.startswith(f"Location : {room.name}, samedi 14 mars 2026, 14:00–16:30")
    assert deposit.lines.get().source == f"rooms.booking:{booking.pk}"


def test_a_free_room_issues_no_invoice(club):
    room = RoomFactory(needs_approval=False)

    booking = request(club.created_by, room, party=club.party, day=SATURDAY)

    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.invoice_id, booking.deposit_invoice_id, Invoice.objects.count()) == (None, None, 0)


def test_private_persons_book_only_the_rooms_open_to_them_at_their_price():
    citizen = UserFactory()
    hall = RoomFactory(
        private_allowed=True, private_hourly_cents=4000, association_hourly_cents=1000, needs_approval=False
    )
    meeting = RoomFactory()

    booking = request(citizen, hall, day=SATURDAY, start=(10, 0), end=(13, 0), purpose="Anniversaire")
    with pytest.raises(BookingRefused, match="réservée aux associations"):
        request(citizen, meeting, day=SATURDAY)

    assert booking.price_cents == 12000
    assert Invoice.objects.get(pk=booking.invoice_id).payer == person_party(citizen)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"day": date(2026, 3, 2), "start": (9, 0), "end": (10, 0)}, "déjà passé"),
        ({"day": SATURDAY, "start": (7, 0), "end": (9, 0)}, "ouverte le samedi de 08:00 à 23:00"),
        ({"day": SATURDAY, "attendees": 51}, "50 personnes au plus : vous en attendez 51"),
        ({"day": SATURDAY, "start": (20, 0), "end": (18, 0)}, "L'heure de fin doit suivre"),
        ({"day": SATURDAY, "purpose": "   "}, "Indiquez l'objet"),
    ],
)
def test_the_rules_of_the_room_refuse_a_request(club, kwargs, message):
    room = RoomFactory()

    with pytest.raises(BookingRefused, match=message):
        request(club.created_by, room, party=club.party, **kwargs)

    assert not Booking.objects.exists()


def test_a_closed_day_says_so():
    room = RoomFactory(hours=[(1, time(18), time(22))], private_allowed=True)

    with pytest.raises(BookingRefused, match="fermée le samedi"):
        request(UserFactory(), room, day=SATURDAY)


def test_only_members_of_a_verified_association_ask_in_its_name(club):
    pending = association_of(name="En attente", verified=False)
    room = RoomFactory()
    outsider = UserFactory()
    member = join(club, UserFactory())

    with pytest.raises(RoomsAccessDenied):
        request(outsider, room, party=club.party, day=SATURDAY)
    with pytest.raises(AssociationNotVerified):
        request(pending.created_by, room, party=pending.party, day=SATURDAY)
    with pytest.raises(RoomsAccessDenied):
        request(outsider, room, party=person_party(member), day=SATURDAY)
    assert request(member, room, party=club.party, day=SATURDAY).party == club.party


def test_a_slot_overlapping_a_confirmed_booking_is_refused_but_touching_ones_are_both_accepted(club):
    room = RoomFactory(needs_approval=False)
    first = request(club.created_by, room, party=club.party, day=SATURDAY, start=(18, 0), end=(20, 0))

    after = request(club.created_by, room, party=club.party, day=SATURDAY, start=(20, 0), end=(22, 0))
    before = request(club.created_by, room, party=club.party, day=SATURDAY, start=(16, 0), end=(18, 0))
    with pytest.raises(SlotTaken, match="déjà réservé"):
        request(club.created_by, room, party=club.party, day=SATURDAY, start=(19, 59), end=(21, 0))

    assert {first.status, after.status, before.status} == {BookingStatus.CONFIRMED}
    assert Booking.objects.confirmed().count() == 3


def test_touching_requests_are_both_approved(club):
    agent = rooms_agent()
    room = RoomFactory()
    evening = confirmed(room, day=SATURDAY, start=(18, 0), end=(20, 0), agent=agent)
    night = confirmed(room, day=SATURDAY, start=(20, 0), end=(22, 0), agent=agent)

    assert (evening.status, night.status) == (BookingStatus.CONFIRMED, BookingStatus.CONFIRMED)


def test_the_database_itself_refuses_two_overlapping_confirmed_bookings(club):
    from django.db import IntegrityError, transaction

    room = RoomFactory()
    second = request(club.created_by, room, party=club.party, day=SATURDAY, start=(19, 0), end=(21, 0))
    first = confirmed(room, day=SATURDAY)

    with pytest.raises(IntegrityError, match="rooms_no_overlapping_confirmed_bookings"), transaction.atomic():
        Booking.objects.filter(pk=second.pk).update(status=BookingStatus.CONFIRMED)

    assert first.status == BookingStatus.CONFIRMED


def test_pending_requests_on_the_same_slot_may_wait_side_by_side(club):
    room = RoomFactory()
    other = association_of(name="Chorale")

    one = request(club.created_by, room, party=club.party, day=SATURDAY)
    two = request(other.created_by, room, party=other.party, day=SATURDAY)

    assert (one.status, two.status) == (BookingStatus.PENDING, BookingStatus.PENDING)


def test_every_refusal_is_an_association_error_with_a_french_message(club):
    room = RoomFactory(is_active=False)

    with pytest.raises(AssociationError) as refusal:
        request(club.created_by, room, party=club.party, day=SATURDAY)

    assert refusal.value.message == "Cette salle n'est pas ouverte aux réservations en ce moment."
