"""The personal-data registry must know every field that holds personal data."""

import re

import pytest
from django.apps import apps

from guichet.accounts import registry
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
