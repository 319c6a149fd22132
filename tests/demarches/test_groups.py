"""A repeated group takes 0..N blocks of its fields, within its minimum and maximum."""

from demarches import engine
from tests.demarches.helpers import bind, field, make_schema

CHILD = [
    {"key": "prenom", "kind": "short_text", "label": "Prénom"},
    {"key": "naissance", "kind": "date", "label": "Date de naissance", "max_date": "today"},
    {"key": "allergie", "kind": "yes_no", "label": "Allergie", "required": False},
    {
        "key": "allergie_detail",
        "kind": "short_text",
        "label": "Laquelle",
        "condition": {"field": "allergie", "op": "equals", "value": True},
    },
]


def children_form(**options):
    return make_schema([field("enfants", "group", "Enfant", children=CHILD, **options)])


def blocks(*children: tuple[str, str]) -> dict:
    data = {"enfants-TOTAL": str(len(children))}
    for index, (first_name, born) in enumerate(children):
        data[f"enfants-{index}-prenom"] = first_name
        data[f"enfants-{index}-naissance"] = born
    return data


def test_an_optional_group_accepts_no_block():
    form = bind(children_form(required=False), 1, {"enfants-TOTAL": "0"})

    assert form.is_valid(), form.errors
    assert form.answers() == {}


def test_a_group_accepts_several_blocks_in_order():
    form = bind(
        children_form(required=False),
        1,
        blocks(("Léa", "2018-05-02"), ("Tom", "2020-11-30"), ("Zoé", "2023-01-15")),
    )

    assert form.is_valid(), form.errors
    assert form.answers() == {
        "enfants": [
            {"prenom": "Léa", "naissance": "2018-05-02"},
            {"prenom": "Tom", "naissance": "2020-11-30"},
            {"prenom": "Zoé", "naissance": "2023-01-15"},
        ]
    }


def test_a_group_below_its_minimum_is_refused():
    form = bind(children_form(min_items=2), 1, blocks(("Léa", "2018-05-02")))

    assert not form.is_valid()
    assert form.non_field_errors() == ["Enfant : Remplissez au moins 2 blocs."]
    assert "Remplissez au moins 2 blocs." in str(form)


def test_a_group_above_its_maximum_is_refused():
    # The "add" button goes away at the maximum; more blocks sent anyway are refused.
    data = blocks(("Léa", "2018-05-02"), ("Tom", "2020-11-30"), ("Zoé", "2023-01-15"))
    form = bind(children_form(max_items=2), 1, data)

    assert not form.is_valid()
    assert form.non_field_errors() == ["Enfant : Remplissez au plus 2 blocs."]
    assert [block.legend for block in form.items[0].blocks] == ["Enfant : n° 1", "Enfant : n° 2"]
    assert not form.items[0].can_add


def test_a_required_group_needs_its_first_block_filled():
    form = bind(children_form(), 1, {"enfants-TOTAL": "1"})

    assert not form.is_valid()
    assert form.errors["enfants-0-prenom"] == ["Renseignez ce champ."]
    assert form.errors["enfants-0-naissance"] == ["Indiquez une date."]


def test_an_empty_extra_block_is_left_out_but_a_started_one_is_checked():
    empty_extra = bind(children_form(), 1, {**blocks(("Léa", "2018-05-02")), "enfants-TOTAL": "2"})
    assert empty_extra.is_valid(), empty_extra.errors
    assert len(empty_extra.answers()["enfants"]) == 1

    started = bind(
        children_form(), 1, {**blocks(("Léa", "2018-05-02")), "enfants-TOTAL": "2", "enfants-1-prenom": "Tom"}
    )
    assert not started.is_valid()
    assert started.errors["enfants-1-naissance"] == ["Indiquez une date."]


def test_a_field_of_a_block_shown_by_another_field_of_the_same_block():
    data = {
        **blocks(("Léa", "2018-05-02"), ("Tom", "2020-11-30")),
        "enfants-0-allergie": "oui",
        "enfants-1-allergie": "non",
        "enfants-1-allergie_detail": "rien",
    }

    form = bind(children_form(), 1, data)

    assert not form.is_valid()
    assert form.errors["enfants-0-allergie_detail"] == ["Renseignez ce champ."]
    assert "enfants-1-allergie_detail" not in form.errors

    data["enfants-0-allergie_detail"] = "Arachide"
    form = bind(children_form(), 1, data)
    assert form.is_valid(), form.errors
    assert form.answers()["enfants"] == [
        {"prenom": "Léa", "naissance": "2018-05-02", "allergie": True, "allergie_detail": "Arachide"},
        {"prenom": "Tom", "naissance": "2020-11-30", "allergie": False},
    ]


def test_adding_a_block_keeps_what_was_typed_and_saves_nothing():
    data = {**blocks(("Léa", "2018-05-02")), engine.ADD_BLOCK: "enfants"}

    form = bind(children_form(), 1, data).apply_block_action()

    assert not form.is_bound
    assert [len(item.blocks) for item in form.items] == [2]
    html = str(form)
    assert 'name="enfants-0-prenom" value="Léa"' in html
    assert 'name="enfants-1-prenom"' in html
    assert 'name="enfants-TOTAL" value="2"' in html


def test_removing_a_block_shifts_the_next_ones():
    data = {
        **blocks(("Léa", "2018-05-02"), ("Tom", "2020-11-30"), ("Zoé", "2023-01-15")),
        engine.REMOVE_BLOCK: "enfants:1",
    }

    form = bind(children_form(), 1, data).apply_block_action()

    html = str(form)
    assert 'name="enfants-0-prenom" value="Léa"' in html
    assert 'name="enfants-1-prenom" value="Zoé"' in html
    assert "Tom" not in html
    assert 'name="enfants-TOTAL" value="2"' in html


def test_no_block_button_pressed_means_no_block_action():
    assert bind(children_form(), 1, blocks(("Léa", "2018-05-02"))).apply_block_action() is None


def test_stored_blocks_show_again_and_validate_as_a_whole():
    schema = children_form()
    answers = {
        "enfants": [
            {"prenom": "Léa", "naissance": "2018-05-02"},
            {"prenom": "Tom", "naissance": "2020-11-30"},
        ]
    }

    html = str(engine.page_form(schema, 1, answers=answers))

    assert 'value="Léa"' in html and 'value="Tom"' in html
    assert engine.validate_answers(schema, answers) == []
    assert [error.message for error in engine.validate_answers(children_form(min_items=3), answers)] == [
        "Enfant : Remplissez au moins 3 blocs."
    ]
