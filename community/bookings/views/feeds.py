"""Calendar feeds of a space and of a household: no session, the secret token in the URL
is the key."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from common.calendars import calendar_response
from community.bookings.calendars import household_calendar, space_calendar
from community.bookings.selectors.bookings import (
    bookings_for_household_feed,
    bookings_for_space_feed,
    household_by_feed_token,
)
from community.bookings.selectors.spaces import space_by_feed_token


def space_feed(request: HttpRequest, token: str) -> HttpResponse:
    space = space_by_feed_token(token=token)
    if space is None:
        raise Http404
    feed = space_calendar(space=space, bookings=bookings_for_space_feed(space))
    return calendar_response(feed)


def household_feed(request: HttpRequest, token: str) -> HttpResponse:
    household = household_by_feed_token(token=token)
    if household is None:
        raise Http404
    feed = household_calendar(household=household, bookings=bookings_for_household_feed(household))
    return calendar_response(feed)
