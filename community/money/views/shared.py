"""What every contributions page shares: who may see it, the project's day and time zone,
the template's frame, and the income access log of a manager's look (DESIGN.md §1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from common.access import require
from common.months import add_months, first_of_month
from community.money.forms import PARAMETER_FORMS, month_value
from community.money.models import ContributionScheme
from community.money.selectors.ledger import scheme_list_for_user
from members.access import member_project, project_time_zone
from members.models import Household, HousingProject
from members.selectors import (
    household_list_for_user,
    income_declarations_read,
    user_can_manage_project,
)


def managed_project(request: HttpRequest, pk: int) -> HousingProject:
    """A project the user manages. A resident of it gets 403; a city officer, or anyone who
    neither lives in it nor manages it, 404."""
    project, can_manage = member_project(request, pk)
    require(can_manage)
    return project


def visible_household(request: HttpRequest, pk: int) -> tuple[Household, bool]:
    """The user's own household, or one of a project they manage (and whether they do)."""
    household = get_object_or_404(household_list_for_user(user=request.user), pk=pk)
    return household, user_can_manage_project(user=request.user, project=household.project)


def managed_scheme(request: HttpRequest, pk: int) -> ContributionScheme:
    scheme = get_object_or_404(scheme_list_for_user(user=request.user), pk=pk)
    require(user_can_manage_project(user=request.user, project=scheme.project))
    return scheme


def project_today(project: HousingProject) -> dt.date:
    return timezone.localdate(timezone=project_time_zone(project))


def month_links(view: str, project: HousingProject, month: dt.date) -> dict[str, str]:
    url = reverse(view, args=[project.pk])
    return {
        "previous_url": f"{url}?month={month_value(add_months(month, -1))}",
        "next_url": f"{url}?month={month_value(add_months(month, 1))}",
    }


def render_page(request: HttpRequest, project: HousingProject, template: str, context: dict):
    """Render in the project's time zone, with what every contributions page shows."""
    context.setdefault("project", project)
    context.setdefault("currency", project.city.currency)
    with timezone.override(project_time_zone(project)):
        return render(request, f"community/contributions/{template}", context)


def method_of(raw: str | None, default: str | None = None) -> str | None:
    return raw if raw in PARAMETER_FORMS else default


def next_month(project: HousingProject) -> dt.date:
    return add_months(first_of_month(project_today(project)), 1)


def _record_look(request: HttpRequest, households: list[Household], via: str, month: Any) -> None:
    """A manager's look at households' incomes and ratios goes to the income access log."""
    income_declarations_read(
        user=request.user,
        via=via,
        households=households,
        detail={"month": month.isoformat() if month else None},
    )
