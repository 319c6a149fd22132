"""Balanced groups: a repeated group of amounts names another group of its page (`balance_with`) whose
total must equal its own, a budget's expenses and income. The page is refused with both totals and the
difference, what was typed stays, submission refuses it too, and the summary shows each total."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains

from demarches import engine, services
from demarches.catalogue import load_catalogue
from demarches.exceptions import CannotPublish, RequestIncomplete
from demarches.models import Demarche, FormField, Request
from demarches.schema import FieldSpec, FormSchema, schema_errors
from tests.demarches.factories import DemarcheFactory, add_page, fill, publish
from tests.demarches.helpers import bind, field, make_schema
from tests.helpers import login

NBSP, NNBSP = "\u00a0", "\u202f"
EXPENSES = [
    {"key": "depense_poste", "kind": "short_text", "label": "Poste"},
    {"key": "depense_montant", "kind": "amount", "label": "Montant de la dépense"},
]
INCOME = [
    {"key": "recette_origine", "kind": "short_text", "label": "Origine"},
    {"key": "recette_montant", "kind": "amount", "label": "Montant de la recette"},
]


def budget_schema(**options) -> FormSchema:
    return make_schema(
        {
            "title": "Le budget",
            "fields": [
                field("depenses", "group", "Dépenses", children=EXPENSES, balance_with="recettes", **options),
                field("recettes", "group", "Recettes", children=INCOME),
            ],
        }
    )


def lines(key: str, label_key: str, amount_key: str, *amounts: str) -> dict:
    data = {f"{key}-TOTAL": str(len(amounts))}
    for index, amount in enumerate(amounts):
        data[f"{key}-{index}-{label_key}"] = f"Ligne {index + 1}"
        data[f"{key}-{index}-{amount_key}"] = amount
    return data


def budget_data(expenses: tuple[str, ...], income: tuple[str, ...]) -> dict:
    return {
        **lines("depenses", "depense_poste", "depense_montant", *expenses),
        **lines("recettes", "recette_origine", "recette_montant", *income),
    }


UNBALANCED = (
    f"Le budget n'est pas équilibré : les dépenses font 12{NNBSP}500,00{NBSP}€ et les recettes 12{NNBSP}000,00{NBSP}€, "
    f"soit 500,00{NBSP}€ d'écart."
)


def test_a_balanced_budget_is_accepted():
    form = bind(budget_schema(), 1, budget_data(("10 000,00", "2 500"), ("12 500,00",)))

    assert form.is_valid(), form.errors
    assert form.answers()["depenses"][1] == {"depense_poste": "Ligne 2", "depense_montant": 250000}


def test_a_budget_that_does_not_balance_is_refused_with_the_difference_and_keeps_what_was_typed():
    form = bind(budget_schema(), 1, budget_data(("10 000,00", "2 500,00"), ("11 000,00", "1 000,00")))

    assert not form.is_valid()
    assert form.non_field_errors() == [UNBALANCED]
    assert form.items[0].errors == [UNBALANCED]
    html = str(form)
    assert escape(UNBALANCED) in html
    assert 'value="10 000,00"' in html and 'value="1 000,00"' in html


def test_lines_with_their_own_errors_are_fixed_before_the_totals_are_compared():
    form = bind(budget_schema(), 1, budget_data(("dix euros",), ("12 000,00",)))

    assert not form.is_valid()
    assert not any("équilibré" in error for error in form.non_field_errors())


def test_submission_refuses_an_unbalanced_budget_too():
    schema = budget_schema()
    answers = {
        "depenses": [{"depense_poste": "Location", "depense_montant": 1_250_000}],
        "recettes": [{"recette_origine": "Subvention", "recette_montant": 1_200_000}],
    }

    errors = engine.validate_answers(schema, answers)

    assert [(error.page, error.message) for error in errors] == [(1, UNBALANCED)]
    assert engine.balances(schema, answers)[0].total == 1_250_000
    assert not engine.balances(schema, answers)[0].is_balanced


def test_the_summary_shows_each_groups_total():
    schema = budget_schema()
    answers = {
        "depenses": [
            {"depense_poste": "Location", "depense_montant": 1_000_000},
            {"depense_poste": "Animations", "depense_montant": 250_000},
        ],
        "recettes": [{"recette_origine": "Subvention", "recette_montant": 1_250_000}],
    }

    rows = engine.summarise(schema, answers)[0].rows

    assert [(row.label, row.value, row.total) for row in rows] == [
        ("Dépenses", "2 blocs", f"12{NNBSP}500,00{NBSP}€"),
        ("Recettes", "1 bloc", f"12{NNBSP}500,00{NBSP}€"),
    ]


def test_a_group_hidden_by_a_condition_is_not_compared():
    schema = make_schema(
        [field("budget_detaille", "yes_no", "Budget détaillé")],
        {
            "title": "Le budget",
            "condition": {"field": "budget_detaille", "op": "equals", "value": True},
            "fields": [
                field("depenses", "group", "Dépenses", children=EXPENSES, balance_with="recettes"),
                field("recettes", "group", "Recettes", children=INCOME),
            ],
        },
    )
    answers = {"budget_detaille": False}

    assert engine.validate_answers(schema, answers) == []
    assert engine.balances(schema, answers) == []


# The schema, the editable rows, the catalogue ----------------------------------------------------


def test_publishing_checks_that_the_partner_is_a_group_of_amounts_of_the_same_page():
    missing = budget_schema().to_dict()
    missing["pages"][0]["fields"][0]["balance_with"] = "produits"
    assert schema_errors(FormSchema.from_dict(missing)) == [
        "Page 1 « Le budget », champ « depenses » : « produits » n'est pas un autre groupe répétable de la même page."
    ]
    without_amount = make_schema(
        {
            "title": "Le budget",
            "fields": [
                field("depenses", "group", "Dépenses", children=EXPENSES, balance_with="recettes"),
                field("recettes", "group", "Recettes", children=[INCOME[0]]),
            ],
        }
    )
    assert schema_errors(without_amount) == [
        "Page 1 « Le budget », champ « depenses » : les groupes « depenses » et « recettes » doivent contenir "
        "chacun un montant en euros pour s'équilibrer."
    ]
    not_a_group = make_schema([field("total", "amount", "Total", balance_with="recettes")])
    assert schema_errors(not_a_group) == [
        "Page 1 « Page 1 », champ « total » : seul un groupe répétable s'équilibre avec un autre groupe."
    ]


def test_the_option_is_frozen_with_the_form_and_left_out_when_unset():
    spec = budget_schema().page(1).fields[0]
    assert spec.balance_with == "recettes"
    assert FieldSpec.from_dict(spec.to_dict()) == spec
    plain = FieldSpec(key="nom", kind="short_text", label="Nom")
    assert "balance_with" not in plain.to_dict()


@pytest.mark.django_db
def test_the_editable_field_carries_it_into_the_published_revision(service):
    demarche = DemarcheFactory(service=service)
    add_page(
        demarche,
        "Le budget",
        {
            "key": "depenses",
            "kind": "group",
            "label": "Dépenses",
            "balance_with": "recettes",
            "children": EXPENSES,
        },
        {"key": "recettes", "kind": "group", "label": "Recettes", "children": INCOME},
    )

    revision = publish(demarche)

    assert revision.form.page(1).fields[0].balance_with == "recettes"
    FormField.objects.filter(key="recettes").update(balance_with="")
    broken = FormField.objects.get(key="depenses")
    broken.balance_with = "inconnu"
    broken.save()
    with pytest.raises(CannotPublish, match="« inconnu » n'est pas un autre groupe"):
        services.publish_demarche(actor=None, demarche=demarche)


@pytest.mark.django_db
def test_only_a_group_balances_with_another_group(service):
    demarche = DemarcheFactory(service=service)
    page = add_page(demarche, "Le budget", {"key": "total", "kind": "amount", "label": "Total"})
    row = FormField(page=page, key="budget", kind="amount", label="Budget", balance_with="recettes")
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert error.value.message_dict["balance_with"] == [
        "Seul un groupe répétable s'équilibre avec un autre groupe."
    ]
    itself = FormField(page=page, key="lignes", kind="group", label="Lignes", balance_with="lignes")
    with pytest.raises(ValidationError) as error:
        itself.full_clean()
    assert error.value.message_dict["balance_with"] == [
        "Un groupe s'équilibre avec un autre groupe, pas avec lui-même."
    ]


@pytest.mark.django_db
def test_the_subsidy_procedure_of_the_catalogue_has_a_balanced_budget_page():
    load_catalogue(slugs=["demande-de-subvention"])
    schema = Demarche.objects.get(slug="demande-de-subvention").current_revision.form

    ((page, expenses, income),) = schema.balanced_groups()
    assert (page.title, expenses.key, income.key) == ("Le budget prévisionnel", "depenses", "recettes")
    assert [page.title for page in schema.pages] == [
        "L'association",
        "Son représentant",
        "L'activité en chiffres",
        "La demande",
        "Le budget prévisionnel",
        "Le versement",
        "Les justificatifs",
    ]


# Through the pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_budget_page_refuses_an_unbalanced_budget_and_the_check_page_shows_the_totals(
    client, citizen, service, town
):
    demarche = DemarcheFactory(service=service)
    add_page(
        demarche,
        "Le budget",
        {
            "key": "depenses",
            "kind": "group",
            "label": "Dépenses",
            "balance_with": "recettes",
            "children": EXPENSES,
        },
        {"key": "recettes", "kind": "group", "label": "Recettes", "children": INCOME},
    )
    publish(demarche)
    login(client, citizen)
    client.post(reverse("demarches:start", args=[demarche.slug]))
    draft = Request.objects.get(created_by=citizen)
    url = reverse("demarches:page", args=[draft.pk, 1])

    refused = client.post(url, budget_data(("10 000,00", "2 500,00"), ("12 000,00",)))

    assert refused.status_code == 200
    assertContains(refused, "Le formulaire contient des erreurs")
    assertContains(refused, escape(UNBALANCED), count=2)
    assertContains(refused, 'value="2 500,00"')
    assertContains(refused, 'value="12 000,00"')
    # What each line says is kept in the draft; the check page then refuses to send it.
    draft.refresh_from_db()
    assert draft.answers["recettes"] == [{"recette_origine": "Ligne 1", "recette_montant": 1_200_000}]
    with pytest.raises(RequestIncomplete):
        services.submit_request(actor=citizen, request=draft)

    accepted = client.post(url, budget_data(("10 000,00", "2 500,00"), ("12 000,00", "500,00")))
    assert accepted.status_code == 302
    review = client.get(reverse("demarches:review", args=[draft.pk]))
    assertContains(review, f"Total : 12{NNBSP}500,00{NBSP}€", count=2)


@pytest.mark.django_db
def test_a_filled_budget_is_sent(citizen, service, town):
    demarche = DemarcheFactory(service=service)
    add_page(
        demarche,
        "Le budget",
        {
            "key": "depenses",
            "kind": "group",
            "label": "Dépenses",
            "balance_with": "recettes",
            "children": EXPENSES,
        },
        {"key": "recettes", "kind": "group", "label": "Recettes", "children": INCOME},
    )
    publish(demarche)
    answers = {
        "depenses": [{"depense_poste": "Location", "depense_montant": 50_000}],
        "recettes": [{"recette_origine": "Cotisations", "recette_montant": 50_000}],
    }

    sent = services.submit_request(
        actor=citizen, request=fill(user=citizen, demarche=demarche, answers=answers)
    )

    assert sent.status == "submitted"
