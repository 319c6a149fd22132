"""The catalogue (search and filters without JavaScript), a procedure's start page, and starting a draft."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from coffre.models import DocumentType
from demarches.catalogue import load_catalogue
from demarches.enums import DemarcheStatus
from demarches.models import Demarche, Request
from tests.coffre.factories import make_association, make_household
from tests.demarches.factories import DemarcheFactory, add_page, publish, simple_demarche
from tests.factories import person_party
from tests.helpers import login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("town")]

SLUGS = [
    "acte-de-naissance",
    "signaler-un-probleme",
    "composteur",
    "demande-de-subvention",
    "reservation-de-salle",
    "inscription-scolaire",
]


@pytest.fixture
def catalogue():
    load_catalogue(slugs=SLUGS)
    # A link entry whose page does not exist (the rooms' page does now: pointed at one that does not).
    Demarche.objects.filter(slug="reservation-de-salle").update(link_url_name="associations:page_a_venir")


def titles(response) -> list[str]:
    return [entry.title for _label, entries in response.context["themes"] for entry in entries]


def test_the_catalogue_is_public_and_lists_published_forms_by_theme(client, catalogue):
    hidden = DemarcheFactory(title="Brouillon de l'administrateur", status=DemarcheStatus.DRAFT)

    response = client.get(reverse("demarches:catalogue"))

    assert response.status_code == 200
    assertContains(response, '<h2 id="theme-1">État civil et citoyenneté</h2>', html=True)
    assertContains(response, f'href="{reverse("demarches:demarche", args=["acte-de-naissance"])}"')
    assertContains(response, "5 démarches")
    assertNotContains(response, hidden.title)
    # The link entry's page does not exist: it stays hidden.
    assertNotContains(response, "Réserver une salle")


def test_the_search_finds_words_of_the_title_or_summary_whatever_their_accents(client, catalogue):
    response = client.get(reverse("demarches:catalogue"), {"q": "ecole inscription"})

    assert titles(response) == [Demarche.objects.get(slug="inscription-scolaire").title]
    assertContains(response, "Voir toutes les démarches")
    assert client.get(reverse("demarches:catalogue"), {"q": "NAISSANCE"}).context["count"] == 1


def test_filters_by_theme_and_audience(client, catalogue):
    by_theme = client.get(reverse("demarches:catalogue"), {"theme": "associations"})
    by_audience = client.get(reverse("demarches:catalogue"), {"public": "association"})

    assert titles(by_theme) == [Demarche.objects.get(slug="demande-de-subvention").title]
    assert set(titles(by_audience)) == {
        Demarche.objects.get(slug=slug).title for slug in ("demande-de-subvention", "signaler-un-probleme")
    }
    assertContains(by_theme, '<option value="associations" selected>Associations</option>', html=True)


def test_nothing_found_says_so_and_an_unknown_filter_is_ignored(client, catalogue):
    nothing = client.get(reverse("demarches:catalogue"), {"q": "licorne"})
    unknown = client.get(reverse("demarches:catalogue"), {"theme": "inconnu"})

    assertContains(nothing, "Aucune démarche ne correspond à votre recherche")
    assert unknown.context["count"] == 5


def test_a_link_entry_leads_to_its_page_once_it_exists(client, catalogue):
    Demarche.objects.filter(slug="reservation-de-salle").update(link_url_name="portal:help")

    response = client.get(reverse("demarches:catalogue"))

    assertContains(
        response, f'<a href="{reverse("portal:help")}">Réserver une salle municipale</a>', html=True
    )


# The start page ---------------------------------------------------------------------------------


def test_the_start_page_says_what_to_prepare_how_long_the_fee_and_who_may_apply(client, catalogue):
    response = client.get(reverse("demarches:demarche", args=["composteur"]))

    demarche = Demarche.objects.get(slug="composteur")
    assertContains(response, f"<h1>{demarche.title}</h1>", html=True)
    assertContains(response, "<dd>30 jours</dd>", html=True)
    assertContains(response, "15,00")
    assertContains(response, "Particulier")
    assertContains(response, "Se connecter pour commencer")
    assertContains(response, f'href="{reverse("account_login")}?next=/demarches/composteur/"')


def test_the_start_page_lists_the_documents_to_prepare(client, catalogue, citizen):
    login(client, citizen)

    response = client.get(reverse("demarches:demarche", args=["inscription-scolaire"]))

    for document_type in Demarche.objects.get(slug="inscription-scolaire").required_document_types.all():
        assertContains(response, f"<li>{document_type.label}</li>", html=True)
    assertContains(response, "Commencer")
    assert DocumentType.objects.exists()


def test_a_link_entry_or_an_unpublished_procedure_has_no_start_page(client, catalogue):
    draft = DemarcheFactory(status=DemarcheStatus.DRAFT)

    assert client.get(reverse("demarches:demarche", args=["reservation-de-salle"])).status_code == 404
    assert client.get(reverse("demarches:demarche", args=[draft.slug])).status_code == 404
    assert client.get(reverse("demarches:demarche", args=["nimporte-quoi"])).status_code == 404


def test_starting_makes_a_prefilled_draft_and_opens_its_first_page(client, citizen):
    demarche = simple_demarche()
    publish(demarche)
    login(client, citizen)

    response = client.post(reverse("demarches:start", args=[demarche.slug]))

    draft = Request.objects.get(created_by=citizen)
    assertRedirects(response, reverse("demarches:page", args=[draft.pk, 1]))
    assert (draft.applicant, draft.answers, draft.revision) == (
        person_party(citizen),
        {"nom": "Martin"},
        demarche.current_revision,
    )


def test_someone_acting_for_several_parties_chooses_the_applicant(client, citizen, stranger):
    demarche = DemarcheFactory(for_person=True, for_household=True)
    add_page(demarche, "Nom", {"key": "nom", "kind": "short_text", "label": "Nom"})
    publish(demarche)
    household = make_household(citizen, name="Foyer Martin")
    make_association(president=citizen)  # not an audience of this procedure
    login(client, citizen)

    page = client.get(reverse("demarches:demarche", args=[demarche.slug]))
    assertContains(page, "Pour qui faites-vous cette démarche ?")
    assertContains(page, "Pour moi-même (")
    assertContains(page, "Pour mon foyer : Foyer Martin")
    assertNotContains(page, "Association Test")

    missing = client.post(reverse("demarches:start", args=[demarche.slug]))
    assertContains(missing, "Choisissez pour qui vous faites cette démarche.", count=2)
    theirs = client.post(
        reverse("demarches:start", args=[demarche.slug]), {"applicant": person_party(stranger).pk}
    )
    assertContains(theirs, "Choisissez pour qui vous faites cette démarche.", count=2)
    assert not Request.objects.exists()

    chosen = client.post(reverse("demarches:start", args=[demarche.slug]), {"applicant": household.pk})

    draft = Request.objects.get()
    assertRedirects(chosen, reverse("demarches:page", args=[draft.pk, 1]))
    assert draft.applicant == household


def test_an_association_only_procedure_tells_a_person_how_to_get_access(client, citizen, catalogue):
    login(client, citizen)

    response = client.get(reverse("demarches:demarche", args=["demande-de-subvention"]))

    assertContains(response, "dont vous n'êtes pas membre")
    assertNotContains(response, ">Commencer</button>")
    assert client.post(reverse("demarches:start", args=["demande-de-subvention"])).status_code == 200
    assert not Request.objects.exists()


def test_the_start_page_offers_to_take_up_a_draft_again(client, citizen):
    demarche = simple_demarche()
    publish(demarche)
    login(client, citizen)
    client.post(reverse("demarches:start", args=[demarche.slug]))
    draft = Request.objects.get()

    response = client.get(reverse("demarches:demarche", args=[demarche.slug]))

    assertContains(response, "Vous avez déjà commencé cette démarche")
    assertContains(response, f'href="{reverse("demarches:resume", args=[draft.pk])}"')


def test_starting_needs_an_account_and_a_post(client, citizen):
    demarche = simple_demarche()
    publish(demarche)
    url = reverse("demarches:start", args=[demarche.slug])

    anonymous = client.post(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("account_login"))
    login(client, citizen)
    assert client.get(url).status_code == 405
    assert client.post(reverse("demarches:catalogue")).status_code == 405
    assert client.post(reverse("demarches:demarche", args=[demarche.slug])).status_code == 405
