"""Booking calendars as iCalendar (RFC 5545) feeds: one per space, one per household, one per
booking.

Every time is written in UTC with the ``Z`` suffix, so the feeds need no VTIMEZONE and every
client shows them in its own zone. A feed is reached by an unguessable token instead of a
session (calendar clients cannot sign in); rotating the token revokes the old URL.

Privacy: the space feed is shared with the whole project, so it says only that a slot is
booked and whether it is confirmed, never which household booked it. The household feed is the
household's own and carries the space, the unit of the space and the note.

What the feeds carry is read by ``community.selectors.bookings``; rotating a feed's token is
``community.services.spaces``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Event

from common.calendars import UID_DOMAIN, new_calendar, utc
from community.bookings.models import BLOCKING_STATUSES, Booking, BookingStatus, Space
from members.models import Household

ICAL_STATUS = {
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.PENDING: "TENTATIVE",
}


def _space_label(booking: Booking) -> str:
    """The space's name, with the unit when the space has several (washing machine 2 of 3)."""
    if booking.space.units > 1:
        return _("%(space)s · unit %(unit)s") % {"space": booking.space.name, "unit": booking.unit}
    return booking.space.name


def _event(booking: Booking, *, summary: str, stamp: dt.datetime) -> Event:
    if booking.status == BookingStatus.PENDING:
        summary = _("%(summary)s (pending approval)") % {"summary": summary}
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", utc(booking.start))
    event.add("dtend", utc(booking.end))
    event.add("summary", summary)
    # Anything that is not blocking any more is cancelled for the calendar (only the
    # single-booking calendar ever shows one: the feeds leave them out).
    event.add("status", ICAL_STATUS.get(booking.status, "CANCELLED"))
    event.add("transp", "OPAQUE")
    return event


def _household_event(booking: Booking, stamp: dt.datetime) -> Event:
    event = _event(booking, summary=_space_label(booking), stamp=stamp)
    event.add("location", f"{booking.space.project.name} · {booking.space.name}")
    if booking.note:
        event.add("description", booking.note)
    return event


def space_calendar(
    *, space: Space, bookings: Iterable[Booking], now: dt.datetime | None = None
) -> bytes:
    """The space's feed: each booking is only "Booked", with its status, and no household."""
    stamp = utc(now or timezone.now())
    calendar = new_calendar(f"{space.project.name} · {space.name}")
    for booking in bookings:
        if booking.status not in BLOCKING_STATUSES:
            continue
        summary = _("Booked")
        if space.units > 1:
            summary = _("Booked · unit %(unit)s") % {"unit": booking.unit}
        calendar.add_component(_event(booking, summary=summary, stamp=stamp))
    return calendar.to_ical()


def household_calendar(
    *, household: Household, bookings: Iterable[Booking], now: dt.datetime | None = None
) -> bytes:
    """The household's own feed: the space, the unit of the space and the note of each booking."""
    stamp = utc(now or timezone.now())
    calendar = new_calendar(
        _("%(project)s · unit %(unit)s · bookings")
        % {"project": household.project.name, "unit": household.unit_label}
    )
    for booking in bookings:
        if booking.status in BLOCKING_STATUSES:
            calendar.add_component(_household_event(booking, stamp))
    return calendar.to_ical()


def booking_calendar(*, booking: Booking, now: dt.datetime | None = None) -> bytes:
    """One booking, to add to a calendar by hand; a cancelled one comes out as CANCELLED so that
    importing it again removes it."""
    stamp = utc(now or timezone.now())
    calendar = new_calendar(_space_label(booking))
    calendar.add_component(_household_event(booking, stamp))
    return calendar.to_ical()


__all__ = [
    "booking_calendar",
    "household_calendar",
    "space_calendar",
]
