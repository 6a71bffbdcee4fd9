"""What the apps above members hold about a person, for their rights of access and erasure
(GDPR art. 15, 17 and 20).

Bookings, money and votes live in community and governance, which members never imports
(ARCHITECTURE.md). Each of those apps registers here, in its ``AppConfig.ready``, a reader of
its sections of a person's export and an eraser of what it holds of a removed resident, as
``community/monitoring/sources.py`` does for participation. Members' export selector and its
erasure service call them; without registrations they export and erase members' data only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Model, Q, Value
from django.db.models.functions import Replace

from members.models import Household, Resident, User


@dataclass(frozen=True)
class Subject:
    """Whose data is asked for: the account, the household it lives in (or None) and that
    household's residents."""

    user: User
    household: Household | None
    residents: list[Resident]

    @property
    def resident_ids(self) -> list[int]:
        return [resident.pk for resident in self.residents]


@dataclass(frozen=True)
class Erased:
    """A resident being erased: the row (still holding the names), its account (or None) and
    the texts that name them, longest first, to replace by ``placeholder`` in free text."""

    resident: Resident
    user: User | None
    names: list[str]
    placeholder: str


class ExportReader(Protocol):
    def __call__(self, *, subject: Subject) -> dict[str, Any]: ...


class Eraser(Protocol):
    def __call__(self, *, erased: Erased) -> None: ...


_readers: dict[str, ExportReader] = {}
_erasers: dict[str, Eraser] = {}


def register_export_reader(name: str, reader: ExportReader) -> None:
    """``reader`` returns sections (name → JSON-ready rows) in a fixed number of queries."""
    _readers[name] = reader


def register_eraser(name: str, eraser: Eraser) -> None:
    """``eraser`` runs inside the erasure's transaction; raising rolls all of it back."""
    _erasers[name] = eraser


def export_readers() -> list[ExportReader]:
    return [_readers[name] for name in sorted(_readers)]


def erasers() -> list[Eraser]:
    return [_erasers[name] for name in sorted(_erasers)]


def export_value(value: Any) -> Any:
    """A field's value as JSON has it: dates in ISO 8601, decimals as text."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def export_row(instance: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: export_value(getattr(instance, name)) for name in fields}


def names_scrub(
    model: type[Model],
    fields: Iterable[str],
    *,
    erased: Erased,
    rows: Q | None = None,
) -> int:
    """Replace the erased person's names in free-text ``fields`` of ``model`` (the rows of
    ``rows``, or all), case-insensitively, in one UPDATE per field. Returns the rows changed."""
    changed = 0
    for field in fields:
        for name in erased.names:
            matches = Q(**{f"{field}__icontains": name})
            queryset = model._default_manager.filter(matches & rows if rows else matches)
            # Replace() is case-sensitive: rewrite each spelling found.
            spellings = {
                found
                for text in queryset.values_list(field, flat=True)
                for found in re.findall(re.escape(name), text, flags=re.IGNORECASE)
            }
            for spelling in spellings:
                changed += queryset.filter(**{f"{field}__contains": spelling}).update(
                    **{field: Replace(field, Value(spelling), Value(erased.placeholder))}
                )
    return changed
