"""Forms of the handover, maintenance and going-away pages.

They check the input's shape; the services (community.services.handover, bookings, series) judge
the rules, and their errors land on these fields through ``common.forms.submit``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from community.bookings.models import HandoverVerdict
from community.bookings.schedule import local_midnight

COMMENT_MAX_LENGTH = 2000
# Going away cancels bookings in one go: a year at a time is plenty, and keeps a typo in the
# year from reaching every booking the household will ever make.
MAX_AWAY_DAYS = 366


def _item_field(index: int) -> str:
    return f"item_{index}"


class HandoverForm(forms.Form):
    """One checkbox per item of the space's checklist, and a comment.

    The items the page listed travel with the form (``items``): if a manager changes the
    checklist while the household fills it in, the ticks would be read against other items, so
    the form asks to check them again instead.
    """

    items = forms.CharField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: anything the next household or the managers should know."),
    )

    def __init__(self, *args: Any, items: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        current = json.dumps(self.items)
        self.stale = False
        if self.is_bound:
            self.stale = self.data.get("items") != current
            if self.stale:
                # Shown again with the current items, unticked, ready for a second try.
                data = self.data.copy()
                data["items"] = current
                for key in [key for key in data if key.startswith("item_")]:
                    del data[key]
                self.data = data
        self.fields["items"].initial = current
        for index, item in enumerate(self.items):
            self.fields[_item_field(index)] = forms.BooleanField(label=item, required=False)
        self.order_fields([_item_field(index) for index in range(len(self.items))])

    @property
    def item_fields(self) -> list[forms.BoundField]:
        return [self[_item_field(index)] for index in range(len(self.items))]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.stale:
            raise forms.ValidationError(
                _("The checklist changed while you filled it in: please tick the items again.")
            )
        return data

    def checklist(self) -> dict[str, bool]:
        return {
            item: bool(self.cleaned_data.get(_item_field(index)))
            for index, item in enumerate(self.items)
        }


class HandoverReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Did you find the space as listed?"),
        choices=HandoverVerdict.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed if you dispute: say what was not as listed."),
    )


class AwayForm(forms.Form):
    """The days a household is away, as local dates of its project, both included."""

    start = forms.DateField(label=_("First day away"), widget=DateInput())
    end = forms.DateField(label=_("Last day away"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data
        if end < start:
            self.add_error("end", _("The last day cannot come before the first."))
        elif (end - start).days >= MAX_AWAY_DAYS or end >= dt.date.max:
            self.add_error(
                "end", _("Choose at most %(days)s days at a time.") % {"days": MAX_AWAY_DAYS}
            )
        return data


def away_period(
    *, start: dt.date, end: dt.date, zone: ZoneInfo, today: dt.date
) -> tuple[dt.datetime, dt.datetime]:
    """The days away as [local midnight of the first, local midnight after the last).

    Days already past are left out: their bookings have started and stay anyway, and a first day
    in year 1 would otherwise overflow the conversion to UTC.
    """
    if end < today:
        raise ValidationError({"end": gettext("These days have passed.")})
    start = max(start, today)
    return local_midnight(start, zone), local_midnight(end + dt.timedelta(days=1), zone)
