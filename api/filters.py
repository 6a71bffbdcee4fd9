import django_filters
from django import forms


class IdFilter(django_filters.NumberFilter):
    """A filter on a related object's id: a whole number, or 400."""

    field_class = forms.IntegerField
