"""Pilot goals: a city's targets for its pilot projects (DESIGN.md §4, "City indicators").

Who may call these is the caller's check
(``community.monitoring.selectors.dashboards.user_can_set_goals``: the city's officers); the
services judge the goal itself and raise ``ValidationError`` on its fields: an unknown
indicator or comparison, a negative target or a share above 100 %, an end before the start, a
project of another city. A goal's city never changes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from common.validation import save_validated
from community.monitoring.models import PilotGoal
from members.models import City, HousingProject, User


@transaction.atomic
def pilot_goal_create(
    *,
    city: City,
    indicator: str,
    comparison: str,
    target: Decimal,
    starts_on: dt.date,
    ends_on: dt.date,
    project: HousingProject | None = None,
    created_by: User | None = None,
) -> PilotGoal:
    """Set a target on a project's figure, or on the city's with no project."""
    return save_validated(
        PilotGoal(
            city=city,
            project=project,
            indicator=indicator,
            comparison=comparison,
            target=target,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=created_by,
        )
    )


_UNCHANGED = object()


@transaction.atomic
def pilot_goal_update(
    *,
    goal: PilotGoal,
    project: HousingProject | None | object = _UNCHANGED,
    indicator: str | object = _UNCHANGED,
    comparison: str | object = _UNCHANGED,
    target: Decimal | object = _UNCHANGED,
    starts_on: dt.date | object = _UNCHANGED,
    ends_on: dt.date | object = _UNCHANGED,
) -> PilotGoal:
    """Change what is given; the rest stays. Nothing is saved unless the whole goal is valid."""
    locked = PilotGoal.objects.select_for_update().select_related("city").get(pk=goal.pk)
    changes = {
        "project": project,
        "indicator": indicator,
        "comparison": comparison,
        "target": target,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    for name, value in changes.items():
        if value is not _UNCHANGED:
            setattr(locked, name, value)
    save_validated(locked)
    return locked


@transaction.atomic
def pilot_goal_delete(*, goal: PilotGoal) -> None:
    PilotGoal.objects.filter(pk=goal.pk).delete()
