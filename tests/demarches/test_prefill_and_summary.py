"""The prefill registry, and the check-your-answers summary."""

from datetime import timedelta

import pytest

from demarches import engine, prefill
from demarches.models import FormField
from tests.coffre.factories import store
from tests.demarches.helpers import TODAY, field, make_schema
from tests.factories import UserFactory, person_party


@pytest.fixture
def children_source():
    """A later app's source (as famille will add): the household's children, as blocks."""

    def children(user, party):
        return [
            {"child.first_name": "Léa", "child.birth_date": "2018-05-02", "unknown": "ignored"},
            {"child.first_name": "Tom", "child.birth_date": "2020-11-30"},
        ]

    # famille registers the real source: put it back afterwards, whatever ran before.
    real = prefill.get("household.children")
    prefill.register("household.children", children, label="Enfants du foyer")
    yield
    prefill.unregister("household.children")
    if real is not None:
        prefill.register(real.key, real.func, label=real.label, autocomplete=real.autocomplete)


@pytest.mark.django_db
def test_the_foundation_prefills_from_the_profile():
    user = UserFactory(
        first_name="Camille",
        last_name="Martin",
        email="camille@exemple.fr",
        phone="06 12 34 56 78",
        address_line="3 rue des Lilas",
        postal_code="69001",
        city="Lyon",
    )
    schema = make_schema(
        [
            field("prenom", "short_text", prefill="profile.first_name"),
            field("nom", "short_text", prefill="profile.last_name"),
            field("courriel", "email", prefill="profile.email"),
            field("telephone", "phone", prefill="profile.phone"),
            field("adresse", "address", prefill="profile.address"),
            field("demandeur", "short_text", prefill="applicant.name"),
            field("inconnu", "short_text", prefill="source.inexistante"),
        ]
    )

    answers = engine.prefill_answers(
        schema, user=user, party=person_party(user), answers={"nom": "Déjà répondu"}
    )

    assert answers == {
        "prenom": "Camille",
        "nom": "Déjà répondu",
        "courriel": "camille@exemple.fr",
        "telephone": "+33612345678",
        "adresse": {"street": "3 rue des Lilas", "complement": "", "postal_code": "69001", "town": "Lyon"},
        "demandeur": "Camille Martin",
    }
    assert engine.validate_answers(schema, {**answers, "inconnu": "x"}) == []


@pytest.mark.django_db
def test_an_app_registers_a_source_that_fills_a_repeated_group(children_source):
    schema = make_schema(
        [
            field(
                "enfants",
                "group",
                "Enfant",
                prefill="household.children",
                children=[
                    {"key": "prenom", "kind": "short_text", "prefill": "child.first_name"},
                    {"key": "naissance", "kind": "date", "prefill": "child.birth_date"},
                ],
            )
        ]
    )
    user = UserFactory()

    answers = engine.prefill_answers(schema, user=user, party=person_party(user))

    assert answers == {
        "enfants": [
            {"prenom": "Léa", "naissance": "2018-05-02"},
            {"prenom": "Tom", "naissance": "2020-11-30"},
        ]
    }
    assert "household.children" in dict(prefill.choices())
    assert "household.children" in dict(FormField._meta.get_field("prefill").choices)


def test_nothing_is_prefilled_for_an_anonymous_visitor():
    from django.contrib.auth.models import AnonymousUser

    schema = make_schema([field("prenom", "short_text", prefill="profile.first_name")])

    assert engine.prefill_answers(schema, user=AnonymousUser(), party=None) == {}


SUMMARY_FORM = make_schema(
    {
        "title": "Vous",
        "fields": [
            field("nom", "short_text", "Nom"),
            field("telephone", "phone", "Téléphone"),
            field("naissance", "date", "Date de naissance"),
            field("complement", "short_text", "Complément", required=False),
        ],
    },
    {
        "title": "La demande",
        "fields": [
            field("montant", "amount", "Montant"),
            field("surface", "number", "Surface"),
            field("accord", "yes_no", "Accord"),
            field(
                "jours",
                "multiple_choice",
                "Jours",
                choices=["lundi | Lundi", "mardi | Mardi", "jeudi | Jeudi"],
            ),
            field("adresse", "address", "Adresse"),
            field("iban", "iban", "IBAN"),
            field("siret", "siret", "SIRET"),
            field("justificatif", "document", "Justificatif"),
            field(
                "enfants",
                "group",
                "Enfant",
                children=[{"key": "prenom", "kind": "short_text", "label": "Prénom"}],
            ),
        ],
    },
)


@pytest.mark.django_db
def test_the_summary_reads_each_answer_the_french_way_with_the_page_to_change_it():
    user = UserFactory()
    version = store(user=user, title="Mon RIB", expiry_date=TODAY + timedelta(days=30))
    answers = {
        "nom": "Martin",
        "telephone": "+33612345678",
        "naissance": "2001-07-14",
        "montant": 123450,
        "surface": 12.5,
        "accord": False,
        "jours": ["lundi", "jeudi"],
        "adresse": {
            "street": "3 rue des Lilas",
            "complement": "Bât. B",
            "postal_code": "69001",
            "town": "Lyon",
        },
        "iban": "FR7630006000011234567890189",
        "siret": "73282932000074",
        "justificatif": version.document_id,
        "enfants": [{"prenom": "Léa"}, {"prenom": "Tom"}],
    }

    pages = engine.summarise(
        SUMMARY_FORM, answers, applicant=engine.Applicant(user=user, party=person_party(user))
    )

    assert [(page.number, page.title) for page in pages] == [(1, "Vous"), (2, "La demande")]
    rows = {row.key: row for page in pages for row in page.rows}
    assert {key: row.value for key, row in rows.items() if key != "enfants"} == {
        "nom": "Martin",
        "telephone": "06 12 34 56 78",
        "naissance": "14 juillet 2001",
        "complement": "Non renseigné",
        "montant": "1\u202f234,50\u00a0€",
        "surface": "12,5",
        "accord": "Non",
        "jours": "Lundi, Jeudi",
        "adresse": "3 rue des Lilas\nBât. B\n69001 Lyon",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "siret": "732 829 320 00074",
        "justificatif": "Mon RIB",
    }
    assert (rows["nom"].page, rows["justificatif"].page, rows["complement"].answered) == (1, 2, False)
    assert rows["enfants"].value == "2 blocs"
    assert [[(r.label, r.value) for r in block.rows] for block in rows["enfants"].blocks] == [
        [("Prénom", "Léa")],
        [("Prénom", "Tom")],
    ]


def test_without_access_to_the_vault_a_document_is_named_by_its_number():
    pages = engine.summarise(SUMMARY_FORM, {"justificatif": 42})

    assert {row.key: row.value for row in pages[1].rows}["justificatif"] == "Document n° 42"
    assert {
        row.key: row.value
        for row in engine.summarise(SUMMARY_FORM, {"justificatif": 42}, document_labels={42: "RIB"})[1].rows
    }["justificatif"] == "RIB"


def test_an_unknown_page_number_is_a_page_not_found():
    with pytest.raises(engine.PageNotFound):
        engine.page_form(SUMMARY_FORM, 3)
    with pytest.raises(engine.PageNotFound):
        engine.get_page(SUMMARY_FORM, "abc")
