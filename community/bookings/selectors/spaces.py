"""Reads of spaces and their closures, filtered to what the asking user may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from community.bookings.models import Space, SpaceClosure, SpaceOpeningHours
from members.selectors import AnyUser, member_project_list


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


def space_closure_list(*, space: Space, now: dt.datetime | None = None) -> QuerySet[SpaceClosure]:
    """The space's current and coming closures, first first."""
    return space.closures.filter(end__gt=now or timezone.now()).order_by("start", "pk")


def space_by_feed_token(*, token: str) -> Space | None:
    """The space whose calendar feed the token opens, with its project; None for any other."""
    return Space.objects.select_related("project").filter(feed_token=token).first()
