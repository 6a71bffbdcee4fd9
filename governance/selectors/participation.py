"""Governance's facts for the city indicators: turnout of closed votes and meetings held.

Registered with ``community.indicator_sources`` when the app loads, so the nightly snapshot
counts them without community importing governance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, DateField
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter
from django.utils import timezone

from community.monitoring.sources import ParticipationFacts, Turnout
from governance.models import Meeting, ProposalStatus, Voter


def city_participation_facts(
    *,
    city_id: int,
    start: dt.datetime,
    end: dt.datetime,
    zone: ZoneInfo,
    size_filter: Callable[[str], Any],
) -> ParticipationFacts:
    """Voters and ballots of the votes closed in each month of [start, end), per project and
    household size, the households in the electorates of each quarter, and the meetings that
    started in each month (and have started by now): three queries."""
    closed = Coalesce("proposal__closed_at", "proposal__closes_at")
    voters = (
        Voter.objects.filter(
            proposal__project__city_id=city_id, proposal__status=ProposalStatus.CLOSED
        )
        .order_by()
        .annotate(closed=closed)
        .filter(closed__gte=start, closed__lt=end)
    )
    turnout = {
        (row["proposal__project_id"], row["month"], row["size_filter"]): Turnout(
            ballots=row["ballots"], voters=row["voters"], households=row["households"]
        )
        for row in voters.annotate(
            month=TruncMonth("closed", tzinfo=zone, output_field=DateField()),
            size_filter=size_filter("household_id"),
        )
        .values("proposal__project_id", "month", "size_filter")
        .annotate(
            voters=Count("pk", distinct=True),
            ballots=Count("participations", distinct=True),
            households=Count("household", distinct=True),
        )
    }
    electorate_households = {
        (row["proposal__project_id"], row["quarter"]): row["households"]
        for row in voters.annotate(
            quarter=TruncQuarter("closed", tzinfo=zone, output_field=DateField())
        )
        .values("proposal__project_id", "quarter")
        .annotate(households=Count("household", distinct=True))
    }
    meetings = {
        (row["project_id"], row["month"]): row["meetings"]
        for row in Meeting.objects.filter(
            project__city_id=city_id, start__gte=start, start__lt=min(end, timezone.now())
        )
        .order_by()
        .annotate(month=TruncMonth("start", tzinfo=zone, output_field=DateField()))
        .values("project_id", "month")
        .annotate(meetings=Count("pk"))
    }
    return ParticipationFacts(
        turnout=turnout, electorate_households=electorate_households, meetings=meetings
    )
