"""Statistical disclosure control for the city indicators (DESIGN.md §4).

Pure functions over plain values: no ORM, no Django. The indicator snapshot computes its cells,
hands them here with the additive relations they obey, and stores only what comes back; a
suppressed value therefore never reaches the database, the browser or the API.

The rules, as DESIGN.md §4 states them (OECD/Eurostat and UK ONS practice):

1. **Threshold rule** — a statistic (share, median, mean, ratio) computed from fewer than ``k``
   households is suppressed; ``k`` is a city setting, 10 by default and never below 5
   (``effective_k``). A sum is a magnitude statistic too: the minimum-frequency rule applies to
   it before the dominance rule (the Eurostat handbook, ch. 4, treats a magnitude cell with a
   small count or with dominance as sensitive).
2. **Small counts** — a count (of households or residents) below ``k`` is published as
   "< k", never as its value (ONS guidance on low counts in frequency tables).
3. **Dominance rule** (n = 2, k = 85) — a sum to which the two largest households contribute
   more than 85 % is suppressed: either of them could subtract its own part and learn the
   other's almost exactly (the (n,k)-dominance rule, Eurostat handbook ch. 4).
4. **Secondary suppression** — wherever a total, another filter or another month would let a
   hidden cell be recovered by subtraction, a second cell is suppressed (complementary or
   secondary cell suppression: Eurostat handbook ch. 4 and 5; ONS guidance on differencing).

Secondary suppression works on *groups*: cells whose published values obey ``total = Σ parts``
— the projects of a city adding to the city figure for a month, the categories of a filter
adding to the all-households figure, months adding to a quarter or year total where one is
published. A cell may belong to several groups (rows × columns × months). Two passes:

- the *singleton rule*: no group may hold exactly one hidden cell, for the others would give it
  away by one subtraction; the smallest published part of such a group (fewest households, then
  smallest value, then key: deterministic) is hidden too, until every group is stable;
- the *audit*: the hidden cells are the unknowns of the system of every group's equation; a
  hidden cell that system pins down, through any chain of subtractions (e.g. a "bridge"
  between two otherwise safe rectangles of a three-way table) or through the bounds a reader
  knows ("< k" is at most k − 1, a blank count at least k, a sum at least 0), gets one more
  companion, and both passes repeat until no hidden cell is determined.

Medians are not additive and take part in no group: a project median cannot be recovered from
the city median and the other medians. Shares and rates are: a city rate is Σ numerators ÷
Σ denominators, so a rate cell stands in its groups for its (numerator count, denominator count)
pair. Both counts obey the group's equations with the rate's suppression pattern, so protecting
the rate cells additively protects both counts.

What is *not* attempted: protection intervals (tau-ARGUS's sliding protection levels). A hidden
cell may still be bounded within an interval by the published cells; only its exact recovery is
prevented, as DESIGN.md §4 asks.

Sources:
- DESIGN.md §4 "Disclosure control".
- Office for National Statistics, "Disclosure control guidance for tables produced from
  surveys" (threshold rule, dominance rule, secondary suppression).
- Eurostat/ESSnet, "Handbook on Statistical Disclosure Control", A. Hundepool et al.,
  chapter 4 "Magnitude tabular data" and chapter 5 "Frequency tables"; also Hundepool et al.,
  "Statistical Disclosure Control", Wiley 2012.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

Number = int | Decimal | Fraction
Exact = int | Fraction
Key = Hashable

DEFAULT_K = 10
MIN_K = 5
# Dominance rule (n, k) = (2, 85): the two largest contributors, more than 85 % of the sum.
DOMINANCE_N = 2
DOMINANCE_PERCENT = 85


class CellKind(StrEnum):
    """How a cell is protected.

    ``count``: a number of households or residents ("< k" below the threshold).
    ``statistic``: a share, rate, median, mean or ratio computed from ``n_households``
    households; a count of things rather than people (meetings held) is a statistic of the
    households it describes.
    ``sum``: a magnitude added up over households (amounts, hours), with its contributions.
    """

    COUNT = "count"
    STATISTIC = "statistic"
    SUM = "sum"


class Reason(StrEnum):
    """Why a cell is suppressed. Kept for audits, not published: a reason that told primary
    from secondary suppression apart would point at the small cells, so readers see one mark
    for every suppressed cell (and "< k" for a small count, as DESIGN.md §4 asks)."""

    THRESHOLD = "threshold"
    DOMINANCE = "dominance"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class BelowThreshold:
    """A count published as "< k" instead of its value."""

    k: int

    def __str__(self) -> str:
        return f"< {self.k}"


def effective_k(city_k: int | None) -> int:
    """The threshold a city's setting gives: 10 when unset, never below 5 (DESIGN.md §4)."""
    return max(MIN_K, city_k or DEFAULT_K)


