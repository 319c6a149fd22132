"""Conditions show and hide fields and pages; a hidden field is never required and its answer is dropped."""

import pytest

from demarches import engine
from demarches.conditions import describe, evaluate, structure_errors
from demarches.schema import schema_errors
from tests.demarches.helpers import bind, field, make_schema

MODE = ["courrier | Par courrier", "mairie | En mairie"]


@pytest.mark.parametrize(
    ("condition", "answers", "holds"),
    [
        (None, {}, True),
        ({"field": "mode", "op": "equals", "value": "courrier"}, {"mode": "courrier"}, True),
        ({"field": "mode", "op": "equals", "value": "courrier"}, {"mode": "mairie"}, False),
        ({"field": "mode", "op": "equals", "value": "courrier"}, {}, False),
        ({"field": "mode", "op": "not_equals", "value": "courrier"}, {"mode": "mairie"}, True),
        ({"field": "mode", "op": "not_equals", "value": "courrier"}, {}, True),
        ({"field": "motifs", "op": "contains", "value": "fratrie"}, {"motifs": ["garde", "fratrie"]}, True),
        ({"field": "motifs", "op": "contains", "value": "fratrie"}, {"motifs": ["garde"]}, False),
        ({"field": "texte", "op": "contains", "value": "urgent"}, {"texte": "C'est URGENT"}, True),
        ({"field": "siret", "op": "answered"}, {"siret": "73282932000074"}, True),
        ({"field": "siret", "op": "answered"}, {"siret": ""}, False),
        ({"field": "siret", "op": "not_answered"}, {}, True),
        ({"field": "enfant_ne", "op": "equals", "value": True}, {"enfant_ne": True}, True),
        ({"field": "enfant_ne", "op": "equals", "value": "oui"}, {"enfant_ne": True}, True),
        ({"field": "enfant_ne", "op": "equals", "value": False}, {"enfant_ne": True}, False),
        ({"field": "nombre", "op": "equals", "value": "2"}, {"nombre": 2}, True),
        (
            {"all": [{"field": "a", "op": "answered"}, {"field": "b", "op": "equals", "value": "x"}]},
            {"a": "1", "b": "x"},
            True,
        ),
        (
            {"all": [{"field": "a", "op": "answered"}, {"field": "b", "op": "equals", "value": "x"}]},
            {"a": "1"},
            False,
        ),
        (
            {"any": [{"field": "a", "op": "answered"}, {"field": "b", "op": "equals", "value": "x"}]},
            {"b": "x"},
            True,
        ),
        ([{"field": "a", "op": "answered"}, {"field": "b", "op": "answered"}], {"a": "1"}, False),
    ],
)
def test_conditions_evaluate_against_the_answers(condition, answers, holds):
    assert evaluate(condition, answers) is holds


def test_a_malformed_condition_is_explained_in_french():
    assert structure_errors({"field": "mode", "op": "bigger", "value": 1}) == [
        "Opérateur de condition inconnu : « bigger ». Choisissez parmi : answered, contains, equals, not_answered, not_equals."
    ]
    assert structure_errors({"field": "mode", "op": "equals"}) == [
        "L'opérateur « equals » attend une valeur (« value »)."
    ]
    assert structure_errors({"all": []}) == ["« all » attend une liste de conditions, et rien d'autre."]


def test_a_condition_is_described_with_labels_and_option_labels():
    text = describe(
        {
            "any": [
                {"field": "mode", "op": "equals", "value": "courrier"},
                {"field": "accord", "op": "equals", "value": True},
            ]
        },
        {"mode": "Mode d'envoi", "accord": "Accord"},
        {"mode": {"courrier": "Par courrier"}},
    )
    assert text == "la réponse à « Mode d'envoi » est « Par courrier » ou la réponse à « Accord » est « Oui »"


def conditional_form():
    return make_schema(
        {"title": "Envoi", "fields": [field("mode", "single_choice", "Mode d'envoi", choices=MODE)]},
        {
            "title": "Adresse",
            "condition": {"field": "mode", "op": "equals", "value": "courrier"},
            "fields": [field("adresse", "address", "Adresse d'envoi")],
        },
        {
            "title": "Contact",
            "fields": [
                field("telephone", "phone", "Téléphone"),
                field(
                    "horaire",
                    "short_text",
                    "Horaire de passage",
                    condition={"field": "mode", "op": "equals", "value": "mairie"},
                ),
            ],
        },
    )


ADDRESS = {"street": "1 rue Haute", "complement": "", "postal_code": "75001", "town": "Paris"}


