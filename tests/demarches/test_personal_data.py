"""The démarches in the personal-data registry: exported with their answers, drafts erased."""

import pytest

from demarches import services
from demarches.enums import RequestStatus
from demarches.models import Request
from guichet.accounts import registry
from tests.demarches.factories import publish, simple_demarche
from tests.demarches.helpers import TODAY
from tests.factories import UserFactory, person_party

pytestmark = pytest.mark.django_db


def test_requests_are_exported_with_their_answers_and_only_drafts_are_erased():
    demarche = simple_demarche(title="Rendez-vous")
    publish(demarche)
    user = UserFactory(last_name="Martin")
    party = person_party(user)
    draft = services.start_request(actor=user, demarche=demarche, applicant=party)
    sent = services.start_request(actor=user, demarche=demarche, applicant=party)
    sent = services.save_page_answers(
        actor=user, request=sent, page_number=2, page_answers={"moment": "matin"}
    )
    sent = services.submit_request(actor=user, request=sent, today=TODAY)
    someone_else = UserFactory()
    services.start_request(actor=someone_else, demarche=demarche, applicant=person_party(someone_else))

    exported = registry.export_user_data(user)["demarches"]["demandes"]

    assert [(row["référence"], row["statut"], row["réponses"]) for row in exported] == [
        ("", RequestStatus.DRAFT, {"nom": "Martin"}),
        (sent.reference, RequestStatus.SUBMITTED, {"nom": "Martin", "moment": "matin"}),
    ]

    registry.erase_user_data(user)

    assert not Request.objects.filter(pk=draft.pk).exists()
    assert Request.objects.filter(pk=sent.pk).exists()
    assert Request.objects.filter(applicant=person_party(someone_else)).count() == 1
