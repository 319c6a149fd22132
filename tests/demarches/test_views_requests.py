"""Mes demandes: the list and its query budget, a request's page, messages, answering the service,
withdrawing, the decision and the documents, deleting a draft; anyone else's request is a 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from coffre import services as vault
from coffre.models import Document, DocumentType
from demarches import services
from demarches.enums import EventKind, RequestStatus
from demarches.models import Request, RequestMessage
from tests.coffre.factories import make_household, pdf_bytes, store
from tests.demarches.factories import DemarcheFactory, add_page, document_demarche, publish, submitted
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]

S = RequestStatus


@pytest.fixture
def demarche(service):
    demarche = DemarcheFactory(service=service, title="Rendez-vous à l'état civil", processing_days=10)
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    return demarche


def detail_url(request) -> str:
    return reverse("demarches:request", args=[request.pk])


# The list --------------------------------------------------------------------------------------


def test_the_list_shows_drafts_and_requests_with_their_status_and_times(client, citizen, agent, demarche):
    draft = services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    refused = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    services.change_status(actor=agent, request=refused, status=S.REFUSED, motivation="Hors délai.")
    login(client, citizen)

    response = client.get(reverse("demarches:requests"))

    assertContains(response, "Brouillons à terminer")
    assertContains(response, f'href="{reverse("demarches:resume", args=[draft.pk])}"', count=2)
    assertContains(response, '<span class="badge badge--neutral">Brouillon</span>', html=True)
    assertContains(response, '<span class="badge badge--info">Déposée</span>', html=True)
    assertContains(response, '<span class="badge badge--danger">Refusée</span>', html=True)
    assertContains(response, sent.reference)
    assertContains(response, "Déposée aujourd'hui · délai annoncé : 10 jours")
    assertContains(response, "Traitée le jour même (délai annoncé : 10 jours)")


def test_a_request_past_its_announced_time_says_so(client, citizen, demarche, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    time_machine.move_to(sent.submitted_at + timedelta(days=12))
    login(client, citizen)

    response = client.get(reverse("demarches:requests"))

    assertContains(response, "Déposée depuis 12 jours")
    assertContains(response, '<span class="badge badge--warning">Délai dépassé</span>', html=True)
    assert timezone.now() > sent.submitted_at


def test_mes_demandes_costs_the_same_queries_with_1_and_with_200_requests(client, citizen, demarche):
    from datetime import timedelta

    from django.utils import timezone

    login(client, citizen)
    submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    client.get(reverse("demarches:requests"))  # session and town cached, as on every page after the first

    with CaptureQueriesContext(connection) as one:
        first = client.get(reverse("demarches:requests"))

    # 199 more, half of them drafts, some decided, all through bulk rows cloned from the first.
    model = Request.objects.get(created_by=citizen)
    now = timezone.now()
    rows = []
    for number in range(199):
        draft = number % 2 == 0
        rows.append(
            Request(
                demarche=model.demarche,
                revision=model.revision,
                applicant=model.applicant,
                created_by=citizen,
                status=S.DRAFT if draft else (S.ACCEPTED if number % 3 else S.IN_REVIEW),
                reference="" if draft else f"GN-2099-{number:06d}",
                submitted_at=None if draft else now - timedelta(days=number),
                decided_at=now if not draft and number % 3 else None,
                answers={"nom": f"Martin {number}"},
            )
        )
    Request.objects.bulk_create(rows)
    with CaptureQueriesContext(connection) as many:
        second = client.get(reverse("demarches:requests"))

    assert first.status_code == second.status_code == 200
    assert len(second.context["drafts"]) + len(second.context["sent"]) == 200
    assert len(many) == len(one), [query["sql"] for query in many]


# One request ------------------------------------------------------------------------------------


def test_a_request_s_page_shows_status_times_timeline_and_answers(client, citizen, agent, demarche):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    services.change_status(actor=agent, request=sent, status=S.IN_REVIEW)
    login(client, citizen)

    response = client.get(detail_url(sent))

    assertContains(response, "<h1>Rendez-vous à l'état civil</h1>", html=True)
    assertContains(response, '<span class="badge badge--info">En cours d&#x27;instruction</span>', html=True)
    assertContains(response, "Demande déposée")
    assertContains(response, "Statut : En cours d&#x27;instruction")
    assertContains(response, "Par le service « État civil »")
    assertContains(response, "<dt>Nom</dt>", html=True)
    assertContains(response, "Écrire au service")
    assertContains(response, "Retirer ma demande")
    assertNotContains(response, "Télécharger la décision")


def test_a_draft_s_page_takes_it_up_where_an_answer_is_missing(client, citizen, demarche):
    draft = services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    login(client, citizen)

    assertRedirects(client.get(detail_url(draft)), reverse("demarches:page", args=[draft.pk, 1]))


def test_the_detail_page_has_a_fixed_number_of_queries(
    client, citizen, agent, demarche, django_assert_max_num_queries
):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    for number in range(10):
        services.send_message(
            actor=citizen, request=sent, body=f"Message {number}", documents=[store(user=citizen).document]
        )
    login(client, citizen)
    client.get(detail_url(sent))

    with django_assert_max_num_queries(14):
        response = client.get(detail_url(sent))

    assertContains(response, "Votre message au service", count=10)


# Messages and answering the service --------------------------------------------------------------


def test_the_applicant_writes_to_the_service_with_a_vault_document_and_a_new_file(
    client, citizen, demarche, vault_dir
):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    kept = store(user=citizen, title="Mon RIB", document_type=DocumentType.objects.get(code="rib"))
    login(client, citizen)
    page = client.get(reverse("demarches:message", args=[sent.pk]))
    assertContains(page, "Mon RIB (Relevé d&#x27;identité bancaire (RIB))")
    (vault_dir.parent / "plan.pdf").write_bytes(pdf_bytes(8_000, marker=b"PLAN"))

    with (vault_dir.parent / "plan.pdf").open("rb") as handle:
        response = client.post(
            reverse("demarches:message", args=[sent.pk]),
            {"body": "Voici le plan demandé.", "documents": [kept.document_id], "file": handle},
        )

    assertRedirects(response, detail_url(sent))
    message = RequestMessage.objects.get()
    assert (message.body, message.from_applicant, message.author) == ("Voici le plan demandé.", True, citizen)
    copies = [attachment.document for attachment in message.attachments.all()]
    assert len(copies) == 2
    assert {copy.owner_id for copy in copies} == {services.service_space(service=demarche.service).pk}
    # The new file is kept in the applicant's vault too, named after it.
    assert Document.objects.get(owner=person_party(citizen), title="plan.pdf").document_type.code == "autre"
    detail = client.get(detail_url(sent))
    assertContains(detail, "Voici le plan demandé.")
    assertContains(detail, "Télécharger « Mon RIB »")


def test_an_empty_message_is_asked_for_again_in_french(client, citizen, demarche):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    login(client, citizen)

    response = client.post(reverse("demarches:message", args=[sent.pk]), {"body": ""})

    assertContains(response, "Écrivez votre message.", count=2)
    assert not RequestMessage.objects.exists()


def test_answering_a_request_for_information_moves_it_back_to_instruction(client, citizen, agent, demarche):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    services.change_status(
        actor=agent,
        request=sent,
        status=S.AWAITING_INFORMATION,
        motivation="Joignez votre livret de famille.",
    )
    login(client, citizen)
    detail = client.get(detail_url(sent))
    assertContains(detail, "Le service attend des compléments")
    assertContains(detail, "Joignez votre livret de famille.", count=2)
    form = client.get(reverse("demarches:reply", args=[sent.pk]))
    assertContains(form, "Joignez votre livret de famille.")

    livret = store(
        user=citizen, title="Livret", document_type=DocumentType.objects.get(code="livret-famille")
    )
    response = client.post(
        reverse("demarches:reply", args=[sent.pk]),
        {"body": "Le voici.", "documents": [livret.document_id]},
        follow=True,
    )

    assertRedirects(response, detail_url(sent))
    assertContains(response, "Vos compléments sont envoyés")
    sent.refresh_from_db()
    assert sent.status == S.IN_REVIEW
    event = sent.events.latest("pk")
    assert (event.kind, event.by_applicant, event.message.body) == (EventKind.STATUS, True, "Le voici.")
    # Nothing more is awaited: the page leads back to the request.
    assertRedirects(client.get(reverse("demarches:reply", args=[sent.pk])), detail_url(sent))


def test_the_reply_page_is_only_there_while_the_service_waits(client, citizen, demarche):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    login(client, citizen)

    response = client.post(reverse("demarches:reply", args=[sent.pk]), {"body": "Tenez."})

    assertRedirects(response, detail_url(sent))
    sent.refresh_from_db()
    assert sent.status == S.SUBMITTED


# Withdrawing -------------------------------------------------------------------------------------


def test_withdrawing_asks_for_confirmation_then_closes_the_request(client, citizen, demarche):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    login(client, citizen)

    confirm = client.get(reverse("demarches:withdraw", args=[sent.pk]))
    assertContains(confirm, f"Retirer votre demande {sent.reference} ?")
    sent.refresh_from_db()
    assert sent.status == S.SUBMITTED

    response = client.post(
        reverse("demarches:withdraw", args=[sent.pk]), {"reason": "Je déménage."}, follow=True
    )

    assertRedirects(response, detail_url(sent))
    assertContains(response, '<span class="badge badge--neutral">Classée sans suite</span>', html=True)
    assertContains(response, "Je déménage.")
    assertNotContains(response, "Retirer ma demande")
    sent.refresh_from_db()
    assert sent.status == S.CLOSED


def test_a_decided_request_cannot_be_withdrawn(client, citizen, agent, demarche):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    services.change_status(actor=agent, request=sent, status=S.ACCEPTED)
    login(client, citizen)

    assertRedirects(client.post(reverse("demarches:withdraw", args=[sent.pk])), detail_url(sent))
    sent.refresh_from_db()
    assert sent.status == S.ACCEPTED


# Documents of the service's space ---------------------------------------------------------------


def test_the_decision_is_downloaded_from_the_request(client, citizen, agent, demarche, service):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    content = pdf_bytes(9_000, marker=b"ARRETE-2026-42")
    letter = store(user=agent, title="Arrêté", content=content, filename="arrete.pdf")
    copy = vault.copy_to_space(actor=agent, version=letter, space=services.service_space(service=service))
    services.change_status(actor=agent, request=sent, status=S.ACCEPTED, decision_document=copy.document)
    login(client, citizen)

    assertContains(client.get(detail_url(sent)), "Télécharger la décision")
    response = client.get(reverse("demarches:decision", args=[sent.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"] == 'attachment; filename="arrete.pdf"'
    assert response["Cache-Control"] == "no-store, private"


def test_without_a_decision_there_is_nothing_to_download(client, citizen, demarche):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    login(client, citizen)

    assert client.get(reverse("demarches:decision", args=[sent.pk])).status_code == 404


def test_the_documents_sent_are_downloaded_as_the_service_received_them(client, citizen, stranger, service):
    demarche = document_demarche(service=service)
    content = pdf_bytes(7_000, marker=b"EDF")
    proof = store(
        user=citizen, content=content, document_type=DocumentType.objects.get(code="justificatif-domicile")
    )
    sent = submitted(
        user=citizen,
        demarche=demarche,
        answers={"nom": "Martin", "justificatif": proof.document_id, "telephone": "+33612345678"},
    )
    attachment = sent.attachments.get()
    login(client, citizen)

    detail = client.get(detail_url(sent))
    url = reverse("demarches:attachment", args=[sent.pk, attachment.pk])
    assertContains(detail, f'href="{url}"')
    assert b"".join(client.get(url).streaming_content) == content
    other = submitted(user=stranger)
    assert client.get(reverse("demarches:attachment", args=[other.pk, attachment.pk])).status_code == 404


# Deleting a draft -----------------------------------------------------------------------------------


def test_a_draft_is_deleted_after_confirmation(client, citizen, demarche):
    draft = services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    login(client, citizen)

    confirm = client.get(reverse("demarches:delete", args=[draft.pk]))
    assertContains(confirm, "Supprimer le brouillon « Rendez-vous à l&#x27;état civil » ?")
    response = client.post(reverse("demarches:delete", args=[draft.pk]), follow=True)

    assertRedirects(response, reverse("demarches:requests"))
    assertContains(response, "est supprimé")
    assert not Request.objects.filter(pk=draft.pk).exists()


def test_a_request_sent_is_not_deleted(client, citizen, demarche):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    login(client, citizen)

    assertRedirects(client.post(reverse("demarches:delete", args=[sent.pk])), detail_url(sent))
    assert Request.objects.filter(pk=sent.pk).exists()


# Someone else's ------------------------------------------------------------------------------------


def every_url(request) -> list[tuple[str, str]]:
    pk = request.pk
    return [
        ("get", reverse("demarches:request", args=[pk])),
        ("get", reverse("demarches:resume", args=[pk])),
        ("get", reverse("demarches:page", args=[pk, 1])),
        ("post", reverse("demarches:page", args=[pk, 1])),
        ("get", reverse("demarches:review", args=[pk])),
        ("post", reverse("demarches:submit", args=[pk])),
        ("get", reverse("demarches:acknowledgement", args=[pk])),
        ("get", reverse("demarches:delete", args=[pk])),
        ("post", reverse("demarches:delete", args=[pk])),
        ("get", reverse("demarches:withdraw", args=[pk])),
        ("post", reverse("demarches:withdraw", args=[pk])),
        ("get", reverse("demarches:message", args=[pk])),
        ("post", reverse("demarches:message", args=[pk])),
        ("get", reverse("demarches:reply", args=[pk])),
        ("post", reverse("demarches:reply", args=[pk])),
        ("get", reverse("demarches:decision", args=[pk])),
        ("get", reverse("demarches:attachment", args=[pk, 1])),
    ]


def test_someone_else_s_request_or_draft_is_a_404_on_every_page(client, citizen, stranger, agent, demarche):
    draft = services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    services.change_status(actor=agent, request=sent, status=S.AWAITING_INFORMATION, motivation="Pièce ?")

    for user in (stranger, agent):
        login(client, user)
        for obj in (draft, sent):
            for method, url in every_url(obj):
                response = getattr(client, method)(url, {"nom": "Pirate", "body": "Pirate"})
                assert response.status_code == 404, (user, method, url, response.status_code)

    draft.refresh_from_db()
    sent.refresh_from_db()
    assert (draft.answers, draft.status) == ({}, S.DRAFT)
    assert (sent.status, sent.messages.count()) == (S.AWAITING_INFORMATION, 0)


def test_a_household_s_request_is_followed_by_every_guardian_and_nobody_else(
    client, citizen, stranger, demarche
):
    from tests.factories import UserFactory

    demarche.for_household = True
    demarche.save()
    publish(demarche)
    partner = UserFactory()
    household = make_household(citizen, partner)
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"}, party=household)

    login(client, partner)
    assert client.get(detail_url(sent)).status_code == 200
    login(client, stranger)
    assert client.get(detail_url(sent)).status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("requests", "post"),
        ("request", "post"),
        ("review", "post"),
        ("acknowledgement", "post"),
        ("submit", "get"),
        ("decision", "post"),
        ("resume", "post"),
    ],
)
def test_the_wrong_method_is_a_405(client, citizen, demarche, name, method):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})
    login(client, citizen)
    url = reverse(f"demarches:{name}", args=[] if name == "requests" else [sent.pk])

    assert getattr(client, method)(url).status_code == 405


def test_an_anonymous_visitor_is_sent_to_log_in(client, citizen, demarche):
    sent = submitted(user=citizen, demarche=demarche, answers={"nom": "Martin"})

    response = client.get(detail_url(sent))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
