"""Demo monitoring for ``seed_demo``: each city's pilot goals and a year of indicator snapshots.

The snapshots come from the demo's own households, bookings, votes and charges through the real
run, disclosure control included, so the dashboards show what an officer would see: small demo
projects have many cells hidden. Goals are written when the city has none; the snapshot replaces
its own rows, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from common.months import first_of_month, months_ending
from community.monitoring.models import GoalComparison, Indicator, PilotGoal
from community.monitoring.services.pilot_goals import pilot_goal_create
from community.monitoring.services.snapshots import indicator_snapshot_run
from members.models import City, User

SNAPSHOT_MONTHS = 12

# (indicator, comparison, target): targets a city might set for its pilots.
GOALS = (
    (Indicator.OVERBURDEN_RATE_EUROSTAT, GoalComparison.AT_MOST, Decimal("0.20")),
    (Indicator.TURNOUT, GoalComparison.AT_LEAST, Decimal("0.50")),
    (Indicator.OCCUPANCY, GoalComparison.AT_LEAST, Decimal("0.90")),
)


def seed_city_monitoring(*, city: City, officer: User | None = None) -> dict[str, int]:
    """The city's pilot goals (when it has none) and its snapshots of the last twelve months."""
    today = timezone.now().astimezone(ZoneInfo(city.time_zone)).date()
    goals = 0
    if not PilotGoal.objects.filter(city=city).exists():
        start = dt.date(today.year, 1, 1)
        for project in city.projects.order_by("pk"):
            for indicator, comparison, target in GOALS:
                pilot_goal_create(
                    city=city,
                    project=project,
                    indicator=indicator,
                    comparison=comparison,
                    target=target,
                    starts_on=start,
                    ends_on=dt.date(today.year + 1, 12, 31),
                    created_by=officer,
                )
                goals += 1
    result = indicator_snapshot_run(
        city=city, months=months_ending(first_of_month(today), SNAPSHOT_MONTHS)
    )
    return {"pilot goals": goals, "indicator rows": result.rows}


__all__ = ["seed_city_monitoring"]
