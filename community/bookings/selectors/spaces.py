"""Reads of spaces and their closures, filtered to what the asking user may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from community.bookings.models import Space, SpaceClosure, SpaceOpeningHours
from members.models import Household
from members.selectors import AnyUser, member_project_list, own_household_ids


def space_list_for_user(*, user: AnyUser) -> QuerySet[Space]:
    """Spaces of the projects the user lives in or manages (city officers see none)."""
    if user.is_superuser:
        spaces = Space.objects.all()
    else:
        spaces = Space.objects.filter(project__in=member_project_list(user=user).values("pk"))
    return spaces.select_related("project__city").prefetch_related(
        Prefetch(
            "opening_hours", queryset=SpaceOpeningHours.objects.order_by("weekday", "opens_minute")
        )
    )


def home_household_for_space(*, user: AnyUser, space_id: int) -> Household | None:
    """The household the user lives in, if it is in the project of space ``space_id``, with its
    project and city; None otherwise (the space may not exist, or be another project's, or the
    user may manage its project without living there).

    Found, it shows as well that the user may see the space: one query for what a resident's
    own booking needs, instead of the space's visibility and then the household.
    """
    return (
        Household.objects.filter(pk__in=own_household_ids(user=user), project__spaces=space_id)
        .select_related("project__city")
        .first()
    )


def space_closure_list(*, space: Space, now: dt.datetime | None = None) -> QuerySet[SpaceClosure]:
    """The space's current and coming closures, first first."""
    return space.closures.filter(end__gt=now or timezone.now()).order_by("start", "pk")


def space_by_feed_token(*, token: str) -> Space | None:
    """The space whose calendar feed the token opens, with its project; None for any other."""
    return Space.objects.select_related("project").filter(feed_token=token).first()
