"""Reads of bookings, waitlists and lottery windows, filtered to what the asking user may see,
and the bookings the calendar feeds carry."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from common.queries import column_in
from community.bookings.models import (
    BLOCKING_STATUSES,
    Booking,
    BookingStatus,
    BookingWindow,
    Space,
    SpaceClosure,
    WaitlistEntry,
)
from community.bookings.selectors.spaces import space_closure_list, space_list_for_user
from members.models import Household, HousingProject
from members.selectors import AnyUser, managed_project_list, own_household_ids

# Calendar clients keep what they once fetched; a month of history lets a household look back
# at recent bookings without the feed growing forever.
FEED_HISTORY = dt.timedelta(days=30)


def household_or_managers(user: AnyUser) -> Q:
    """What a household and the managers of its project see: rows of the user's own household
    and of the spaces of the projects they manage (for models with ``space`` and
    ``household``).

    Both sides test a column of the row's own table, so each is read through its index; a join
    through the space ORed with the household made PostgreSQL read every booking.
    """
    managed_spaces = Space.objects.filter(
        project__in=managed_project_list(user=user).values("pk")
    ).values("pk")
    return column_in("space_id", managed_spaces) | column_in(
        "household_id", own_household_ids(user=user)
    )


def booking_list_for_user(*, user: AnyUser) -> QuerySet[Booking]:
    """Managers see the bookings of their projects; residents their own household's."""
    if user.is_superuser:
        bookings = Booking.objects.all()
    else:
        bookings = Booking.objects.filter(household_or_managers(user))
    return bookings.select_related("space__project__city", "household", "booked_by")


def waitlist_list_for_user(*, user: AnyUser) -> QuerySet[WaitlistEntry]:
    """Waitlist entries with the visibility of bookings: the household's and its managers'."""
    if user.is_superuser:
        entries = WaitlistEntry.objects.all()
    else:
        entries = WaitlistEntry.objects.filter(household_or_managers(user))
    return entries.select_related("space__project", "household")


def booking_window_list_for_user(*, user: AnyUser) -> QuerySet[BookingWindow]:
    """The lottery windows of the spaces the user sees."""
    visible = Space.objects.filter(pk__in=space_list_for_user(user=user).values("pk"))
    return BookingWindow.objects.filter(space__in=visible).select_related("space__project")


def pending_booking_list_for_user(*, user: AnyUser, project: HousingProject) -> QuerySet[Booking]:
    """The project's bookings waiting for a manager's decision, first first."""
    return (
        booking_list_for_user(user=user)
        .filter(space__project=project, status=BookingStatus.PENDING)
        .order_by("start", "pk")
    )


def space_booking_list(*, space: Space, start: dt.datetime, end: dt.datetime) -> QuerySet[Booking]:
    """The space's pending and confirmed bookings touching [start, end), of every household,
    with only what tells them apart on a calendar; one query.

    Who booked each is not for every eye: the caller turns it into a label before anything
    reaches a resident.
    """
    return (
        Booking.objects.filter(
            space=space, status__in=BLOCKING_STATUSES, start__lt=end, end__gt=start
        )
        .select_related("household")
        .only("pk", "start", "end", "status", "unit", "household__unit_label")
        .order_by("start", "pk")
    )


def space_closure_list_with_bookings(
    *, user: AnyUser, space: Space, now: dt.datetime | None = None
) -> list[tuple[SpaceClosure, list[Booking]]]:
    """The space's current and coming closures, each with the pending and confirmed bookings
    inside it that the user sees; two queries. Closing a space leaves its bookings standing:
    the managers decide whether to cancel them."""
    closures = list(space_closure_list(space=space, now=now))
    inside: dict[int, list[Booking]] = {closure.pk: [] for closure in closures}
    if closures:
        bookings = booking_list_for_user(user=user).filter(
            space=space,
            status__in=BLOCKING_STATUSES,
            start__lt=max(c.end for c in closures),
            end__gt=min(c.start for c in closures),
        )
        for booking in bookings.order_by("start", "pk"):
            for closure in closures:
                if booking.start < closure.end and booking.end > closure.start:
                    inside[closure.pk].append(booking)
    return [(closure, inside[closure.pk]) for closure in closures]


# --- Calendar feeds ----------------------------------------------------------------------------


def bookings_for_space_feed(space: Space, *, now: dt.datetime | None = None) -> QuerySet[Booking]:
    """The space's pending and confirmed bookings, upcoming and of the last 30 days; one query."""
    since = (now or timezone.now()) - FEED_HISTORY
    return (
        Booking.objects.filter(space=space, status__in=BLOCKING_STATUSES, end__gt=since)
        .select_related("space")
        .order_by("start", "pk")
    )


def bookings_for_household_feed(
    household: Household, *, now: dt.datetime | None = None
) -> QuerySet[Booking]:
    """The household's pending and confirmed bookings of every space, upcoming and of the last
    30 days; one query."""
    since = (now or timezone.now()) - FEED_HISTORY
    return (
        Booking.objects.filter(household=household, status__in=BLOCKING_STATUSES, end__gt=since)
        .select_related("space__project")
        .order_by("start", "pk")
    )


def household_by_feed_token(*, token: str) -> Household | None:
    """The household whose calendar feed the token opens, with its project; None for any
    other."""
    return Household.objects.select_related("project").filter(feed_token=token).first()
