"""Booking and space forms. They validate the input's shape; the services validate the rules.

Times are typed as local wall-clock times (``datetime-local``) and read in the current time zone,
which the views set to the project's (``timezone.override``), so 19:00 means 19:00 where the
space is, whatever the server's or the browser's zone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _

from common.forms import MoneyField
from common.validation import validate_plausible_date
from community.bookings.models import Recurrence, Space, SpaceKind
from community.bookings.services.series import MAX_OCCURRENCES, SeriesMode
from community.bookings.services.spaces import SPACE_EDITABLE

MINUTES_PER_DAY = 24 * 60
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=LOCAL_INPUT_FORMAT, **kwargs)


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time of the current time zone; a time that a daylight-saving change skips
    or repeats is refused on the field (Django's ``from_current_timezone``)."""

    widget = LocalDateTimeInput
    default_validators = [validate_plausible_date]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [LOCAL_INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S"])
        super().__init__(**kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def local_input_value(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """How a ``datetime-local`` input (and a prefilled link) writes the moment."""
    return moment.astimezone(zone).strftime(LOCAL_INPUT_FORMAT)


# --- Booking ------------------------------------------------------------------------------


class BookingForm(forms.Form):
    start = LocalDateTimeField(label=_("Start"))
    end = LocalDateTimeField(label=_("End"))
    attendees = forms.IntegerField(label=_("People attending"), min_value=1, initial=1)
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional, for example what the space is for."),
    )
    recurrence = forms.ChoiceField(
        label=_("Repeat"),
        choices=[("", _("Does not repeat")), *Recurrence.choices],
        required=False,
    )
    occurrences = forms.IntegerField(
        label=_("Number of dates"),
        min_value=1,
        max_value=max(MAX_OCCURRENCES.values()),
        required=False,
        help_text=_("How many times in all, this first date included."),
    )
    mode = forms.ChoiceField(
        label=_("If some dates are taken"),
        choices=[
            (SeriesMode.ALL_OR_NOTHING, _("Book nothing (all or nothing)")),
            (SeriesMode.FREE_ONLY, _("Book only the free dates")),
        ],
        initial=SeriesMode.ALL_OR_NOTHING,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, space: Space, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Hints for the browser's pickers; the service is the judge of the grid and capacity.
        step = str(space.slot_minutes * 60)
        self.fields["start"].widget.attrs.update(step=step)
        self.fields["end"].widget.attrs.update(step=step)
        self.fields["attendees"].widget.attrs.update(max=space.capacity)

    def chosen_slot(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The slot asked for, when its start and end are both valid and in order: given in
        the link to the form, or sent back without an error on either."""
        if self.is_bound:
            if self.errors.get("start") or self.errors.get("end"):
                return None
            start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        else:
            try:
                start = self.fields["start"].clean(self.initial.get("start"))
                end = self.fields["end"].clean(self.initial.get("end"))
            except forms.ValidationError:
                return None
        if start is None or end is None or end <= start:
            return None
        return start, end

    @property
    def is_series(self) -> bool:
        return bool(self.cleaned_data.get("recurrence"))

    def booking_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "start": data["start"],
            "end": data["end"],
            "attendees": data["attendees"],
            "note": data["note"],
        }

    def series_arguments(self) -> dict[str, Any]:
        return {
            **self.booking_arguments(),
            "recurrence": self.cleaned_data["recurrence"],
            "occurrences": self.cleaned_data["occurrences"],
            "mode": self.cleaned_data["mode"] or SeriesMode.ALL_OR_NOTHING,
        }


class SlotForm(forms.Form):
    """A slot asked for again: joining the waitlist of a taken one."""

    start = LocalDateTimeField(widget=forms.HiddenInput)
    end = LocalDateTimeField(widget=forms.HiddenInput)
    attendees = forms.IntegerField(min_value=1, initial=1, widget=forms.HiddenInput)


class FreeSpaceSearchForm(forms.Form):
    start = LocalDateTimeField(label=_("From"))
    end = LocalDateTimeField(label=_("Until"))
    kind = forms.ChoiceField(
        label=_("Kind of space"), choices=[("", _("Any kind")), *SpaceKind.choices], required=False
    )
    attendees = forms.IntegerField(
        label=_("People attending"), min_value=1, initial=1, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # spaces_free answers "nothing" to an empty period; saying why is kinder.
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must come after the start."))
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


# --- Space settings ---------------------------------------------------------------------------


class HoursField(forms.DecimalField):
    """A duration typed in hours (``1.5``), handed to services in whole minutes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(max_digits=7, decimal_places=2, localize=True, **kwargs)

    def clean(self, value: Any) -> int | None:
        hours = super().clean(value)
        return None if hours is None else int(hours * 60)


def _hours(minutes: int | None) -> Decimal | None:
    """Minutes as hours with at most two decimals, without trailing zeros (90 → 1.5)."""
    if minutes is None:
        return None
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    return hours.quantize(Decimal(1)) if hours == hours.to_integral_value() else hours


class SpaceForm(forms.Form):
    """A space's rules and weekly opening hours. Field names are the service's, so that its
    errors land on the field they are about; quotas are typed in hours and the fee in the
    currency's units, and handed on in minutes and cents."""

    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=SpaceKind.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    capacity = forms.IntegerField(label=_("Capacity (people)"), min_value=1)
    units = forms.IntegerField(
        label=_("Identical units"),
        min_value=1,
        help_text=_("For example three washing machines: each is booked on its own."),
    )
    is_active = forms.BooleanField(label=_("Bookable"), required=False)
    min_duration_minutes = forms.IntegerField(label=_("Shortest booking (minutes)"), min_value=1)
    max_duration_minutes = forms.IntegerField(label=_("Longest booking (minutes)"), min_value=1)
    slot_minutes = forms.IntegerField(
        label=_("Time grid (minutes)"),
        min_value=1,
        help_text=_("Bookings start and end on this grid, counted from midnight."),
    )
    buffer_minutes = forms.IntegerField(
        label=_("Buffer between bookings (minutes)"),
        min_value=0,
        help_text=_("Time kept free after each booking, for cleaning or handover."),
    )
    advance_days = forms.IntegerField(
        label=_("Bookable up to (days ahead)"), min_value=1, max_value=3650
    )
    quota_week_minutes = HoursField(
        label=_("Quota per household and week (hours)"),
        required=False,
        help_text=_("Empty for no quota."),
    )
    quota_month_minutes = HoursField(
        label=_("Quota per household and month (hours)"),
        required=False,
        help_text=_("Empty for no quota."),
    )
    requires_approval = forms.BooleanField(
        label=_("Bookings need a manager's approval"), required=False
    )
    cancel_cutoff_minutes = forms.IntegerField(
        label=_("Cancellation cut-off (minutes before the start)"), min_value=0
    )
    fee_per_hour_cents = MoneyField(
        label=_("Fee per hour"), required=False, help_text=_("Empty for no fee.")
    )
    checkin_required = forms.BooleanField(label=_("Check-in required"), required=False)
    checkin_grace_minutes = forms.IntegerField(
        label=_("Check-in grace period (minutes)"),
        min_value=0,
        help_text=_("A booking nobody checked into by then is released."),
    )
    reminder_minutes = forms.IntegerField(
        label=_("Reminder (minutes before the start)"),
        min_value=0,
        required=False,
        help_text=_("Empty for no reminder."),
    )
    handover_checklist = forms.CharField(
        label=_("Handover checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line, for example “Floor swept”."),
    )
    always_open = forms.BooleanField(label=_("Open around the clock"), required=False)

    def __init__(self, *args: Any, space: Space, **kwargs: Any) -> None:
        """``space`` gives the initial values: a saved space, or ``Space()`` for a new one."""
        rows = list(space.opening_hours.all()) if space.pk else []
        kwargs.setdefault("initial", self.initial_for(space, rows=rows))
        super().__init__(*args, **kwargs)
        # A day may have several opening intervals (set through the API or the admin); the form
        # shows it as one, and keeps the intervals as they are unless that day is changed.
        self._intervals: dict[int, list[tuple[int, int]]] = {}
        for row in rows:
            self._intervals.setdefault(row.weekday, []).append(
                (row.opens_minute, row.closes_minute)
            )
        for weekday, day_name in WEEKDAYS.items():
            self.fields[f"opens_{weekday}"] = forms.TimeField(
                label=_("%(day)s opens") % {"day": day_name},
                required=False,
                widget=TimeInput(),
            )
            self.fields[f"closes_{weekday}"] = forms.TimeField(
                label=_("%(day)s closes") % {"day": day_name},
                required=False,
                widget=TimeInput(),
                help_text=_("00:00 means midnight."),
            )

    @staticmethod
    def initial_for(space: Space, *, rows: list) -> dict[str, Any]:
        """The form's initial values from a space and its opening-hours rows."""
        initial: dict[str, Any] = {name: getattr(space, name) for name in SPACE_EDITABLE}
        # The fields the form shows in other units than the model keeps.
        initial["quota_week_minutes"] = _hours(space.quota_week_minutes)
        initial["quota_month_minutes"] = _hours(space.quota_month_minutes)
        fee = space.fee_per_hour_cents
        initial["fee_per_hour_cents"] = (
            None if fee is None else (Decimal(fee) / 100).quantize(Decimal("0.01"))
        )
        initial["handover_checklist"] = "\n".join(space.handover_checklist)
        initial["always_open"] = not rows
        # The form has one interval per day; a day with several shows its first and last.
        for weekday in range(7):
            day = [row for row in rows if row.weekday == weekday]
            if day:
                initial[f"opens_{weekday}"] = _clock(day[0].opens_minute)
                initial[f"closes_{weekday}"] = _clock(day[-1].closes_minute)
        return initial

    def day_fields(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        """(day, its abbreviation, opens, closes) for each weekday, Monday first."""
        return [
            (day_name, WEEKDAYS_ABBR[weekday], self[f"opens_{weekday}"], self[f"closes_{weekday}"])
            for weekday, day_name in WEEKDAYS.items()
        ]

    def clean_handover_checklist(self) -> list[str]:
        lines = self.cleaned_data["handover_checklist"].splitlines()
        return [line.strip() for line in lines if line.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("always_open"):
            return data
        given = 0
        for weekday in range(7):
            opens = data.get(f"opens_{weekday}")
            closes = data.get(f"closes_{weekday}")
            if opens is None and closes is None:
                continue
            given += 1
            if opens is None:
                self.add_error(f"opens_{weekday}", _("Give the opening time too."))
            elif closes is None:
                self.add_error(f"closes_{weekday}", _("Give the closing time too."))
            elif _minute(closes, closing=True) <= _minute(opens):
                self.add_error(f"closes_{weekday}", _("The space must close after it opens."))
        if not given and not self.errors:
            self.add_error(
                "always_open",
                _("Give the opening hours of at least one day, or tick “open around the clock”."),
            )
        return data

    def opening_hours(self) -> list[tuple[int, int, int]]:
        """(weekday, opens_minute, closes_minute) rows; none means open around the clock."""
        data = self.cleaned_data
        if data.get("always_open"):
            return []
        rows = []
        for weekday in range(7):
            if data.get(f"opens_{weekday}") is None:
                continue
            shown = (
                _minute(data[f"opens_{weekday}"]),
                _minute(data[f"closes_{weekday}"], closing=True),
            )
            intervals = sorted(self._intervals.get(weekday, []))
            if len(intervals) > 1 and shown == (intervals[0][0], intervals[-1][1]):
                rows += [(weekday, opens, closes) for opens, closes in intervals]
            else:
                rows.append((weekday, *shown))
        return rows

    def split_days(self) -> list[str]:
        """The days that open several times, which the form shows as one interval."""
        return [
            str(WEEKDAYS[weekday])
            for weekday, intervals in sorted(self._intervals.items())
            if len(intervals) > 1
        ]

    def rules(self) -> dict[str, Any]:
        """Everything but the opening hours, as ``space_create``/``space_update`` take it."""
        skip = {"always_open"} | {
            f"{edge}_{day}" for edge in ("opens", "closes") for day in range(7)
        }
        return {name: value for name, value in self.cleaned_data.items() if name not in skip}


def _clock(minute: int) -> dt.time:
    return dt.time(0) if minute >= MINUTES_PER_DAY else dt.time(minute // 60, minute % 60)


def _minute(clock: dt.time, *, closing: bool = False) -> int:
    """Minutes after midnight; a closing time of 00:00 is the next midnight (1440)."""
    minute = clock.hour * 60 + clock.minute
    return MINUTES_PER_DAY if closing and minute == 0 else minute


class ClosureForm(forms.Form):
    start = LocalDateTimeField(label=_("Closed from"))
    end = LocalDateTimeField(label=_("Closed until"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
