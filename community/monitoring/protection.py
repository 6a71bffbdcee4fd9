"""The city indicators' totals and their protection (DESIGN.md §4, "City indicators" and
"Disclosure control"): figures in, protected figures out.

Pure functions over plain values: no ORM. The snapshot's selectors
(``community.monitoring.selectors.aggregates``) read every project's figures; this module adds
them up into the all-households figure of each size-filtered indicator, the flows' quarter
totals and the city's figure of everything, protects every table with ``common.disclosure``,
and derives occupancy from the protected household counts; the snapshot service stores what
comes back.

Which indicator is a count, a rate, a share of a sum or a median, which are split by household
size and which add up over months is the ``Layout`` the caller passes (the snapshot's is
``community.monitoring.services.snapshots.LAYOUT``), so that this module needs no model.

Disclosure control (DESIGN.md §4, ``common.disclosure``): every figure is a ``Cell`` with the
number of households it describes (the threshold rule; "< k" for a small count). Sums over
households (bookings, booked hours) are also held to the (2, 85) dominance rule on the two
largest households' parts. The groups protect projects against the city total, size filters
against the all-households figure, and months against their quarter's total; medians belong to
no group. Cells that share no group are protected apart (each indicator and month, or indicator
and quarter, is one table), which keeps the secondary-suppression audit small. A figure with
nothing to measure (no denominator, no value for a median) gets no cell, rather than a
suppressed one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction

from common.disclosure import (
    BelowThreshold,
    Cell,
    CellKind,
    Group,
    PublishedCell,
    Reason,
    Screened,
    Table,
    primary_suppression,
    secondary_suppression,
)
from common.months import add_months, quarter_of

__all__ = [
    "Key",
    "Layout",
    "RawFigure",
    "Shape",
    "SnapshotData",
    "flow_months",
    "occupancy",
    "present",
    "protected",
    "top_two",
    "total",
    "with_totals",
]

# A cell: (project id, or None for the city total; month; indicator; filter).
Key = tuple[int | None, dt.date, str, str]


class Shape(Enum):
    COUNT = "count"  # households or residents: "< k" below k
    RATE = "rate"  # numerator ÷ denominator, counts of households or residents
    SHARE_OF_SUM = "share_of_sum"  # a sum over households (with its two largest parts) ÷ a base
    NUMBER = "number"  # a count of things (meetings), a statistic of the households living there
    MEDIAN = "median"  # of per-household values; in no additive group
    DERIVED = "derived"  # occupancy: the household count over the public number of units


@dataclass(frozen=True)
class Layout:
    """How the indicators add up and are protected.

    ``shapes``: every indicator's ``Shape``. ``filtered``: the indicators published per
    household size too (``size_filters``; "" is all households). ``flows``: the indicators that
    add up over months, with a quarter total stored under ``quarter_filter`` on the quarter's
    first month. ``derived_from``: a ``Shape.DERIVED`` indicator (occupancy) and the count it
    restates over the projects' public units. ``median``: the exact median of per-household
    values.
    """

    shapes: Mapping[str, Shape]
    filtered: frozenset[str]
    flows: frozenset[str]
    size_filters: tuple[str, ...]
    quarter_filter: str
    derived_from: Mapping[str, str]
    median: Callable[[list], Fraction | int | None]

    def table(self, key: Key) -> tuple[str, dt.date]:
        """The table a cell is protected in: groups never cross indicators, and only a flow's
        quarter ties months together."""
        indicator, month = key[2], key[1]
        return (indicator, quarter_of(month) if indicator in self.flows else month)


# --- Figures before protection ------------------------------------------------------------


@dataclass(frozen=True)
class RawFigure:
    """One scope's indicator before protection: a numerator over a denominator (counts have
    none), the households it describes, the two largest household parts of a sum, and the
    per-household values of a median. Figures of disjoint sets of households add up."""

    numerator: int = 0
    denominator: int = 0
    n: int = 0
    top: tuple[int, ...] = ()
    values: tuple = ()


def top_two(parts: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(parts, reverse=True)[:2])


def total(figures: Iterable[RawFigure]) -> RawFigure:
    """The figure of the union of disjoint sets of households."""
    numerator = denominator = n = 0
    tops: list[int] = []
    values: list = []
    for figure in figures:
        numerator += figure.numerator
        denominator += figure.denominator
        n += figure.n
        tops.extend(figure.top)
        values.extend(figure.values)
    return RawFigure(numerator, denominator, n, top_two(tops), tuple(values))


@dataclass
class SnapshotData:
    """What the queries give, project by project (the totals are added up from it)."""

    # Households living there, per (project, month, size filter).
    living: dict[tuple[int, dt.date, str], int]
    # The projects' figures, per size filter where an indicator is split by size, "" otherwise.
    figures: dict[Key, RawFigure]
    # Per (indicator, project, quarter): the households a flow's quarter describes (each
    # counted once), and the two largest households' parts of its sum over the quarter.
    quarter_n: dict[tuple[str, int, dt.date], int]
    quarter_top: dict[tuple[str, int, dt.date], tuple[int, ...]]
    units: dict[int, int]  # per project


def flow_months(months: Iterable[dt.date], latest: dt.date) -> list[dt.date]:
    """Every month, up to ``latest``, of the quarters the months fall in."""
    expanded = set()
    for quarter in {quarter_of(month) for month in months}:
        for step in range(3):
            month = add_months(quarter, step)
            if month <= latest:
                expanded.add(month)
    return sorted(expanded)


def present(living: dict[tuple[int, dt.date, str], int]) -> dict[tuple[int, dt.date], int]:
    """The projects with households living there, per month, and how many."""
    totals: dict[tuple[int, dt.date], int] = defaultdict(int)
    for (project, month, _size), households in living.items():
        totals[project, month] += households
    return {key: households for key, households in totals.items() if households}


# --- Totals -------------------------------------------------------------------------------


def _with_all_households(figures: Mapping[Key, RawFigure], layout: Layout) -> dict[Key, RawFigure]:
    """The figures of the size-filtered indicators, the others as they are, and the
    all-households figure of every indicator read per size: Σ of the sizes."""
    kept: dict[Key, RawFigure] = {}
    by_size: dict[tuple[int | None, dt.date, str], list[RawFigure]] = defaultdict(list)
    for (project, month, indicator, size), figure in figures.items():
        if size in layout.size_filters:
            by_size[project, month, indicator].append(figure)
            if indicator in layout.filtered:
                kept[project, month, indicator, size] = figure
        else:
            kept[project, month, indicator, size] = figure
    for (project, month, indicator), parts in by_size.items():
        kept[project, month, indicator, ""] = total(parts)
    return kept


def _quarter_totals(
    figures: Mapping[Key, RawFigure], data: SnapshotData, flow: Iterable[dt.date], layout: Layout
) -> dict[Key, RawFigure]:
    """Each flow's quarter totals over the months of ``flow``: Σ of the months."""
    by_quarter: dict[tuple[int | None, dt.date, str], list[RawFigure]] = defaultdict(list)
    flow_set = set(flow)
    for (project, month, indicator, size), figure in figures.items():
        if indicator in layout.flows and size == "" and month in flow_set:
            by_quarter[project, quarter_of(month), indicator].append(figure)
    quarters: dict[Key, RawFigure] = {}
    for (project, quarter, indicator), months in by_quarter.items():
        summed = total(months)
        # Households are counted once a quarter however many months they lived there, and a
        # sum's largest parts are each household's quarter, not its best month.
        households = data.quarter_n.get((indicator, project, quarter))
        top = data.quarter_top.get((indicator, project, quarter), summed.top)
        quarters[project, quarter, indicator, layout.quarter_filter] = replace(
            summed,
            n=max(households, max(m.n for m in months)) if households else summed.n,
            top=top if layout.shapes[indicator] is Shape.SHARE_OF_SUM else (),
        )
    return quarters


