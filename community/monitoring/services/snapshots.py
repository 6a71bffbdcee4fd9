"""City indicator snapshots: every indicator of DESIGN.md §4 per project and month, and for the
city, protected by ``common.disclosure`` and stored as ``IndicatorSnapshot`` rows.

This module is the write: a run reads the projects' figures
(``community.monitoring.selectors.aggregates.snapshot_data``), adds them up and protects them
(``community.monitoring.protection``, pure, after this module's ``LAYOUT``), and replaces the
city's rows of its months.

What is computed (``Indicator``; DESIGN.md §4 "City indicators"), per project, month and filter,
and for the city (project empty). "Living there in the month": moved in on or before its last
day and not moved out before its first. A household's size is the number of its residents on
record (none recorded counts as one, as the affordability figures count it). Event times
(bookings, meetings, votes) are read in the city's time zone.

- ``households`` — households living there in the month (a count; "< k" below k).
- ``residents`` — the residents of those households (a count). Not split by household size:
  residents of one- and two-person households are one and two times their households, so the
  split would give away the household counts the threshold hides.
- ``occupancy`` — households living there ÷ the project's units (``units_count``); the city's
  is Σ households ÷ Σ units, published only when every project living that month gives its
  units. The units are public, so occupancy is the household count in other words: it is
  published exactly where ``households`` is, and hidden where it is hidden.
- From each household's charged month (``community.money.selectors.affordability``, the
  formulas of ``community.money.affordability``; households without a charge or an income are
  left out):
  ``median_cost_ratio`` — the median housing cost ratio (Eurostat, ilc_lvho07a's median);
  ``overburden_rate_eurostat`` — the share of residents living in households whose ratio
  exceeds 40 % (Eurostat SI-S5 counts persons), among the residents of households with a ratio;
  ``cost_burden_rate_30`` / ``severe_cost_burden_rate_50`` — the share of households whose
  housing costs exceed 30 % / 50 % of gross income (the US rule counts households), among those
  with a gross income; ``equivalised_income_median_oecd_modified`` and
  ``equivalised_income_median_sqrt_scale`` — the median monthly equivalised disposable income,
  on the modified OECD scale (Eurostat) and on √size (OECD AHD HC1.2); and
  ``share_at_risk_of_poverty`` — the share of residents in households whose equivalised income
  is below 60 % of the national median (Eurostat counts persons), when the city sets one.
- ``turnout`` — ballots ÷ electorate over the votes closed in the month: participations over
  voters, each counted once (the decision's own turnout weighs split votes; this one counts
  people and households who could vote, so that months and projects add up).
- ``meetings_held`` — meetings that started in the month, up to now.
- ``bookings_per_household`` — bookings starting in the month ÷ households living there. A
  booking counts when it is confirmed or was checked into
  (``community.bookings.selectors.usage.USED``, as the fair-use report counts), and when its
  household lived there on its first day.
- ``space_use`` — hours booked ÷ hours open, over the project's bookable spaces: opening hours
  (around the clock where a space sets none) minus closures, times the space's identical units.
  A booking counts in the month it starts, for its whole length, so that months add up to the
  quarter exactly.
- ``share_under_30``, ``share_65_plus`` — among residents who consented to inclusion data;
  ``share_migrant_background`` — among consenting residents who answered; ``share_women_led``
  — households whose representative (the oldest, if several) or, without one, oldest adult
  consented and declared woman, among households whose lead consented and declared a gender
  ("prefers not to say" is no declaration). Each counts as n the households of the residents
  (or leads) it is computed from.

Filters (``HOUSEHOLD_SIZE_FILTERS``): the household-level indicators are published for one-,
two- and three-or-more-person households as well. Quarter totals (``QUARTER_FILTER``, on the
quarter's first month) are published for the indicators that add up over months
(``FLOW_INDICATORS``): Σ numerators ÷ Σ denominators of the quarter's months (so bookings per
household per month, over the quarter), the meetings of the quarter; the current quarter to date.

Disclosure control (DESIGN.md §4, ``common.disclosure``): every figure is a ``Cell`` with
the number of households it describes (the threshold rule; "< k" for a small count). Bookings
and booked hours are sums over households, so their shares are also held to the (2, 85)
dominance rule on the two largest households' parts. The groups protect projects against the
city total, size filters against the all-households figure, and months against their quarter's
total; medians belong to no group. Cells that share no group are protected apart (each
indicator and month, or indicator and quarter, is one table), which keeps the secondary-
suppression audit small. A figure with nothing to measure (no vote closed, no income declared,
no bookable space) gets no row, rather than a suppressed one.

A run replaces the rows of its months in one transaction under the city's row lock: delete,
then ``bulk_create`` (see ``community.monitoring.models``). The quarter totals tie a quarter's
months together, so the flow indicators are recomputed for every month of each quarter a run
touches (the nightly run: the current and the previous month, and the rest of their quarters).
A run computes from the data as it is now: history the database does not keep (residents'
arrivals, inclusion data withdrawn, spaces no longer bookable) is read as it stands today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.disclosure import effective_k
from common.outbox import queue_after_commit
from community.money.selectors.affordability import median_ratio
from community.monitoring.models import Indicator, IndicatorSnapshot
from community.monitoring.protection import (
    Layout,
    Shape,
    flow_months,
    occupancy,
    protected,
    with_totals,
)
from community.monitoring.selectors.aggregates import snapshot_data
from community.monitoring.selectors.indicators import (
    HOUSEHOLD_SIZE_FILTERS,
    QUARTER_FILTER,
    current_month,
    snapshot_months,
)
from members.models import City
from members.selectors import monitored_city_list

__all__ = [
    "FILTERED_INDICATORS",
    "FLOW_INDICATORS",
    "LAYOUT",
    "MAX_MONTHS",
    "NIGHTLY_MONTHS",
    "STOCK_INDICATORS",
    "SnapshotResult",
    "indicator_snapshot_refresh",
    "indicator_snapshot_run",
    "indicator_snapshot_run_if_due",
]

NIGHTLY_MONTHS = 2  # the nightly run: the current and the previous month
MAX_MONTHS = 120

# Indicators published per household size too. Not the residents (see the module docstring),
# nor the facilities' figures: occupancy, meetings and space use belong to the project.
FILTERED_INDICATORS = frozenset(
    {
        Indicator.HOUSEHOLDS,
        Indicator.MEDIAN_COST_RATIO,
        Indicator.OVERBURDEN_RATE_EUROSTAT,
        Indicator.COST_BURDEN_RATE_30,
        Indicator.SEVERE_COST_BURDEN_RATE_50,
        Indicator.EQUIVALISED_INCOME_MEDIAN_OECD_MODIFIED,
        Indicator.EQUIVALISED_INCOME_MEDIAN_SQRT_SCALE,
        Indicator.SHARE_AT_RISK_OF_POVERTY,
        Indicator.TURNOUT,
        Indicator.BOOKINGS_PER_HOUSEHOLD,
        Indicator.SHARE_UNDER_30,
        Indicator.SHARE_65_PLUS,
        Indicator.SHARE_WOMEN_LED,
        Indicator.SHARE_MIGRANT_BACKGROUND,
    }
)
# Flows add up over months: they get a quarter total, and a quarter is protected as one table.
FLOW_INDICATORS = frozenset(
    {
        Indicator.TURNOUT,
        Indicator.MEETINGS_HELD,
        Indicator.BOOKINGS_PER_HOUSEHOLD,
        Indicator.SPACE_USE,
    }
)
STOCK_INDICATORS = frozenset(Indicator.values) - FLOW_INDICATORS

# How the indicators add up and are protected (``community.monitoring.protection``).
LAYOUT = Layout(
    shapes={
        Indicator.HOUSEHOLDS: Shape.COUNT,
        Indicator.RESIDENTS: Shape.COUNT,
        Indicator.OCCUPANCY: Shape.DERIVED,
        Indicator.MEDIAN_COST_RATIO: Shape.MEDIAN,
        Indicator.OVERBURDEN_RATE_EUROSTAT: Shape.RATE,
        Indicator.COST_BURDEN_RATE_30: Shape.RATE,
        Indicator.SEVERE_COST_BURDEN_RATE_50: Shape.RATE,
        Indicator.EQUIVALISED_INCOME_MEDIAN_OECD_MODIFIED: Shape.MEDIAN,
        Indicator.EQUIVALISED_INCOME_MEDIAN_SQRT_SCALE: Shape.MEDIAN,
        Indicator.SHARE_AT_RISK_OF_POVERTY: Shape.RATE,
        Indicator.TURNOUT: Shape.RATE,
        Indicator.MEETINGS_HELD: Shape.NUMBER,
        Indicator.BOOKINGS_PER_HOUSEHOLD: Shape.SHARE_OF_SUM,
        Indicator.SPACE_USE: Shape.SHARE_OF_SUM,
        Indicator.SHARE_UNDER_30: Shape.RATE,
        Indicator.SHARE_65_PLUS: Shape.RATE,
        Indicator.SHARE_WOMEN_LED: Shape.RATE,
        Indicator.SHARE_MIGRANT_BACKGROUND: Shape.RATE,
    },
    filtered=FILTERED_INDICATORS,
    flows=FLOW_INDICATORS,
    size_filters=HOUSEHOLD_SIZE_FILTERS,
    quarter_filter=QUARTER_FILTER,
    derived_from={Indicator.OCCUPANCY: Indicator.HOUSEHOLDS},
    # Exact, sorted by floats first (the snapshot's medians run over every household).
    median=median_ratio,
)


# --- Months ------------------------------------------------------------------------------


def _checked_months(city: City, months: Sequence[dt.date] | None) -> list[dt.date]:
    if months is None:
        return snapshot_months(city=city)
    if isinstance(months, str | dt.date) or not isinstance(months, Sequence | set | frozenset):
        raise ValidationError({"months": _("Give a list of months.")})
    latest = current_month(city)
    checked = set()
    for month in months:
        if not isinstance(month, dt.date) or isinstance(month, dt.datetime) or month.day != 1:
            raise ValidationError({"months": _("Give the first day of each month.")})
        if month > latest:
            raise ValidationError({"months": _("A month to come has no figures yet.")})
        checked.add(month)
    if not checked:
        raise ValidationError({"months": _("Give at least one month.")})
    if len(checked) > MAX_MONTHS:
        raise ValidationError(
            {"months": _("Give at most %(max)s months at once.") % {"max": MAX_MONTHS}}
        )
    return sorted(checked)


# --- Running -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotResult:
    """What a run wrote: the months of every indicator, the further months of the quarters the
    flow indicators were recomputed for, the rows and how many of them are suppressed."""

    city_id: int
    months: tuple[dt.date, ...]
    flow_months: tuple[dt.date, ...]
    rows: int
    suppressed: int


def _run(city: City, months: list[dt.date]) -> SnapshotResult:
    """Compute, protect and replace the city's rows of the months; the caller holds the lock."""
    zone = ZoneInfo(city.time_zone)
    flow = flow_months(months, current_month(city))
    data, projects = snapshot_data(city=city, stock=months, flow=flow, zone=zone)
    figures = with_totals(data, flow, LAYOUT)
    published, counted = protected(figures, effective_k(city.disclosure_k), LAYOUT)
    derived, occupied = occupancy(published, data, months, LAYOUT)
    published |= derived
    counted |= occupied
    computed_at = timezone.now()
    rows = [
        IndicatorSnapshot.from_published(
            cell=cell,
            city=city,
            project=projects[key[0]] if key[0] is not None else None,
            month=key[1],
            indicator=key[2],
            filter=key[3],
            n_households=counted[key],
            computed_at=computed_at,
        )
        for key, cell in sorted(published.items(), key=lambda item: repr(item[0]))
    ]
    IndicatorSnapshot.objects.filter(city=city).filter(
        Q(indicator__in=STOCK_INDICATORS, month__in=months)
        | Q(indicator__in=FLOW_INDICATORS, month__in=flow)
    ).delete()
    IndicatorSnapshot.objects.bulk_create(rows, batch_size=2000)
    return SnapshotResult(
        city_id=city.pk,
        months=tuple(months),
        flow_months=tuple(flow),
        rows=len(rows),
        suppressed=sum(1 for row in rows if row.suppressed),
    )


