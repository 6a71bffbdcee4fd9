"""The audit log's filters, for its page and its API: by action, and by a range of days in the
project's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from common.models import AuditAction, AuditEvent
from common.validation import validate_plausible_date


class AuditEventFilterForm(forms.Form):
    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day cannot be before the first."))
        return data


class AuditEventFilter(django_filters.FilterSet):
    """``time_zone`` is the project's: a day is the project's day, whatever the server's."""

    action = django_filters.ChoiceFilter(
        label=_("What"), choices=AuditAction.choices, empty_label=_("Everything")
    )
    since = django_filters.DateFilter(
        label=_("From"),
        method="filter_since",
        validators=[validate_plausible_date],
        widget=DateInput(),
    )
    until = django_filters.DateFilter(
        label=_("Until"),
        method="filter_until",
        validators=[validate_plausible_date],
        widget=DateInput(),
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "since", "until"]
        form = AuditEventFilterForm

    def __init__(self, *args: object, time_zone: ZoneInfo | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone or ZoneInfo("UTC")

    def _start_of(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.time_zone)

    def filter_since(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(at__gte=self._start_of(value))

    def filter_until(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(at__lt=self._start_of(value + dt.timedelta(days=1)))
