"""iCalendar (RFC 5545) files and feeds, for bookings and meetings alike.

Every time is written in UTC with the ``Z`` suffix, so no VTIMEZONE is needed and every client
shows the events in its own zone.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from icalendar import Calendar, vDuration

PRODID = "-//NETCO Commons//EN"
UID_DOMAIN = "netco-commons"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# Clients that honour it poll no more often than this (feeds change only on writes).
REFRESH_INTERVAL = dt.timedelta(minutes=30)


def new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    return calendar


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def calendar_response(content: bytes, *, filename: str | None = None) -> HttpResponse:
    """A calendar answer: a subscribed feed, or with ``filename`` a file to download."""
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
