"""What the pages of every app check first about a project: may this user see or manage it.

A project outside what the user may see answers 404 (it does not exist for them); one they see
but may not manage answers 403.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from common.access import require
from members.models import HousingProject
from members.selectors import household_of_user, project_list_for_user, user_can_manage_project


def project_time_zone(project: HousingProject) -> ZoneInfo:
    return ZoneInfo(project.city.time_zone)


def member_project(request: HttpRequest, pk: int) -> tuple[HousingProject, bool]:
    """A project the user lives in or manages, and whether they manage it. City officers see
    projects but no spaces or meetings: for them the project's pages do not exist."""
    project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
    can_manage = user_can_manage_project(user=request.user, project=project)
    if not can_manage and household_of_user(user=request.user, project=project) is None:
        raise Http404
    return project, can_manage


def managed_project(request: HttpRequest, pk: int) -> HousingProject:
    project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
    require(user_can_manage_project(user=request.user, project=project))
    return project