def indicator_snapshot_run(
    *, city: City, months: Sequence[dt.date] | None = None
) -> SnapshotResult:
    """Compute every indicator of the city's projects and the city for ``months`` (firsts of
    months, none after the city's current month; by default the last ``DEFAULT_MONTHS``),
    protect them and replace their rows, in one transaction under the city's row lock (a run
    of the same city waits for it). Idempotent: a second run writes the same rows.

    A ``ValidationError`` on ``months`` when one is not the first of a month or is to come.
    """
    months = _checked_months(city, months)
    with transaction.atomic():
        locked = City.objects.select_for_update().get(pk=city.pk)
        return _run(locked, months)


def indicator_snapshot_run_if_due(
    *, city_id: int, months: Sequence[dt.date] | None = None, since: dt.datetime | None = None
) -> SnapshotResult | None:
    """The same run, unless another worker holds the city (``SKIP LOCKED``: it is doing this
    very work) or the city's rows of these months were computed at ``since`` or later (a
    duplicate of a run already done). None when skipped, or when the city no longer exists."""
    with transaction.atomic():
        city = City.objects.select_for_update(skip_locked=True).filter(pk=city_id).first()
        if city is None:
            return None
        months = _checked_months(city, months)
        if (
            since is not None
            and IndicatorSnapshot.objects.filter(
                city=city, month__in=months, computed_at__gte=since
            ).exists()
        ):
            return None
        return _run(city, months)


def indicator_snapshot_refresh(
    *, city: City, user, months: Sequence[dt.date] | None = None
) -> list[dt.date]:
    """An officer's (or a platform admin's) refresh of the city's indicators: checks the user
    and the months (by default the last ``DEFAULT_MONTHS``), then queues the run once the
    current transaction commits. Returns the months queued.

    ``PermissionDenied`` for anyone who does not monitor the city; ``ValidationError`` on
    ``months``.
    """
    if not user.is_authenticated or not monitored_city_list(user=user).filter(pk=city.pk).exists():
        raise PermissionDenied(_("Only the city's officers can refresh its indicators."))
    months = _checked_months(city, months)
    chosen = [month.isoformat() for month in months]
    queue_after_commit("community.monitoring.tasks.indicator_snapshot_city_task", city.pk, chosen)
    return months
