"""The catalogue of 39 procedures: it loads, once, and every form works with sample answers."""

from datetime import timedelta

import pytest
from django.urls import reverse

from coffre.models import DocumentType
from demarches import engine, selectors, services
from demarches.catalogue import entries, load_catalogue
from demarches.enums import DemarcheKind, DemarcheStatus, RequestStatus
from demarches.models import Demarche, DemarcheRevision, FormField, FormPage
from tests.coffre.factories import make_association, store
from tests.demarches.helpers import TODAY, document_types, sample_answers
from tests.factories import UserFactory, person_party

FORM_SLUGS = [entry["slug"] for entry in entries() if entry.get("kind", "form") == "form"]
LINK_SLUGS = [entry["slug"] for entry in entries() if entry.get("kind") == "link"]


def test_the_data_holds_39_entries_numbered_in_order_34_forms_and_5_links():
    assert [entry["number"] for entry in entries()] == list(range(1, 40))
    assert len({entry["slug"] for entry in entries()}) == 39
    assert len(FORM_SLUGS) == 34
    assert [entry["number"] for entry in entries() if entry.get("kind") == "link"] == [24, 25, 26, 35, 36]


@pytest.mark.django_db
def test_all_39_entries_load_published_and_a_second_load_changes_nothing():
    first = load_catalogue()

    assert len(first.created) == 39
    assert Demarche.objects.count() == 39
    assert Demarche.objects.filter(status=DemarcheStatus.PUBLISHED).count() == 39
    forms = Demarche.objects.filter(kind=DemarcheKind.FORM)
    assert forms.count() == 34
    assert forms.filter(current_revision__number=1).count() == 34
    assert set(Demarche.objects.filter(kind=DemarcheKind.LINK).values_list("slug", flat=True)) == set(
        LINK_SLUGS
    )
    counts = (FormPage.objects.count(), FormField.objects.count(), DemarcheRevision.objects.count())

    second = load_catalogue()

    assert second.created == [] and len(second.existing) == 39
    assert Demarche.objects.count() == 39
    assert (FormPage.objects.count(), FormField.objects.count(), DemarcheRevision.objects.count()) == counts


@pytest.mark.django_db
def test_each_procedure_goes_to_its_service_and_asks_for_vault_document_types():
    load_catalogue(slugs=["recensement-citoyen", "demande-de-subvention", "saisine-par-voie-electronique"])

    census = Demarche.objects.get(slug="recensement-citoyen")
    assert census.service.slug == "etat-civil"
    assert set(census.required_document_types.values_list("code", flat=True)) == {
        "piece-identite",
        "livret-famille",
        "justificatif-domicile",
    }
    subsidy = Demarche.objects.get(slug="demande-de-subvention")
    assert (subsidy.service.slug, subsidy.audiences) == ("vie-associative", ["association"])
    assert Demarche.objects.get(slug="saisine-par-voie-electronique").service.slug == "secretariat-general"


@pytest.mark.django_db
def test_a_link_entry_is_hidden_until_its_page_exists():
    load_catalogue(slugs=["reservation-de-salle", "signaler-un-probleme"])
    rooms = Demarche.objects.get(slug="reservation-de-salle")
    # Pointed at a page that does not exist (the rooms' own page does now).
    Demarche.objects.filter(pk=rooms.pk).update(link_url_name="associations:page_a_venir")
    rooms.refresh_from_db()

    assert rooms.link_url() is None
    assert [entry.slug for entry in selectors.catalogue()] == ["signaler-un-probleme"]

    # The day the page exists (here: pointed at a page that does), the entry shows.
    Demarche.objects.filter(pk=rooms.pk).update(link_url_name="portal:help")
    assert [entry.slug for entry in selectors.catalogue()] == ["signaler-un-probleme", "reservation-de-salle"]
    assert Demarche.objects.get(pk=rooms.pk).link_url() == reverse("portal:help")


def vault_documents(*, user, party, codes: set[str]) -> dict[str, int]:
    """One real (encrypted) vault document of each type, by type code."""
    documents = {}
    for document_type in DocumentType.objects.filter(code__in=codes):
        version = store(
            user=user,
            owner=party,
            document_type=document_type,
            title=f"Mon {document_type.label}",
            expiry_date=TODAY + timedelta(days=365),
        )
        documents[document_type.code] = version.document_id
    return documents


@pytest.mark.django_db
@pytest.mark.parametrize("slug", FORM_SLUGS)
def test_every_form_procedure_renders_every_page_and_is_submitted_with_sample_answers(slug):
    user = UserFactory(
        first_name="Camille", last_name="Martin", email="camille@exemple.fr", phone="0612345678"
    )
    load_catalogue(slugs=[slug])
    demarche = selectors.published_form(slug=slug)
    party = person_party(user) if demarche.for_person else make_association(president=user)
    schema = demarche.current_revision.form
    documents = vault_documents(user=user, party=party, codes=document_types(schema))
    assert set(documents) == document_types(schema)
    who = engine.Applicant(user=user, party=party, today=TODAY)

    for page in schema.pages:
        html = str(engine.page_form(schema, page.number, applicant=who, preview=True))
        for spec in page.fields:
            assert spec.label.replace("'", "&#x27;") in html, (page.title, spec.key)

    for variant in (0, 1):
        answers = sample_answers(schema, documents=documents, variant=variant)
        # Page by page, as a browser sends it back.
        stored: dict = {}
        page = engine.first_page(schema, answers)
        while page is not None:
            form = engine.page_form(
                schema,
                page.number,
                answers=stored,
                applicant=who,
                data=engine.page_data(page, answers),
                today=TODAY,
            )
            assert form.is_valid(), (variant, page.title, form.errors)
            stored = engine.merge_page_answers(
                schema, answers=stored, page_number=page.number, page_answers=form.answers()
            )
            page = engine.next_page(schema, stored, page.number)
        assert stored == answers
        assert engine.validate_answers(schema, stored, applicant=who, today=TODAY) == []
        assert engine.summarise(schema, stored, applicant=who)

    request = services.start_request(actor=user, demarche=demarche, applicant=party)
    request.answers = sample_answers(schema, documents=documents)
    request.save(update_fields=["answers"])
    submitted = services.submit_request(actor=user, request=request, today=TODAY)
    assert submitted.status == RequestStatus.SUBMITTED
    assert submitted.reference.startswith("GN-")


@pytest.mark.django_db
def test_the_associations_link_entries_lead_to_the_rooms_and_equipment_pages():
    load_catalogue(slugs=["reservation-de-salle", "pret-de-materiel"])

    assert Demarche.objects.get(slug="reservation-de-salle").link_url() == reverse("associations:rooms")
    assert Demarche.objects.get(slug="pret-de-materiel").link_url() == reverse("associations:equipment")
