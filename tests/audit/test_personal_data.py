import pytest
from django.apps import apps

from guichet import audit
from guichet.audit import personal_data
from guichet.audit.models import AuditEvent
from tests.factories import UserFactory, make_agent, person_party

pytestmark = pytest.mark.django_db


def test_every_audit_model_is_declared_with_real_fields():
    assert set(personal_data.PERSONAL_FIELDS) == set(apps.get_app_config("audit").get_models())
    for model, names in personal_data.PERSONAL_FIELDS.items():
        for name in names:
            model._meta.get_field(name)


def test_the_export_lists_events_about_the_users_parties_with_ids_only():
    citizen, neighbour, agent = UserFactory(), UserFactory(), make_agent()
    audit.record(actor=agent, action="user.update", target=citizen, owner=person_party(citizen))
    audit.record(actor=agent, action="user.view", target=neighbour, owner=person_party(neighbour))

    exported = personal_data.export(citizen)

    assert [
        {key: value for key, value in event.items() if key != "date"} for event in exported["événements"]
    ] == [
        {
            "action": "user.update",
            "libellé": "Modification de vos coordonnées",
            "type_objet": "accounts.user",
            "id_objet": str(citizen.pk),
        }
    ]


def test_erasure_keeps_the_audit_trail():
    citizen, agent = UserFactory(), make_agent()
    audit.record(actor=agent, action="user.view", owner=person_party(citizen))

    personal_data.erase(citizen)

    assert AuditEvent.objects.filter(owner_party_id=person_party(citizen).pk).count() == 1
