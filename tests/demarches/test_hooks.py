"""demarches.hooks: how other apps extend the démarches without the démarches importing them — submit
checks (the draft stays a draft, the check page says why), the request_submitted signal (inside the
submission's transaction), decision checks (the agent's move is refused), letter contexts."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from demarches import hooks, letters, services
from demarches.enums import RequestStatus
from demarches.exceptions import IllegalTransition, SubmissionRefused
from demarches.models import LetterTemplate, Request, RequestEvent
from guichet.audit.models import AuditEvent
from tests.demarches.factories import fill, publish, simple_demarche, submitted
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]

S = RequestStatus
REFUSAL = "Le guichet des tests est fermé le dimanche : revenez lundi."


@pytest.fixture
def demarche(service):
    demarche = simple_demarche(service=service, title="Permis de test")
    publish(demarche)
    return demarche


@pytest.fixture
def draft(citizen, demarche):
    return fill(user=citizen, demarche=demarche, answers={"nom": "Martin", "moment": "matin"})


@pytest.fixture
def closed_on_sundays(demarche):
    """A check refusing this procedure's drafts (and leaving every other alone), with who asked."""
    seen = []

    def check(actor, request):
        seen.append((actor.pk, request.pk))
        return REFUSAL if request.demarche_id == demarche.pk else None

    hooks.register_submit_check("tests.sunday", check)
    yield seen
    hooks.unregister_submit_check("tests.sunday")


# Submit checks --------------------------------------------------------------------------------------


def test_a_submit_check_refuses_and_the_draft_stays_as_it_was(citizen, draft, closed_on_sundays):
    with pytest.raises(SubmissionRefused) as refused:
        services.submit_request(actor=citizen, request=draft)

    assert refused.value.messages == [REFUSAL]
    assert closed_on_sundays == [(citizen.pk, draft.pk)]
    request = Request.objects.get(pk=draft.pk)
    assert (request.status, request.reference, request.submitted_at) == (S.DRAFT, "", None)
    assert not RequestEvent.objects.filter(request=request).exists()
    assert not AuditEvent.objects.filter(action="demarches.request.submit").exists()


def test_the_check_page_says_why_before_and_after_sending(client, citizen, draft, closed_on_sundays):
    login(client, citizen)

    review = client.get(reverse("demarches:review", args=[draft.pk]))
    assertContains(review, "La demande ne peut pas être envoyée")
    assertContains(review, REFUSAL.replace("'", "&#x27;"))
    assertNotContains(review, ">Envoyer la demande</button>")

    sent = client.post(reverse("demarches:submit", args=[draft.pk]))
    assert sent.status_code == 200
    assertContains(sent, REFUSAL)
    assert Request.objects.get(pk=draft.pk).status == S.DRAFT


def test_without_a_refusal_the_check_page_offers_to_send(client, citizen, draft):
    login(client, citizen)

    assertContains(client.get(reverse("demarches:review", args=[draft.pk])), ">Envoyer la demande</button>")


def test_a_check_concerns_only_what_it_decides_to(citizen, service, closed_on_sundays):
    other = simple_demarche(service=service)
    publish(other)

    sent = submitted(user=citizen, demarche=other)

    assert sent.status == S.SUBMITTED


# The signal --------------------------------------------------------------------------------------------


def test_request_submitted_is_sent_inside_the_submissions_transaction(citizen, draft):
    received = []

    def receiver(sender, request, actor, **kwargs):
        # Inside the transaction: the row is already submitted, with its reference.
        received.append((sender, request.status, request.reference[:3], actor.pk))

    hooks.request_submitted.connect(receiver, dispatch_uid="tests.receiver")
    try:
        services.submit_request(actor=citizen, request=draft)
    finally:
        hooks.request_submitted.disconnect(dispatch_uid="tests.receiver")

    assert received == [(Request, S.SUBMITTED, "GN-", citizen.pk)]


def test_a_receiver_that_fails_undoes_the_submission(citizen, draft):
    def receiver(sender, request, actor, **kwargs):
        LetterTemplate.objects.create(
            demarche=request.demarche, outcome=S.ACCEPTED, subject="Écrit par le receveur", body="Texte"
        )
        raise SubmissionRefused("Le receveur refuse.")

    hooks.request_submitted.connect(receiver, dispatch_uid="tests.failing")
    try:
        with pytest.raises(SubmissionRefused, match="Le receveur refuse"):
            services.submit_request(actor=citizen, request=draft)
    finally:
        hooks.request_submitted.disconnect(dispatch_uid="tests.failing")

    assert Request.objects.get(pk=draft.pk).status == S.DRAFT
    # The receiver's own write went with the submission.
    assert not LetterTemplate.objects.filter(subject="Écrit par le receveur").exists()


# Decision checks --------------------------------------------------------------------------------------


@pytest.fixture
def no_acceptance(demarche):
    def check(actor, request, status):
        if request.demarche_id == demarche.pk and status == S.ACCEPTED:
            return "Cette demande s'accepte depuis une autre page."
        return None

    hooks.register_decision_check("tests.no_acceptance", check)
    yield
    hooks.unregister_decision_check("tests.no_acceptance")


def test_a_decision_check_refuses_the_agents_move_before_anything_is_written(
    client, agent, citizen, demarche, no_acceptance
):
    sent = submitted(user=citizen, demarche=demarche)

    with pytest.raises(IllegalTransition, match="s'accepte depuis une autre page"):
        services.change_status(actor=agent, request=sent, status=S.ACCEPTED, motivation="Oui.")
    assert Request.objects.get(pk=sent.pk).status == S.SUBMITTED
    # The agent's status page shows it, with what was typed.
    login(client, agent)
    response = client.post(
        reverse("demarches:agent_status", args=[sent.pk]), {"status": S.ACCEPTED, "motivation": "Très bien."}
    )
    assert response.status_code == 200
    assertContains(response, "Cette demande s&#x27;accepte depuis une autre page.")
    assertContains(response, "Très bien.")
    # Other moves go on.
    services.change_status(actor=agent, request=sent, status=S.REFUSED, motivation="Incomplet.")
    assert Request.objects.get(pk=sent.pk).status == S.REFUSED


# Letter contexts ------------------------------------------------------------------------------------


@pytest.fixture
def permit_context(demarche):
    def context(request):
        if request.demarche_id != demarche.pk:
            return {}
        return {"permis": {"numero": "P-2026-42"}, "reference": "FAUSSE", "intrus": "ignoré"}

    hooks.register_letter_context("permis", context)
    yield
    hooks.unregister_letter_context("permis")


def test_a_letter_context_adds_its_variables_and_never_replaces_the_letters_own(
    agent, citizen, demarche, permit_context
):
    letters.check_template("Permis n° {{ permis.numero }}")
    assert "permis" in letters.known_variables()
    with pytest.raises(ValidationError, match="intrus"):
        letters.check_template("{{ intrus }}")
    template = LetterTemplate(
        demarche=demarche,
        outcome=S.ACCEPTED,
        subject="{{ reference }}",
        body="Permis n° {{ permis.numero }}.",
    )
    template.full_clean()
    template.save()
    sent = submitted(user=citizen, demarche=demarche)
    services.change_status(actor=agent, request=sent, status=S.ACCEPTED)

    letter = letters.render_letter(Request.objects.get(pk=sent.pk))

    assert letter.body == "Permis n° P-2026-42."
    assert letter.subject == sent.reference
    assert "intrus" not in letter.context


def test_without_the_hook_its_variable_is_unknown(demarche):
    with pytest.raises(ValidationError, match="Variable inconnue"):
        letters.check_template("{{ permis.numero }}")
