"""What several booking pages share: the grid of a space's slots on the page, the links to
a week and to the booking form, a refusal as one line of text."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse

from common.validation import Conflict
from community.bookings.forms.bookings import local_input_value
from community.bookings.models import Space
from community.bookings.schedule import on_grid


def slot_proposal(
    space: Space, zone: ZoneInfo, start: dt.datetime, end: dt.datetime, length: dt.timedelta
) -> tuple[dt.datetime, dt.datetime] | None:
    """The booking a free interval's button proposes: from its first moment on the grid, for
    ``length`` within the space's shortest and longest booking and the interval's end."""
    begins = on_grid(start, space, zone)
    length = max(length, dt.timedelta(minutes=space.min_duration_minutes))
    length = min(length, dt.timedelta(minutes=space.max_duration_minutes))
    ends = min(begins + length, end)
    if ends - begins < dt.timedelta(minutes=space.min_duration_minutes):
        return None
    return begins, ends


def booking_form_url(space: Space, zone: ZoneInfo, start: dt.datetime, end: dt.datetime) -> str:
    query = urlencode(
        {"start": local_input_value(start, zone), "end": local_input_value(end, zone)}
    )
    return f"{reverse('booking_create', args=[space.pk])}?{query}"


def week_url(space: Space, day: dt.date) -> str:
    return f"{reverse('space_week', args=[space.pk])}?week={day.isoformat()}"


def error_text(exc: Exception) -> str:
    if isinstance(exc, Conflict):
        return exc.message
    return " ".join(exc.messages)  # type: ignore[attr-defined]
