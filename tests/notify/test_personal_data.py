import json

import pytest

from guichet.notify import personal_data, services
from guichet.notify.enums import Channel
from guichet.notify.models import Delivery, Notification, NotificationPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tell(user) -> Notification:
    context = {"subject": "Votre demande est acceptée", "message": "Venez chercher votre carte."}
    return services.notify(user=user, kind="message", context=context, url="/mon-espace/demandes/3/")


def test_every_declared_field_exists_and_every_text_field_is_declared():
    for model, names in personal_data.PERSONAL_FIELDS.items():
        fields = {field.name: field for field in model._meta.get_fields()}
        assert set(names) <= set(fields)
        texts = {
            name for name, field in fields.items() if field.get_internal_type() in ("CharField", "TextField")
        }
        # Codes chosen from a fixed list hold nothing about the person.
        assert texts - set(names) <= {"kind", "channel", "status"}


def test_export_holds_the_users_notifications_and_choices_only(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        tell(user)
    tell(UserFactory())
    services.set_preference(actor=user, channel=Channel.EMAIL, enabled=False)

    exported = json.loads(json.dumps(personal_data.export(user)))

    [notification] = exported["notifications"]
    assert notification["objet"] == "Votre demande est acceptée"
    assert notification["texte"] == "Venez chercher votre carte."
    assert notification["lien"] == "/mon-espace/demandes/3/"
    assert notification["lue_le"] is None
    assert [(e["canal"], e["état"], e["tentatives"]) for e in notification["envois"]] == [
        ("email", "sent", 1)
    ]
    assert exported["préférences"] == [{"canal": "email", "activé": False}]


def test_erase_deletes_the_users_notifications_deliveries_and_choices_only():
    user, other = UserFactory(), UserFactory()
    tell(user)
    tell(other)
    services.set_preference(actor=user, channel=Channel.EMAIL, enabled=False)

    personal_data.erase(user)

    assert not Notification.objects.filter(user=user).exists()
    assert not NotificationPreference.objects.filter(user=user).exists()
    assert list(Delivery.objects.values_list("notification__user", flat=True)) == [other.pk]
