"""Published indicator cells for the tests of the dashboards, the exports and the API.

The snapshot computation writes these rows in production; here they are written directly, each
one as the protection step leaves it (a suppressed row without its value or household count).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from common.months import add_months
from community.monitoring.models import IndicatorSnapshot
from members.models import City, HousingProject


def cell(
    *,
    city: City,
    month: dt.date,
    indicator: str,
    value: Decimal | int | str | None = None,
    project: HousingProject | None = None,
    suppressed: bool = False,
    display: str = "",
    filter: str = "",
    n_households: int = 20,
) -> IndicatorSnapshot:
    """An unsaved published cell; ``suppressed`` keeps no value (and "< k" as ``display``)."""
    return IndicatorSnapshot(
        city=city,
        project=project,
        month=month,
        indicator=indicator,
        filter=filter,
        value=None if suppressed else Decimal(str(value)),
        suppressed=suppressed,
        suppression_reason="threshold" if suppressed else "",
        display=display if suppressed else "",
        n_households=None if suppressed else n_households,
    )


def publish(**kwargs) -> IndicatorSnapshot:
    row = cell(**kwargs)
    row.full_clean()
    row.save()
    return row


def months_back(last: dt.date, count: int) -> list[dt.date]:
    """``count`` months up to ``last``, the oldest first."""
    return [add_months(last, offset) for offset in range(1 - count, 1)]


def publish_grid(
    *,
    city: City,
    projects: Sequence[HousingProject],
    months: Iterable[dt.date],
    indicators: Iterable[str],
    value: Callable[[HousingProject | None, dt.date, str], Decimal | int | str],
    city_totals: bool = True,
) -> int:
    """Every (project and city total) × month × indicator cell, in one insert."""
    scopes: list[HousingProject | None] = [*projects, *([None] if city_totals else [])]
    indicators = list(indicators)
    rows = [
        cell(
            city=city,
            project=project,
            month=month,
            indicator=indicator,
            value=value(project, month, indicator),
        )
        for month in months
        for project in scopes
        for indicator in indicators
    ]
    IndicatorSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
