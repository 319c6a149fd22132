"""The personal-data registry must know every field that holds personal data."""

import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.test.utils import isolate_apps

from guichet.accounts import registry
from guichet.accounts.models import Party
from tests.factories import UserFactory

PROJECT_APPS = ("guichet.", "demarches", "famille", "coffre", "regie", "associations")
# Names that, in this project, mean a person's data unless declared otherwise.
LOOKS_PERSONAL = re.compile(
    r"(email|name|phone|address|city|postal|birth|^ip$|iban|bic|comment|message|body|subject|note|allerg|medical|income|quotient|nir|siret)",
)


def project_models():
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith(PROJECT_APPS)
        for model in config.get_models()
    ]


def test_every_model_of_the_project_is_declared():
    declared = registry.declared_models()
    missing = [model._meta.label for model in project_models() if model not in declared]
    assert missing == [], f"Declare these models in the app's personal_data module: {missing}"


def test_every_field_that_looks_personal_is_declared_personal_or_explained():
    declared = registry.declared_models()
    not_personal = {}
    for declaration in registry.declarations():
        not_personal.update(declaration.not_personal)
    undeclared = [
        f"{model._meta.label}.{field.name}"
        for model in project_models()
        for field in model._meta.concrete_fields
        if LOOKS_PERSONAL.search(field.name)
        and field.name not in declared.get(model, ())
        and field.name not in not_personal.get(model, ())
    ]
    assert undeclared == [], f"Declare these personal fields (or explain why not): {undeclared}"


# Kinds of field that can hold a person's data whatever their name: free text, structured data, files,
# binary content, addresses; and relations to a person (a user, or a party: a person's, a household's, an
# association's). A closed list (choices), a number, a boolean or a moment holds no name nor address; those
# that are personal by their meaning (birth dates, incomes) are caught by the names, above.
CAN_HOLD_PERSONAL_DATA = (
    models.CharField,
    models.TextField,
    models.JSONField,
    models.BinaryField,
    models.GenericIPAddressField,
    models.FileField,
    SearchVectorField,
)


# Fields of apps whose personal_data module another part of issue 9 owns, classified here until their
# declaration says it itself (then the entry here is refused as a duplicate, below).
def can_hold_personal_data(field) -> bool:
    if field.primary_key:
        return False
    if field.is_relation:
        return field.related_model in (get_user_model(), Party)
    return isinstance(field, CAN_HOLD_PERSONAL_DATA) and not field.choices


def unclassified(models_, classified: set[str]) -> list[str]:
    return [
        f"{model._meta.label}.{field.name}"
        for model in models_
        for field in model._meta.concrete_fields
        if can_hold_personal_data(field) and f"{model._meta.label}.{field.name}" not in classified
    ]


def test_every_field_that_can_hold_personal_data_is_classified_with_its_treatment():
    treatments = registry.treatments()
    classified = {treatment.label for treatment in treatments}

    missing = unclassified(project_models(), classified)

    assert missing == [], (
        "Classify these fields in the app's personal_data module: personal (erased, kept or pseudonymised, "
        f"with why) or not_personal (with why): {missing}"
    )
    # Each not-personal field says why, like each kept and pseudonymised one (`declare` refuses those without).
    assert [
        t.label for t in treatments if t.treatment == registry.Treatment.NOT_PERSONAL and not t.reason
    ] == []
    # Every treatment names a real column (or a many-to-many), once.
    assert len(classified) == len(treatments)
    for treatment in treatments:
        assert treatment.model._meta.get_field(treatment.field_name)


@isolate_apps("guichet.accounts")
def test_a_new_field_that_can_hold_personal_data_fails_until_it_is_classified():
    class Pet(models.Model):
        owner = models.ForeignKey(get_user_model(), on_delete=models.CASCADE, related_name="+")
        name = models.CharField(max_length=40)
        kind = models.CharField(max_length=8, choices=[("cat", "Chat"), ("dog", "Chien")])
        remarks = models.JSONField(default=dict)
        weight_grams = models.PositiveIntegerField()
        born_on = models.DateField()

        class Meta:
            app_label = "accounts"

        def __str__(self) -> str:
            return self.name

    assert unclassified([Pet], set()) == ["accounts.Pet.owner", "accounts.Pet.name", "accounts.Pet.remarks"]
    assert unclassified([Pet], {"accounts.Pet.owner", "accounts.Pet.name", "accounts.Pet.remarks"}) == []


def test_a_field_cannot_be_personal_and_not_personal():
    from guichet.accounts.models import Town

    with pytest.raises(ValueError, match="both personal and not personal"):
        registry.declare(
            app_label="broken",
            personal_fields={Town: ("name",)},
            exporter=dict,
            eraser=print,
            not_personal={Town: {"name": "Why not"}},
        )
    assert "broken" not in {declaration.app_label for declaration in registry.declarations()}


def test_a_declaration_naming_a_field_that_does_not_exist_is_refused():
    from guichet.accounts.models import Town

    with pytest.raises(ValueError, match="no field"):
        registry.declare(app_label="broken", personal_fields={Town: ("nope",)}, exporter=dict, eraser=print)


@pytest.mark.django_db
def test_the_export_holds_the_profile_and_the_erasure_anonymises_it():
    user = UserFactory(email="lea@exemple.fr", first_name="Léa", phone="0601020304")

    export = registry.export_user_data(user)
    assert export["accounts"]["profil"]["email"] == "lea@exemple.fr"
    assert export["accounts"]["profil"]["phone"] == "0601020304"

    registry.erase_user_data(user)
    user.refresh_from_db()
    assert user.email == f"supprime-{user.pk}@invalid.invalid"
    assert (user.first_name, user.phone, user.is_active) == ("", "", False)
    assert not user.has_usable_password()
