import pytest
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from guichet import audit
from guichet.audit.models import AuditEvent
from guichet.context import RequestContextMiddleware
from tests.factories import UserFactory, person_party

pytestmark = pytest.mark.django_db


def test_an_event_recorded_during_a_request_carries_its_ip_and_request_id():
    agent, citizen = UserFactory(), UserFactory()

    def view(request: HttpRequest) -> HttpResponse:
        audit.record(actor=agent, action="demarches.request.view", owner=person_party(citizen))
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_REQUEST_ID="req-0123456789")
    response = RequestContextMiddleware(view)(request)

    event = AuditEvent.objects.get()
    assert (event.ip, event.request_id) == ("203.0.113.7", "req-0123456789")
    assert response["X-Request-ID"] == "req-0123456789"


def test_an_event_recorded_outside_a_request_has_no_ip_nor_request_id():
    event = audit.record(actor=None, action="famille.billing.run")

    event.refresh_from_db()
    assert (event.actor_id, event.ip, event.request_id) == (None, None, "")


def test_a_model_instance_target_is_stored_as_its_label_and_id():
    agent, citizen = UserFactory(), UserFactory()
    party = person_party(citizen)

    event = audit.record(actor=agent, action="user.view", target=citizen, owner=party)

    event.refresh_from_db()
    assert (event.actor_id, event.target_type, event.target_id, event.owner_party_id) == (
        agent.pk,
        "accounts.user",
        str(citizen.pk),
        party.pk,
    )


def test_a_reference_string_target_is_stored_as_given():
    event = audit.record(actor=1, action="famille.booking.cancel", target="famille.booking:123", owner=7)

    event.refresh_from_db()
    assert (event.actor_id, event.target_type, event.target_id, event.owner_party_id) == (
        1,
        "famille.booking",
        "123",
        7,
    )


@pytest.mark.parametrize("target", [123, "famille.booking", object()])
def test_a_target_that_is_neither_a_model_nor_a_reference_is_refused(target):
    with pytest.raises(TypeError, match="audit target"):
        audit.record(actor=None, action="test.update", target=target)
    assert not AuditEvent.objects.exists()


def test_details_keep_ids_and_codes():
    event = audit.record(
        actor=None,
        action="user.update",
        fields=["first_name", "postal_code"],
        invoice_id=42,
        backup_code=True,
        reason=None,
        status="regie.invoice:2026-000123",
    )

    event.refresh_from_db()
    assert event.details == {
        "fields": ["first_name", "postal_code"],
        "invoice_id": 42,
        "backup_code": True,
        "reason": None,
        "status": "regie.invoice:2026-000123",
    }


@pytest.mark.parametrize(
    "value",
    ["Jean Dupont", "Hélène", "12 rue de la Paix", "x" * 65, ["ok", "Marie Curie"]],
)
def test_details_refuse_names_and_free_text(value):
    with pytest.raises(ValueError, match="id or a code"):
        audit.record(actor=None, action="user.update", note=value)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("value", [{"name": "Dupont"}, 12.5, b"bytes", {1, 2}])
def test_details_refuse_dicts_and_other_objects(value):
    with pytest.raises(TypeError, match="id or a code"):
        audit.record(actor=None, action="user.update", note=value)
    assert not AuditEvent.objects.exists()


def test_an_event_stands_or_falls_with_the_change_it_records():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=None, action="user.update")
        raise RuntimeError("the change failed")

    assert not AuditEvent.objects.exists()
