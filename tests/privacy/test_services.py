"""Deleting one's account: asked (deactivated, signed out, bookings to come cancelled), cancelled within
the 30 days, erased for good by the daily task, once."""

import threading
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.http import urlencode

from associations.rooms.models import Booking as RoomBooking
from coffre.models import DataKey, Document
from demarches.models import Request
from famille.models import Booking
from famille.models import Session as FamilySession
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import Party, PartyMembership, User
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from guichet.privacy import services, tasks, tokens
from guichet.privacy.enums import DeletionStatus
from guichet.privacy.exceptions import ComeBackRefused, DeletionAlreadyRequested, DeletionRefused
from guichet.privacy.models import DeletionRequest
from tests.factories import UserFactory, make_admin, make_agent, person_party
from tests.famille.factories import ChildFactory, make_household
from tests.privacy.conftest import NOW
from tests.privacy.factories import citizen, family_bookings

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


# Asking ---------------------------------------------------------------------------------------


def test_asking_deactivates_the_account_signs_it_out_everywhere_and_cancels_the_bookings_to_come(
    clock, town, document_types, django_capture_on_commit_callbacks
):
    camille = citizen(today=NOW.date(), first_name="Camille", last_name="Martin", email="camille@exemple.fr")
    user = camille.user
    signed_in(user), signed_in(user)
    neighbour = UserFactory()
    signed_in(neighbour)
    assert sessions_of(user) == 2

    with django_capture_on_commit_callbacks(execute=True):
        deletion = services.request_deletion(actor=user)

    user.refresh_from_db()
    assert user.is_active is False
    assert (deletion.status, deletion.requested_at, deletion.erase_after) == (
        DeletionStatus.PENDING,
        NOW,
        NOW + timedelta(days=30),
    )
    assert sessions_of(user) == 0
    assert sessions_of(neighbour) == 1
    # The family's bookings to come: cancelled through famille, their places given back.
    assert {booking.status for booking in Booking.objects.filter(household=camille.household)} == {
        "cancelled"
    }
    assert set(
        FamilySession.objects.filter(bookings__household=camille.household).values_list("booked", flat=True)
    ) == {0}
    assert RoomBooking.objects.get(pk=camille.room_booking.pk).status == "cancelled"
    # Nothing else goes yet: the person may come back.
    assert Document.objects.filter(owner=person_party(user)).count() == 3
    assert Request.objects.filter(pk=camille.draft.pk).exists()
    assert user.email == "camille@exemple.fr"
    event = AuditEvent.objects.get(action="privacy.deletion.request")
    assert (event.actor_id, event.owner_party_id, event.target_id) == (
        user.pk,
        person_party(user).pk,
        str(deletion.pk),
    )
    assert event.details == {"family_bookings_cancelled": 2, "room_bookings_cancelled": 1}
    # Told by e-mail, with the day of the erasure and the way back.
    [email] = [
        message
        for message in mail.outbox
        if message.to == ["camille@exemple.fr"] and "supprimé" in message.subject
    ]
    assert email.subject == "Votre compte sera supprimé le 2 décembre 2026"
    assert (
        "Jusqu'au 2 décembre 2026, ouvrez ce lien et confirmez que vous annulez la suppression" in email.body
    )
    link = "http://127.0.0.1:8000/compte-supprime/revenir/?" + urlencode(
        {"jeton": tokens.come_back_token(deletion.pk)}
    )
    assert link in email.body


def test_a_household_with_another_adult_keeps_its_bookings(clock, town, document_types):
    parent, other_parent = UserFactory(), UserFactory()
    household = make_household(parent, other_parent)
    child = ChildFactory(household=household)
    bookings = family_bookings(household, child, [NOW.date() + timedelta(days=7)])

    services.request_deletion(actor=parent)

    assert Booking.objects.get(pk=bookings[0].pk).status == "confirmed"


