"""Reads of handovers, maintenance notes and series, filtered to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from community.bookings.models import (
    Booking,
    BookingSeries,
    BookingStatus,
    HandoverReport,
    MaintenanceNote,
)
from community.bookings.selectors.bookings import household_or_managers
from community.bookings.selectors.spaces import space_list_for_user
from members.selectors import AnyUser, managed_project_list


def handover_report_list_for_user(*, user: AnyUser) -> QuerySet[HandoverReport]:
    """Reports of bookings in the spaces the user sees.

    Wider than the user's own bookings: the household of the next booking reviews the report of
    a booking that is not its own. Who may act on a report is checked where it is acted on.
    """
    visible = space_list_for_user(user=user).values("pk")
    return HandoverReport.objects.filter(booking__space__in=visible).select_related(
        "booking__space__project__city", "booking__household", "submitted_by"
    )


def maintenance_note_list_for_user(*, user: AnyUser) -> QuerySet[MaintenanceNote]:
    """Notes of the projects the user manages, with their space and the handover they came
    from (both households), in one query."""
    return MaintenanceNote.objects.filter(
        space__project__in=managed_project_list(user=user).values("pk")
    ).select_related(
        "space__project__city",
        "handover__booking__household",
        "handover__verdict_booking__household",
        "resolved_by",
    )


def booking_series_list_for_user(*, user: AnyUser) -> QuerySet[BookingSeries]:
    """Managers see the series of their projects; residents their household's."""
    if user.is_superuser:
        series = BookingSeries.objects.all()
    else:
        series = BookingSeries.objects.filter(household_or_managers(user))
    return series.select_related("space__project__city", "household")


def handover_next_booking(*, booking: Booking) -> Booking | None:
    """The next confirmed booking of the same unit of the space: its household finds the space as
    this one left it (in a space of several units, another unit says nothing about this one)."""
    return (
        Booking.objects.filter(
            space_id=booking.space_id,
            unit=booking.unit,
            status=BookingStatus.CONFIRMED,
            start__gte=booking.end,
        )
        .exclude(pk=booking.pk)
        .order_by("start", "pk")
        .first()
    )


def handover_before(*, booking: Booking) -> HandoverReport | None:
    """The report the household of ``booking`` is to review: that of the booking just before on
    the same unit, when ``handover_next_booking`` names this booking as its next one."""
    previous = (
        Booking.objects.filter(
            space_id=booking.space_id,
            unit=booking.unit,
            status=BookingStatus.CONFIRMED,
            end__lte=booking.start,
        )
        .exclude(pk=booking.pk)
        .order_by("-start", "-pk")
        .first()
    )
    if previous is None:
        return None
    following = handover_next_booking(booking=previous)
    if following is None or following.pk != booking.pk:
        return None
    return HandoverReport.objects.filter(booking=previous).first()
