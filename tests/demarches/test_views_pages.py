"""Filling a request page by page: the draft is saved on every POST, nothing typed is lost,
failed pages say what is wrong in French, repeated groups and documents work without JavaScript."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from coffre.models import Document, DocumentType
from demarches import services
from demarches.enums import RequestStatus
from demarches.models import Request
from tests.coffre.factories import pdf_bytes, store
from tests.demarches.factories import document_demarche, publish, simple_demarche
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]


def page_url(draft: Request, number: int) -> str:
    return reverse("demarches:page", args=[draft.pk, number])


def start(client, user, demarche) -> Request:
    login(client, user)
    response = client.post(reverse("demarches:start", args=[demarche.slug]))
    draft = Request.objects.filter(created_by=user).latest("pk")
    assertRedirects(response, page_url(draft, 1))
    return draft


@pytest.fixture
def demarche():
    demarche = simple_demarche(processing_days=10)
    publish(demarche)
    return demarche


def test_the_first_page_shows_the_step_the_prefilled_answer_and_the_way_back(client, citizen, demarche):
    draft = start(client, citizen, demarche)

    response = client.get(page_url(draft, 1))

    assertContains(response, "<h1>Identité</h1>", html=True)
    assertContains(response, "Étape 1 sur 2")
    assertContains(response, 'value="Martin"')
    assertContains(
        response,
        f'<a class="back-link" href="{reverse("demarches:demarche", args=[demarche.slug])}">Retour</a>',
        html=True,
    )
    assertContains(response, "Enregistrer et revenir plus tard")


def test_continue_saves_the_page_and_leads_to_the_next_one(client, citizen, demarche):
    draft = start(client, citizen, demarche)

    response = client.post(page_url(draft, 1), {"nom": "Martin-Durand"})

    assertRedirects(response, page_url(draft, 2))
    draft.refresh_from_db()
    assert draft.answers == {"nom": "Martin-Durand"}
    response = client.get(page_url(draft, 2))
    assertContains(response, "Étape 2 sur 2")
    assertContains(response, f'<a class="back-link" href="{page_url(draft, 1)}">Retour</a>', html=True)


def test_a_failed_page_shows_french_errors_keeps_every_answer_typed_and_saves_the_valid_ones(
    client, citizen, demarche
):
    draft = start(client, citizen, demarche)
    client.post(page_url(draft, 1), {"nom": "Martin"})

    # "soir" reveals the date, which is then required; a date in a wrong format is refused.
    response = client.post(page_url(draft, 2), {"moment": "soir", "date_souhaitee": "32/13/2026"})

    assert response.status_code == 200
    assertContains(response, "Le formulaire contient des erreurs")
    assertContains(response, "Saisissez une date valide, par exemple 14/07/2026.", count=2)
    assertContains(response, 'value="32/13/2026"')
    assertContains(
        response, '<input type="radio" name="moment" value="soir" id="id_moment_1" checked>', html=True
    )
    assert response.context["form"].errors
    assert "Erreur : " in response.content.decode().split("<title>")[1].split("</title>")[0]
    draft.refresh_from_db()
    assert draft.answers == {"nom": "Martin", "moment": "soir"}


def test_a_required_answer_left_empty_is_asked_for_in_french(client, citizen, demarche):
    draft = start(client, citizen, demarche)

    response = client.post(page_url(draft, 1), {"nom": ""})

    assertContains(response, "Renseignez ce champ.", count=2)
    draft.refresh_from_db()
    assert draft.answers == {}


def test_save_and_come_back_later_keeps_the_draft_across_a_logout(client, citizen, demarche):
    draft = start(client, citizen, demarche)
    client.post(page_url(draft, 1), {"nom": "Martin"})

    response = client.post(page_url(draft, 2), {"moment": "matin", "_enregistrer": "1"}, follow=True)

    assertRedirects(response, reverse("demarches:requests"))
    assertContains(response, "Votre brouillon est enregistré. Reprenez-le quand vous voulez.")
    client.logout()
    login(client, citizen)
    listing = client.get(reverse("demarches:requests"))
    assertContains(listing, "Brouillons à terminer")
    assertContains(listing, f'href="{reverse("demarches:resume", args=[draft.pk])}"')
    # Nothing is missing: taking it up again leads to the check page, with both answers.
    assertRedirects(
        client.get(reverse("demarches:resume", args=[draft.pk])), reverse("demarches:review", args=[draft.pk])
    )
    review = client.get(reverse("demarches:review", args=[draft.pk]))
    assertContains(review, "Martin")
    assertContains(review, "Le matin")


def test_save_later_on_a_failed_page_keeps_the_valid_answers_and_says_what_was_not_kept(
    client, citizen, demarche
):
    draft = start(client, citizen, demarche)

    response = client.post(
        page_url(draft, 2),
        {"moment": "soir", "date_souhaitee": "pas une date", "_enregistrer": "1"},
        follow=True,
    )

    assertRedirects(response, reverse("demarches:requests"))
    assertContains(response, "sans les réponses de la page « Rendez-vous » qui étaient à corriger")
    draft.refresh_from_db()
    assert draft.answers == {"nom": "Martin", "moment": "soir"}
    # Back on the page, the missing date is asked for.
    resumed = client.get(reverse("demarches:resume", args=[draft.pk]))
    assertRedirects(resumed, page_url(draft, 2))


def test_a_page_hidden_by_an_earlier_answer_sends_on_to_the_next_visible_one(client, citizen):
    demarche = simple_demarche()
    from demarches.models import FormPage

    FormPage.objects.filter(demarche=demarche, title="Rendez-vous").update(
        condition={"field": "nom", "op": "equals", "value": "Rendez-vous"}
    )
    publish(demarche)
    draft = start(client, citizen, demarche)

    assertRedirects(client.get(page_url(draft, 2)), reverse("demarches:review", args=[draft.pk]))
    assertRedirects(
        client.post(page_url(draft, 1), {"nom": "Martin"}), reverse("demarches:review", args=[draft.pk])
    )


def test_a_page_that_does_not_exist_is_a_404(client, citizen, demarche):
    draft = start(client, citizen, demarche)

    assert client.get(page_url(draft, 9)).status_code == 404


# Repeated groups, documents ----------------------------------------------------------------------


@pytest.fixture
def rich():
    return document_demarche(title="Inscription de test")


def test_blocks_of_a_repeated_group_are_added_and_removed_without_javascript(client, citizen, rich):
    draft = start(client, citizen, rich)
    client.post(page_url(draft, 1), {"nom": "Martin"})

    added = client.post(page_url(draft, 2), {"enfants-TOTAL": "0", "_ajouter_bloc": "enfants"})
    assertContains(added, "Enfant : n° 1")
    twice = client.post(
        page_url(draft, 2),
        {
            "enfants-TOTAL": "1",
            "enfants-0-prenom": "Lou",
            "enfants-0-naissance": "2019-05-04",
            "_ajouter_bloc": "enfants",
        },
    )
    assertContains(twice, "Enfant : n° 2")
    assertContains(twice, 'value="Lou"')
    removed = client.post(
        page_url(draft, 2),
        {
            "enfants-TOTAL": "2",
            "enfants-0-prenom": "Lou",
            "enfants-0-naissance": "2019-05-04",
            "enfants-1-prenom": "Noé",
            "_retirer_bloc": "enfants:0",
        },
    )
    assertNotContains(removed, 'value="Lou"')
    assertContains(removed, 'value="Noé"')
    draft.refresh_from_db()
    assert "enfants" not in draft.answers  # nothing saved by the block buttons

    saved = client.post(
        page_url(draft, 2),
        {"enfants-TOTAL": "1", "enfants-0-prenom": "Noé", "enfants-0-naissance": "2021-01-02"},
    )

    assertRedirects(saved, page_url(draft, 3))
    draft.refresh_from_db()
    assert draft.answers["enfants"] == [{"prenom": "Noé", "naissance": "2021-01-02"}]


def test_a_document_question_offers_the_applicant_s_vault_documents_of_its_type(client, citizen, rich):
    proof = store(
        user=citizen,
        title="Facture d'électricité",
        document_type=DocumentType.objects.get(code="justificatif-domicile"),
    )
    store(
        user=citizen,
        title="Assurance",
        document_type=DocumentType.objects.get(code="attestation-assurance"),
        expiry_date=timezone.localdate() + timedelta(days=90),
    )
    draft = start(client, citizen, rich)

    response = client.get(page_url(draft, 3))

    assertContains(response, "Facture d&#x27;électricité (Justificatif de domicile)")
    assertNotContains(response, "Assurance (")
    assertContains(response, 'enctype="multipart/form-data"')
    assertContains(response, "Ou déposez un nouveau fichier (Justificatif de domicile)")
    assertRedirects(
        client.post(page_url(draft, 3), {"justificatif": str(proof.document_id)}), page_url(draft, 4)
    )
    draft.refresh_from_db()
    assert draft.answers["justificatif"] == proof.document_id


def test_someone_else_s_document_cannot_be_picked(client, citizen, stranger, rich):
    theirs = store(user=stranger, document_type=DocumentType.objects.get(code="justificatif-domicile"))
    draft = start(client, citizen, rich)

    response = client.post(page_url(draft, 3), {"justificatif": str(theirs.document_id)})

    assertContains(response, "Choisissez un document de votre coffre-fort.", count=2)
    draft.refresh_from_db()
    assert "justificatif" not in draft.answers


def test_a_new_file_goes_into_the_vault_encrypted_and_answers_the_question(client, citizen, rich, vault_dir):
    draft = start(client, citizen, rich)
    content = pdf_bytes(30_000, marker=b"FACTURE-EAU")

    with (vault_dir.parent / "facture.pdf").open("wb+") as handle:
        handle.write(content)
        handle.seek(0)
        response = client.post(page_url(draft, 3), {"justificatif--fichier": handle})

    assertRedirects(response, page_url(draft, 4))
    document = Document.objects.get(owner=person_party(citizen))
    assert (document.document_type.code, document.current_version.size) == (
        "justificatif-domicile",
        len(content),
    )
    draft.refresh_from_db()
    assert draft.answers["justificatif"] == document.pk
    # Stored encrypted: the marker is nowhere in the vault's files.
    for path in vault_dir.rglob("*"):
        if path.is_file():
            assert b"FACTURE-EAU" not in path.read_bytes()


def test_a_refused_file_is_explained_and_the_other_answers_stay(client, citizen, rich, vault_dir):
    draft = start(client, citizen, rich)
    (vault_dir.parent / "page.html").write_bytes(b"<html><script>alert(1)</script></html>")

    with (vault_dir.parent / "page.html").open("rb") as handle:
        response = client.post(page_url(draft, 3), {"justificatif--fichier": handle})

    assert response.status_code == 200
    assertContains(response, "Ce type de fichier n&#x27;est pas accepté", count=2)
    assert not Document.objects.exists()


def test_a_new_identity_card_needs_its_end_of_validity(client, citizen, vault_dir):
    from tests.demarches.factories import DemarcheFactory, add_page

    demarche = DemarcheFactory()
    add_page(
        demarche,
        "Pièce",
        {"key": "piece", "kind": "document", "label": "Pièce d'identité", "document_type": "piece-identite"},
    )
    publish(demarche)
    draft = start(client, citizen, demarche)
    (vault_dir.parent / "cni.pdf").write_bytes(pdf_bytes(5_000))

    with (vault_dir.parent / "cni.pdf").open("rb") as handle:
        refused = client.post(page_url(draft, 1), {"piece--fichier": handle})
    assertContains(refused, "Fin de validité du nouveau fichier")
    assertContains(refused, "Indiquez la date de fin de validité de ce document.", count=2)
    with (vault_dir.parent / "cni.pdf").open("rb") as handle:
        kept = client.post(
            page_url(draft, 1), {"piece--fichier": handle, "piece--fin-de-validite": "2031-05-01"}
        )

    assertRedirects(kept, reverse("demarches:review", args=[draft.pk]))
    assert Document.objects.get().expiry_date.isoformat() == "2031-05-01"


# Check your answers, submission ------------------------------------------------------------------


def fill(client, draft) -> None:
    client.post(page_url(draft, 1), {"nom": "Martin"})
    client.post(page_url(draft, 2), {"moment": "soir", "date_souhaitee": "2030-06-01"})


def test_the_check_page_lists_every_answer_with_a_change_link_to_its_page(client, citizen, demarche):
    draft = start(client, citizen, demarche)
    fill(client, draft)

    response = client.get(reverse("demarches:review", args=[draft.pk]))

    assertContains(response, "<h1>Vérifiez vos réponses avant d'envoyer la demande</h1>", html=True)
    assertContains(response, "1 juin 2030")
    assertContains(
        response,
        f'<a href="{page_url(draft, 2)}">Modifier<span class="visually-hidden"> : Date souhaitée</span></a>',
        html=True,
    )
    assertContains(response, "Envoyer la demande")
    assertContains(response, "Délai de traitement annoncé : 10 jours.")


def test_an_incomplete_draft_cannot_be_sent_and_the_check_page_says_what_is_missing(
    client, citizen, demarche
):
    draft = start(client, citizen, demarche)
    client.post(page_url(draft, 1), {"nom": "Martin"})

    review = client.get(reverse("demarches:review", args=[draft.pk]))
    assertContains(review, "Des réponses manquent ou sont à corriger")
    assertContains(review, f'href="{page_url(draft, 2)}"')
    assertNotContains(review, "Envoyer la demande")
    response = client.post(reverse("demarches:submit", args=[draft.pk]))

    assertContains(response, "Des réponses manquent ou sont à corriger")
    draft.refresh_from_db()
    assert (draft.status, draft.reference) == (RequestStatus.DRAFT, "")


def test_sending_gives_a_reference_and_the_acknowledgement_page(client, citizen, demarche):
    draft = start(client, citizen, demarche)
    fill(client, draft)

    response = client.post(reverse("demarches:submit", args=[draft.pk]))

    assertRedirects(response, reverse("demarches:acknowledgement", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == RequestStatus.SUBMITTED
    page = client.get(reverse("demarches:acknowledgement", args=[draft.pk]))
    assertContains(page, "<h1>Demande envoyée</h1>", html=True)
    assertContains(page, draft.reference)
    assertContains(page, "Il annonce un délai de traitement de 10 jours.")
    assertContains(page, "camille@exemple.fr")
    # A page of a request sent leads to the request.
    assertRedirects(client.get(page_url(draft, 1)), reverse("demarches:request", args=[draft.pk]))
    assertRedirects(
        client.get(reverse("demarches:review", args=[draft.pk])),
        reverse("demarches:request", args=[draft.pk]),
    )


def test_a_second_click_on_send_makes_no_second_request(client, citizen, demarche):
    draft = start(client, citizen, demarche)
    fill(client, draft)

    first = client.post(reverse("demarches:submit", args=[draft.pk]))
    second = client.post(reverse("demarches:submit", args=[draft.pk]))

    ack = reverse("demarches:acknowledgement", args=[draft.pk])
    assertRedirects(first, ack)
    assertRedirects(second, ack)
    assert Request.objects.filter(created_by=citizen).count() == 1
    draft.refresh_from_db()
    assert draft.reference.startswith("GN-")
    assert draft.events.count() == 1


def test_the_acknowledgement_of_a_draft_sends_back_to_the_check_page(client, citizen, demarche):
    draft = start(client, citizen, demarche)

    assertRedirects(
        client.get(reverse("demarches:acknowledgement", args=[draft.pk])),
        reverse("demarches:review", args=[draft.pk]),
    )


def test_a_draft_of_a_household_member_is_shared_with_the_household(client, citizen, stranger):
    from demarches.enums import Audience
    from tests.coffre.factories import make_household

    demarche = simple_demarche(for_household=True)
    publish(demarche)
    household = make_household(citizen, stranger, name="Foyer Martin")
    draft = services.start_request(actor=citizen, demarche=demarche, applicant=household)

    login(client, stranger)

    assert client.get(page_url(draft, 1)).status_code == 200
    assert Audience.HOUSEHOLD in demarche.audiences
