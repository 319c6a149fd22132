"""Decision letters: the agent decides and asks for the letter; a Celery task renders the procedure's
template (or the default one) into a PDF with the town's letterhead, keeps it in the service's space, once;
the applicant downloads it from their request. A broken template never stops a decision."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader
from pytest_django.asserts import assertContains, assertNotContains

from coffre.models import Document
from demarches import letters, services, tasks
from demarches.enums import RequestStatus
from demarches.exceptions import IllegalTransition
from demarches.models import LetterTemplate, Request, ServiceSpace
from guichet.accounts.enums import AgentRole
from guichet.audit.models import AuditEvent
from tests.demarches.factories import DemarcheFactory, add_page, publish, submitted
from tests.factories import make_agent, person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]

S = RequestStatus


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages)


def download(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def demarche(service):
    demarche = DemarcheFactory(service=service, title="Permis de végétaliser", processing_days=30)
    add_page(
        demarche,
        "Le projet",
        {"key": "nom", "kind": "short_text", "label": "Nom"},
        {"key": "adresse_projet", "kind": "short_text", "label": "Adresse du projet"},
    )
    publish(demarche)
    return demarche


@pytest.fixture
def sent(citizen, demarche):
    return submitted(
        user=citizen, demarche=demarche, answers={"nom": "Martin", "adresse_projet": "3 rue des Tilleuls"}
    )


def decide(client, request: Request, status: str, motivation: str = "", letter: bool = True):
    data = {"status": status, "motivation": motivation}
    if letter:
        data["letter"] = "on"
    return client.post(reverse("demarches:agent_status", args=[request.pk]), data)


# The journey ---------------------------------------------------------------------------------------


def test_the_agent_accepts_with_a_letter_and_the_applicant_downloads_it(
    client, agent, citizen, sent, service, django_capture_on_commit_callbacks
):
    login(client, agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, sent, S.ACCEPTED, "Votre projet respecte le règlement.")
    assert response.status_code == 302

    sent.refresh_from_db()
    letter = sent.decision_document
    assert letter is not None
    assert letter.owner == ServiceSpace.objects.get(service=service).party
    assert letter.document_type.code == "autre"
    assert letter.title == f"Courrier de décision – demande {sent.reference}"
    assert letter.current_version.filename == f"decision-{sent.reference}.pdf"

    page = client.get(reverse("demarches:agent_request", args=[sent.pk]))
    assertContains(page, "Télécharger le courrier de décision (PDF)")
    agent_copy = download(client.get(reverse("demarches:agent_letter", args=[sent.pk])))
    assert agent_copy.startswith(b"%PDF")
    text = pdf_text(agent_copy)
    for expected in (
        sent.reference,
        "Permis de végétaliser",
        "Camille Martin",
        "a été acceptée",
        "Votre projet respecte le règlement.",
        "Alix Agent",
        "Saint-Exemple",
        "État civil",
    ):
        assert expected in text, expected
    read = AuditEvent.objects.get(action="demarches.decision.read")
    assert (read.actor_id, read.owner_party_id) == (agent.pk, person_party(citizen).pk)

    login(client, citizen)
    page = client.get(reverse("demarches:request", args=[sent.pk]))
    assertContains(page, "Télécharger la décision")
    assertNotContains(page, "Courrier de décision en préparation")
    assert download(client.get(reverse("demarches:decision", args=[sent.pk]))) == agent_copy


def test_both_pages_say_the_letter_is_being_prepared_until_it_is_stored(
    client, agent, citizen, sent, django_capture_on_commit_callbacks
):
    login(client, agent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decide(client, sent, S.REFUSED, "Le trottoir est trop étroit.")

    assertContains(
        client.get(reverse("demarches:agent_request", args=[sent.pk])), "Courrier de décision en préparation"
    )
    assert client.get(reverse("demarches:agent_letter", args=[sent.pk])).status_code == 404
    login(client, citizen)
    page = client.get(reverse("demarches:request", args=[sent.pk]))
    assertContains(page, "Courrier de décision en préparation")
    assertNotContains(page, "Télécharger la décision")

    for callback in callbacks:
        callback()

    page = client.get(reverse("demarches:request", args=[sent.pk]))
    assertNotContains(page, "Courrier de décision en préparation")
    text = pdf_text(download(client.get(reverse("demarches:decision", args=[sent.pk]))))
    assert "n'a pas pu être acceptée" in text
    assert "Le trottoir est trop étroit." in text
    assert "tribunal administratif" in " ".join(text.split())


def test_a_decision_without_a_letter_prepares_none(
    client, agent, citizen, sent, django_capture_on_commit_callbacks
):
    login(client, agent)
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, sent, S.ACCEPTED, letter=False)

    sent.refresh_from_db()
    assert sent.decision_document is None
    assert letters.generate_decision_letter(request_id=sent.pk) is None
    login(client, citizen)
    assertNotContains(client.get(reverse("demarches:request", args=[sent.pk])), "Courrier de décision")


def test_running_the_task_twice_makes_one_letter(agent, sent, service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.change_status(actor=agent, request=sent, status=S.ACCEPTED, letter=True)

    tasks.generate_decision_letter.delay(sent.pk)
    first = Request.objects.get(pk=sent.pk).decision_document
    tasks.generate_decision_letter.delay(sent.pk)
    assert letters.generate_decision_letter(request_id=sent.pk) is None

    space = ServiceSpace.objects.get(service=service).party
    assert list(Document.objects.filter(owner=space, title__startswith="Courrier de décision")) == [first]
    assert AuditEvent.objects.filter(action="demarches.request.letter").count() == 1


def test_a_letter_asked_with_a_decision_only(agent, sent):
    with pytest.raises(IllegalTransition, match="Le courrier accompagne une décision"):
        services.change_status(actor=agent, request=sent, status=S.IN_REVIEW, letter=True)
    assert Request.objects.get(pk=sent.pk).status == S.SUBMITTED


def test_reopening_withdraws_the_letter_and_the_new_decision_gets_its_own(
    agent, service, sent, django_capture_on_commit_callbacks
):
    manager = make_agent(service, role=AgentRole.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(actor=agent, request=sent, status=S.ACCEPTED, letter=True)
    accepted = Request.objects.get(pk=sent.pk).decision_document

    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(
            actor=manager, request=sent, status=S.IN_REVIEW, motivation="Erreur d'adresse."
        )
    assert Request.objects.get(pk=sent.pk).decision_document is None
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(
            actor=agent, request=sent, status=S.REFUSED, motivation="Zone classée.", letter=True
        )

    refused = Request.objects.get(pk=sent.pk).decision_document
    assert refused is not None and refused != accepted
    # The first letter stays in the service's space: it is the record of what was decided then.
    assert Document.objects.filter(pk=accepted.pk).exists()


def test_a_task_that_comes_after_a_reopening_does_nothing(
    agent, service, sent, django_capture_on_commit_callbacks
):
    manager = make_agent(service, role=AgentRole.MANAGER)
    with django_capture_on_commit_callbacks(execute=False) as late:
        services.change_status(actor=agent, request=sent, status=S.ACCEPTED, letter=True)
    services.change_status(actor=manager, request=sent, status=S.IN_REVIEW, motivation="Erreur.")
    services.change_status(actor=agent, request=sent, status=S.CLOSED, motivation="Doublon.")

    for callback in late:
        callback()

    assert Request.objects.get(pk=sent.pk).decision_document is None


# Templates ----------------------------------------------------------------------------------------------


def test_the_procedure_s_template_is_rendered_with_escaped_plain_values(
    agent, citizen, demarche, django_capture_on_commit_callbacks
):
    LetterTemplate.objects.create(
        demarche=demarche,
        outcome=S.ACCEPTED,
        subject="Accord pour le {{ answers.adresse_projet }}",
        body=(
            "Bonjour {{ applicant }},\n\nLe service {{ service }} accepte votre projet au "
            "{{ answers.adresse_projet }} (demande {{ reference }} du {{ submitted_on }}).\n\n"
            "Réponse : {{ answers.nom }}.\n\nSigné : {{ agent }}"
        ),
    )
    request = submitted(
        user=citizen,
        demarche=demarche,
        answers={"nom": "<b>Martin</b>", "adresse_projet": "3 rue des Tilleuls"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(actor=agent, request=request, status=S.ACCEPTED, letter=True)

    request.refresh_from_db()
    letter = letters.render_letter(request)
    assert letter.subject == "Accord pour le 3 rue des Tilleuls"
    assert "Réponse : <b>Martin</b>." in letter.body
    text = pdf_text(download_letter(agent, request))
    assert "Objet : Accord pour le 3 rue des Tilleuls" in text
    assert "Bonjour Camille Martin," in text
    # Markup in an answer prints as text.
    assert "Réponse : <b>Martin</b>." in text
    assert "Signé : Alix Agent" in text


def download_letter(agent, request) -> bytes:
    from django.test import Client

    client = login(Client(), agent)
    return download(client.get(reverse("demarches:agent_letter", args=[request.pk])))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% if motivation %}Motif", "Le modèle contient une erreur"),
        ("{% load static %}", "Le modèle contient une erreur"),
        ("{% include 'base.html' %}", "Le modèle contient une erreur"),
        ("{% url 'portal:home' %}", "Le modèle contient une erreur"),
        ("Bonjour {{ nom }}", "Variable inconnue : {{ nom }}."),
        ("{{ applicant.person.email }} {{ request }}", "Variable inconnue : {{ request }}."),
    ],
)
def test_a_template_with_a_syntax_error_or_an_unknown_variable_is_refused(demarche, body, message):
    template = LetterTemplate(demarche=demarche, outcome=S.REFUSED, subject="Votre demande", body=body)

    with pytest.raises(ValidationError) as error:
        template.full_clean()

    assert list(error.value.message_dict) == ["body"]
    assert message in error.value.message_dict["body"][0]


def test_a_valid_template_passes_with_loops_and_filters(demarche):
    template = LetterTemplate(
        demarche=demarche,
        outcome=S.ACCEPTED,
        subject="Demande {{ reference|upper }}",
        body=(
            "{% for key, value in answers.items %}{{ key }} : {{ value }}\n{% endfor %}"
            "{% with who=applicant %}{{ who }}{% endwith %} le {{ decided_on|date:'d/m/Y' }}"
        ),
    )

    template.full_clean()


def test_a_broken_template_saved_anyway_never_stops_a_decision(
    agent, citizen, demarche, sent, django_capture_on_commit_callbacks
):
    # Written straight to the table, past the admin's check.
    LetterTemplate.objects.create(demarche=demarche, outcome=S.CLOSED, subject="Objet", body="{% if %}")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(actor=agent, request=sent, status=S.CLOSED, motivation="Doublon.", letter=True)

    sent.refresh_from_db()
    assert sent.status == S.CLOSED
    text = pdf_text(download_letter(agent, sent))
    assert "a été classée sans suite" in text
    assert "Motif : Doublon." in text


def test_an_unknown_variable_prints_as_nothing(agent, demarche, sent):
    LetterTemplate.objects.create(
        demarche=demarche, outcome=S.ACCEPTED, subject="Objet", body="A{{ inconnue }}B"
    )
    services.change_status(actor=agent, request=sent, status=S.ACCEPTED)

    assert letters.render_letter(Request.objects.get(pk=sent.pk)).body == "AB"