def with_totals(
    data: SnapshotData, flow: Iterable[dt.date], layout: Layout
) -> dict[Key, RawFigure]:
    """The projects' figures with the all-households figure of each size-filtered indicator,
    each flow's quarter totals, and the city's figure of everything: Σ of the parts."""
    figures = _with_all_households(data.figures, layout)
    figures |= _quarter_totals(figures, data, flow, layout)
    by_project: dict[tuple[dt.date, str, str], list[RawFigure]] = defaultdict(list)
    for (_project, month, indicator, size), figure in figures.items():
        by_project[month, indicator, size].append(figure)
    for (month, indicator, size), parts in by_project.items():
        figures[None, month, indicator, size] = total(parts)
    return figures


# --- Protection ---------------------------------------------------------------------------


def _cell(key: Key, figure: RawFigure, layout: Layout) -> Cell | None:
    """The figure as a cell to protect, or None when there is nothing to measure (no
    denominator, no value for a median): no row then, rather than a hidden one."""
    shape = layout.shapes[key[2]]
    if shape is Shape.COUNT:
        return Cell(key, CellKind.COUNT, figure.numerator, figure.n)
    if shape is Shape.NUMBER:
        return Cell(key, CellKind.STATISTIC, figure.numerator, figure.n)
    if shape is Shape.MEDIAN:
        if not figure.values:
            return None
        # Exact (the mean of the middle two for an even count).
        middle = layout.median(list(figure.values))
        return Cell(key, CellKind.STATISTIC, middle, len(figure.values))
    if not figure.denominator:
        return None
    return Cell(key, CellKind.STATISTIC, Fraction(figure.numerator, figure.denominator), figure.n)


def _dominated(key: Key, figure: RawFigure, k: int) -> bool:
    """Whether the sum a share divides fails the dominance rule: bookings and booked hours are
    magnitudes added up over households, so the (2, 85) rule of ``common.disclosure``
    applies to them, on the two largest households' parts (a household with none counts 0)."""
    parts = figure.top + (0,) * max(0, min(2, figure.n) - len(figure.top))
    as_sum = Cell(key, CellKind.SUM, figure.numerator, figure.n, parts)
    return primary_suppression([as_sum], k)[key].reason is Reason.DOMINANCE