def test_a_page_is_shown_or_skipped_by_its_condition():
    schema = conditional_form()

    by_post = {"mode": "courrier"}
    assert [page.number for page in engine.visible_pages(schema, by_post)] == [1, 2, 3]
    assert engine.next_page(schema, by_post, 1).number == 2
    assert engine.previous_page(schema, by_post, 3).number == 2

    at_counter = {"mode": "mairie"}
    assert [page.number for page in engine.visible_pages(schema, at_counter)] == [1, 3]
    assert engine.next_page(schema, at_counter, 1).number == 3
    assert engine.previous_page(schema, at_counter, 3).number == 1
    assert engine.next_page(schema, at_counter, 3) is None
    assert not engine.is_page_visible(schema, at_counter, 2)


def test_a_field_hidden_by_an_earlier_page_is_not_shown_nor_required_and_is_dropped():
    schema = conditional_form()

    form = bind(schema, 3, {"telephone": "0612345678", "horaire": "à midi"}, answers={"mode": "courrier"})

    assert "horaire" not in form.fields
    assert form.is_valid(), form.errors
    assert form.answers() == {"telephone": "+33612345678"}


def test_a_field_shown_by_an_earlier_answer_is_required():
    schema = conditional_form()

    form = bind(schema, 3, {"telephone": "0612345678"}, answers={"mode": "mairie"})

    assert not form.is_valid()
    assert form.errors["horaire"] == ["Renseignez ce champ."]


def test_answers_of_a_page_that_becomes_hidden_are_dropped():
    schema = conditional_form()
    answers = {"mode": "courrier", "adresse": ADDRESS, "telephone": "+33612345678"}

    changed = engine.merge_page_answers(
        schema, answers=answers, page_number=1, page_answers={"mode": "mairie"}
    )

    assert changed == {"mode": "mairie", "telephone": "+33612345678"}
    assert engine.validate_answers(schema, changed)[0].name == "horaire"


def same_page_form():
    return make_schema(
        [
            field("mode", "single_choice", "Mode d'envoi", choices=MODE),
            field(
                "adresse",
                "address",
                "Adresse d'envoi",
                condition={"field": "mode", "op": "equals", "value": "courrier"},
            ),
            field(
                "precision",
                "short_text",
                "Précision",
                required=False,
                condition={"field": "mode", "op": "equals", "value": "mairie"},
            ),
        ]
    )


def test_a_field_revealed_by_the_same_page_is_shown_with_its_condition_spelled_out():
    html = str(engine.page_form(same_page_form(), 1))

    assert "Adresse d&#x27;envoi" in html
    assert "À remplir si la réponse à « Mode d&#x27;envoi » est « Par courrier »." in html


def test_a_field_revealed_by_the_same_page_is_required_only_when_its_condition_holds():
    schema = same_page_form()

    missing = bind(schema, 1, {"mode": "courrier"})
    assert not missing.is_valid()
    assert missing.errors["adresse-street"] == ["Indiquez le numéro et la voie."]
    assert missing.errors["adresse-postal_code"] == ["Indiquez le code postal."]

    hidden = bind(schema, 1, {"mode": "mairie", "adresse-street": "1 rue Haute", "adresse-postal_code": "12"})
    assert hidden.is_valid(), hidden.errors
    assert hidden.answers() == {"mode": "mairie"}


def test_validating_a_whole_answer_set_lists_each_missing_answer_with_its_page():
    schema = conditional_form()

    errors = engine.validate_answers(schema, {"mode": "courrier"})

    assert [(error.page, error.name, error.message) for error in errors] == [
        (2, "adresse-street", "Indiquez le numéro et la voie."),
        (2, "adresse-postal_code", "Indiquez le code postal."),
        (2, "adresse-town", "Indiquez la commune."),
        (3, "telephone", "Indiquez un numéro de téléphone."),
    ]
    assert (
        engine.validate_answers(schema, {"mode": "courrier", "adresse": ADDRESS, "telephone": "+33612345678"})
        == []
    )


def test_unknown_keys_and_hidden_answers_are_dropped_when_cleaning():
    schema = conditional_form()

    cleaned = engine.clean_answers(
        schema, {"mode": "mairie", "adresse": ADDRESS, "intrus": "x", "telephone": ""}
    )

    assert cleaned == {"mode": "mairie"}


def test_a_condition_may_only_read_answers_given_before_it():
    schema = make_schema(
        {"title": "Un", "fields": [field("a", "short_text", condition={"field": "b", "op": "answered"})]},
        {
            "title": "Deux",
            "condition": {"field": "c", "op": "answered"},
            "fields": [field("b", "short_text"), field("c", "short_text")],
        },
    )

    assert schema_errors(schema) == [
        "Page 1 « Un », champ « a » : la condition porte sur « b », qui n'est pas demandé avant ce champ.",
        "Page 2 « Deux » : la condition porte sur « c », qui n'est pas demandé sur une page précédente.",
    ]
