"""City indicator snapshots and pilot goals (DESIGN.md §4, "City indicators" and "Disclosure
control").

A snapshot row is one protected cell: a project's (or, with no project, the city's) figure for
one month, one indicator and one filter. Rows are written only from what
``common.disclosure.protect`` publishes; the database refuses a suppressed row that carries a
value or a household count, so a suppressed value can never be stored, let alone sent.

Shares and rates are stored as fractions (0.25, not 25); amounts in cents of the city's currency.

Writing a snapshot: protect together every cell that shares an equation (a city's projects and
total, every filter, and the months of any published multi-month total), so that secondary
suppression sees all of them; then replace those rows in one transaction, under a lock on the
city row: delete, then ``bulk_create``. Running it twice gives the same rows. ``ON CONFLICT``
upserts do not fit here: PostgreSQL infers a partial unique index only with its predicate,
which ``bulk_create(update_conflicts=True)`` does not send.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.disclosure import CellKind, PublishedCell, Reason
from common.validation import ConstraintErrorsOnFields
from community.money.models import validate_first_of_month
from members.models import City, HousingProject


class Indicator(models.TextChoices):
    """Every city indicator of DESIGN.md §4, each convention separately where it names two."""

    HOUSEHOLDS = "households", _("Households")
    RESIDENTS = "residents", _("Residents")
    OCCUPANCY = "occupancy", _("Occupancy (share of units lived in)")
    # Eurostat's companion to the overburden rate: the median of housing costs ÷ disposable
    # income, both net of housing allowances.
    MEDIAN_COST_RATIO = "median_cost_ratio", _("Median housing cost ratio")
    # Eurostat SI-S5 / ilc_lvho07a: share of residents whose housing costs exceed 40 % of the
    # household's disposable income.
    OVERBURDEN_RATE_EUROSTAT = (
        "overburden_rate_eurostat",
        _("Housing cost overburden rate (Eurostat, over 40 per cent of disposable income)"),
    )
    # The US 30 % rule, of gross income, shown beside Eurostat's; above 50 % "severely".
    COST_BURDEN_RATE_30 = (
        "cost_burden_rate_30",
        _("Cost-burdened share (over 30 per cent of gross income)"),
    )
    SEVERE_COST_BURDEN_RATE_50 = (
        "severe_cost_burden_rate_50",
        _("Severely cost-burdened share (over 50 per cent of gross income)"),
    )
    EQUIVALISED_INCOME_MEDIAN_OECD_MODIFIED = (
        "equivalised_income_median_oecd_modified",
        _("Median equivalised disposable income (modified OECD scale, Eurostat)"),
    )
    EQUIVALISED_INCOME_MEDIAN_SQRT_SCALE = (
        "equivalised_income_median_sqrt_scale",
        _("Median equivalised disposable income (square-root scale, OECD HC1.2)"),
    )
    # Below 60 % of the national median equivalised income. Only on the modified OECD scale:
    # the city's poverty-line reference (Eurostat's national median) is computed on that scale,
    # so a square-root-scale income compared with it would mix conventions.
    SHARE_AT_RISK_OF_POVERTY = (
        "share_at_risk_of_poverty",
        _("Share at risk of poverty (below 60 per cent of the national median)"),
    )
    TURNOUT = "turnout", _("Turnout in votes")
    MEETINGS_HELD = "meetings_held", _("Meetings held")
    BOOKINGS_PER_HOUSEHOLD = "bookings_per_household", _("Bookings per household")
    SPACE_USE = "space_use", _("Space use (share of open hours booked)")
    # Consented inclusion data only: each share is of the residents (households) who consented.
    SHARE_UNDER_30 = "share_under_30", _("Share of residents under 30")
    SHARE_65_PLUS = "share_65_plus", _("Share of residents aged 65 and over")
    SHARE_WOMEN_LED = "share_women_led", _("Share of women-led households")
    SHARE_MIGRANT_BACKGROUND = (
        "share_migrant_background",
        _("Share of residents with a migrant background"),
    )


class IndicatorUnit(models.TextChoices):
    COUNT = "count", _("Count")
    SHARE = "share", _("Share")
    RATIO = "ratio", _("Ratio")
    CENTS = "cents", _("Amount")
    NUMBER = "number", _("Number")


@dataclass(frozen=True)
class IndicatorSpec:
    """How an indicator is protected and added up.

    ``cell_kind``: its ``common.disclosure.CellKind``. ``additive``: the city figure is the
    sum of the projects' (counts) or the ratio of their summed numerators and denominators
    (shares, rates), so the snapshot puts it in secondary-suppression groups; medians are not.
    """

    cell_kind: CellKind
    unit: IndicatorUnit
    additive: bool


_SHARE = IndicatorSpec(CellKind.STATISTIC, IndicatorUnit.SHARE, additive=True)

INDICATOR_SPECS: dict[str, IndicatorSpec] = {
    Indicator.HOUSEHOLDS: IndicatorSpec(CellKind.COUNT, IndicatorUnit.COUNT, additive=True),
    Indicator.RESIDENTS: IndicatorSpec(CellKind.COUNT, IndicatorUnit.COUNT, additive=True),
    Indicator.OCCUPANCY: _SHARE,
    Indicator.MEDIAN_COST_RATIO: IndicatorSpec(
        CellKind.STATISTIC, IndicatorUnit.RATIO, additive=False
    ),
    Indicator.OVERBURDEN_RATE_EUROSTAT: _SHARE,
    Indicator.COST_BURDEN_RATE_30: _SHARE,
    Indicator.SEVERE_COST_BURDEN_RATE_50: _SHARE,
    Indicator.EQUIVALISED_INCOME_MEDIAN_OECD_MODIFIED: IndicatorSpec(
        CellKind.STATISTIC, IndicatorUnit.CENTS, additive=False
    ),
    Indicator.EQUIVALISED_INCOME_MEDIAN_SQRT_SCALE: IndicatorSpec(
        CellKind.STATISTIC, IndicatorUnit.CENTS, additive=False
    ),
    Indicator.SHARE_AT_RISK_OF_POVERTY: _SHARE,
    Indicator.TURNOUT: _SHARE,
    # A count of meetings, not of people: a statistic of the households it describes.
    Indicator.MEETINGS_HELD: IndicatorSpec(CellKind.STATISTIC, IndicatorUnit.NUMBER, additive=True),
    Indicator.BOOKINGS_PER_HOUSEHOLD: IndicatorSpec(
        CellKind.STATISTIC, IndicatorUnit.NUMBER, additive=True
    ),
    Indicator.SPACE_USE: _SHARE,
    Indicator.SHARE_UNDER_30: _SHARE,
    Indicator.SHARE_65_PLUS: _SHARE,
    Indicator.SHARE_WOMEN_LED: _SHARE,
    Indicator.SHARE_MIGRANT_BACKGROUND: _SHARE,
}

# "dimension:category", e.g. "household_size:1"; blank means all households.
validate_filter = RegexValidator(
    r"^([a-z0-9_]+:[a-z0-9_.+-]+)?$",
    _("Write a filter as dimension:category, e.g. household_size:1, or leave it blank."),
)

VALUE_DIGITS = 20
VALUE_DECIMALS = 6
_QUANTUM = Decimal(1).scaleb(-VALUE_DECIMALS)


def to_stored_decimal(value: int | Decimal | Fraction | None) -> Decimal | None:
    """A cell's exact value as the column stores it: six decimals, rounded half-even."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        with localcontext() as context:
            context.prec = VALUE_DIGITS + VALUE_DECIMALS
            value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


