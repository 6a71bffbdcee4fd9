"""Template helpers of the contributions pages: shares as percentages, months in links, a
charge's rule and a run's warnings in words, a change of amount with its sign."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _

from common.display import percent_text
from community.templatetags.netco import money

register = template.Library()


@register.filter
def ratio(value: Any) -> str:
    """A share (a Fraction, 0.32) as a localised percentage with one decimal, "—" when None."""
    if value is None or value == "":
        return "—"
    return percent_text(value)


@register.filter
def month_param(day: dt.date | None) -> str:
    """A month as a link gives it: ``2025-07``."""
    return "" if day is None else f"{day.year:04d}-{day.month:02d}"


@register.filter
def money_change(cents: int | None, currency: str = "EUR") -> str:
    """A difference of amounts with its sign: "+12.00 €", "−3.50 €", "0.00 €"."""
    if cents is None:
        return "—"
    text = money(abs(cents), currency)
    if cents > 0:
        return f"+{text}"
    if cents < 0:
        return f"\u2212{text}"
    return text


def _rule_labels() -> dict[str, str]:
    return {
        "flat": _("share of the budget"),
        "rate": _("rate of income"),
        "floor": _("floor"),
        "cap": _("cap"),
        "band": _("income band"),
        "adjusted": _("rate of the adjusted income"),
        "gross": _("rate of the gross income"),
        "minimum": _("minimum rent"),
        "missing_income": _("no income declared"),
        "zero_income": _("no income"),
    }


@register.filter
def charge_rule(breakdown: dict | None) -> str:
    """How a charge or a simulated amount was set, in words: "income band 2", "cap"."""
    if not breakdown:
        return ""
    rule = breakdown.get("rule", "")
    text = _rule_labels().get(rule, rule)
    if rule == "band" and breakdown.get("band"):
        text = f"{text} {breakdown['band']}"
    if rule == "flat" and breakdown.get("basis") == "unit_area":
        text = _("share of the budget by unit size")
    return text


def _warning_labels() -> dict[str, str]:
    return {
        "missing_income": _("Some households have no valid income declaration."),
        "zero_income": _("Some households declared no income: they pay the floor."),
        "floor_above_cap": _("A unit's cost share is below the floor: its floor was lowered."),
        "no_households": _("No household lives in the project this month."),
        "shortfall": _("The contributions do not cover the budget."),
        "surplus": _("The contributions exceed the budget."),
        "stale_income": _("Some income declarations are older than the project accepts."),
    }


@register.filter
def warning_text(code: str) -> str:
    return _warning_labels().get(code, code)


@register.filter
def evidence_badge(status: str) -> str:
    """The CSS class of an evidence status's badge."""
    return {"verified": "ok", "rejected": "warn"}.get(status, "")
