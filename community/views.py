"""Pages for cities and projects. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from members import selectors
from members.forms import HouseholdSearchForm


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's page; its managers also see and search its households."""
    project = get_object_or_404(selectors.project_list_for_user(user=request.user), pk=pk)
    can_manage = selectors.user_can_manage_project(user=request.user, project=project)
    can_monitor = (
        can_manage
        or selectors.observed_city_list(user=request.user).filter(pk=project.city_id).exists()
    )
    context = {"project": project, "can_manage": can_manage, "can_monitor": can_monitor}
    if can_manage:
        search = HouseholdSearchForm(request.GET).cleaned_search()
        households = (
            selectors.household_list_for_user(user=request.user)
            .filter(project=project)
            # distinct: the search below joins the residents a second time.
            .annotate(residents_count=Count("residents", distinct=True))
            .order_by("unit_label")
        )
        if search:
            households = households.filter(
                Q(unit_label__icontains=search)
                | Q(residents__first_name__icontains=search)
                | Q(residents__last_name__icontains=search)
            ).distinct()
        context.update(households=households, search=search)
        if request.htmx:
            return render(request, "community/_household_rows.html", context)
    return render(request, "community/project_detail.html", context)


@login_required
def city_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A city's pilot projects, as its officers and the projects' members see them."""
    city = get_object_or_404(selectors.city_list_for_user(user=request.user), pk=pk)
    projects = selectors.project_list_for_user(user=request.user).filter(city=city).order_by("name")
    can_monitor = selectors.observed_city_list(user=request.user).filter(pk=city.pk).exists()
    context = {"city": city, "projects": projects, "can_monitor": can_monitor}
    return render(request, "community/city_detail.html", context)