class SuppressionReason(models.TextChoices):
    """``common.disclosure.Reason``, with labels for the admin."""

    THRESHOLD = Reason.THRESHOLD.value, _("Fewer than k households")
    DOMINANCE = Reason.DOMINANCE.value, _("Two households dominate the sum")
    SECONDARY = Reason.SECONDARY.value, _("Would reveal another suppressed figure")


class IndicatorSnapshot(ConstraintErrorsOnFields, models.Model):
    """One protected indicator cell: project (or city total), month, indicator, filter."""

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="indicator_snapshots"
    )
    project = models.ForeignKey(
        HousingProject,
        verbose_name=_("housing project"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicator_snapshots",
        help_text=_("Empty for the city total."),
    )
    month = models.DateField(_("month"), validators=[validate_first_of_month])
    indicator = models.CharField(_("indicator"), max_length=48, choices=Indicator.choices)
    filter = models.CharField(
        _("filter"), max_length=64, blank=True, default="", validators=[validate_filter]
    )
    value = models.DecimalField(
        _("value"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        null=True,
        blank=True,
    )
    suppressed = models.BooleanField(_("suppressed"), default=False)
    # For audits and the admin; pages and the API say "suppressed" without the reason, since
    # telling primary from secondary suppression would point at the small cells.
    suppression_reason = models.CharField(
        _("suppression reason"), max_length=16, choices=SuppressionReason.choices, blank=True
    )
    display = models.CharField(
        _("display"), max_length=16, blank=True, help_text=_('"< k" for a small count.')
    )
    # Internal: never serialised (a published statistic's household count is a count that may
    # be suppressed elsewhere). Empty on suppressed rows.
    n_households = models.PositiveIntegerField(_("households counted"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    constraint_fields = {
        "indicator_snapshot_one_per_project_cell": "indicator",
        "indicator_snapshot_one_per_city_cell": "indicator",
        "indicator_snapshot_suppressed_has_no_value": "value",
        "indicator_snapshot_published_has_value": "value",
        "indicator_snapshot_suppressed_has_reason": "suppression_reason",
        "indicator_snapshot_display_only_below_k": "display",
        "indicator_snapshot_month_first_day": "month",
        "indicator_snapshot_indicator_valid": "indicator",
    }

    class Meta:
        verbose_name = _("indicator snapshot")
        verbose_name_plural = _("indicator snapshots")
        ordering = ["city_id", "month", "indicator", "project_id", "filter", "pk"]
        indexes = [
            models.Index(fields=["city", "indicator", "month"], name="indicator_snapshot_city_idx"),
            # A city's cells of one filter in month and indicator order: the API's pages.
            models.Index(
                fields=["city", "filter", "month", "indicator"],
                name="indicator_city_page_idx",
            ),
            models.Index(
                fields=["project", "indicator", "month"], name="indicator_snapshot_project_idx"
            ),
        ]
        constraints = [
            # Two partial constraints, since a plain unique one lets NULL projects repeat.
            models.UniqueConstraint(
                fields=["project", "month", "indicator", "filter"],
                condition=Q(project__isnull=False),
                name="indicator_snapshot_one_per_project_cell",
                violation_error_message=_(
                    "This project already has this indicator for this month and filter."
                ),
            ),
            models.UniqueConstraint(
                fields=["city", "month", "indicator", "filter"],
                condition=Q(project__isnull=True),
                name="indicator_snapshot_one_per_city_cell",
                violation_error_message=_(
                    "This city already has this indicator for this month and filter."
                ),
            ),
            models.CheckConstraint(
                condition=Q(suppressed=False) | Q(value__isnull=True, n_households__isnull=True),
                name="indicator_snapshot_suppressed_has_no_value",
                violation_error_message=_("A suppressed figure cannot be stored."),
            ),
            models.CheckConstraint(
                condition=Q(suppressed=True)
                | Q(value__isnull=False, suppression_reason="", display=""),
                name="indicator_snapshot_published_has_value",
                violation_error_message=_("A published figure needs a value and nothing else."),
            ),
            models.CheckConstraint(
                condition=Q(suppressed=False) | ~Q(suppression_reason=""),
                name="indicator_snapshot_suppressed_has_reason",
                violation_error_message=_("A suppressed figure needs its reason."),
            ),
            models.CheckConstraint(
                condition=Q(display="") | Q(display__regex=r"^< [0-9]+$"),
                name="indicator_snapshot_display_only_below_k",
                violation_error_message=_('The display text can only be "< k".'),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="indicator_snapshot_month_first_day",
                violation_error_message=_("Give the first day of a month."),
            ),
            models.CheckConstraint(
                condition=Q(indicator__in=Indicator.values),
                name="indicator_snapshot_indicator_valid",
            ),
        ]

    def __str__(self) -> str:
        scope = self.project or self.city
        shown = self.display or ("–" if self.suppressed else str(self.value))
        return f"{scope} · {self.month:%Y-%m} · {self.get_indicator_display()} · {shown}"

    def clean(self) -> None:
        super().clean()
        if self.project_id is not None and self.city_id is not None:
            if self.project.city_id != self.city_id:
                raise ValidationError(
                    {"project": _("The project must belong to the snapshot's city.")}
                )

    @classmethod
    def from_published(
        cls,
        *,
        cell: PublishedCell,
        city: City,
        project: HousingProject | None,
        month: dt.date,
        indicator: str,
        filter: str = "",
        n_households: int | None = None,
        computed_at: dt.datetime | None = None,
    ) -> IndicatorSnapshot:
        """An unsaved row for a protected cell: a suppressed one keeps neither its value nor its
        household count, whatever the caller passes."""
        value = None if cell.suppressed else to_stored_decimal(cell.value)
        return cls(
            city=city,
            project=project,
            month=month,
            indicator=indicator,
            filter=filter,
            value=value,
            suppressed=cell.suppressed,
            suppression_reason=cell.reason or "",
            display=cell.display,
            n_households=None if cell.suppressed else n_households,
            computed_at=computed_at or timezone.now(),
        )

    def public(self) -> dict[str, Any]:
        """What a page or the API may show of the cell: never a reason or a household count."""
        return {"value": self.value, "suppressed": self.suppressed, "display": self.display}


class GoalComparison(models.TextChoices):
    AT_MOST = "at_most", _("at most")
    AT_LEAST = "at_least", _("at least")


class PilotGoal(ConstraintErrorsOnFields, models.Model):
    """A city's target for a pilot project (or, with no project, for all its pilots), e.g. an
    overburden rate of at most 20 % or a turnout of at least 50 % between two dates."""

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="pilot_goals"
    )
    project = models.ForeignKey(
        HousingProject,
        verbose_name=_("housing project"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pilot_goals",
        help_text=_("Empty for a goal on the city's figure."),
    )
    indicator = models.CharField(_("indicator"), max_length=48, choices=Indicator.choices)
    comparison = models.CharField(_("comparison"), max_length=8, choices=GoalComparison.choices)
    target = models.DecimalField(
        _("target"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        help_text=_("Shares as fractions: 0.2 for 20 %."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    constraint_fields = {
        "pilot_goal_ends_after_start": "ends_on",
        "pilot_goal_comparison_valid": "comparison",
        "pilot_goal_indicator_valid": "indicator",
        "pilot_goal_target_non_negative": "target",
    }

    class Meta:
        verbose_name = _("pilot goal")
        verbose_name_plural = _("pilot goals")
        ordering = ["city_id", "project_id", "indicator", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="pilot_goal_ends_after_start",
                violation_error_message=_("A goal must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(comparison__in=GoalComparison.values),
                name="pilot_goal_comparison_valid",
            ),
            models.CheckConstraint(
                condition=Q(indicator__in=Indicator.values), name="pilot_goal_indicator_valid"
            ),
            # Every indicator is a count, share, ratio, amount or rate: none is negative.
            models.CheckConstraint(
                condition=Q(target__gte=0),
                name="pilot_goal_target_non_negative",
                violation_error_message=_("A target cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        scope = self.project or self.city
        return (
            f"{scope} · {self.get_indicator_display()} "
            f"{self.get_comparison_display()} {self.target}"
        )

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.project_id is not None and self.city_id is not None:
            if self.project.city_id != self.city_id:
                errors["project"] = _("The project must belong to the goal's city.")
        spec = INDICATOR_SPECS.get(self.indicator)
        if spec is not None and spec.unit == IndicatorUnit.SHARE and self.target is not None:
            if self.target > 1:
                errors["target"] = _("A share is at most 1 (100 %).")
        if errors:
            raise ValidationError(errors)

    def is_met(self, value: Decimal | None) -> bool | None:
        """Whether a figure meets the goal; None when there is none (suppressed or missing)."""
        if value is None:
            return None
        if self.comparison == GoalComparison.AT_MOST:
            return value <= self.target
        return value >= self.target

    def is_active(self, on: dt.date) -> bool:
        return self.starts_on <= on <= self.ends_on