def _exact(value: object, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        raise TypeError(f"{what} must be an int, Decimal or Fraction, not {value!r}")
    return Fraction(value)


@dataclass(frozen=True)
class Cell:
    """One figure of a table before protection.

    ``key`` identifies it, e.g. ``(project_id, month, indicator, filter)``; ``n_households`` is
    the number of households it is computed from; ``contributions`` (sums only) are the
    households' non-negative contributions, all of them or just the largest two (the sum itself
    is ``value``).
    """

    key: Key
    kind: CellKind
    value: Number | None
    n_households: int
    contributions: tuple[Number, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CellKind(self.kind))
        object.__setattr__(self, "contributions", tuple(self.contributions))
        if isinstance(self.n_households, bool) or not isinstance(self.n_households, int):
            raise TypeError(f"n_households of {self.key!r} must be an int")
        if self.n_households < 0:
            raise ValueError(f"n_households of {self.key!r} cannot be negative")
        if self.value is not None:
            _exact(self.value, f"the value of {self.key!r}")
        if self.kind is CellKind.COUNT and (
            self.value is None or not isinstance(self.value, int) or self.value < 0
        ):
            raise ValueError(f"the count {self.key!r} needs a non-negative integer value")
        if self.kind is not CellKind.SUM and self.contributions:
            raise ValueError(f"only sums have contributions ({self.key!r})")
        if self.kind is CellKind.SUM:
            parts = [_exact(c, f"a contribution to {self.key!r}") for c in self.contributions]
            if any(part < 0 for part in parts):
                raise ValueError(f"contributions to {self.key!r} cannot be negative")
            if len(parts) > self.n_households:
                raise ValueError(f"{self.key!r} has more contributions than households")
            if len(parts) < min(DOMINANCE_N, self.n_households):
                raise ValueError(
                    f"the dominance rule needs the largest contributions to {self.key!r}"
                )
            complete = len(parts) == self.n_households
            if self.value is not None and complete and sum(parts) != _exact(self.value, "sum"):
                raise ValueError(f"the contributions to {self.key!r} do not add up to its value")

    @property
    def size(self) -> tuple[int, Fraction]:
        """How much a cell tells: households first, then magnitude (for "smallest")."""
        return (self.n_households, abs(Fraction(self.value)) if self.value is not None else 0)


@dataclass(frozen=True)
class Group:
    """An additive relation among published cells: ``total = Σ parts``."""

    total: Key
    parts: tuple[Key, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.parts))
        if not self.parts:
            raise ValueError(f"the group of {self.total!r} has no parts")
        if self.total in self.parts or len(set(self.parts)) != len(self.parts):
            raise ValueError(f"the group of {self.total!r} repeats a cell")

    @property
    def members(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Screened:
    """A cell after a suppression pass: its publishable value, or why it is hidden."""

    cell: Cell
    value: Number | BelowThreshold | None
    reason: Reason | None = None

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class Table:
    """Screened cells, the additive groups they belong to, and the threshold they were
    screened with (a hidden count shown blank rather than "< k" is known to be at least k)."""

    cells: Mapping[Key, Screened]
    groups: Sequence[Group] = field(default_factory=tuple)
    k: int = DEFAULT_K


@dataclass(frozen=True)
class PublishedCell:
    """What may leave the protection step: a value, or ``suppressed`` with no value at all.

    ``display`` is "< k" for a small count and empty otherwise. ``reason`` is for storage and
    audits; ``public()`` is what a page or the API may send.
    """

    key: Key
    kind: CellKind
    value: Number | None
    suppressed: bool
    reason: Reason | None
    display: str

    def public(self) -> dict[str, Any]:
        return {"value": self.value, "suppressed": self.suppressed, "display": self.display}


def _order(key: Key) -> str:
    # Keys mix types (a city total has project None): their repr orders them deterministically.
    return repr(key)


def _index(cells: Iterable[Cell]) -> dict[Key, Cell]:
    indexed: dict[Key, Cell] = {}
    for cell in cells:
        if cell.key in indexed:
            raise ValueError(f"two cells have the key {cell.key!r}")
        indexed[cell.key] = cell
    return indexed


def _dominated(cell: Cell) -> bool:
    """(2, 85)-dominance: the two largest contributions exceed 85 % of the sum."""
    total = Fraction(cell.value) if cell.value is not None else Fraction(0)
    largest = sorted((Fraction(c) for c in cell.contributions), reverse=True)[:DOMINANCE_N]
    return sum(largest, Fraction(0)) * 100 > total * DOMINANCE_PERCENT


def _screen(cell: Cell, k: int) -> Screened:
    if cell.kind is CellKind.COUNT:
        if int(cell.value or 0) < k:
            return Screened(cell, BelowThreshold(k), Reason.THRESHOLD)
        if cell.n_households < k:
            # Residents of fewer than k households: "< k" would be untrue, so hide it.
            return Screened(cell, None, Reason.THRESHOLD)
        return Screened(cell, cell.value)
    if cell.n_households < k:
        return Screened(cell, None, Reason.THRESHOLD)
    if cell.kind is CellKind.SUM and _dominated(cell):
        return Screened(cell, None, Reason.DOMINANCE)
    if cell.value is None:
        raise ValueError(
            f"{cell.key!r} is computed from {cell.n_households} households but has no value"
        )
    return Screened(cell, cell.value)


def primary_suppression(cells: Iterable[Cell], k: int | None) -> dict[Key, Screened]:
    """Apply the threshold, small-count and dominance rules to each cell on its own.

    A count below ``k`` keeps a ``BelowThreshold(k)`` marker as its value (shown as "< k") and
    counts as suppressed for secondary suppression. ``k`` passes through ``effective_k``, so it
    is never below 5.
    """
    k = effective_k(k)
    return {key: _screen(cell, k) for key, cell in _index(cells).items()}


def recoverable_cells(hidden: Collection[Key], groups: Iterable[Group]) -> set[Key]:
    """The hidden cells whose exact value the published cells give away through the groups.

    Each group is one equation ``total − Σ parts = 0``; with the published cells moved to the
    right-hand side, its unknowns are its hidden cells. A hidden cell is recoverable when its
    unit vector lies in the row space of that system, i.e. when some combination of
    subtractions isolates it. Exact Gauss–Jordan elimination over the rationals; the reduced row
    of a recoverable cell has no other unknown.
    """
    keys = sorted(set(hidden), key=_order)
    column = {key: i for i, key in enumerate(keys)}
    pivots: dict[int, dict[int, Exact]] = {}
    for group in groups:
        row: dict[int, Exact] = {}
        for key, sign in ((group.total, 1), *((part, -1) for part in group.parts)):
            if key in column:
                row[column[key]] = row.get(column[key], 0) + sign
        _reduce_into(pivots, {c: v for c, v in row.items() if v})
    return {keys[p] for p, row in pivots.items() if len(row) == 1}


def _divide(value: Exact, by: Exact) -> Exact:
    # Coefficients stay whole numbers in most tables (a two-way table's are ±1): keep them
    # ints, which are many times faster than Fractions, and go exact-rational only when needed.
    if isinstance(value, int) and isinstance(by, int) and value % by == 0:
        return value // by
    return Fraction(value) / by


def _subtract_multiple(row: dict[int, Exact], factor: Exact, other: dict[int, Exact]) -> None:
    """row −= factor · other, dropping the zeros."""
    for c, v in other.items():
        updated = row.get(c, 0) - factor * v
        if updated:
            row[c] = updated
        else:
            row.pop(c, None)


def _reduce_into(pivots: dict[int, dict[int, Exact]], row: dict[int, Exact]) -> None:
    """Add ``row`` to a fully reduced row-echelon basis (every pivot column is zero in every
    other basis row, so one pass over the row's pivot columns reduces it)."""
    for col in [c for c in row if c in pivots]:
        factor = row.get(col)
        if factor:
            _subtract_multiple(row, factor, pivots[col])
    if not row:
        return
    pivot = min(row)
    scale = row[pivot]
    row = {c: _divide(v, scale) for c, v in row.items()}
    for other in pivots.values():
        factor = other.get(pivot)
        if factor:
            _subtract_multiple(other, factor, row)
    pivots[pivot] = row


def pinned_by_bounds(
    cells: Mapping[Key, Screened], hidden: Collection[Key], groups: Iterable[Group], k: int
) -> set[Key]:
    """The hidden counts and sums that the groups pin to one value once bounds are used.

    What a reader knows of a hidden cell: a count shown "< k" lies in [0, k − 1]; a count
    shown blank is at least k (a smaller one would read "< k"); a sum is at least 0. With a
    published total those bounds can leave one value only: "< 10" and a blank cell adding up to
    a published 10 are 0 and 10. Interval propagation over each group of counts (or of sums)
    to a fixed point, rounding to whole numbers for counts. Rates take no part: their groups
    are equations between numerators and denominators, which the linear audit covers.
    """
    hidden = set(hidden)
    low: dict[Key, Exact | None] = {}
    high: dict[Key, Exact | None] = {}
    for key in hidden:
        screened = cells[key]
        if screened.cell.kind is CellKind.COUNT and isinstance(screened.value, BelowThreshold):
            low[key], high[key] = 0, screened.value.k - 1
        elif screened.cell.kind is CellKind.COUNT:
            low[key], high[key] = k, None
        else:
            low[key], high[key] = 0, None
    equations: list[_Equation] = []
    for group in groups:
        kinds = {cells[key].cell.kind for key in group.members}
        if len(kinds) != 1 or not kinds <= {CellKind.COUNT, CellKind.SUM}:
            continue
        signed = [(group.total, 1), *((part, -1) for part in group.parts)]
        unknown = [(key, sign) for key, sign in signed if key in hidden]
        if unknown:
            known = sum(
                (
                    sign * _exact_number(cells[key].cell.value)
                    for key, sign in signed
                    if key not in hidden
                ),
                0,
            )
            integral = kinds == {CellKind.COUNT}
            equations.append(_Equation(unknown, -known, integral))
    equations_of: dict[Key, list[_Equation]] = {}
    for equation in equations:
        for key, _sign in equation.unknown:
            equations_of.setdefault(key, []).append(equation)
    pending = deque(equations)
    queued = set(map(id, equations))
    budget = _MAX_BOUND_VISITS_PER_EQUATION * len(equations)
    while pending and budget > 0:
        budget -= 1
        equation = pending.popleft()
        queued.discard(id(equation))
        for key in equation.tighten(low, high):
            for other in equations_of[key]:
                if id(other) not in queued:
                    queued.add(id(other))
                    pending.append(other)
    return {key for key in low if high[key] is not None and low[key] == high[key]}


# Integer bounds narrow by at least one per visit that changes them; the cap keeps a
# pathological table from looping long (the linear audit still runs in full).
_MAX_BOUND_VISITS_PER_EQUATION = 200


def _exact_number(value: Number | None) -> Exact:
    return value if isinstance(value, int) else Fraction(value or 0)


@dataclass
class _Equation:
    """Σ sign·x = rhs over a group's hidden members."""

    unknown: list[tuple[Key, int]]
    rhs: Exact
    integral: bool

    def tighten(self, low: dict, high: dict) -> list[Key]:
        """Narrow each member's bounds from the others'; the members whose bounds changed."""
        # Bounds of each term sign·x, and their sums (None: unbounded).
        terms = []
        for key, sign in self.unknown:
            lo, hi = low[key], high[key]
            terms.append((lo, hi) if sign > 0 else (_neg(hi), _neg(lo)))
        low_sum = sum(t[0] for t in terms if t[0] is not None)
        high_sum = sum(t[1] for t in terms if t[1] is not None)
        low_missing = sum(t[0] is None for t in terms)
        high_missing = sum(t[1] is None for t in terms)
        changed = []
        for (key, sign), (term_low, term_high) in zip(self.unknown, terms, strict=True):
            # term = rhs − Σ other terms.
            others_high = _without(high_sum, high_missing, term_high)
            others_low = _without(low_sum, low_missing, term_low)
            new_low = None if others_high is None else self.rhs - others_high
            new_high = None if others_low is None else self.rhs - others_low
            if sign < 0:
                new_low, new_high = _neg(new_high), _neg(new_low)
            if self.integral:
                new_low = None if new_low is None else -((-new_low) // 1)
                new_high = None if new_high is None else new_high // 1
            moved = False
            if new_low is not None and (low[key] is None or new_low > low[key]):
                low[key], moved = new_low, True
            if new_high is not None and (high[key] is None or new_high < high[key]):
                high[key], moved = new_high, True
            if moved:
                changed.append(key)
        return changed


def _without(total: Exact, missing: int, own: Exact | None) -> Exact | None:
    """The sum of the other terms' bounds, or None when one of them is unbounded."""
    if own is None:
        return None if missing > 1 else total
    return None if missing else total - own


def _neg(value: Exact | None) -> Exact | None:
    return None if value is None else -value


def _next_smallest(group: Group, hidden: set[Key], cells: Mapping[Key, Screened]) -> Key | None:
    """The published part of the group that tells least; the total only when no part is left
    (a city total is the headline figure, so it goes last)."""
    parts = [key for key in group.parts if key not in hidden]
    if parts:
        return min(parts, key=lambda key: (cells[key].cell.size, _order(key)))
    return None if group.total in hidden else group.total


def secondary_suppression(table: Table) -> dict[Key, Screened]:
    """Hide companions of the hidden cells until no hidden cell can be recovered by subtraction.

    Returns the screened cells with the companions marked ``Reason.SECONDARY`` (value None).
    Deterministic: the same table always gives the same suppression pattern.
    """
    cells = dict(table.cells)
    k = effective_k(table.k)
    groups = sorted(table.groups, key=lambda g: (_order(g.total), [_order(p) for p in g.parts]))
    for group in groups:
        missing = [key for key in group.members if key not in cells]
        if missing:
            raise ValueError(f"the group of {group.total!r} names unknown cells {missing!r}")
    groups_of: dict[Key, list[Group]] = {}
    for group in groups:
        for key in group.members:
            groups_of.setdefault(key, []).append(group)
    hidden = {key for key, screened in cells.items() if screened.suppressed}

    def hide(key: Key) -> None:
        hidden.add(key)
        cells[key] = Screened(cells[key].cell, None, Reason.SECONDARY)

    while True:
        # Singleton rule, to a fixed point: cheap, and enough for most tables.
        pending = deque(g for g in groups if any(key in hidden for key in g.members))
        while pending:
            group = pending.popleft()
            if sum(key in hidden for key in group.members) != 1:
                continue
            companion = _next_smallest(group, hidden, cells)
            if companion is not None:
                hide(companion)
                pending.extend(groups_of[companion])
        # Audit: what chains of subtractions across groups, and the bounds, still give away.
        exposed = recoverable_cells(hidden, groups) | pinned_by_bounds(cells, hidden, groups, k)
        companion = None
        for key in sorted(exposed, key=_order):
            for group in groups_of.get(key, ()):
                companion = _next_smallest(group, hidden, cells)
                if companion is not None:
                    break
            if companion is not None:
                break
        if companion is None:
            # Nothing left to hide beside an exposed cell: the groups themselves determine it
            # (e.g. two groups with the same total whose parts differ by one cell).
            return cells
        hide(companion)


def protect(cells: Iterable[Cell], groups: Iterable[Group], k: int | None) -> list[PublishedCell]:
    """Primary then secondary suppression: every cell, in input order, as it may be published."""
    cells = list(cells)
    k = effective_k(k)
    screened = secondary_suppression(Table(primary_suppression(cells, k), tuple(groups), k))
    published = []
    for cell in cells:
        result = screened[cell.key]
        below = isinstance(result.value, BelowThreshold)
        published.append(
            PublishedCell(
                key=cell.key,
                kind=cell.kind,
                value=None if result.suppressed else result.value,  # type: ignore[arg-type]
                suppressed=result.suppressed,
                reason=result.reason,
                display=str(result.value) if below else "",
            )
        )
    return published


__all__ = [
    "DEFAULT_K",
    "DOMINANCE_N",
    "DOMINANCE_PERCENT",
    "MIN_K",
    "BelowThreshold",
    "Cell",
    "CellKind",
    "Group",
    "PublishedCell",
    "Reason",
    "Screened",
    "Table",
    "effective_k",
    "pinned_by_bounds",
    "primary_suppression",
    "protect",
    "recoverable_cells",
    "secondary_suppression",
]
