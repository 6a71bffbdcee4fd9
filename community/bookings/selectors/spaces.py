"""Reads of spaces and their closures, filtered to what the asking user may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from community.models import Space, SpaceClosure, SpaceOpeningHours
from members.models import Household, HousingProject
from members.selectors import AnyUser, managed_project_list, own_household_ids


def space_project_list_for_user(*, user: AnyUser) -> QuerySet[HousingProject]:
    """Projects whose spaces the user sees: the ones they manage or live in (while they hold a
    role there). City officers see none."""
    if user.is_superuser:
        return HousingProject.objects.all()
    lived_in = Household.objects.filter(pk__in=own_household_ids(user=user)).values("project_id")
    return HousingProject.objects.filter(
        Q(pk__in=managed_project_list(user=user).values("pk")) | Q(pk__in=lived_in)
    )


def space_list_for_user(*, user: AnyUser) -> QuerySet[Space]:
    """Spaces of the projects the user lives in or manages (city officers see none)."""
    if user.is_superuser:
        spaces = Space.objects.all()
    else:
        spaces = Space.objects.filter(
            project__in=space_project_list_for_user(user=user).values("pk")
        )
    return spaces.select_related("project__city").prefetch_related(
        Prefetch(
            "opening_hours", queryset=SpaceOpeningHours.objects.order_by("weekday", "opens_minute")
        )
    )


def space_closure_list(*, space: Space, now: dt.datetime | None = None) -> QuerySet[SpaceClosure]:
    """The space's current and coming closures, first first."""
    return space.closures.filter(end__gt=now or timezone.now()).order_by("start", "pk")


def space_by_feed_token(*, token: str) -> Space | None:
    """The space whose calendar feed the token opens, with its project; None for any other."""
    return Space.objects.select_related("project").filter(feed_token=token).first()