@pytest.mark.parametrize(
    ("bills_late", "status", "counted"), [(True, "late_cancelled", 1), (False, "confirmed", 0)]
)
def test_a_booking_past_its_deadline_follows_the_activity_s_rules(clock, town, bills_late, status, counted):
    user = UserFactory()
    household = make_household(user)
    child = ChildFactory(household=household)
    # Today's canteen: past the free cancellation deadline; billed all the same, or not cancellable.
    [today] = family_bookings(household, child, [NOW.date()], bill_late_cancellation=bills_late)

    services.request_deletion(actor=user)

    assert Booking.objects.get(pk=today.pk).status == status
    assert (
        AuditEvent.objects.get(action="privacy.deletion.request").details["family_bookings_cancelled"]
        == counted
    )


@pytest.mark.parametrize("who", ["agent", "administrator"])
def test_an_agent_or_administrator_account_is_not_deleted_online(clock, town, who):
    user = make_agent() if who == "agent" else make_admin()

    with pytest.raises(DeletionRefused, match="Demandez-le à l'administrateur du guichet"):
        services.request_deletion(actor=user)

    assert User.objects.get(pk=user.pk).is_active
    assert not DeletionRequest.objects.exists()


def test_asking_twice_is_refused(clock, town):
    user = UserFactory()
    services.request_deletion(actor=user)

    with pytest.raises(DeletionAlreadyRequested):
        services.request_deletion(actor=User.objects.get(pk=user.pk))

    assert DeletionRequest.objects.count() == 1


# Coming back ----------------------------------------------------------------------------------


def test_coming_back_within_the_30_days_reactivates_the_account_as_it_was(
    clock, town, document_types, django_capture_on_commit_callbacks
):
    camille = citizen(today=NOW.date(), with_room=False, email="camille@exemple.fr")
    deletion = services.request_deletion(actor=camille.user)
    clock.shift(timedelta(days=29, hours=23))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_deletion(deletion=deletion, through="email_link")

    deletion.refresh_from_db()
    user = User.objects.get(pk=camille.user.pk)
    assert user.is_active and user.email == "camille@exemple.fr"
    assert (deletion.status, deletion.cancelled_through) == (DeletionStatus.CANCELLED, "email_link")
    assert deletion.cancelled_at == NOW + timedelta(days=29, hours=23)
    assert Document.objects.filter(owner=person_party(user)).count() == 3
    # Bookings cancelled when asking stay cancelled (their places went to others).
    assert {b.status for b in Booking.objects.filter(household=camille.household)} == {"cancelled"}
    assert AuditEvent.objects.get(action="privacy.deletion.cancel").details == {"through": "email_link"}
    assert [message.subject for message in mail.outbox] == ["Votre compte est rétabli"]
    # The erasure of that request never comes.
    clock.shift(timedelta(days=2))
    assert services.erase_due_accounts() == []
    assert User.objects.get(pk=user.pk).email == "camille@exemple.fr"


def test_coming_back_after_the_30_days_is_refused(clock, town):
    user = UserFactory()
    deletion = services.request_deletion(actor=user)
    clock.shift(timedelta(days=30))

    with pytest.raises(ComeBackRefused):
        services.cancel_deletion(deletion=deletion, through="sign_in")

    assert DeletionRequest.objects.get(pk=deletion.pk).status == DeletionStatus.PENDING
    assert not User.objects.get(pk=user.pk).is_active


def test_a_deletion_cancelled_cannot_be_cancelled_again(clock, town):
    deletion = services.request_deletion(actor=UserFactory())
    services.cancel_deletion(deletion=deletion, through="sign_in")

    with pytest.raises(ComeBackRefused):
        services.cancel_deletion(deletion=deletion, through="email_link")

    assert AuditEvent.objects.filter(action="privacy.deletion.cancel").count() == 1


# Erasing --------------------------------------------------------------------------------------


