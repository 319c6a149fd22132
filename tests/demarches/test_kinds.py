"""Every field kind accepts good input, stores it normalised, and refuses bad input in French."""

from datetime import timedelta

import pytest

from demarches import engine
from tests.coffre.factories import store
from tests.demarches.helpers import TODAY, bind, field, make_schema
from tests.factories import UserFactory, person_party

ABC = ["a | Réponse A", "b | Réponse B", "c | Réponse C"]
PLATE = {
    "pattern": r"^[A-Z]{2}-?\d{3}-?[A-Z]{2}$",
    "pattern_message": "Saisissez la plaque au format AB-123-CD.",
}


def one_field(kind: str, **options):
    return make_schema([field("reponse", kind, "Votre réponse", **options)])


GOOD = [
    ("short_text", {}, {"reponse": "  Dupont  "}, "Dupont"),
    ("short_text", PLATE, {"reponse": "AB-123-CD"}, "AB-123-CD"),
    (
        "long_text",
        {"min_length": 10},
        {"reponse": "Première ligne\nseconde ligne"},
        "Première ligne\nseconde ligne",
    ),
    ("email", {}, {"reponse": " camille.martin@exemple.fr "}, "camille.martin@exemple.fr"),
    ("phone", {}, {"reponse": "06 12 34 56 78"}, "+33612345678"),
    ("phone", {}, {"reponse": "06.12.34.56.78"}, "+33612345678"),
    ("phone", {}, {"reponse": "+33 (0)1 23 45 67 89"}, "+33123456789"),
    ("phone", {}, {"reponse": "0033 6 12 34 56 78"}, "+33612345678"),
    ("number", {}, {"reponse": "12"}, 12),
    ("number", {"min_value": "0.5", "max_value": 3}, {"reponse": "1,5"}, 1.5),
    ("number", {}, {"reponse": "1 234"}, 1234),
    ("amount", {}, {"reponse": "12,50 €"}, 1250),
    ("amount", {}, {"reponse": "12"}, 1200),
    ("amount", {"min_value": 10, "max_value": 5000}, {"reponse": "1 234,5"}, 123450),
    ("date", {}, {"reponse": "2026-07-14"}, "2026-07-14"),
    ("date", {"max_date": "today"}, {"reponse": "16/03/2026"}, "2026-03-16"),
    ("date", {"min_date": "today+15d"}, {"reponse": "2026-03-31"}, "2026-03-31"),
    ("yes_no", {}, {"reponse": "oui"}, True),
    ("yes_no", {}, {"reponse": "non"}, False),
    ("single_choice", {"choices": ABC}, {"reponse": "b"}, "b"),
    ("single_choice", {"choices": ABC, "display": "select"}, {"reponse": "c"}, "c"),
    ("multiple_choice", {"choices": ABC}, {"reponse": ["c", "a"]}, ["a", "c"]),
    (
        "address",
        {},
        {
            "reponse-street": "1 place de la République",
            "reponse-postal_code": " 75001 ",
            "reponse-town": "Paris",
        },
        {"street": "1 place de la République", "complement": "", "postal_code": "75001", "town": "Paris"},
    ),
    ("siret", {}, {"reponse": "732 829 320 00074"}, "73282932000074"),
    ("iban", {}, {"reponse": "fr76 3000 6000 0112 3456 7890 189"}, "FR7630006000011234567890189"),
    ("rna", {}, {"reponse": "w751234567"}, "W751234567"),
]


@pytest.mark.parametrize(
    ("kind", "options", "data", "stored"), GOOD, ids=[f"{g[0]}-{i}" for i, g in enumerate(GOOD)]
)
def test_good_input_is_accepted_and_stored_normalised(kind, options, data, stored):
    form = bind(one_field(kind, **options), 1, data)

    assert form.is_valid(), form.errors
    assert form.answers() == {"reponse": stored}


