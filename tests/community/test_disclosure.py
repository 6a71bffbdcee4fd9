"""Disclosure control of the city indicators (DESIGN.md §4): threshold, small counts, dominance,
and secondary suppression that no subtraction can undo.

Every attack here is written independently of ``community.disclosure``: a chain of
one-unknown subtractions (what a reader with a spreadsheet does), a rank test over the whole
system of published equations (the strongest linear attacker), and interval reasoning with
what the page shows ("< k" is at most k − 1, a blank count at least k).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.disclosure import (
    BelowThreshold,
    Cell,
    CellKind,
    Group,
    PublishedCell,
    Reason,
    Table,
    effective_k,
    pinned_by_bounds,
    primary_suppression,
    protect,
    recoverable_cells,
    secondary_suppression,
)
from community.money.affordability import median
from community.monitoring.protection import (
    Layout,
    RawFigure,
    Shape,
    SnapshotData,
    flow_months,
    occupancy,
    protected,
    with_totals,
)
from tests.properties import examples

# --- Attackers ---------------------------------------------------------------------------


def published_values(cells: list[PublishedCell]) -> dict:
    return {cell.key: cell.value for cell in cells if not cell.suppressed}


def subtraction_attack(published: list[PublishedCell], groups: list[Group]) -> dict:
    """Solve every equation that has one unknown left, again and again, as a reader would."""
    known = dict(published_values(published))
    recovered: dict = {}
    progress = True
    while progress:
        progress = False
        for group in groups:
            unknown = [key for key in group.members if key not in known]
            if len(unknown) != 1:
                continue
            (key,) = unknown
            parts = sum((Fraction(known[p]) for p in group.parts if p != key), Fraction(0))
            if key == group.total:
                value = parts
            else:
                value = Fraction(known[group.total]) - parts
            known[key] = recovered[key] = value
            progress = True
    return recovered


def _rank(rows: list[list]) -> int:
    """Row-echelon rank over the rationals (whole numbers kept as ints, for speed)."""
    matrix = [list(row) for row in rows]
    rank = 0
    columns = len(matrix[0]) if matrix else 0
    for col in range(columns):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        head = matrix[rank][col]
        matrix[rank] = [a // head if a % head == 0 else Fraction(a) / head for a in matrix[rank]]
        for r in range(rank + 1, len(matrix)):
            factor = matrix[r][col]
            if factor:
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def linearly_determined(hidden: set, groups: list[Group]) -> set:
    """Hidden cells fixed by the published equations: x_i is determined exactly when dropping
    its column lowers the rank by one (its unit vector is in the row space)."""
    keys = sorted(hidden, key=repr)
    rows = []
    for group in groups:
        row = [0] * len(keys)
        for i, key in enumerate(keys):
            if key == group.total:
                row[i] += 1
            elif key in group.parts:
                row[i] -= 1
        if any(row):
            rows.append(row)
    if not rows:
        return set()
    full = _rank(rows)
    return {
        key for i, key in enumerate(keys) if _rank([row[:i] + row[i + 1 :] for row in rows]) < full
    }


def interval_attack(published: list[PublishedCell], groups: list[Group], k: int) -> set:
    """Hidden counts whose bounds, pushed through every equation, leave a single value."""
    cells = {cell.key: cell for cell in published}
    low: dict = {}
    high: dict = {}
    for cell in published:
        if cell.suppressed:
            low[cell.key], high[cell.key] = (0, k - 1) if cell.display else (k, None)
        else:
            low[cell.key] = high[cell.key] = cell.value
    count_groups = [g for g in groups if all(cells[m].kind is CellKind.COUNT for m in g.members)]
    for _ in range(500):
        changed = False
        for group in count_groups:
            terms = [(group.total, 1)] + [(p, -1) for p in group.parts]
            for key, sign in terms:
                if low[key] == high[key]:
                    continue
                # sign·x = −Σ others sign_j·x_j
                lo_sum, hi_sum = 0, 0
                for other, other_sign in terms:
                    if other == key:
                        continue
                    a, b = (low[other], high[other])
                    if other_sign < 0:
                        a, b = (None if b is None else -b), -a
                    lo_sum = None if lo_sum is None or a is None else lo_sum + a
                    hi_sum = None if hi_sum is None or b is None else hi_sum + b
                lo, hi = (
                    (None if hi_sum is None else -hi_sum),
                    (None if lo_sum is None else -lo_sum),
                )
                if sign < 0:
                    lo, hi = (None if hi is None else -hi), (None if lo is None else -lo)
                if lo is not None and lo > low[key]:
                    low[key], changed = lo, True
                if hi is not None and (high[key] is None or hi < high[key]):
                    high[key], changed = hi, True
        if not changed:
            break
    return {key for key, cell in cells.items() if cell.suppressed and low[key] == high[key]}


def assert_protected(cells: list[Cell], published: list[PublishedCell], groups, k: int) -> None:
    hidden = {cell.key for cell in published if cell.suppressed}
    assert subtraction_attack(published, groups) == {}
    assert linearly_determined(hidden, groups) == set()
    assert interval_attack(published, groups, k) == set()
    for group in groups:
        assert sum(key in hidden for key in group.members) != 1, group
    by_key = {cell.key: cell for cell in cells}
    for cell in published:
        if cell.suppressed:
            assert cell.value is None
            assert cell.public() == {"value": None, "suppressed": True, "display": cell.display}
        else:
            assert cell.value == by_key[cell.key].value  # published figures are never altered


# --- Thresholds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("city_k", "expected"),
    [(None, 10), (0, 10), (1, 5), (4, 5), (5, 5), (10, 10), (25, 25)],
)
def test_effective_k_defaults_to_ten_and_is_never_below_five(city_k, expected):
    assert effective_k(city_k) == expected


@given(st.one_of(st.none(), st.integers(min_value=-1000, max_value=1000)))
def test_effective_k_is_never_below_five(city_k):
    assert effective_k(city_k) >= 5


@pytest.mark.parametrize("k", [5, 10, 12])
def test_a_statistic_from_k_minus_one_households_is_suppressed_and_from_k_shown(k):
    cells = [
        Cell("short", CellKind.STATISTIC, Fraction(1, 3), n_households=k - 1),
        Cell("enough", CellKind.STATISTIC, Fraction(1, 3), n_households=k),
    ]
    short, enough = protect(cells, [], k)
    assert short.suppressed and short.value is None and short.reason is Reason.THRESHOLD
    assert short.display == ""
    assert not enough.suppressed and enough.value == Fraction(1, 3) and enough.reason is None


def test_a_city_k_below_five_still_suppresses_four_households():
    (cell,) = protect([Cell("median", CellKind.STATISTIC, Decimal("0.31"), 4)], [], 2)
    assert cell.suppressed
    (cell,) = protect([Cell("median", CellKind.STATISTIC, Decimal("0.31"), 5)], [], 2)
    assert cell.value == Decimal("0.31")


@pytest.mark.parametrize("k", [5, 10])
def test_a_count_below_k_reads_less_than_k_and_keeps_no_value(k):
    cells = [
        Cell("zero", CellKind.COUNT, 0, 0),
        Cell("below", CellKind.COUNT, k - 1, k - 1),
        Cell("at", CellKind.COUNT, k, k),
    ]
    zero, below, at = protect(cells, [], k)
    for cell in (zero, below):
        assert cell.suppressed and cell.value is None and cell.reason is Reason.THRESHOLD
        assert cell.display == f"< {k}"
        assert cell.public() == {"value": None, "suppressed": True, "display": f"< {k}"}
    assert at.public() == {"value": k, "suppressed": False, "display": ""}


def test_primary_suppression_marks_a_small_count_below_threshold():
    screened = primary_suppression([Cell("few", CellKind.COUNT, 3, 3)], 10)
    assert screened["few"].value == BelowThreshold(10)
    assert str(screened["few"].value) == "< 10"
    assert screened["few"].suppressed


def test_residents_of_fewer_than_k_households_are_hidden_not_called_small():
    # 14 residents is not "< 10": the count is hidden instead, for it describes 4 households.
    (cell,) = protect([Cell("residents", CellKind.COUNT, 14, 4)], [], 10)
    assert cell.suppressed and cell.value is None and cell.display == ""
    assert cell.reason is Reason.THRESHOLD


# --- Dominance ----------------------------------------------------------------------------


def _sum(key, contributions, n=None):
    return Cell(
        key,
        CellKind.SUM,
        sum(contributions, Decimal(0)),
        n_households=n or len(contributions),
        contributions=tuple(contributions),
    )


def test_a_sum_whose_two_largest_make_exactly_85_percent_is_shown():
    # 85 + 15 spread over 8 others: the two largest are 85 % of 100, not more.
    contributions = [Decimal(50), Decimal(35)] + [Decimal("1.875")] * 8
    (cell,) = protect([_sum("sum", contributions)], [], 10)
    assert not cell.suppressed and cell.value == Decimal(100)


def test_a_sum_whose_two_largest_make_more_than_85_percent_is_suppressed():
    contributions = [Decimal("50.01"), Decimal(35)] + [Decimal("1.87375")] * 8
    (cell,) = protect([_sum("sum", contributions)], [], 10)
    assert cell.suppressed and cell.value is None and cell.reason is Reason.DOMINANCE


def test_dominance_works_from_the_two_largest_and_the_total():
    shown = Cell("a", CellKind.SUM, 1000, 20, contributions=(500, 350))
    hidden = Cell("b", CellKind.SUM, 1000, 20, contributions=(500, 351))
    a, b = protect([shown, hidden], [], 10)
    assert not a.suppressed
    assert b.suppressed and b.reason is Reason.DOMINANCE


def test_a_sum_without_a_value_is_dominated_by_any_contribution():
    # No value reads as a sum of 0, which any household's contribution dominates, even 0.80.
    cell = Cell("s", CellKind.SUM, None, 20, contributions=(Decimal("0.5"), Decimal("0.3")))
    (published,) = protect([cell], [], 10)
    assert published.suppressed and published.reason is Reason.DOMINANCE


def test_a_sum_from_fewer_than_k_households_is_suppressed_before_dominance_is_asked():
    (cell,) = protect([_sum("sum", [Decimal(10)] * 9)], [], 10)
    assert cell.suppressed and cell.reason is Reason.THRESHOLD


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"kind": "count", "value": None, "n_households": 3},
            ValueError,
            "the count 'x' needs a non-negative integer value",
        ),
        (
            {"kind": "count", "value": -1, "n_households": 3},
            ValueError,
            "the count 'x' needs a non-negative integer value",
        ),
        (
            {"kind": "count", "value": Decimal("2.5"), "n_households": 3},
            ValueError,
            "the count 'x' needs a non-negative integer value",
        ),
        (
            {"kind": "statistic", "value": 0.25, "n_households": 30},
            TypeError,
            "the value of 'x' must be an int, Decimal or Fraction, not 0.25",
        ),
        (
            {"kind": "statistic", "value": 1, "n_households": True},
            TypeError,
            "n_households of 'x' must be an int",
        ),
        (
            {"kind": "statistic", "value": 1, "n_households": -1},
            ValueError,
            "n_households of 'x' cannot be negative",
        ),
        (
            {"kind": "statistic", "value": 1, "n_households": 30, "contributions": (1,)},
            ValueError,
            "only sums have contributions ('x')",
        ),
        (
            {"kind": "sum", "value": 10, "n_households": 30},
            ValueError,
            "the dominance rule needs the largest contributions to 'x'",
        ),
        (
            {"kind": "sum", "value": 10, "n_households": 2, "contributions": (11, -1)},
            ValueError,
            "contributions to 'x' cannot be negative",
        ),
        (
            {"kind": "sum", "value": 10, "n_households": 2, "contributions": (4, 4)},
            ValueError,
            "the contributions to 'x' do not add up to its value",
        ),
        (
            {"kind": "sum", "value": 10, "n_households": 1, "contributions": (5, 5)},
            ValueError,
            "'x' has more contributions than households",
        ),
        (
            {"kind": "sum", "value": 10, "n_households": 2, "contributions": (5, 5.0)},
            TypeError,
            "a contribution to 'x' must be an int, Decimal or Fraction, not 5.0",
        ),
        ({"kind": "median", "value": 10, "n_households": 20}, ValueError, "'median' is not a"),
    ],
)
def test_a_malformed_cell_is_refused_in_words(kwargs, error, message):
    with pytest.raises(error) as refused:
        Cell("x", **kwargs)
    assert str(refused.value).startswith(message)


def test_a_cell_keeps_its_contributions_and_a_group_its_parts_as_tuples():
    # Tuples, so that a cell or a group can be hashed and compared whatever sequence it got;
    # a contribution of 0 is a household that contributed nothing, not a negative one.
    cell = Cell("x", CellKind.SUM, 10, 2, contributions=[0, 10])
    assert cell.contributions == (0, 10)
    assert Group("t", ["a", "b"]).parts == ("a", "b")


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ((), "the group of 't' has no parts"),
        (("a", "t"), "the group of 't' repeats a cell"),
        (("a", "a"), "the group of 't' repeats a cell"),
    ],
)
def test_a_malformed_group_is_refused_in_words(parts, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        Group("t", parts)


def test_a_statistic_from_enough_households_needs_a_value():
    with pytest.raises(ValueError, match="^'s' is computed from 20 households but has no value$"):
        protect([Cell("s", CellKind.STATISTIC, None, 20)], [], 10)


@pytest.mark.parametrize(
    ("hidden", "groups", "recoverable"),
    [
        # x2 = x1 + x0 and x1 = x0: x2 = 2·x0, but x0 itself is free.
        (("x0", "x1", "x2"), [("x2", ("x1", "x0")), ("x1", ("x0",))], set()),
        # x0 = x1 twice over tells the value of neither.
        (("x0", "x1"), [("x0", ("x1",)), ("x1", ("x0",))], set()),
        # x2 = x0 + x1 and x0 = x2 + x1 with x0 published: x1 = 0 and x2 = x0.
        (("x1", "x2"), [("x2", ("x0", "x1")), ("x0", ("x2", "x1"))], {"x1", "x2"}),
        # x3 = x0 + x1 and x3 = x0 give x1 = 0; x1 = x2 + x0 + x3 then only ties x2 to x0.
        (
            ("x0", "x1", "x2", "x3"),
            [("x3", ("x0", "x1")), ("x1", ("x2", "x0", "x3")), ("x3", ("x0",))],
            {"x1"},
        ),
    ],
)
def test_the_audit_finds_exactly_the_cells_subtraction_gives_away(hidden, groups, recoverable):
    # Worked by hand: the elimination goes through fractional pivots (x2 − 2·x0 = 0 and the
    # like), where only exact rational arithmetic tells a free cell from a determined one.
    groups = [Group(total, parts) for total, parts in groups]
    assert recoverable_cells(hidden, groups) == recoverable


def _pinned_sums(values, groups):
    """The hidden sums that ``groups`` pin: a sum of 20 households is published (its largest
    two contributions are 0 each, so it is not dominated), one of a single household hidden."""
    cells = [
        Cell(key, CellKind.SUM, value, n, contributions=(value,) if n == 1 else (0, 0))
        for key, (value, n) in values.items()
    ]
    screened = primary_suppression(cells, 10)
    hidden = {key for key, cell in screened.items() if cell.reason is not None}
    return pinned_by_bounds(screened, hidden, [Group(t, parts) for t, parts in groups], 10)


def test_published_sums_in_decimals_pin_the_hidden_ones_they_leave_no_room_for():
    # t = a + b + c with t = 3.00 and a = 3 published: b + c = 0 and neither is below 0.
    values = {"t": (Decimal("3.00"), 20), "a": (3, 20), "b": (0, 1), "c": (0, 1)}
    assert _pinned_sums(values, [("t", ("a", "b", "c"))]) == {"b", "c"}
    # A published total of 0.00 pins its hidden parts at 0 too; 0.01 does not.
    values = {"t": (Decimal("0.00"), 20), "b": (0, 1), "c": (0, 1)}
    assert _pinned_sums(values, [("t", ("b", "c"))]) == {"b", "c"}
    values = {"t": (Decimal("0.01"), 20), "b": (Decimal("0.01"), 1), "c": (0, 1)}
    assert _pinned_sums(values, [("t", ("b", "c"))]) == set()


def test_two_cells_with_one_key_are_refused():
    with pytest.raises(ValueError, match="two cells"):
        protect([Cell("x", "count", 12, 12), Cell("x", "count", 13, 13)], [], 10)


def test_a_group_naming_an_unknown_cell_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        protect([Cell("t", "count", 12, 12)], [Group("t", ("a",))], 10)


# --- Secondary suppression: a city total and its projects -----------------------------------


def city_month(values: dict[str, int]):
    """Projects' household counts and the city's, as one group."""
    total = sum(values.values())
    cells = [
        Cell(("city", "2025-01"), CellKind.COUNT, total, total),
        *(Cell((p, "2025-01"), CellKind.COUNT, v, v) for p, v in values.items()),
    ]
    group = Group(("city", "2025-01"), tuple((p, "2025-01") for p in values))
    return cells, [group]


def test_a_city_total_with_one_small_project_gets_a_second_project_suppressed():
    cells, groups = city_month({"a": 4, "b": 31, "c": 12, "d": 27})
    published = {cell.key[0]: cell for cell in protect(cells, groups, 10)}
    assert published["a"].display == "< 10" and published["a"].reason is Reason.THRESHOLD
    # The smallest other project hides with it; the rest and the city total stay.
    assert published["c"].suppressed and published["c"].reason is Reason.SECONDARY
    assert published["c"].display == ""
    assert published["b"].value == 31 and published["d"].value == 27
    assert published["city"].value == 74


def test_subtracting_the_other_projects_from_the_city_total_leaves_two_unknowns():
    cells, groups = city_month({"a": 4, "b": 31, "c": 12, "d": 27})
    published = protect(cells, groups, 10)
    known = published_values(published)
    # What a reader gets: a + c = 74 − 31 − 27 = 16, one equation in two unknowns.
    leftover = known[("city", "2025-01")] - known[("b", "2025-01")] - known[("d", "2025-01")]
    assert leftover == 16
    assert subtraction_attack(published, groups) == {}
    assert_protected(cells, published, groups, 10)


def test_a_small_count_and_its_companion_cannot_be_pinned_by_their_bounds():
    # "< 10" plus a blank cell (at least 10) adding up to a published 10 would be 0 and 10.
    cells, groups = city_month({"a": 0, "b": 10})
    published = {cell.key[0]: cell for cell in protect(cells, groups, 10)}
    assert published["a"].display == "< 10"
    assert published["b"].suppressed
    assert published["city"].suppressed
    assert_protected(cells, list(published.values()), groups, 10)


def test_small_counts_adding_up_to_their_maximum_hide_the_total():
    # 9 + 9 = 18 with both shown "< 10" would give both away.
    cells, groups = city_month({"a": 9, "b": 9})
    published = {cell.key[0]: cell for cell in protect(cells, groups, 10)}
    assert published["city"].suppressed
    assert_protected(cells, list(published.values()), groups, 10)


def test_a_city_with_one_project_hides_its_total_with_the_project():
    cells, groups = city_month({"a": 6})
    published = {cell.key[0]: cell for cell in protect(cells, groups, 10)}
    assert published["a"].display == "< 10"
    assert published["city"].suppressed and published["city"].value is None


# --- Secondary suppression across filters and months ---------------------------------------


PROJECTS = ("a", "b", "c")
SIZES = ("household_size:1", "household_size:2", "household_size:3+")
MONTHS = ("2025-01", "2025-02", "2025-03")
YEAR = "2025"


def three_way_table(values: dict[tuple[str, str, str], int]):
    """Bookings by project × household size × month, with every margin: the city total, the
    all-households figure and the quarter total, as a city dashboard would publish them."""
    projects = (*PROJECTS, None)
    sizes = (*SIZES, "")
    months = (*MONTHS, YEAR)

    def value(p, m, f):
        ps = PROJECTS if p is None else (p,)
        ms = MONTHS if m == YEAR else (m,)
        fs = SIZES if f == "" else (f,)
        return sum(values[(pp, mm, ff)] for pp in ps for mm in ms for ff in fs)

    cells = [
        Cell((p, m, f), CellKind.COUNT, value(p, m, f), value(p, m, f))
        for p in projects
        for m in months
        for f in sizes
    ]
    groups = (
        [Group((None, m, f), tuple((p, m, f) for p in PROJECTS)) for m in months for f in sizes]
        + [Group((p, m, ""), tuple((p, m, f) for f in SIZES)) for p in projects for m in months]
        + [Group((p, YEAR, f), tuple((p, m, f) for m in MONTHS)) for p in projects for f in sizes]
    )
    return cells, groups


def _table_values(small: tuple[str, str, str], seed: int = 7) -> dict:
    rng = random.Random(seed)
    values = {(p, m, f): rng.randint(12, 40) for p in PROJECTS for m in MONTHS for f in SIZES}
    values[small] = 3
    return values


def test_a_hidden_cell_cannot_be_recovered_from_the_city_total_another_filter_or_month():
    small = ("b", "2025-02", "household_size:1")
    cells, groups = three_way_table(_table_values(small))
    published = {cell.key: cell for cell in protect(cells, groups, 10)}
    assert published[small].display == "< 10"
    # Each of the three equations the hidden cell sits in holds another hidden cell.
    city_row = [key for key in groups_with(groups, small, total=(None, "2025-02", SIZES[0]))]
    filter_row = [key for key in groups_with(groups, small, total=("b", "2025-02", ""))]
    month_row = [key for key in groups_with(groups, small, total=("b", YEAR, SIZES[0]))]
    for row in (city_row, filter_row, month_row):
        others = [key for key in row if key != small and published[key].suppressed]
        assert others, row
    assert_protected(cells, list(published.values()), groups, 10)


def groups_with(groups: list[Group], key, *, total) -> tuple:
    (group,) = [g for g in groups if g.total == total and key in g.parts]
    return group.members


@pytest.mark.parametrize(
    "small",
    [
        ("a", "2025-01", "household_size:1"),
        ("c", "2025-03", "household_size:3+"),
        (None, "2025-02", "household_size:2"),  # a small city-wide category
        ("b", YEAR, "household_size:1"),  # a small quarter total
    ],
)
def test_no_subtraction_recovers_a_small_cell_anywhere_in_the_table(small):
    values = _table_values(("a", "2025-01", "household_size:1"), seed=11)
    if small[0] is None:
        for p in PROJECTS:
            values[(p, small[1], small[2])] = 1
    elif small[1] == YEAR:
        for m in MONTHS:
            values[(small[0], m, small[2])] = 2
    else:
        values[small] = 4
    cells, groups = three_way_table(values)
    published = protect(cells, groups, 10)
    assert {cell.key: cell for cell in published}[small].suppressed
    assert_protected(cells, published, groups, 10)


def test_the_audit_breaks_a_bridge_that_the_one_cell_per_group_rule_lets_through():
    # Two hidden rectangles joined by one hidden cell x13: every row and column holds two or
    # more hidden cells, yet rows 1 + 2 − columns 1 + 2 give x13 = R1 + R2 − C1 − C2.
    small = {(1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (3, 4), (4, 3), (4, 4), (1, 3)}
    values = {
        (r, c): (5 if (r, c) in small else 20 + r + c) for r in range(1, 6) for c in range(1, 6)
    }
    cells = [Cell(("x", r, c), "count", v, v) for (r, c), v in values.items()]
    cells += [
        Cell(("row", r), "count", s, s)
        for r in range(1, 6)
        if (s := sum(values[(r, c)] for c in range(1, 6)))
    ]
    cells += [
        Cell(("col", c), "count", s, s)
        for c in range(1, 6)
        if (s := sum(values[(r, c)] for r in range(1, 6)))
    ]
    groups = [Group(("row", r), tuple(("x", r, c) for c in range(1, 6))) for r in range(1, 6)]
    groups += [Group(("col", c), tuple(("x", r, c) for r in range(1, 6))) for c in range(1, 6)]
    primary = primary_suppression(cells, 10)
    hidden = {key for key, screened in primary.items() if screened.suppressed}
    assert hidden == {("x", r, c) for r, c in small}
    assert all(sum(key in hidden for key in g.members) != 1 for g in groups)
    assert recoverable_cells(hidden, groups) == {("x", 1, 3)}
    assert linearly_determined(hidden, groups) == {("x", 1, 3)}

    published = protect(cells, groups, 10)
    assert_protected(cells, published, groups, 10)


# --- Rates and medians ----------------------------------------------------------------------


def test_a_suppressed_project_rate_takes_a_second_rate_with_it_and_medians_stay_alone():
    # Overburden rates: the city rate is Σ numerators ÷ Σ denominators, so rates are additive.
    rates = {"a": (2, 6), "b": (10, 40), "c": (3, 30)}
    city = (sum(n for n, _d in rates.values()), sum(d for _n, d in rates.values()))
    cells = [Cell("city", "statistic", Fraction(*city), city[1])]
    cells += [Cell(p, "statistic", Fraction(n, d), d) for p, (n, d) in rates.items()]
    medians = [Cell(("median", "city"), "statistic", Decimal("0.28"), 76)]
    medians += [Cell(("median", p), "statistic", Decimal("0.3"), d) for p, (_n, d) in rates.items()]
    groups = [Group("city", ("a", "b", "c"))]
    published = {cell.key: cell for cell in protect(cells + medians, groups, 10)}
    assert published["a"].reason is Reason.THRESHOLD
    assert published["c"].reason is Reason.SECONDARY  # the smaller denominator of b and c
    assert published["b"].value == Fraction(1, 4)
    assert published["city"].value == Fraction(15, 76)
    # The numerators: 15 = 2 + 10 + 3 with b known leaves a + c = 5; the denominators
    # 76 − 40 = a + c = 36: two unknowns each.
    assert published[("median", "a")].suppressed
    assert not published[("median", "c")].suppressed
    assert published[("median", "city")].value == Decimal("0.28")


def test_suppression_is_deterministic_whatever_the_order_of_cells_and_groups():
    cells, groups = three_way_table(_table_values(("c", "2025-03", SIZES[1]), seed=3))
    first = {cell.key: cell for cell in protect(cells, groups, 10)}
    rng = random.Random(5)
    for _ in range(3):
        shuffled_cells, shuffled_groups = list(cells), list(groups)
        rng.shuffle(shuffled_cells)
        rng.shuffle(shuffled_groups)
        again = {cell.key: cell for cell in protect(shuffled_cells, shuffled_groups, 10)}
        assert again == first


def test_secondary_suppression_leaves_a_table_without_hidden_cells_alone():
    cells, groups = city_month({"a": 14, "b": 31})
    screened = primary_suppression(cells, 10)
    assert secondary_suppression(Table(screened, groups, 10)) == screened


# --- Property: random tables --------------------------------------------------------------


@st.composite
def random_three_way_tables(draw):
    projects = tuple(f"p{i}" for i in range(draw(st.integers(1, 4))))
    sizes = tuple(f"size:{i}" for i in range(draw(st.integers(1, 3))))
    months = tuple(f"m{i}" for i in range(draw(st.integers(1, 3))))
    with_year = draw(st.booleans())
    cell_value = st.one_of(st.integers(0, 12), st.integers(0, 60))
    base = {(p, m, f): draw(cell_value) for p in projects for m in months for f in sizes}
    k = draw(st.integers(5, 12))

    all_projects = (*projects, None)
    all_sizes = (*sizes, "")
    all_months = (*months, "year") if with_year else months

    def value(p, m, f):
        ps = projects if p is None else (p,)
        ms = months if m == "year" else (m,)
        fs = sizes if f == "" else (f,)
        return sum(base[(pp, mm, ff)] for pp in ps for mm in ms for ff in fs)

    cells = [
        Cell((p, m, f), CellKind.COUNT, value(p, m, f), value(p, m, f))
        for p in all_projects
        for m in all_months
        for f in all_sizes
    ]
    groups = [
        Group((None, m, f), tuple((p, m, f) for p in projects))
        for m in all_months
        for f in all_sizes
    ]
    groups += [
        Group((p, m, ""), tuple((p, m, f) for f in sizes)) for p in all_projects for m in all_months
    ]
    if with_year:
        groups += [
            Group((p, "year", f), tuple((p, m, f) for m in months))
            for p in all_projects
            for f in all_sizes
        ]
    return cells, groups, k


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_three_way_tables())
def test_no_hidden_cell_of_a_random_table_can_be_recovered(table):
    cells, groups, k = table
    published = protect(cells, groups, k)
    by_key = {cell.key: cell for cell in cells}
    for cell in published:
        original = by_key[cell.key].value
        if original < k:
            assert cell.suppressed and cell.display == f"< {k}"
        else:
            assert cell.display == ""
    assert_protected(cells, published, groups, k)


@st.composite
def random_rate_tables(draw):
    """Rates by project and month with the city's rate and a quarter's: (numerator,
    denominator) pairs, the denominator the households counted."""
    projects = tuple(f"p{i}" for i in range(draw(st.integers(1, 5))))
    months = tuple(f"m{i}" for i in range(draw(st.integers(1, 4))))
    pairs = {}
    for p in projects:
        for m in months:
            denominator = draw(st.integers(1, 40))
            pairs[(p, m)] = (draw(st.integers(0, denominator)), denominator)
    k = draw(st.integers(5, 12))

    def pair(p, m):
        chosen = [
            pairs[(pp, mm)]
            for pp in (projects if p is None else (p,))
            for mm in (months if m == "q" else (m,))
        ]
        return sum(n for n, _d in chosen), sum(d for _n, d in chosen)

    cells = []
    for p in (*projects, None):
        for m in (*months, "q"):
            n, d = pair(p, m)
            cells.append(Cell((p, m), CellKind.STATISTIC, Fraction(n, d), d))
    groups = [Group((None, m), tuple((p, m) for p in projects)) for m in (*months, "q")]
    groups += [Group((p, "q"), tuple((p, m) for m in months)) for p in (*projects, None)]
    return cells, groups, k, pairs


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_rate_tables())
def test_no_hidden_rate_numerator_or_denominator_can_be_recovered(table):
    cells, groups, k, _pairs = table
    published = protect(cells, groups, k)
    hidden = {cell.key for cell in published if cell.suppressed}
    for cell, original in zip(published, cells, strict=True):
        if original.n_households < k:
            assert cell.suppressed and cell.reason is Reason.THRESHOLD
    # The numerators and the denominators obey the groups' equations with this pattern of
    # unknowns: neither can be isolated.
    assert linearly_determined(hidden, groups) == set()
    for group in groups:
        assert sum(key in hidden for key in group.members) != 1


# --- The indicator snapshot's totals and protection (community.monitoring.protection) -------

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
SNAPSHOT_LAYOUT = Layout(
    shapes={
        "households": Shape.COUNT,
        "residents": Shape.COUNT,
        "occupancy": Shape.DERIVED,
        "bookings": Shape.SHARE_OF_SUM,
        "median": Shape.MEDIAN,
    },
    filtered=frozenset({"households"}),
    flows=frozenset({"bookings"}),
    size_filters=("one", "more"),
    quarter_filter="quarter",
    derived_from={"occupancy": "households"},
    median=median,
)


def snapshot_data() -> SnapshotData:
    """Project 1: three one-person households. Project 2: twelve one-person and eight larger
    households, bookings in January (one household made 36 of 40) and February, a median."""
    return SnapshotData(
        living={(1, JAN, "one"): 3, (1, JAN, "more"): 0, (2, JAN, "one"): 12, (2, JAN, "more"): 8},
        figures={
            (1, JAN, "households", "one"): RawFigure(numerator=3, n=3),
            (1, JAN, "households", "more"): RawFigure(),
            (1, JAN, "residents", "one"): RawFigure(numerator=3, n=3),
            (2, JAN, "households", "one"): RawFigure(numerator=12, n=12),
            (2, JAN, "households", "more"): RawFigure(numerator=8, n=8),
            (2, JAN, "residents", "one"): RawFigure(numerator=12, n=12),
            (2, JAN, "residents", "more"): RawFigure(numerator=25, n=8),
            (2, JAN, "bookings", ""): RawFigure(40, 20, 20, (36, 2)),
            (2, FEB, "bookings", ""): RawFigure(10, 20, 20, (1, 1)),
            (2, JAN, "median", ""): RawFigure(n=2, values=(1, 3)),
        },
        quarter_n={("bookings", 2, JAN): 21},
        quarter_top={("bookings", 2, JAN): (37, 3)},
        units={1: 4, 2: 25},
    )


def test_snapshot_totals_add_sizes_months_and_projects_up():
    figures = with_totals(snapshot_data(), [JAN, FEB], SNAPSHOT_LAYOUT)

    assert figures[2, JAN, "households", ""] == RawFigure(numerator=20, n=20)
    assert figures[None, JAN, "households", ""] == RawFigure(numerator=23, n=23)
    assert figures[None, JAN, "households", "one"] == RawFigure(numerator=15, n=15)
    # Residents are not published per size, only their all-households figure.
    assert (2, JAN, "residents", "more") not in figures
    assert figures[None, JAN, "residents", ""] == RawFigure(numerator=40, n=23)
    # A quarter counts its households once and takes each household's quarter as its part.
    assert figures[2, JAN, "bookings", "quarter"] == RawFigure(50, 40, 21, (37, 3))
    assert figures[None, JAN, "bookings", "quarter"] == RawFigure(50, 40, 21, (37, 3))
    assert figures[None, JAN, "median", ""].values == (1, 3)


def test_snapshot_protection_hides_a_small_project_and_the_cells_that_give_it_away():
    data = snapshot_data()
    published, counted = protected(
        with_totals(data, [JAN, FEB], SNAPSHOT_LAYOUT), 10, SNAPSHOT_LAYOUT
    )
    small = published[1, JAN, "households", ""]
    assert (small.suppressed, small.value, small.display) == (True, None, "< 10")
    # The city's 23 less project 2's 20 would give project 1's 3 away.
    assert published[2, JAN, "households", ""].suppressed
    assert published[None, JAN, "households", ""].value == 23
    assert counted[None, JAN, "households", ""] == 23
    # One household made 36 of January's 40 bookings: over 85 %.
    assert published[2, JAN, "bookings", ""].reason is Reason.DOMINANCE
    # Over the quarter its 37 of 50 are not, and February goes with January.
    assert published[2, JAN, "bookings", "quarter"].value == Fraction(50, 40)
    assert published[2, FEB, "bookings", ""].suppressed
    assert published[2, JAN, "median", ""].suppressed  # two households

    derived, occupied = occupancy(published, data, [JAN], SNAPSHOT_LAYOUT)
    assert derived[1, JAN, "occupancy", ""].suppressed
    assert derived[2, JAN, "occupancy", ""].suppressed
    assert derived[None, JAN, "occupancy", ""].value == Fraction(23, 29)
    assert occupied[None, JAN, "occupancy", ""] == 23


def test_snapshot_flow_months_fill_the_quarters_up_to_the_latest_month():
    assert flow_months([FEB], FEB) == [JAN, FEB]
    assert flow_months([dt.date(2025, 11, 1)], FEB) == [
        dt.date(2025, 10, 1),
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
    ]
