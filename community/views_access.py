"""What every page of the community app checks first: who may see or manage what.

A space, booking or project outside what the user may see answers 404 (it does not exist for
them); one they see but may not manage answers 403.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from community.models import Booking, HousingProject, Space
from community.selectors.bookings import booking_list_for_user
from community.selectors.spaces import space_list_for_user
from members.selectors import household_of_user, project_list_for_user, user_can_manage_project


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def project_time_zone(project: HousingProject) -> ZoneInfo:
    return ZoneInfo(project.city.time_zone)


def visible_space(request: HttpRequest, pk: int) -> Space:
    """A space of a project the user lives in or manages; any other does not exist for them."""
    return get_object_or_404(space_list_for_user(user=request.user), pk=pk)


def managed_space(request: HttpRequest, pk: int) -> Space:
    space = visible_space(request, pk)
    require(user_can_manage_project(user=request.user, project=space.project))
    return space


def visible_booking(request: HttpRequest, pk: int) -> Booking:
    """A booking of the user's own household, or of a project they manage."""
    return get_object_or_404(booking_list_for_user(user=request.user), pk=pk)


def member_project(request: HttpRequest, pk: int) -> tuple[HousingProject, bool]:
    """A project the user lives in or manages, and whether they manage it. City officers see
    projects but no spaces: for them the project's spaces do not exist."""
    project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
    can_manage = user_can_manage_project(user=request.user, project=project)
    if not can_manage and household_of_user(user=request.user, project=project) is None:
        raise Http404
    return project, can_manage


def managed_project(request: HttpRequest, pk: int) -> HousingProject:
    project = get_object_or_404(project_list_for_user(user=request.user), pk=pk)
    require(user_can_manage_project(user=request.user, project=project))
    return project


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful write: htmx follows with a full page load (so the message shows)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