BAD = [
    ("short_text", {}, {"reponse": "  "}, "reponse", "Renseignez ce champ."),
    (
        "short_text",
        {"min_length": 5},
        {"reponse": "abc"},
        "reponse",
        "Saisissez au moins 5 caractères (vous en avez saisi 3).",
    ),
    (
        "short_text",
        {"max_length": 5},
        {"reponse": "abcdefgh"},
        "reponse",
        "Saisissez au plus 5 caractères (vous en avez saisi 8).",
    ),
    ("short_text", PLATE, {"reponse": "ab123cd"}, "reponse", "Saisissez la plaque au format AB-123-CD."),
    (
        "short_text",
        {"pattern": r"^\d{7}$"},
        {"reponse": "123"},
        "reponse",
        "La réponse n'a pas le format attendu.",
    ),
    ("long_text", {}, {"reponse": ""}, "reponse", "Renseignez ce champ."),
    (
        "email",
        {},
        {"reponse": "camille@"},
        "reponse",
        "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
    ),
    ("email", {}, {"reponse": ""}, "reponse", "Indiquez une adresse électronique."),
    (
        "phone",
        {},
        {"reponse": "12345"},
        "reponse",
        "Saisissez un numéro de téléphone français, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78.",
    ),
    (
        "phone",
        {},
        {"reponse": "+44 20 7946 0958"},
        "reponse",
        "Saisissez un numéro de téléphone français, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78.",
    ),
    ("phone", {}, {"reponse": ""}, "reponse", "Indiquez un numéro de téléphone."),
    ("number", {}, {"reponse": "douze"}, "reponse", "Saisissez un nombre, par exemple 12 ou 12,5."),
    ("number", {"min_value": 1}, {"reponse": "0"}, "reponse", "Saisissez un nombre supérieur ou égal à 1."),
    (
        "number",
        {"max_value": "2.5"},
        {"reponse": "3"},
        "reponse",
        "Saisissez un nombre inférieur ou égal à 2,5.",
    ),
    ("number", {}, {"reponse": ""}, "reponse", "Indiquez un nombre."),
    ("amount", {}, {"reponse": "12,505"}, "reponse", "Saisissez un montant en euros, par exemple 12,50."),
    ("amount", {}, {"reponse": "-3"}, "reponse", "Saisissez un montant en euros, par exemple 12,50."),
    (
        "amount",
        {"min_value": 10},
        {"reponse": "5"},
        "reponse",
        "Le montant doit être d'au moins 10,00\u00a0€.",
    ),
    (
        "amount",
        {"max_value": 1000},
        {"reponse": "1500"},
        "reponse",
        "Le montant ne doit pas dépasser 1\u202f000,00\u00a0€.",
    ),
    ("date", {}, {"reponse": "31/02/2026"}, "reponse", "Saisissez une date valide, par exemple 14/07/2026."),
    ("date", {}, {"reponse": ""}, "reponse", "Indiquez une date."),
    (
        "date",
        {"max_date": "today"},
        {"reponse": "2026-03-17"},
        "reponse",
        "La date ne peut pas être dans le futur.",
    ),
    (
        "date",
        {"min_date": "today"},
        {"reponse": "2026-03-15"},
        "reponse",
        "La date ne peut pas être dans le passé.",
    ),
    (
        "date",
        {"min_date": "today+15d"},
        {"reponse": "2026-03-30"},
        "reponse",
        "La date doit être le 31 mars 2026 ou après.",
    ),
    (
        "date",
        {"max_date": "today-18y"},
        {"reponse": "2010-01-01"},
        "reponse",
        "La date doit être le 16 mars 2008 ou avant.",
    ),
    ("yes_no", {}, {"reponse": ""}, "reponse", "Répondez par oui ou par non."),
    ("yes_no", {}, {"reponse": "peut-être"}, "reponse", "Répondez par oui ou par non."),
    ("single_choice", {"choices": ABC}, {}, "reponse", "Choisissez une réponse."),
    (
        "single_choice",
        {"choices": ABC},
        {"reponse": "z"},
        "reponse",
        "Choisissez une des réponses proposées.",
    ),
    ("multiple_choice", {"choices": ABC}, {}, "reponse", "Cochez au moins une case."),
    (
        "multiple_choice",
        {"choices": ABC},
        {"reponse": ["z"]},
        "reponse",
        "Choisissez parmi les réponses proposées.",
    ),
    (
        "multiple_choice",
        {"choices": ABC, "min_items": 2},
        {"reponse": ["a"]},
        "reponse",
        "Cochez au moins 2 cases.",
    ),
    (
        "multiple_choice",
        {"choices": ABC, "max_items": 1},
        {"reponse": ["a", "b"]},
        "reponse",
        "Cochez au plus 1 case.",
    ),
    ("address", {}, {}, "reponse-street", "Indiquez le numéro et la voie."),
    ("address", {}, {}, "reponse-town", "Indiquez la commune."),
    (
        "address",
        {},
        {"reponse-postal_code": "7500"},
        "reponse-postal_code",
        "Le code postal compte 5 chiffres, par exemple 75001.",
    ),
    (
        "address",
        {"required": False},
        {"reponse-town": "Paris"},
        "reponse-postal_code",
        "Indiquez le code postal.",
    ),
    (
        "siret",
        {},
        {"reponse": "1234"},
        "reponse",
        "Le numéro SIRET compte 14 chiffres, par exemple 732 829 320 00074.",
    ),
    (
        "siret",
        {},
        {"reponse": "73282932000075"},
        "reponse",
        "Ce numéro SIRET n'existe pas : vérifiez-le sur l'avis de situation Insee ou un extrait Kbis.",
    ),
    ("siret", {}, {"reponse": ""}, "reponse", "Indiquez le numéro SIRET."),
    (
        "iban",
        {},
        {"reponse": "FR76 3000 6000 0112 3456 7890 188"},
        "reponse",
        "Cet IBAN n'est pas valide : recopiez-le depuis votre relevé d'identité bancaire (RIB).",
    ),
    (
        "iban",
        {},
        {"reponse": "12345"},
        "reponse",
        "Saisissez un IBAN valide, par exemple FR76 3000 6000 0112 3456 7890 189.",
    ),
    (
        "rna",
        {},
        {"reponse": "W12345"},
        "reponse",
        "Le numéro RNA commence par W suivi de 9 chiffres, par exemple W751234567.",
    ),
]


