import pytest
from django.core.exceptions import ValidationError

from guichet.accounts.models import Town, contrast_ratio


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_a_main_colour_too_light_for_white_text_is_refused_in_french():
    town = Town(name="Clairville", primary_color="#7fb3e6")
    with pytest.raises(ValidationError) as error:
        town.clean_fields()
    assert "trop claire" in str(error.value.message_dict["primary_color"])


def test_a_colour_in_another_format_is_refused():
    town = Town(name="Clairville", primary_color="blue")
    with pytest.raises(ValidationError) as error:
        town.clean_fields()
    assert "#RRVVBB" in str(error.value.message_dict["primary_color"])


def test_the_default_colours_are_readable():
    Town(name="Clairville").clean_fields()


@pytest.mark.django_db
def test_the_town_is_cached_and_refreshed_when_saved(django_assert_num_queries):
    Town(name="Avant").save()
    assert Town.current().name == "Avant"
    with django_assert_num_queries(0):
        assert Town.current().name == "Avant"
    town = Town.objects.get()
    town.name = "Après"
    town.save()
    assert Town.current().name == "Après"
