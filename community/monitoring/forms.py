"""Forms of the indicator pages: the dashboards' month, window and compared indicator, the
exports' period, the quarter of a report, and the pilot goals.

A goal's target is typed as people say it: a share in percent (20 for 20 %), an amount in the
city's currency; the form turns it into what the model stores (0.2, cents).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from common.months import first_of_month
from community.monitoring.models import (
    INDICATOR_SPECS,
    GoalComparison,
    Indicator,
    IndicatorUnit,
    PilotGoal,
)
from community.monitoring.selectors.dashboards import DEFAULT_COMPARED, DEFAULT_WINDOW, WINDOWS
from members.models import City

HUNDRED = Decimal(100)


class MonthField(forms.DateField):
    """A month: ``2025-03``, or any day of it; cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    default_error_messages = {"invalid": _("Give a month as 2025-03.")}

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        return None if day is None else first_of_month(day)


class QuarterField(forms.CharField):
    """A calendar quarter: ``2025-Q1`` (or a month of it, ``2025-02``); cleaned to its first
    day."""

    default_error_messages = {"invalid": _("Give a quarter as 2025-Q1.")}

    def to_python(self, value: Any) -> dt.date | None:
        text = (super().to_python(value) or "").strip().upper()
        if not text:
            return None
        quarter = re.fullmatch(r"(\d{4})-Q([1-4])", text)
        month = re.fullmatch(r"(\d{4})-(\d{2})", text)
        try:
            if quarter:
                return dt.date(int(quarter[1]), (int(quarter[2]) - 1) * 3 + 1, 1)
            if month:
                day = dt.date(int(month[1]), int(month[2]), 1)
                return day.replace(month=(day.month - 1) // 3 * 3 + 1)
        except ValueError:
            pass
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class DashboardForm(forms.Form):
    """The month a dashboard shows (the latest by default), how many months its trends cover,
    and which indicator the comparison table follows."""

    month = MonthField(label=_("Month"), required=False)
    window = forms.TypedChoiceField(
        label=_("Trend over"),
        choices=[(n, _("%(months)s months") % {"months": n}) for n in WINDOWS],
        coerce=int,
        required=False,
        empty_value=DEFAULT_WINDOW,
    )
    compare = forms.ChoiceField(label=_("Compare"), choices=Indicator.choices, required=False)

    def values(self) -> dict[str, Any]:
        """The cleaned choices, the defaults where a choice is missing or wrong."""
        data = {}
        if self.is_bound:
            self.is_valid()  # the fields that are right stay in cleaned_data
            data = self.cleaned_data
        return {
            "month": data.get("month"),
            "window": data.get("window") or DEFAULT_WINDOW,
            "compared": data.get("compare") or DEFAULT_COMPARED,
        }


class ExportForm(forms.Form):
    """An export's period (``from``, ``to``: months) and indicator; all optional."""

    indicator = forms.ChoiceField(label=_("Indicator"), choices=Indicator.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the fields are added by name.
        self.fields["from"] = MonthField(label=_("From"), required=False)
        self.fields["to"] = MonthField(label=_("To"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", _("The last month comes after the first."))
        return data


class ReportForm(forms.Form):
    quarter = QuarterField(label=_("Quarter"), required=False)


def _stored_factor(indicator: str) -> Decimal:
    """What a typed target is multiplied by to be stored: percent → fraction, currency
    units → cents."""
    unit = INDICATOR_SPECS[indicator].unit if indicator in INDICATOR_SPECS else None
    if unit in (IndicatorUnit.SHARE, IndicatorUnit.RATIO):
        return 1 / HUNDRED
    if unit == IndicatorUnit.CENTS:
        return HUNDRED
    return Decimal(1)


def typed_target(goal: PilotGoal) -> Decimal:
    """A stored target as the form shows it: 0.2 → 20 (%), 150000 cents → 1500."""
    return (goal.target / _stored_factor(goal.indicator)).normalize()


class PilotGoalForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Pilot project"),
        queryset=None,
        required=False,
        empty_label=_("The whole city (its total)"),
    )
    indicator = forms.ChoiceField(label=_("Indicator"), choices=Indicator.choices)
    comparison = forms.ChoiceField(label=_("The figure must be"), choices=GoalComparison.choices)
    target = forms.DecimalField(
        label=_("Target"),
        max_digits=20,
        decimal_places=6,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), widget=DateInput())

    def __init__(self, *args: Any, city: City, goal: PilotGoal | None = None, **kwargs: Any):
        if goal is not None:
            kwargs.setdefault(
                "initial",
                {
                    "project": goal.project_id,
                    "indicator": goal.indicator,
                    "comparison": goal.comparison,
                    "target": typed_target(goal),
                    "starts_on": goal.starts_on,
                    "ends_on": goal.ends_on,
                },
            )
        super().__init__(*args, **kwargs)
        self.city = city
        self.fields["project"].queryset = city.projects.order_by("name", "pk")
        self.fields["target"].help_text = _(
            "Shares and ratios in percent (20 for 20 %%), amounts in %(currency)s, other "
            "figures as numbers."
        ) % {"currency": city.currency}

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned goal as the services take it, the target as the model stores it."""
        data = dict(self.cleaned_data)
        data["target"] = data["target"] * _stored_factor(data["indicator"])
        return data
