"""The acknowledgement: an e-mail with a PDF receipt (WeasyPrint, through Celery once committed), sent once."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from demarches import receipts, tasks
from demarches.models import Request
from guichet.notify.models import Notification
from tests.demarches.factories import DemarcheFactory, add_page, fill, publish
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def demarche(service):
    demarche = DemarcheFactory(service=service, title="Demande d'acte de naissance", processing_days=10)
    add_page(demarche, "L'acte", {"key": "nom", "kind": "short_text", "label": "Nom sur l'acte"})
    add_page(
        demarche,
        "Précisions",
        {"key": "precisions", "kind": "long_text", "label": "Précisions", "required": False},
    )
    publish(demarche)
    return demarche


def acknowledgements():
    return [message for message in mail.outbox if message.subject.startswith("Accusé de réception")]


def test_sending_a_request_e_mails_the_acknowledgement_with_its_pdf(
    client, citizen, demarche, django_capture_on_commit_callbacks
):
    draft = fill(user=citizen, demarche=demarche, answers={"nom": "Martin", "precisions": "Copie intégrale."})
    login(client, citizen)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("demarches:submit", args=[draft.pk]))

    request = Request.objects.get(pk=draft.pk)
    [message] = acknowledgements()
    assert message.to == ["camille@exemple.fr"]
    assert message.subject == f"Accusé de réception de votre demande {request.reference}"
    assert request.reference in message.body
    assert "délai de traitement de 10 jours" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == (f"accuse-de-reception-{request.reference}.pdf", "application/pdf")
    text = pdf_text(content)
    for expected in (
        "Accusé de réception",
        request.reference,
        "Demande d'acte de naissance",
        "Saint-Exemple",
        "État civil",
        "Nom sur l'acte",
        "Copie intégrale.",
        "10 jours",
    ):
        assert expected in text, expected
    assert request.acknowledged_at is not None
    # The in-app notification (and its own short e-mail) goes too.
    assert Notification.objects.filter(user=citizen, kind="demarche_submitted").count() == 1


def test_the_acknowledgement_is_sent_once_however_often_the_task_runs(citizen, demarche):
    from demarches import services

    draft = fill(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    request = services.submit_request(actor=citizen, request=draft)

    tasks.send_acknowledgement.delay(request.pk)
    tasks.send_acknowledgement.delay(request.pk)
    receipts.send_acknowledgement(request_id=request.pk)

    assert len(acknowledgements()) == 1


def test_answers_written_as_markup_print_as_text_and_fetch_nothing(citizen, demarche, caplog):
    from demarches import services

    trap = '<img src="file:///etc/passwd"> <link rel="stylesheet" href="http://exemple.invalid/x.css">'
    draft = fill(user=citizen, demarche=demarche, answers={"nom": "Martin", "precisions": trap})
    request = services.submit_request(actor=citizen, request=draft)

    text = pdf_text(receipts.render_acknowledgement_pdf(request))

    assert '<img src="file:///etc/passwd">' in text
    assert "root:" not in text
    assert "PDF rendering refused" not in caplog.text


def test_nobody_to_write_to_is_acknowledged_without_an_e_mail(citizen, demarche):
    from demarches import services

    draft = fill(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    request = services.submit_request(actor=citizen, request=draft)
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])

    receipts.send_acknowledgement(request_id=request.pk)

    assert acknowledgements() == []
    request.refresh_from_db()
    assert request.acknowledged_at is not None


def test_a_draft_has_no_acknowledgement(citizen, demarche):
    draft = fill(user=citizen, demarche=demarche, answers={"nom": "Martin"})

    assert receipts.send_acknowledgement(request_id=draft.pk) is None
    assert acknowledgements() == []
