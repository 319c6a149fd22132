"""Counter mode: an agent files a request for a citizen who came in, with their consent; it is the
citizen's request, in their "Mes demandes", and the citizen is the one told and acknowledged."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from coffre.models import DocumentType
from demarches import services
from demarches.enums import Channel, EventKind
from demarches.enums import RequestStatus as S
from demarches.exceptions import NotFillable
from demarches.models import Request, RequestEvent
from guichet.audit.models import AuditEvent
from guichet.notify.models import Notification
from tests.coffre.factories import store
from tests.demarches.factories import DemarcheFactory, add_page, document_demarche, publish, simple_demarche
from tests.factories import ServiceFactory, make_agent, person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]

CONSENT = "Mme Martin, présente au guichet, me demande de faire cette démarche pour elle."
COUNTER = reverse("demarches:agent_counter")


def page_url(draft: Request, number: int) -> str:
    return reverse("demarches:agent_counter_page", args=[draft.pk, number])


def review_url(draft: Request) -> str:
    return reverse("demarches:agent_counter_review", args=[draft.pk])


def submit_url(draft: Request) -> str:
    return reverse("demarches:agent_counter_submit", args=[draft.pk])


@pytest.fixture
def demarche(service):
    demarche = simple_demarche(service=service, title="Rendez-vous passeport", processing_days=10)
    publish(demarche)
    return demarche


@pytest.fixture
def other_demarche():
    demarche = simple_demarche(service=ServiceFactory(name="Urbanisme"), title="Permis de construire")
    publish(demarche)
    return demarche


@pytest.fixture
def counter_draft(agent, citizen, demarche):
    return services.start_counter_request(
        actor=agent, demarche=demarche, applicant_user=citizen, consent_statement=CONSENT
    )


def start_data(demarche, **overrides) -> dict:
    return {
        "email": "camille@exemple.fr",
        "demarche": demarche.pk,
        "consent": "on",
        "consent_statement": CONSENT,
        **overrides,
    }


# The whole journey ---------------------------------------------------------------------------------


def test_an_agent_files_a_request_at_the_counter_which_the_citizen_then_follows(
    client, agent, citizen, demarche, django_capture_on_commit_callbacks
):
    login(client, agent)

    search = client.get(COUNTER, {"email": "Camille@Exemple.fr"})
    assertContains(search, "2. Commencer une démarche pour Camille Martin")
    assertContains(search, "<dd>camille@exemple.fr</dd>", html=True)
    assertContains(
        search, f'<option value="{demarche.pk}">Rendez-vous passeport (État civil)</option>', html=True
    )

    response = client.post(COUNTER, start_data(demarche))

    draft = Request.objects.get()
    assertRedirects(response, page_url(draft, 1))
    assert (draft.channel, draft.status, draft.applicant, draft.created_by) == (
        Channel.COUNTER,
        S.DRAFT,
        person_party(citizen),
        agent,
    )
    assert draft.consent_statement == CONSENT
    assert draft.consent_recorded_at is not None
    # Prefilled from the citizen's profile, not the agent's.
    assert draft.answers == {"nom": "Martin"}

    first = client.get(page_url(draft, 1))
    assertContains(first, "Rendez-vous passeport, au guichet pour Camille Martin")
    assertContains(first, "Étape 1 sur 2")
    assertContains(first, 'value="Martin"')
    assertRedirects(client.post(page_url(draft, 1), {"nom": "Martin-Durand"}), page_url(draft, 2))
    assertRedirects(client.post(page_url(draft, 2), {"moment": "matin"}), review_url(draft))
    review = client.get(review_url(draft))
    assertContains(review, "Martin-Durand")
    assertContains(review, f'href="{page_url(draft, 1)}"')
    assertContains(review, CONSENT)
    assertContains(review, "La demande sera déposée au nom de Camille Martin")

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(submit_url(draft))

    assertRedirects(sent, reverse("demarches:agent_request", args=[draft.pk]), fetch_redirect_response=False)
    draft.refresh_from_db()
    assert (draft.status, draft.channel) == (S.SUBMITTED, Channel.COUNTER)
    assert draft.reference
    [event] = RequestEvent.objects.filter(request=draft, kind=EventKind.SUBMITTED)
    assert (event.actor, event.by_applicant) == (agent, False)
    # The citizen is told and acknowledged, not the agent.
    assert Notification.objects.filter(kind="demarche_submitted", user=citizen).count() == 1
    assert Notification.objects.filter(user=agent).count() == 0
    [acknowledgement] = [m for m in mail.outbox if m.subject.startswith("Accusé de réception")]
    assert acknowledgement.to == ["camille@exemple.fr"]
    assert AuditEvent.objects.filter(
        action="demarches.request.counter", actor_id=agent.pk, owner_party_id=person_party(citizen).pk
    ).exists()

    client.logout()
    login(client, citizen)
    mine = client.get(reverse("demarches:requests"))
    assertContains(mine, "Rendez-vous passeport")
    assertContains(mine, f"Référence {draft.reference}")
    assertContains(mine, "Déposée au guichet")
    assertContains(client.get(reverse("demarches:request", args=[draft.pk])), "Déposée au guichet")


def test_the_search_is_exact_and_audited_with_the_citizen_as_owner(client, agent, citizen, demarche):
    login(client, agent)

    found = client.get(COUNTER, {"email": "camille@exemple.fr"})
    partial = client.get(COUNTER, {"email": "camille@exemple.fra"})
    unknown = client.get(COUNTER, {"email": "inconnu@exemple.fr"})

    assertContains(found, "Camille Martin")
    for response in (partial, unknown):
        assertNotContains(response, "Camille Martin")
        assertNotContains(response, "Commencer la démarche")
    assertContains(unknown, "Aucun compte n&#x27;est ouvert avec l&#x27;adresse « inconnu@exemple.fr »")
    assertContains(unknown, 'value="inconnu@exemple.fr"')
    searches = AuditEvent.objects.filter(action="demarches.counter.search", actor_id=agent.pk).order_by("pk")
    assert [(event.owner_party_id, event.details["found"]) for event in searches] == [
        (person_party(citizen).pk, True),
        (None, False),
        (None, False),
    ]
    # The address typed is never written in the audit log.
    assert not any("exemple" in str(event.details) for event in searches)


def test_a_search_without_a_valid_address_says_so_in_french(client, agent, demarche):
    login(client, agent)

    response = client.get(COUNTER, {"email": "camille"})

    assertContains(response, "Saisissez une adresse e-mail complète, par exemple camille.martin@exemple.fr.")
    assertContains(response, 'value="camille"')
    assert not AuditEvent.objects.filter(action="demarches.counter.search").exists()


def test_without_consent_nothing_is_started(client, agent, citizen, demarche):
    login(client, agent)

    response = client.post(COUNTER, start_data(demarche, consent="", consent_statement="Accord oral."))

    assert response.status_code == 200
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(
        response,
        "Cochez cette case : sans l&#x27;accord de la personne, vous ne pouvez pas faire la démarche à sa place.",
        count=2,
    )
    assertContains(response, "Accord oral.</textarea>")
    assertContains(response, "Camille Martin")
    assert Request.objects.count() == 0


def test_the_service_refuses_a_counter_request_without_a_consent_statement(agent, citizen, demarche):
    with pytest.raises(NotFillable) as refusal:
        services.start_counter_request(
            actor=agent, demarche=demarche, applicant_user=citizen, consent_statement=" "
        )

    assert "Sans le consentement de la personne" in refusal.value.messages[0]
    assert Request.objects.count() == 0


def test_an_unknown_address_at_the_start_is_refused_in_french(client, agent, demarche):
    login(client, agent)

    response = client.post(COUNTER, start_data(demarche, email="inconnu@exemple.fr"))

    assertContains(response, "Aucun compte n&#x27;est ouvert avec l&#x27;adresse « inconnu@exemple.fr »")
    assert Request.objects.count() == 0


def test_a_procedure_of_another_service_is_refused(client, agent, citizen, demarche, other_demarche):
    login(client, agent)

    page = client.get(COUNTER, {"email": "camille@exemple.fr"})
    response = client.post(COUNTER, start_data(other_demarche))

    assertNotContains(page, "Permis de construire")
    assertContains(response, "Choisissez une démarche de votre service dans la liste.")
    assert Request.objects.count() == 0
    with pytest.raises(PermissionDenied):
        services.start_counter_request(
            actor=agent, demarche=other_demarche, applicant_user=citizen, consent_statement=CONSENT
        )


def test_a_procedure_not_for_private_persons_is_not_offered(client, agent, citizen, service):
    for_associations = DemarcheFactory(
        service=service, title="Subvention", for_person=False, for_association=True
    )
    add_page(for_associations, "Nom", {"key": "nom", "kind": "short_text"})
    publish(for_associations)
    login(client, agent)

    response = client.get(COUNTER, {"email": "camille@exemple.fr"})

    assertContains(response, "Aucune démarche à faire au guichet")
    with pytest.raises(NotFillable):
        services.start_counter_request(
            actor=agent, demarche=for_associations, applicant_user=citizen, consent_statement=CONSENT
        )


def test_an_agent_does_not_file_for_themself_at_the_counter(agent, demarche):
    with pytest.raises(NotFillable) as refusal:
        services.start_counter_request(
            actor=agent, demarche=demarche, applicant_user=agent, consent_statement=CONSENT
        )

    assert "depuis votre propre compte" in refusal.value.messages[0]


# Filling the pages ---------------------------------------------------------------------------------


def test_a_failed_counter_page_shows_french_errors_and_keeps_what_was_typed(client, agent, counter_draft):
    login(client, agent)

    response = client.post(page_url(counter_draft, 2), {"moment": "soir", "date_souhaitee": "32/13/2026"})

    assert response.status_code == 200
    assertContains(response, "Saisissez une date valide, par exemple 14/07/2026.", count=2)
    assertContains(response, 'value="32/13/2026"')
    assertContains(
        response, '<input type="radio" name="moment" value="soir" id="id_moment_1" checked>', html=True
    )
    counter_draft.refresh_from_db()
    assert counter_draft.answers["moment"] == "soir"


def test_save_for_later_goes_back_to_the_counter_where_the_draft_waits(client, agent, counter_draft):
    login(client, agent)

    response = client.post(page_url(counter_draft, 1), {"nom": "Martin", "_enregistrer": "1"})

    assertRedirects(response, COUNTER)
    counter = client.get(COUNTER)
    assertContains(counter, "Démarches commencées au guichet, pas encore envoyées")
    assertContains(counter, f'href="{review_url(counter_draft)}"')


def test_a_document_question_is_left_to_the_citizen_who_finishes_from_their_account(
    client, agent, citizen, service
):
    demarche = document_demarche(service=service, title="Inscription sur les listes")
    draft = services.start_counter_request(
        actor=agent, demarche=demarche, applicant_user=citizen, consent_statement=CONSENT
    )
    login(client, agent)

    page = client.get(page_url(draft, 3))
    assertContains(page, "Au guichet, ce document ne peut pas être joint")
    assertNotContains(page, 'type="file"')
    going_on = client.post(page_url(draft, 3), {}, follow=True)
    assertRedirects(going_on, page_url(draft, 4))
    assertContains(going_on, "Au guichet, vous ne pouvez pas joindre de document")
    client.post(page_url(draft, 4), {"telephone": "0612345678"})

    review = client.get(review_url(draft))
    assertContains(review, "Des documents manquent : au guichet, ils ne peuvent pas être joints.")
    assertNotContains(review, "Envoyer la demande")
    refused = client.post(submit_url(draft))
    assert refused.status_code == 200
    assert Request.objects.get(pk=draft.pk).status == S.DRAFT

    client.logout()
    login(client, citizen)
    mine = client.get(reverse("demarches:requests"))
    assertContains(mine, "Commencé au guichet avec un agent")
    assertContains(client.get(reverse("demarches:page", args=[draft.pk, 3])), 'type="file"')


def test_the_citizen_finishes_a_counter_draft_with_a_document_of_their_vault(
    client, agent, citizen, service, django_capture_on_commit_callbacks
):
    demarche = document_demarche(service=service, title="Inscription sur les listes")
    draft = services.start_counter_request(
        actor=agent, demarche=demarche, applicant_user=citizen, consent_statement=CONSENT
    )
    login(client, agent)
    client.post(page_url(draft, 4), {"telephone": "0612345678"})
    client.logout()
    proof = store(user=citizen, document_type=DocumentType.objects.get(code="justificatif-domicile"))
    login(client, citizen)

    client.post(reverse("demarches:page", args=[draft.pk, 3]), {"justificatif": proof.document_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("demarches:submit", args=[draft.pk]))

    assertRedirects(
        response, reverse("demarches:acknowledgement", args=[draft.pk]), fetch_redirect_response=False
    )
    draft.refresh_from_db()
    assert (draft.status, draft.channel, draft.attachments.count()) == (S.SUBMITTED, Channel.COUNTER, 1)
    [event] = RequestEvent.objects.filter(request=draft, kind=EventKind.SUBMITTED)
    assert (event.actor, event.by_applicant) == (citizen, True)
    [acknowledgement] = [m for m in mail.outbox if m.subject.startswith("Accusé de réception")]
    assert acknowledgement.to == ["camille@exemple.fr"]
    assertContains(
        client.get(reverse("demarches:acknowledgement", args=[draft.pk])),
        "Un accusé de réception vous est envoyé à camille@exemple.fr",
    )


def test_a_sent_counter_request_leaves_the_counter_pages_for_its_agent_page(client, agent, counter_draft):
    login(client, agent)
    client.post(page_url(counter_draft, 2), {"moment": "matin"})
    client.post(submit_url(counter_draft))
    agent_page = reverse("demarches:agent_request", args=[counter_draft.pk])

    for url in (page_url(counter_draft, 1), review_url(counter_draft)):
        assertRedirects(client.get(url), agent_page, fetch_redirect_response=False)
    assertRedirects(client.post(submit_url(counter_draft)), agent_page, fetch_redirect_response=False)
    assert Request.objects.get(pk=counter_draft.pk).status == S.SUBMITTED


# Who may -------------------------------------------------------------------------------------------


def test_a_citizen_gets_403_on_every_counter_page_even_for_their_own_draft(client, citizen, counter_draft):
    login(client, citizen)

    assert client.get(COUNTER).status_code == 403
    assert client.get(page_url(counter_draft, 1)).status_code == 403
    assert client.get(review_url(counter_draft)).status_code == 403
    assert client.post(submit_url(counter_draft)).status_code == 403


def test_an_agent_of_another_service_gets_404_on_the_counter_draft(client, counter_draft):
    stranger = make_agent(ServiceFactory(name="Urbanisme"))
    login(client, stranger)

    assert client.get(page_url(counter_draft, 1)).status_code == 404
    assert client.post(page_url(counter_draft, 1), {"nom": "Autre"}).status_code == 404
    assert client.get(review_url(counter_draft)).status_code == 404
    assert client.post(submit_url(counter_draft)).status_code == 404
    counter_draft.refresh_from_db()
    assert (counter_draft.status, counter_draft.answers) == (S.DRAFT, {"nom": "Martin"})


def test_an_online_draft_is_not_a_counter_draft(client, agent, citizen, demarche):
    online = services.start_request(actor=citizen, demarche=demarche, applicant=person_party(citizen))
    login(client, agent)

    assert client.get(page_url(online, 1)).status_code == 404
    assert client.get(review_url(online)).status_code == 404


def test_an_agent_without_a_second_factor_is_sent_to_enrolment(client, service, demarche):
    unverified = make_agent(service, otp=False)
    login(client, unverified)

    response = client.get(COUNTER)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_setup"))


def test_wrong_methods_are_refused(client, agent, counter_draft):
    login(client, agent)

    assert client.put(COUNTER).status_code == 405
    assert client.post(review_url(counter_draft)).status_code == 405
    assert client.get(submit_url(counter_draft)).status_code == 405


def test_the_counter_page_reads_a_fixed_number_of_queries(
    client, agent, citizen, demarche, django_assert_max_num_queries
):
    for _n in range(20):
        services.start_counter_request(
            actor=agent, demarche=demarche, applicant_user=citizen, consent_statement=CONSENT
        )
    login(client, agent)

    with django_assert_max_num_queries(20):
        response = client.get(COUNTER, {"email": "camille@exemple.fr"})

    assertContains(response, "Pour Camille Martin", count=20)
