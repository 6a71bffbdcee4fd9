"""The fair-use report of a space: who used it how much, month by month."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from community.bookings.schedule import local_midnight
from community.bookings.selectors.usage import space_usage
from community.bookings.views.access import visible_space
from members.access import project_time_zone

USAGE_MONTHS = 3


def _months_before(moment: dt.datetime, months: int, zone: ZoneInfo) -> dt.datetime:
    """Local midnight of the same day ``months`` earlier (or that month's last day)."""
    day = moment.astimezone(zone).date()
    index = day.month - 1 - months
    year, month = day.year + index // 12, index % 12 + 1
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (following - dt.timedelta(days=1)).day
    return local_midnight(dt.date(year, month, min(day.day, last_day)), zone)


@login_required
def space_usage_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Hours each household used the space over the last three months, so the community sees
    how its spaces are shared (residents and managers of the project)."""
    space = visible_space(request, pk)
    zone = project_time_zone(space.project)
    end = timezone.now()
    start = _months_before(end, USAGE_MONTHS, zone)
    rows = space_usage(space=space, start=start, end=end)
    most = max((row.minutes for row in rows), default=0)
    context = {
        "space": space,
        "project": space.project,
        "start": start,
        "end": end,
        "rows": [(row, round(100 * row.minutes / most) if most else 0) for row in rows],
        "total_hours": sum(row.minutes for row in rows) / 60,
    }
    with timezone.override(zone):
        return render(request, "community/bookings/space_usage.html", context)