def test_the_daily_task_erases_the_account_once_its_30_days_are_over_and_only_once(
    clock, town, document_types, vault_storage, django_capture_on_commit_callbacks
):
    camille = citizen(today=NOW.date(), first_name="Camille", last_name="Martin", email="camille@exemple.fr")
    user = camille.user
    with django_capture_on_commit_callbacks(execute=True):
        deletion = services.request_deletion(actor=user)
    other = citizen(today=NOW.date(), with_family=False, with_room=False)

    clock.shift(timedelta(days=29, hours=23, minutes=59))
    assert tasks.erase_due_accounts.delay().get() == []
    assert User.objects.get(pk=user.pk).email == "camille@exemple.fr"

    clock.shift(timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.erase_due_accounts.delay().get() == [deletion.pk]

    deletion.refresh_from_db()
    user.refresh_from_db()
    assert (deletion.status, deletion.erased_at) == (DeletionStatus.ERASED, NOW + timedelta(days=30))
    assert (user.email, user.first_name, user.last_name, user.is_active) == (
        f"supprime-{user.pk}@invalid.invalid",
        "",
        "",
        False,
    )
    assert not user.has_usable_password()
    own = person_party(user)
    assert own.name == "Compte supprimé"
    # The vault is shredded, its blobs gone; the drafts and notifications too.
    assert not Document.objects.filter(owner=own).exists()
    assert not DataKey.objects.filter(party=own).exists()
    for version, _content in camille.documents:
        assert not (vault_storage / version.blob_name).exists()
    assert not Request.objects.filter(pk=camille.draft.pk).exists()
    assert not Notification.objects.filter(user=user).exists()
    # What the town keeps: the request sent, under the anonymised account.
    assert Request.objects.get(pk=camille.sent.pk).applicant_id == own.pk
    # No longer an adult of the household (which stays, with its child).
    assert not PartyMembership.objects.filter(user=user, role=PartyRole.GUARDIAN).exists()
    assert Party.objects.filter(pk=camille.household.party_id).exists()
    erased = AuditEvent.objects.get(action="privacy.deletion.erase")
    assert (erased.actor_id, erased.owner_party_id) == (None, own.pk)
    assert AuditEvent.objects.filter(action="coffre.vault.shred", owner_party_id=own.pk).count() == 1
    # Someone else is untouched.
    assert Document.objects.filter(owner=person_party(other.user)).count() == 3
    assert User.objects.get(pk=other.user.pk).is_active

    # The next night, and the one after: nothing more.
    clock.shift(timedelta(days=1))
    assert tasks.erase_due_accounts.delay().get() == []
    assert services.erase_account(deletion_id=deletion.pk) is False
    assert AuditEvent.objects.filter(action="privacy.deletion.erase").count() == 1
    assert AuditEvent.objects.filter(action="coffre.vault.shred").count() == 1


def test_a_request_not_yet_due_or_cancelled_is_never_erased(clock, town):
    waiting = services.request_deletion(actor=UserFactory())
    changed_mind = services.request_deletion(actor=UserFactory())
    services.cancel_deletion(deletion=changed_mind, through="sign_in")

    assert services.erase_account(deletion_id=waiting.pk) is False
    clock.shift(timedelta(days=31))
    assert services.erase_account(deletion_id=changed_mind.pk) is False
    assert services.erase_due_accounts() == [waiting.pk]


def test_signing_out_everywhere_ends_only_that_user_s_live_sessions(clock):
    user, other = UserFactory(), UserFactory()
    for _index in range(3):
        signed_in(user)
    signed_in(other)

    assert services.end_sessions(user=user) == 3

    assert sessions_of(user) == 0
    assert sessions_of(other) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("concurrency")
def test_two_runs_of_the_erasure_at_once_erase_the_account_once(time_machine, vault_storage):
    time_machine.move_to(NOW, tick=False)
    user = UserFactory()
    deletion = services.request_deletion(actor=user)
    time_machine.move_to(NOW + timedelta(days=31), tick=False)
    results, barrier = [], threading.Barrier(8)

    def run():
        try:
            barrier.wait()
            results.append(services.erase_account(deletion_id=deletion.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 7 + [True]
    assert AuditEvent.objects.filter(action="privacy.deletion.erase").count() == 1
    assert DeletionRequest.objects.get(pk=deletion.pk).status == DeletionStatus.ERASED
    assert timezone.now() == NOW + timedelta(days=31)
