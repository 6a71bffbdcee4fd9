"""Cities' invariants, and the validated save every service uses."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from common.validation import save_validated
from members.models import City, Household
from tests.factories import CityFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def test_city_median_income_cannot_be_negative():
    city = CityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        City.objects.filter(pk=city.pk).update(median_equivalised_income_cents=-1)
    city.median_equivalised_income_cents = -1
    with pytest.raises(ValidationError) as exc_info:
        city.full_clean()
    assert set(exc_info.value.message_dict) == {"median_equivalised_income_cents"}


def test_city_without_a_median_income_is_fine():
    city = CityFactory(median_equivalised_income_cents=None)
    city.full_clean()


def test_city_slug_is_unique():
    City.objects.create(name="Barcelona", slug="barcelona", country_code="ES")
    with pytest.raises(IntegrityError), transaction.atomic():
        City.objects.create(name="Barcelona 2", slug="barcelona", country_code="ES")
    duplicate = City(name="Barcelona 2", slug="barcelona", country_code="ES")
    with pytest.raises(ValidationError) as exc_info:
        duplicate.full_clean()
    assert set(exc_info.value.message_dict) == {"slug"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country_code", "es"),
        ("country_code", "ESP"),
        ("time_zone", "Europe/Atlantis"),
        ("currency", "eur"),
        ("currency", "EU"),
    ],
)
def test_city_codes_are_checked(field, value):
    city = CityFactory.build(slug="new-city", **{field: value})
    with pytest.raises(ValidationError) as exc_info:
        city.full_clean()
    assert set(exc_info.value.message_dict) == {field}


def test_save_validated_reports_a_lost_race_as_a_validation_error():
    """Validation can pass while another transaction takes the same unit: the database has the
    last word, and the loser gets a ValidationError, not a server error."""
    existing = HouseholdFactory(unit_label="4D")
    racer = Household(project=existing.project, unit_label="4D", move_in=datetime.date(2024, 1, 1))

    # Leaving the unit label out of validation stands for the check that ran before the race.
    with pytest.raises(ValidationError) as exc_info:
        save_validated(racer, exclude=["unit_label"])

    assert "retry" in exc_info.value.messages[0]
    assert set(exc_info.value.update_error_dict({})) == {NON_FIELD_ERRORS}
    # The savepoint kept the surrounding transaction usable.
    assert Household.objects.filter(project=existing.project).count() == 1


def test_save_validated_saves_a_valid_instance():
    existing = HouseholdFactory()
    household = save_validated(
        Household(project=existing.project, unit_label="5E", move_in=datetime.date(2024, 1, 1))
    )
    assert household.pk is not None
