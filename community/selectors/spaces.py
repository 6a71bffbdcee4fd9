"""Reads of spaces and bookings, filtered to what the asking user may see."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from community.models import Booking, Space, SpaceOpeningHours
from members.selectors import AnyUser, managed_project_list, own_household_ids


def _resident_project_ids(user: AnyUser) -> QuerySet:
    """Projects where the user lives, while they hold a role there."""
    from members.models import Household

    return Household.objects.filter(pk__in=own_household_ids(user=user)).values("project_id")


def space_list_for_user(*, user: AnyUser) -> QuerySet[Space]:
    """Spaces of the projects the user lives in or manages (city officers see none)."""
    if user.is_superuser:
        spaces = Space.objects.all()
    else:
        spaces = Space.objects.filter(
            Q(project__in=managed_project_list(user=user).values("pk"))
            | Q(project__in=_resident_project_ids(user))
        )
    return spaces.select_related("project__city").prefetch_related(
        Prefetch(
            "opening_hours", queryset=SpaceOpeningHours.objects.order_by("weekday", "opens_minute")
        )
    )


def booking_list_for_user(*, user: AnyUser) -> QuerySet[Booking]:
    """Managers see the bookings of their projects; residents their own household's."""
    if user.is_superuser:
        bookings = Booking.objects.all()
    else:
        bookings = Booking.objects.filter(
            Q(space__project__in=managed_project_list(user=user).values("pk"))
            | Q(household__in=own_household_ids(user=user))
        )
    return bookings.select_related("space__project__city", "household", "booked_by")