def _groups(cells: Mapping[Key, Cell], layout: Layout) -> list[Group]:
    """The additive relations among the cells: projects → city, sizes → all households,
    months → quarter. Medians and occupancy take part in none."""
    projects_of: dict[tuple[dt.date, str, str], list[Key]] = defaultdict(list)
    sizes_of: dict[tuple[int | None, dt.date, str], list[Key]] = defaultdict(list)
    months_of: dict[tuple[int | None, dt.date, str], list[Key]] = defaultdict(list)
    for key in cells:
        project, month, indicator, filter_ = key
        if layout.shapes[indicator] in (Shape.MEDIAN, Shape.DERIVED):
            continue
        if project is not None:
            projects_of[month, indicator, filter_].append(key)
        if filter_ in layout.size_filters:
            sizes_of[project, month, indicator].append(key)
        if filter_ == "" and indicator in layout.flows:
            months_of[project, quarter_of(month), indicator].append(key)
    groups = []
    for (month, indicator, filter_), parts in projects_of.items():
        if (None, month, indicator, filter_) in cells:
            groups.append(Group((None, month, indicator, filter_), tuple(sorted(parts, key=repr))))
    for (project, month, indicator), parts in sizes_of.items():
        if (project, month, indicator, "") in cells:
            groups.append(Group((project, month, indicator, ""), tuple(sorted(parts, key=repr))))
    for (project, quarter, indicator), parts in months_of.items():
        if (project, quarter, indicator, layout.quarter_filter) in cells:
            total_key = (project, quarter, indicator, layout.quarter_filter)
            groups.append(Group(total_key, tuple(sorted(parts, key=repr))))
    return groups


def _published(key: Key, kind: CellKind, result: Screened) -> PublishedCell:
    below = isinstance(result.value, BelowThreshold)
    return PublishedCell(
        key=key,
        kind=kind,
        value=None if result.suppressed else result.value,
        suppressed=result.suppressed,
        reason=result.reason,
        display=str(result.value) if below else "",
    )


def protected(
    figures: Mapping[Key, RawFigure], k: int, layout: Layout
) -> tuple[dict[Key, PublishedCell], dict[Key, int]]:
    """Protect every table: the threshold and small-count rules, the dominance rule on the
    shares of a sum, then secondary suppression over the table's groups
    (``common.disclosure``, step by step as ``protect`` takes it, with the dominance rule
    added to the primary step). The shares of a sum stay statistics in their groups, as their
    ``IndicatorSpec`` says: a rate's groups are equations between numerators and denominators,
    which the linear audit covers. Returns the published cells and the households each
    describes."""
    cells = {}
    for key, figure in figures.items():
        cell = _cell(key, figure, layout)
        if cell is not None:
            cells[key] = cell
    tables: dict[tuple[str, dt.date], list[Key]] = defaultdict(list)
    for key in sorted(cells, key=repr):
        tables[layout.table(key)].append(key)
    groups_of: dict[tuple[str, dt.date], list[Group]] = defaultdict(list)
    for group in _groups(cells, layout):
        groups_of[layout.table(group.total)].append(group)
    published: dict[Key, PublishedCell] = {}
    for table, keys in tables.items():
        screened = primary_suppression([cells[key] for key in keys], k)
        for key in keys:
            if (
                layout.shapes[key[2]] is Shape.SHARE_OF_SUM
                and not screened[key].suppressed
                and _dominated(key, figures[key], k)
            ):
                screened[key] = Screened(cells[key], None, Reason.DOMINANCE)
        final = secondary_suppression(Table(screened, tuple(groups_of[table]), k))
        for key in keys:
            published[key] = _published(key, cells[key].kind, final[key])
    return published, {key: cell.n_households for key, cell in cells.items()}


def occupancy(
    published: Mapping[Key, PublishedCell],
    data: SnapshotData,
    stock: Sequence[dt.date],
    layout: Layout,
) -> tuple[dict[Key, PublishedCell], dict[Key, int]]:
    """Occupancy, published exactly where the household count is: with the units public, it
    is that count in other words, and a different pattern would give one away. The city's is
    Σ households ÷ Σ units, only when every project living that month gives its units."""
    derived: dict[Key, PublishedCell] = {}
    counted: dict[Key, int] = {}
    living = present(data.living)
    for month in stock:
        projects = [(p, households) for (p, m), households in living.items() if m == month]
        scopes = [(p, households, data.units[p]) for p, households in projects if data.units[p]]
        if scopes and len(scopes) == len(projects):
            scopes.append((None, sum(h for _p, h, _u in scopes), sum(u for _p, _h, u in scopes)))
        for indicator, count_indicator in layout.derived_from.items():
            for project, households, units in scopes:
                count = published[project, month, count_indicator, ""]
                key = (project, month, indicator, "")
                derived[key] = PublishedCell(
                    key=key,
                    kind=CellKind.STATISTIC,
                    value=None if count.suppressed else Fraction(households, units),
                    suppressed=count.suppressed,
                    reason=count.reason,
                    display="",
                )
                counted[key] = households
    return derived, counted
