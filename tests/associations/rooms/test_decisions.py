"""The service's decisions on one-off requests: approval (billed, told), refusal with a reason, conflicts."""

from datetime import date, datetime

import pytest
import time_machine

from associations.rooms import services
from associations.rooms.enums import BookingStatus
from associations.rooms.exceptions import DecisionRefused, RoomsAccessDenied, SlotTaken
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
    regie_agent,
    request,
    rooms_agent,
    vie_associative,
)
from tests.factories import UserFactory, make_agent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
SATURDAY = date(2026, 3, 14)


@pytest.fixture(autouse=True)
def _clock():
    vie_associative()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent():
    return rooms_agent()


@pytest.fixture
def club(agent):
    return association_of(name="Basket Club", agent=agent)


def test_approving_confirms_bills_and_tells_every_member(club, agent):
    member = join(club, UserFactory())
    room = RoomFactory(name="Salle des fêtes", association_hourly_cents=2000, deposit_cents=15000)
    booking = request(club.created_by, room, party=club.party, day=SATURDAY, start=(14, 0), end=(17, 0))

    services.approve_booking(actor=agent, booking=booking)

    booking.refresh_from_db()
    assert (booking.status, booking.decided_by, booking.price_cents) == (BookingStatus.CONFIRMED, agent, 6000)
    assert Invoice.objects.get(pk=booking.invoice_id).total_cents == 6000
    assert Invoice.objects.get(pk=booking.deposit_invoice_id).total_cents == 15000
    for user in (club.created_by, member):
        notification = Notification.objects.get(user=user, kind="rooms_decision")
        assert notification.subject == "Réservation confirmée : Salle des fêtes"
        assert "samedi 14 mars 2026, de 14:00 à 17:00" in notification.body
    assert AuditEvent.objects.filter(action="rooms.booking.approve", target_id=str(booking.pk)).exists()


def test_approving_over_a_confirmed_booking_is_refused_and_the_request_stays_pending(club, agent):
    room = RoomFactory()
    booking = request(club.created_by, room, party=club.party, day=SATURDAY, start=(19, 0), end=(21, 0))
    confirmed(room, day=SATURDAY, start=(18, 0), end=(20, 0), agent=agent)

    with pytest.raises(SlotTaken, match="la demande reste en attente"):
        services.approve_booking(actor=agent, booking=booking)

    booking.refresh_from_db()
    assert (booking.status, booking.invoice_id, booking.decided_by) == (BookingStatus.PENDING, None, None)


def test_refusing_needs_a_reason_and_tells_the_requester(club, agent):
    booking = request(club.created_by, RoomFactory(), party=club.party, day=SATURDAY)

    with pytest.raises(DecisionRefused, match="motif du refus est obligatoire"):
        services.refuse_booking(actor=agent, booking=booking, reason="  ")
    services.refuse_booking(actor=agent, booking=booking, reason="La salle est prise par la mairie.")

    booking.refresh_from_db()
    assert (booking.status, booking.refusal_reason) == (
        BookingStatus.REFUSED,
        "La salle est prise par la mairie.",
    )
    assert "Motif : La salle est prise par la mairie." in Notification.objects.get(kind="rooms_decision").body


def test_a_decided_request_is_not_decided_again(club, agent):
    booking = request(club.created_by, RoomFactory(), party=club.party, day=SATURDAY)
    services.approve_booking(actor=agent, booking=booking)

    with pytest.raises(DecisionRefused, match="déjà été traitée : elle est « confirmée »"):
        services.approve_booking(actor=agent, booking=booking)
    with pytest.raises(DecisionRefused, match="déjà été traitée"):
        services.refuse_booking(actor=agent, booking=booking, reason="Trop tard.")


def test_a_request_whose_slot_is_past_cannot_be_approved(club, agent):
    booking = request(club.created_by, RoomFactory(), party=club.party, day=SATURDAY)

    with (
        time_machine.travel(datetime(2026, 3, 14, 19, 0, tzinfo=PARIS), tick=False),
        pytest.raises(DecisionRefused, match="déjà passé"),
    ):
        services.approve_booking(actor=agent, booking=booking)


@pytest.mark.parametrize("who", ["citizen", "other_service", "regie"])
def test_only_the_vie_associative_service_decides(club, who):
    booking = request(club.created_by, RoomFactory(), party=club.party, day=SATURDAY)
    actor = {"citizen": club.created_by, "other_service": make_agent(), "regie": regie_agent()}[who]

    with pytest.raises(RoomsAccessDenied):
        services.approve_booking(actor=actor, booking=booking)
    with pytest.raises(RoomsAccessDenied):
        services.refuse_booking(actor=actor, booking=booking, reason="Non.")

    assert Booking.objects.get().status == BookingStatus.PENDING
