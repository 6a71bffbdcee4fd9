"""The city indicators' facts that belong to apps above community: turnout and meetings.

The indicators count them (DESIGN.md §4), but community never imports governance
(ARCHITECTURE.md). Governance registers its reader here when it loads
(``GovernanceConfig.ready``), and the snapshot asks through this module; without a reader the
participation indicators have no data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Turnout:
    """Ballots cast over voters, of votes closed in a month, and the households among them."""

    ballots: int
    voters: int
    households: int


@dataclass(frozen=True)
class ParticipationFacts:
    # (project id, month, household size filter) → the month's turnout
    turnout: dict[tuple[int, dt.date, str], Turnout] = field(default_factory=dict)
    # (project id, first month of the quarter) → households in the quarter's electorates
    electorate_households: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    # (project id, month) → meetings that started in the month
    meetings: dict[tuple[int, dt.date], int] = field(default_factory=dict)


class ParticipationReader(Protocol):
    def __call__(
        self,
        *,
        city_id: int,
        start: dt.datetime,
        end: dt.datetime,
        zone: ZoneInfo,
        size_filter: Callable[[str], Any],
    ) -> ParticipationFacts: ...


_reader: ParticipationReader | None = None


def register_participation_reader(reader: ParticipationReader) -> None:
    global _reader  # noqa: PLW0603 - one registry for the process, set once at start-up
    _reader = reader


def participation_facts(
    *,
    city_id: int,
    start: dt.datetime,
    end: dt.datetime,
    zone: ZoneInfo,
    size_filter: Callable[[str], Any],
) -> ParticipationFacts:
    """The participation facts of the city's projects over [start, end), from the registered
    reader; ``size_filter`` builds the household size category of a household reference."""
    if _reader is None:
        return ParticipationFacts()
    return _reader(city_id=city_id, start=start, end=end, zone=zone, size_filter=size_filter)