@pytest.mark.parametrize(
    ("kind", "options", "data", "name", "message"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_input_is_refused_with_its_french_message_and_kept(kind, options, data, name, message):
    form = bind(one_field(kind, **options), 1, data)

    assert not form.is_valid()
    assert message in form.errors[name]
    # What was typed comes back in the page, to be corrected (an unknown option cannot show).
    html = str(form)
    typed_kinds = {
        "short_text",
        "email",
        "phone",
        "number",
        "amount",
        "date",
        "address",
        "siret",
        "iban",
        "rna",
    }
    for value in data.values() if kind in typed_kinds else []:
        for typed in value if isinstance(value, list) else [value]:
            if typed.strip():
                assert f'value="{typed}"' in html


def test_optional_fields_left_empty_store_nothing():
    kinds = [
        "short_text",
        "email",
        "phone",
        "number",
        "amount",
        "date",
        "yes_no",
        "address",
        "siret",
        "iban",
        "rna",
    ]
    schema = make_schema([field(f"champ_{kind}", kind, required=False) for kind in kinds])

    form = bind(schema, 1, {})

    assert form.is_valid(), form.errors
    assert form.answers() == {}


def test_stored_answers_show_again_in_the_inputs_as_a_french_reader_writes_them():
    schema = make_schema(
        [
            field("telephone", "phone"),
            field("montant", "amount"),
            field("surface", "number"),
            field("iban", "iban"),
            field("date", "date"),
            field("accord", "yes_no"),
        ]
    )
    answers = {
        "telephone": "+33612345678",
        "montant": 1250,
        "surface": 12.5,
        "iban": "FR7630006000011234567890189",
        "date": "2026-07-14",
        "accord": False,
    }

    html = str(engine.page_form(schema, 1, answers=answers))

    for shown in (
        'value="06 12 34 56 78"',
        'value="12,50"',
        'value="12,5"',
        'value="FR76 3000 6000 0112 3456 7890 189"',
        'value="2026-07-14"',
    ):
        assert shown in html
    assert 'value="non" id="id_accord_1" checked' in html


def test_inputs_carry_autocomplete_only_for_the_persons_own_data_and_an_input_mode():
    schema = make_schema(
        [
            field("prenom", "short_text", prefill="profile.first_name"),
            field("prenom_enfant", "short_text"),
            field("telephone", "phone", prefill="profile.phone"),
            field("montant", "amount"),
            field("adresse", "address", prefill="profile.address"),
        ]
    )

    form = engine.page_form(schema, 1)

    assert form.fields["prenom"].widget.attrs["autocomplete"] == "given-name"
    assert "autocomplete" not in form.fields["prenom_enfant"].widget.attrs
    assert form.fields["telephone"].widget.input_type == "tel"
    assert form.fields["telephone"].widget.attrs["autocomplete"] == "tel"
    assert form.fields["montant"].widget.attrs["inputmode"] == "decimal"
    assert form.fields["adresse-postal_code"].widget.attrs["autocomplete"] == "postal-code"
    assert form.fields["adresse-postal_code"].widget.attrs["inputmode"] == "numeric"


def test_hints_become_help_texts_escaped():
    schema = make_schema([field("nom", "short_text", hint="Le nom <b>d'usage</b>")])

    html = str(engine.page_form(schema, 1))

    assert "Le nom &lt;b&gt;d&#x27;usage&lt;/b&gt;" in html
    assert 'aria-describedby="id_nom_helptext"' in html


@pytest.mark.django_db
def test_a_document_must_be_one_of_the_applicants_own_vault_documents():
    owner = UserFactory()
    other = UserFactory()
    mine = store(user=owner, title="Mon attestation", expiry_date=TODAY + timedelta(days=30))
    theirs = store(user=other, title="Son attestation", expiry_date=TODAY + timedelta(days=30))
    schema = make_schema([field("justificatif", "document", "Justificatif")])
    who = engine.Applicant(user=owner, party=person_party(owner))

    good = bind(schema, 1, {"justificatif": str(mine.document_id)}, applicant=who)
    assert good.is_valid(), good.errors
    assert good.answers() == {"justificatif": mine.document_id}
    assert "Mon attestation" in str(good) and "Son attestation" not in str(good)

    for value in (str(theirs.document_id), "", "abc"):
        bad = bind(schema, 1, {"justificatif": value}, applicant=who)
        assert not bad.is_valid()
        assert bad.errors["justificatif"] == ["Choisissez un document de votre coffre-fort."]


@pytest.mark.django_db
def test_a_document_field_offers_only_documents_of_its_type():
    owner = UserFactory()
    party = person_party(owner)
    from coffre.models import DocumentType

    identity = DocumentType.objects.get(code="piece-identite")
    proof = DocumentType.objects.get(code="livret-famille")
    passport = store(
        user=owner,
        owner=party,
        document_type=identity,
        title="Passeport",
        expiry_date=TODAY + timedelta(days=300),
    )
    booklet = store(user=owner, owner=party, document_type=proof, title="Livret")
    schema = make_schema([field("identite", "document", document_type="piece-identite")])
    who = engine.Applicant(user=owner, party=party)

    assert bind(schema, 1, {"identite": str(passport.document_id)}, applicant=who).is_valid()
    assert not bind(schema, 1, {"identite": str(booklet.document_id)}, applicant=who).is_valid()
