"""A meeting as an iCalendar (RFC 5545) file: downloaded from its page and the API, and attached
to the invitation e-mail.

Built with the shared calendar helpers (``common.calendars``): times in UTC with the ``Z``
suffix (no VTIMEZONE needed), the same product id and UID domain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Event

from common.calendars import UID_DOMAIN, new_calendar, utc
from governance.models import AgendaItem, Meeting


def meeting_location(meeting: Meeting) -> str:
    """The place, the link, or both."""
    return " · ".join(part for part in (meeting.place, meeting.link) if part)


def meeting_event(
    *,
    meeting: Meeting,
    agenda: Iterable[AgendaItem] = (),
    url: str = "",
    now: dt.datetime | None = None,
) -> Event:
    """The meeting as one event: its agenda in the description, its page (or link) as URL. A
    meeting without an announced end is written without DTEND, as RFC 5545 allows."""
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{UID_DOMAIN}")
    event.add("dtstamp", utc(now or timezone.now()))
    event.add("dtstart", utc(meeting.start))
    if meeting.end:
        event.add("dtend", utc(meeting.end))
    event.add("summary", f"{meeting.title} · {meeting.project.name}")
    location = meeting_location(meeting)
    if location:
        event.add("location", location)
    lines = [f"{meeting.get_kind_display()} · {meeting.project.name}"]
    items = list(agenda)
    if items:
        lines += ["", _("Agenda:")]
        lines += [f"{item.position}. {item.title}" for item in items]
    if meeting.link:
        lines += ["", _("Join online: %(link)s") % {"link": meeting.link}]
    if url:
        lines += ["", url]
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def meeting_calendar(
    *,
    meeting: Meeting,
    agenda: Iterable[AgendaItem] = (),
    url: str = "",
    now: dt.datetime | None = None,
) -> bytes:
    """One meeting, to add to a calendar."""
    calendar = new_calendar(f"{meeting.project.name} · {meeting.title}")
    calendar.add_component(meeting_event(meeting=meeting, agenda=agenda, url=url, now=now))
    return calendar.to_ical()


__all__ = ["meeting_calendar", "meeting_event", "meeting_location"]
