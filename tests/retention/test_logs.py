"""Logs and leftovers a town must not keep forever: notifications and their sending logs, expired
sessions, sign-in logs, finished invitations. Each goes just past its limit, once."""

from datetime import datetime, timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from associations import services as associations_services
from associations.models import AssociationInvitation
from famille.models import ChildShareInvitation, HouseholdInvitation
from famille.services import family
from guichet.notify import services as notify_services
from guichet.notify.enums import DeliveryStatus
from guichet.notify.models import Delivery, Notification
from tests.associations.factories import make_association
from tests.famille.factories import ChildFactory, make_household
from tests.retention.factories import run

pytestmark = pytest.mark.django_db

START = datetime.fromisoformat("2024-02-01T08:00:00+01:00")


def notification(user, subject: str) -> Notification:
    return notify_services.notify(
        user=user, kind="message", context={"subject": subject, "message": "Texte."}
    )


def test_notifications_go_a_year_after_they_were_sent_with_their_deliveries(time_machine, citizen):
    time_machine.move_to(START, tick=False)
    old = notification(citizen, "Ancien")
    time_machine.move_to(START + timedelta(days=2), tick=False)
    recent = notification(citizen, "Récent")

    time_machine.move_to(START + timedelta(days=365, minutes=1), tick=False)
    first = run()

    assert first.counts["notify.notifications"] == 1
    assert list(Notification.objects.filter(user=citizen)) == [recent]
    assert not Delivery.objects.filter(notification_id=old.pk).exists()
    assert run().counts["notify.notifications"] == 0


def test_sending_logs_go_after_90_days_once_sent_or_failed_but_a_queued_one_waits(time_machine, citizen):
    time_machine.move_to(START, tick=False)
    sent, failed, queued, young = (
        notification(citizen, name) for name in ("Envoyé", "Échec", "Attente", "Jeune")
    )
    Delivery.objects.filter(notification=sent).update(status=DeliveryStatus.SENT, sent_at=START)
    Delivery.objects.filter(notification=failed).update(status=DeliveryStatus.FAILED)
    time_machine.move_to(START + timedelta(days=89), tick=False)
    Delivery.objects.filter(notification=young).update(
        status=DeliveryStatus.SENT, sent_at=START, updated_at=START + timedelta(days=89)
    )

    time_machine.move_to(START + timedelta(days=90, minutes=1), tick=False)
    first = run()

    assert first.counts["notify.deliveries"] == 2
    assert set(Delivery.objects.values_list("notification_id", flat=True)) == {queued.pk, young.pk}
    # The notifications themselves stay in the citizen's space until their own limit.
    assert Notification.objects.filter(user=citizen).count() == 4
    assert run().counts["notify.deliveries"] == 0


def test_expired_sessions_go_the_day_after(time_machine, citizen):
    time_machine.move_to(START, tick=False)
    old = SessionStore()
    old["_auth_user_id"] = str(citizen.pk)
    old.set_expiry(60)
    old.create()
    live = SessionStore()
    live.set_expiry(3 * 86400)
    live.create()

    time_machine.move_to(START + timedelta(days=1, minutes=2), tick=False)
    first = run()

    assert first.counts["accounts.sessions"] == 1
    assert set(Session.objects.values_list("session_key", flat=True)) == {live.session_key}
    assert run().counts["accounts.sessions"] == 0


def test_sign_in_logs_go_after_six_months(time_machine):
    def log(model, **fields):
        return model.objects.create(
            user_agent="Firefox",
            ip_address="198.51.100.7",
            username="camille@exemple.fr",
            http_accept="*/*",
            path_info="/compte/login/",
            **fields,
        )

    time_machine.move_to(START, tick=False)
    log(AccessLog)
    log(AccessFailureLog)
    log(AccessAttempt, get_data="", post_data="", failures_since_start=3)
    time_machine.move_to(START + timedelta(days=10), tick=False)
    kept = log(AccessLog)

    time_machine.move_to(START + timedelta(days=180, minutes=1), tick=False)
    first = run()

    assert first.counts["accounts.login_logs"] == 3
    assert list(AccessLog.objects.all()) == [kept]
    assert not AccessFailureLog.objects.exists() and not AccessAttempt.objects.exists()
    assert run().counts["accounts.login_logs"] == 0


def test_finished_invitations_go_90_days_after_their_link_ended(time_machine, citizen):
    time_machine.move_to(START, tick=False)
    household = make_household(citizen)
    child = ChildFactory(household=household)
    household_invitation, _token = family.invite_adult(
        actor=citizen, household=household, email="b@exemple.fr"
    )
    share, _token = family.share_child(actor=citizen, child=child, household=household, email="c@exemple.fr")
    association = make_association(citizen)
    association_invitation, _token = associations_services.invite_member(
        actor=citizen, association=association, email="d@exemple.fr"
    )
    links_end = max(household_invitation.expires_at, share.expires_at, association_invitation.expires_at)
    first_end = min(household_invitation.expires_at, share.expires_at, association_invitation.expires_at)

    time_machine.move_to(first_end + timedelta(days=90) - timedelta(minutes=1), tick=False)
    early = run()
    assert (early.counts["famille.invitations"], early.counts["associations.invitations"]) == (0, 0)

    time_machine.move_to(links_end + timedelta(days=90, minutes=1), tick=False)
    first = run()

    assert (first.counts["famille.invitations"], first.counts["associations.invitations"]) == (2, 1)
    assert not HouseholdInvitation.objects.exists()
    assert not ChildShareInvitation.objects.exists()
    assert not AssociationInvitation.objects.exists()
    second = run()
    assert (second.counts["famille.invitations"], second.counts["associations.invitations"]) == (0, 0)
