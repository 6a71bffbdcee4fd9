import datetime as dt

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.validation import validate_plausible_date


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A filter on a related object's id: a whole number, or 400."""

    field_class = forms.IntegerField


class InstantField(IsoDateTimeField):
    """An ISO 8601 date-time between the plausible years, read in UTC. ISO 8601 allows offsets
    PostgreSQL refuses (beyond ±15:59): compared in UTC, every offset is fine."""

    def to_python(self, value) -> dt.datetime | None:
        instant = super().to_python(value)
        if instant is None:
            return None
        validate_plausible_date(instant)  # first: year 1 in UTC+5 is before year 1 in UTC
        return instant.astimezone(dt.UTC)


class InstantFilter(django_filters.IsoDateTimeFilter):
    """A filter on a moment: 400 for a date no one means, never a database error."""

    field_class = InstantField
