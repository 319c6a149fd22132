"""Every form procedure of the catalogue is filled through its HTTP pages with sample answers and sent."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coffre.models import DocumentType
from demarches import engine
from demarches.catalogue import entries, load_catalogue
from demarches.enums import RequestStatus
from demarches.models import Demarche, Request
from tests.coffre.factories import make_association, store
from tests.demarches.helpers import document_types, sample_answers
from tests.factories import UserFactory, person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]

FORM_SLUGS = [entry["slug"] for entry in entries() if entry.get("kind", "form") == "form"]


def vault_documents(*, user, party, codes: set[str]) -> dict[str, int]:
    expiry = timezone.localdate() + timedelta(days=365)
    return {
        document_type.code: store(
            user=user, owner=party, document_type=document_type, title=document_type.label, expiry_date=expiry
        ).document_id
        for document_type in DocumentType.objects.filter(code__in=codes)
    }


@pytest.mark.parametrize("slug", FORM_SLUGS)
def test_every_form_procedure_is_filled_page_by_page_and_sent(client, slug):
    load_catalogue(slugs=[slug])
    demarche = Demarche.objects.get(slug=slug)
    user = UserFactory(
        first_name="Camille", last_name="Martin", email="camille@exemple.fr", phone="0612345678"
    )
    party = person_party(user) if demarche.for_person else make_association(president=user)
    schema = demarche.current_revision.form
    answers = sample_answers(
        schema,
        documents=vault_documents(user=user, party=party, codes=document_types(schema)),
        today=timezone.localdate(),
    )
    login(client, user)

    response = client.post(reverse("demarches:start", args=[slug]), {"applicant": party.pk})
    draft = Request.objects.get(created_by=user)
    review = reverse("demarches:review", args=[draft.pk])
    seen = []
    while response.url != review:
        number = int(response.url.rstrip("/").rsplit("/", 1)[1])
        assert client.get(response.url).status_code == 200, (slug, number)
        response = client.post(response.url, engine.page_data(schema.page(number), answers))
        assert response.status_code == 302, (
            slug,
            number,
            response.context and response.context["form"].errors,
        )
        seen.append(number)

    assert seen == [page.number for page in engine.visible_pages(schema, answers)]
    draft.refresh_from_db()
    assert draft.answers == answers
    assert client.get(review).status_code == 200
    sent = client.post(reverse("demarches:submit", args=[draft.pk]))
    assert sent.url == reverse("demarches:acknowledgement", args=[draft.pk])
    draft.refresh_from_db()
    assert (draft.status, draft.reference[:3]) == (RequestStatus.SUBMITTED, "GN-")
    assert client.get(sent.url).status_code == 200
    assert client.get(reverse("demarches:request", args=[draft.pk])).status_code == 200
