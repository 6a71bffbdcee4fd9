"""City indicator snapshots (DESIGN.md §4): every indicator on a hand-built project, disclosure
control through the real run (k − 1 and k, subtraction attacks, nothing stored of a hidden
value), idempotence, the manual refresh, the reads, and a number of queries that does not grow
with the households."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.disclosure import (
    BelowThreshold,
    Cell,
    CellKind,
    Group,
    Screened,
    pinned_by_bounds,
    recoverable_cells,
)
from common.months import quarter_of
from community.bookings.models import BookingStatus
from community.money.selectors.affordability import (
    household_figures_for_city,
    project_affordability,
)
from community.money.services.charges import charges_run
from community.monitoring.models import (
    INDICATOR_SPECS,
    Indicator,
    IndicatorSnapshot,
    to_stored_decimal,
)
from community.monitoring.selectors.indicators import (
    HOUSEHOLD_SIZE_FILTERS,
    QUARTER_FILTER,
    city_indicator_table,
    indicator_row_list,
    indicator_series,
    latest_indicator_month,
    project_indicator_rows,
)
from community.monitoring.services.snapshots import (
    indicator_snapshot_refresh,
    indicator_snapshot_run,
)
from governance.models import (
    Decision,
    DecisionClass,
    Participation,
    Proposal,
    ProposalStatus,
    Voter,
)
from members.models import Gender, RoleKind
from members.services import role_grant
from tests.community.factories import (
    BookingFactory,
    SpaceFactory,
    adopted_scheme,
    close_space,
    open_daily,
    set_budget,
)
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
    UserFactory,
    make_manager,
    make_officer,
    make_resident_user,
)
from tests.governance.factories import MeetingFactory

pytestmark = pytest.mark.django_db

JANUARY, FEBRUARY, MARCH, APRIL = (dt.date(2025, month, 1) for month in (1, 2, 3, 4))
MADRID = ZoneInfo("Europe/Madrid")
CONSENTED = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
S1, S2, S3 = HOUSEHOLD_SIZE_FILTERS


def at(*args: int) -> dt.datetime:
    """A wall-clock time in the cities' zone (Europe/Madrid)."""
    return dt.datetime(*args, tzinfo=MADRID)


def person(born: int, *, rep: bool = False, gender: str | None = None, migrant=None, **fields):
    """A resident's fields; ``gender`` given (even blank) means consent to inclusion data."""
    consent = gender is not None
    return {
        "birth_year": born,
        "is_representative": rep,
        "inclusion_consent_at": CONSENTED if consent else None,
        "gender": gender or "",
        "migrant_background": migrant if consent else None,
        **fields,
    }


def make_household(project, label, people, income=None, **fields):
    household = HouseholdFactory(project=project, unit_label=label, **fields)
    for resident in people:
        ResidentFactory(household=household, **resident)
    if income is not None:
        disposable, gross = income
        IncomeDeclarationFactory(
            household=household,
            valid_from=dt.date(2024, 1, 1),
            disposable_monthly_cents=disposable * 100,
            gross_monthly_cents=gross * 100,
        )
    return household


def closed_vote(project, closed: dt.datetime, voters, ballots: int) -> Proposal:
    """A vote closed at ``closed`` with one voter per household given, the first ``ballots``
    of whom took part (rows as the closing leaves them)."""
    decision_class, _ = DecisionClass.objects.get_or_create(
        project=project, name="Ordinary", defaults={"method": "yes_no", "electorate": "household"}
    )
    proposal = Proposal.objects.create(
        project=project,
        decision_class=decision_class,
        title=f"Vote of {closed:%Y-%m-%d}",
        text="Paint the hall.",
        opens_at=closed - dt.timedelta(days=7),
        closes_at=closed,
        closed_at=closed,
        status=ProposalStatus.CLOSED,
    )
    rows = Voter.objects.bulk_create(Voter(proposal=proposal, household=h) for h in voters)
    Participation.objects.bulk_create(
        Participation(proposal=proposal, voter=voter, choice="yes") for voter in rows[:ballots]
    )
    Decision.objects.create(
        proposal=proposal,
        project=project,
        tally={},
        rules={},
        electorate_size=len(rows),
        turnout=Decimal(ballots) / len(rows),
        quorum_met=True,
        passed=True,
    )
    return proposal


def snapshot_rows(city, **filters) -> dict[tuple, IndicatorSnapshot]:
    return {
        (row.project_id, row.month, row.indicator, row.filter): row
        for row in IndicatorSnapshot.objects.filter(city=city, **filters)
    }


def stored(value) -> Decimal:
    return to_stored_decimal(value)


# --- A hand-built pilot -------------------------------------------------------------------


@pytest.fixture
def pilot():
    """One project of a city whose threshold k is 5, worked out by hand for March 2025.

    Twelve households live there in March (H13 moved out on 15 February, H14 moves in on
    10 April); 16 units. Each pays a flat 500.00 a month and no utilities of its own.

    | household | residents (birth year)           | disposable / gross | cost ratio   |
    |-----------|----------------------------------|--------------------|--------------|
    | H1        | 1990 woman, migrant              | 1 000 / 1 100      | 0.5      ob  |
    | H2        | 2000 man                         | 2 000 / 2 500      | 0.25         |
    | H3        | 1990 woman                       |   900 /   950      | 0.5556   ob  |
    | H4        | 1955 woman                       | 3 000 / 4 000      | 0.1667       |
    | H5        | 1990 "prefers not to say"        | no declaration     | —            |
    | H6        | 1985 non-binary (rep),           | 1 200 / 1 500      | 0.4167   ob  |
    |           | 1987 woman, both migrants        |                    |              |
    | H7        | 1950 woman (rep), 1952 man       | 2 500 / 3 000      | 0.2          |
    | H8        | 1998 man (rep), 1999 woman       | 4 000 / 5 000      | 0.125        |
    | H9        | 1980 (rep), 2015 — no consent    | 1 600 / 2 000      | 0.3125       |
    | H10       | 1970 (rep), 1972 — no consent    | 5 000 / 6 000      | 0.1          |
    | H11       | 1980 woman migrant, 1982 man,    | 2 000 / 2 400      | 0.25         |
    |           | 2012 (blank gender) — no rep     |                    |              |
    | H12       | 1975 (rep, no consent),          | 1 500 / 1 600      | 0.3333       |
    |           | 1977 woman, 2008, 2018           |                    |              |

    Votes: 5 of 13 households voted on 10 February, 9 of 12 on 20 March. Meetings: one on
    5 February, two in March, one in April. Bookings of the common room (open 8:00–22:00, shut
    all of 10 March): H1, H2, H3 one each in February; H1–H6 three of two hours each in
    March; besides, in March, a cancelled and a pending one (H7, H8) and one by H13, who had
    left — none of which count.
    """
    city = CityFactory(disclosure_k=5, median_equivalised_income_cents=2_000_000)
    project = ProjectFactory(city=city, name="Can Pilot", units_count=16)
    W, M, NB, NA = Gender.WOMAN, Gender.MAN, Gender.NON_BINARY, Gender.UNDISCLOSED
    people = {
        "H1": [person(1990, rep=True, gender=W, migrant=True)],
        "H2": [person(2000, rep=True, gender=M, migrant=False)],
        "H3": [person(1990, rep=True, gender=W, migrant=False)],
        "H4": [person(1955, rep=True, gender=W, migrant=False)],
        "H5": [person(1990, rep=True, gender=NA)],
        "H6": [
            person(1985, rep=True, gender=NB, migrant=True),
            person(1987, gender=W, migrant=True),
        ],
        "H7": [
            person(1950, rep=True, gender=W, migrant=False),
            person(1952, gender=M, migrant=False),
        ],
        "H8": [
            person(1998, rep=True, gender=M, migrant=False),
            person(1999, gender=W, migrant=False),
        ],
        "H9": [person(1980, rep=True), person(2015)],
        "H10": [person(1970, rep=True), person(1972)],
        "H11": [
            person(1980, gender=W, migrant=True),
            person(1982, gender=M, migrant=False),
            person(2012, gender="", migrant=False),
        ],
        "H12": [
            person(1975, rep=True),
            person(1977, gender=W, migrant=False),
            person(2008),
            person(2018),
        ],
        "H13": [person(1990, rep=True, gender=W, migrant=True)],
        "H14": [person(1991, rep=True)],
    }
    incomes = {
        "H1": (1000, 1100), "H2": (2000, 2500), "H3": (900, 950), "H4": (3000, 4000),
        "H6": (1200, 1500), "H7": (2500, 3000), "H8": (4000, 5000), "H9": (1600, 2000),
        "H10": (5000, 6000), "H11": (2000, 2400), "H12": (1500, 1600), "H13": (1000, 1000),
        "H14": (1000, 1000),
    }  # fmt: skip
    moves = {"H13": {"move_out": dt.date(2025, 2, 15)}, "H14": {"move_in": dt.date(2025, 4, 10)}}
    households = {
        label: make_household(project, label, residents, incomes.get(label), **moves.get(label, {}))
        for label, residents in people.items()
    }
    living_in_march = [households[f"H{n}"] for n in range(1, 13)]

    adopted_scheme(project)  # flat, equal shares
    set_budget(project, MARCH, 12 * 50_000)
    charges_run(project=project, month=MARCH)

    closed_vote(project, at(2025, 2, 10, 12, 0), [households[f"H{n}"] for n in range(1, 14)], 5)
    closed_vote(project, at(2025, 3, 20, 12, 0), living_in_march, 9)
    for start in (
        at(2025, 2, 5, 19, 0),
        at(2025, 3, 5, 19, 0),
        at(2025, 3, 25, 19, 0),
        at(2025, 4, 2, 19, 0),
    ):
        MeetingFactory(project=project, start=start)

    room = SpaceFactory(project=project, name="Common room")
    open_daily(room, "08:00", "22:00")
    close_space(room, at(2025, 3, 10, 0, 0), at(2025, 3, 11, 0, 0))
    for day, label in ((11, "H1"), (12, "H2"), (13, "H3")):
        start = at(2025, 2, day, 10, 0)
        BookingFactory(
            space=room, household=households[label], start=start, end=start + dt.timedelta(hours=2)
        )
    for index in range(18):
        start = at(2025, 3, 11 + index, 10, 0)
        BookingFactory(
            space=room,
            household=living_in_march[index // 3],
            start=start,
            end=start + dt.timedelta(hours=2),
        )
    for label, status, day in (
        ("H7", BookingStatus.CANCELLED, 3),
        ("H8", BookingStatus.PENDING, 4),
        ("H13", BookingStatus.CONFIRMED, 5),
    ):
        start = at(2025, 3, day, 10, 0)
        BookingFactory(
            space=room,
            household=households[label],
            start=start,
            end=start + dt.timedelta(hours=2),
            status=status,
        )
    return city, project, households


def test_each_indicator_of_the_hand_built_project(pilot):
    city, project, _households = pilot

    result = indicator_snapshot_run(city=city, months=[MARCH])

    assert result.months == (MARCH,)
    assert result.flow_months == (JANUARY, FEBRUARY, MARCH)  # the quarter of the flows
    rows = snapshot_rows(city, filter="")

    def value(indicator, month=MARCH, project_id=project.pk):
        row = rows[project_id, month, indicator, ""]
        assert not row.suppressed, indicator
        return row.value

    expected = {
        Indicator.HOUSEHOLDS: 12,  # H1–H12
        Indicator.RESIDENTS: 22,  # 5 × 1 + 5 × 2 + 3 + 4
        Indicator.OCCUPANCY: Fraction(12, 16),
        # The eleven ratios with an income, sorted: 0.1, 0.125, 0.1667, 0.2, 0.25, 0.25 (H2 and
        # H11, the sixth), 0.3125, 0.3333, 0.4167, 0.5, 0.5556.
        Indicator.MEDIAN_COST_RATIO: Fraction(1, 4),
        # Residents of households above 40 %: H1 (1), H3 (1), H6 (2) = 4, of the 21 residents
        # of the households with a ratio (all but H5).
        Indicator.OVERBURDEN_RATE_EUROSTAT: Fraction(4, 21),
        # 500 over gross income above 30 %: H1 0.45, H3 0.53, H6 0.33, H12 0.31 — 4 of the 11
        # households with a gross income; above 50 %: H3 alone.
        Indicator.COST_BURDEN_RATE_30: Fraction(4, 11),
        Indicator.SEVERE_COST_BURDEN_RATE_50: Fraction(1, 11),
        # Disposable ÷ modified OECD scale, sorted: 652.17 (H12, ÷ 2.3), 800 (H6, ÷ 1.5), 900,
        # 1 000, 1 111.11 (H11, ÷ 1.8), 1 230.77 (H9, 1 600 ÷ 1.3, the sixth), 1 666.67, …
        Indicator.EQUIVALISED_INCOME_MEDIAN_OECD_MODIFIED: 123_077,
        # Disposable ÷ √size: 750 (H12, ÷ 2), 848.53, 900, 1 000, 1 131.37 (H9),
        # 1 154.70 (H11, 2 000 ÷ √3, the sixth), 1 767.77, …
        Indicator.EQUIVALISED_INCOME_MEDIAN_SQRT_SCALE: 115_470,
        # Below 60 % of 20 000.00 a year, 1 000.00 a month equivalised: H12 (4 residents),
        # H6 (2), H3 (1) — H1, at exactly 1 000.00, is not; 7 of 21 residents.
        Indicator.SHARE_AT_RISK_OF_POVERTY: Fraction(7, 21),
        Indicator.TURNOUT: Fraction(9, 12),  # the vote closed on 20 March
        Indicator.MEETINGS_HELD: 2,  # 5 and 25 March
        Indicator.BOOKINGS_PER_HOUSEHOLD: Fraction(18, 12),  # the cancelled, pending and H13's not
        # 36 hours booked of 31 × 14 − 14 (the closed day) = 420 open.
        Indicator.SPACE_USE: Fraction(36, 420),
        # Consenting residents living there: H1–H8 (12), H11 (3), H12's 1977 (1) = 15 (in 10
        # households); under 30 in 2025: 2000, 1998, 1999, 2012 = 4; 65 and over: 1955,
        # 1950, 1952 = 3.
        Indicator.SHARE_UNDER_30: Fraction(4, 15),
        Indicator.SHARE_65_PLUS: Fraction(3, 15),
        # Leads who consented and declared a gender: H1, H2, H3, H4, H6 (the non-binary
        # representative), H7, H8, H11 (no representative: the oldest, a woman) = 8; H5 prefers
        # not to say, H12's representative did not consent. Women: H1, H3, H4, H7, H11.
        Indicator.SHARE_WOMEN_LED: Fraction(5, 8),
        # Consenting residents who answered (all but H5's): 14; migrants: H1, H6 × 2, H11's 1980.
        Indicator.SHARE_MIGRANT_BACKGROUND: Fraction(4, 14),
    }
    assert set(expected) == set(Indicator.values)
    for indicator, figure in expected.items():
        assert value(indicator) == stored(figure), indicator
        # One project: the city's figure is the project's.
        assert value(indicator, project_id=None) == stored(figure), indicator

    # The households each figure was computed from, kept for audits only.
    assert rows[project.pk, MARCH, Indicator.OVERBURDEN_RATE_EUROSTAT, ""].n_households == 11
    assert rows[project.pk, MARCH, Indicator.SHARE_WOMEN_LED, ""].n_households == 8
    assert rows[project.pk, MARCH, Indicator.SHARE_MIGRANT_BACKGROUND, ""].n_households == 9
    assert rows[project.pk, MARCH, Indicator.SHARE_UNDER_30, ""].n_households == 10


def test_the_flows_of_the_other_months_and_their_quarter(pilot):
    city, project, _households = pilot

    indicator_snapshot_run(city=city, months=[MARCH])

    rows = snapshot_rows(city, project=project)

    def value(month, indicator, filter_=""):
        row = rows[project.pk, month, indicator, filter_]
        assert not row.suppressed, (month, indicator, filter_)
        return row.value

    assert value(FEBRUARY, Indicator.TURNOUT) == stored(Fraction(5, 13))
    assert value(FEBRUARY, Indicator.MEETINGS_HELD) == 1
    assert value(JANUARY, Indicator.MEETINGS_HELD) == 0
    # February: 3 bookings among 13 households (H13 lived there until the 15th).
    assert value(FEBRUARY, Indicator.BOOKINGS_PER_HOUSEHOLD) == stored(Fraction(3, 13))
    # No vote closed in January: nothing measured, no row rather than a hidden one.
    assert (project.pk, JANUARY, Indicator.TURNOUT, "") not in rows
    # The quarter, on its first month: Σ numerators ÷ Σ denominators of its months.
    assert value(JANUARY, Indicator.TURNOUT, QUARTER_FILTER) == stored(Fraction(5 + 9, 13 + 12))
    assert value(JANUARY, Indicator.MEETINGS_HELD, QUARTER_FILTER) == 3
    # 21 bookings over 13 + 13 + 12 household-months.
    assert value(JANUARY, Indicator.BOOKINGS_PER_HOUSEHOLD, QUARTER_FILTER) == stored(
        Fraction(21, 38)
    )
    # 2 × 3 + 36 hours booked of 31 × 14 + 28 × 14 + 420 open.
    assert value(JANUARY, Indicator.SPACE_USE, QUARTER_FILTER) == stored(
        Fraction(42, 434 + 392 + 420)
    )
    # Stock indicators were asked for March only.
    assert not any(
        key[2] not in {"turnout", "meetings_held", "bookings_per_household", "space_use"}
        for key in rows
        if key[1] != MARCH
    )


def test_the_size_filters_split_the_households(pilot):
    city, project, _households = pilot

    indicator_snapshot_run(city=city, months=[MARCH])

    rows = snapshot_rows(city, project=project, month=MARCH, indicator=Indicator.HOUSEHOLDS)
    # 5 one-person (H1–H5), 5 two-person (H6–H10), 2 larger (H11, H12): "< 5", and one more
    # hidden beside it so that 12 − 5 − 5 does not give it away.
    assert rows[project.pk, MARCH, "households", S3].display == "< 5"
    shown = published(rows, *((project.pk, MARCH, "households", size) for size in (S1, S2)))
    assert list(shown.values()) == [5]
    # The residents are not split by size: one- and two-person households' residents would
    # be their households again.
    assert not IndicatorSnapshot.objects.filter(
        city=city, indicator=Indicator.RESIDENTS, filter__startswith="household_size"
    ).exists()
    # A share by size: overburden among two-person households (H6 to H10, 10 residents): H6's 2.
    overburden = IndicatorSnapshot.objects.get(
        project=project, month=MARCH, indicator=Indicator.OVERBURDEN_RATE_EUROSTAT, filter=S2
    )
    assert overburden.value == stored(Fraction(2, 10))


def test_the_city_figures_are_the_project_pages_figures_for_every_project():
    city = CityFactory()
    for name in ("one", "two"):
        project = ProjectFactory(city=city, name=name)
        for index in range(3):
            household = HouseholdFactory(project=project, unit_label=f"{name}{index}")
            ResidentFactory(household=household, birth_year=1980 + index)
            IncomeDeclarationFactory(
                household=household, disposable_monthly_cents=100_000 * (index + 1)
            )
        adopted_scheme(project)
        for month in (MARCH, APRIL):
            set_budget(project, month, 90_000)
            charges_run(project=project, month=month)

    rows = household_figures_for_city(city=city, start=MARCH, until=APRIL)

    assert len(rows) == 12
    assert [row.month for row in rows] == sorted(row.month for row in rows)
    for project in city.projects.all():
        latest = project_affordability(project=project, months=2, until=APRIL).latest_rows
        mine = [row for row in rows if row.household.project_id == project.pk]
        assert (
            sorted(
                (row for row in mine if row.month == APRIL),
                key=lambda row: row.household.unit_label,
            )
            == latest
        )


# --- Disclosure control through the real run ------------------------------------------------


def small_city(households: int, k: int):
    """A city of one project with ``households`` households, one-person and two-person in
    turn; each led by a consenting woman born in 1950, her partner born in 1990. A meeting in
    March."""
    city = CityFactory(disclosure_k=k)
    project = ProjectFactory(city=city, units_count=40)
    for index in range(households):
        people = [person(1950, rep=True, gender=Gender.WOMAN)]
        if index % 2:
            people.append(person(1990, gender=Gender.MAN))
        make_household(project, f"U{index}", people)
    MeetingFactory(project=project, start=at(2025, 3, 5, 19, 0))
    return city, project


@pytest.mark.parametrize("k", [5, 10])
def test_a_project_of_k_minus_one_households_publishes_no_statistic(k):
    city, project = small_city(k - 1, k)

    indicator_snapshot_run(city=city, months=[MARCH])

    rows = snapshot_rows(city, month=MARCH, filter="")
    households = rows[project.pk, MARCH, Indicator.HOUSEHOLDS, ""]
    assert (households.value, households.suppressed, households.display) == (None, True, f"< {k}")
    # k − 1 + (k − 1) // 2 residents: k or more, but of fewer than k households, so hidden
    # (and not shown "< k", which would be untrue).
    residents = rows[project.pk, MARCH, Indicator.RESIDENTS, ""]
    assert (residents.value, residents.suppressed, residents.display) == (None, True, "")
    for indicator in (
        Indicator.OCCUPANCY,
        Indicator.MEETINGS_HELD,
        Indicator.SHARE_65_PLUS,
        Indicator.SHARE_WOMEN_LED,
    ):
        row = rows[project.pk, MARCH, indicator, ""]
        assert (row.value, row.suppressed, row.display) == (None, True, ""), indicator
        assert rows[None, MARCH, indicator, ""].suppressed  # the city's is the same figure
    assert {row.suppression_reason for row in rows.values()} == {"threshold"}


@pytest.mark.parametrize("k", [5, 10])
def test_a_project_of_k_households_publishes_them(k):
    city, project = small_city(k, k)
    residents = k + k // 2

    indicator_snapshot_run(city=city, months=[MARCH])

    rows = snapshot_rows(city, month=MARCH, filter="")
    for scope in (project.pk, None):
        assert rows[scope, MARCH, Indicator.HOUSEHOLDS, ""].value == k
        assert rows[scope, MARCH, Indicator.RESIDENTS, ""].value == residents
        assert rows[scope, MARCH, Indicator.OCCUPANCY, ""].value == stored(Fraction(k, 40))
        assert rows[scope, MARCH, Indicator.MEETINGS_HELD, ""].value == 1
        assert rows[scope, MARCH, Indicator.SHARE_65_PLUS, ""].value == stored(
            Fraction(k, residents)
        )
        assert rows[scope, MARCH, Indicator.SHARE_WOMEN_LED, ""].value == 1
    assert not any(row.suppressed for row in rows.values())


def test_k_is_never_below_five_whatever_the_city_row_says():
    city, project = small_city(4, 5)
    type(city).objects.filter(pk=city.pk).update(disclosure_k=5)
    # A city object that somehow says 3 (the database refuses it) still gets k = 5.
    city.disclosure_k = 3

    indicator_snapshot_run(city=city, months=[MARCH])

    households = IndicatorSnapshot.objects.get(
        project=project, month=MARCH, indicator=Indicator.HOUSEHOLDS, filter=""
    )
    assert households.display == "< 5"


def test_one_household_dominating_the_bookings_hides_the_share():
    city = CityFactory(disclosure_k=5)
    project = ProjectFactory(city=city)
    households = [make_household(project, f"U{n}", [person(1980, rep=True)]) for n in range(8)]
    room = SpaceFactory(project=project)
    # 9 bookings by one household, 1 by another: the two make 100 % of the sum (> 85 %).
    for index, household in enumerate([households[0]] * 9 + [households[1]]):
        start = at(2025, 3, 2 + index, 10, 0)
        BookingFactory(space=room, household=household, start=start)

    indicator_snapshot_run(city=city, months=[MARCH])

    for indicator in (Indicator.BOOKINGS_PER_HOUSEHOLD, Indicator.SPACE_USE):
        row = IndicatorSnapshot.objects.get(
            project=project, month=MARCH, indicator=indicator, filter=""
        )
        assert (row.value, row.suppressed, row.suppression_reason) == (None, True, "dominance")
    # Spread over seven households, the same ten bookings are published.
    for index in range(10):
        start = at(2025, 3, 2 + index, 10, 0)
        type(room).objects.get(pk=room.pk).bookings.filter(start=start).update(
            household=households[index % 7]
        )
    indicator_snapshot_run(city=city, months=[MARCH])
    row = IndicatorSnapshot.objects.get(
        project=project, month=MARCH, indicator=Indicator.BOOKINGS_PER_HOUSEHOLD, filter=""
    )
    assert row.value == stored(Fraction(10, 8))


@pytest.fixture
def three_projects():
    """A city (k = 5) of three projects in the first quarter of 2025.

    - A: 10 one-person, 8 two-person and 2 three-person households; a meeting a month.
    - B: 12 one-person households; two meetings a month.
    - C: 6 one-person households in January and February, 3 of whom leave on 28 February;
      a meeting a month.
    """
    city = CityFactory(disclosure_k=5)
    a = ProjectFactory(city=city, name="A")
    b = ProjectFactory(city=city, name="B")
    c = ProjectFactory(city=city, name="C")
    sizes = [1] * 10 + [2] * 8 + [3] * 2
    for index, size in enumerate(sizes):
        make_household(a, f"A{index}", [person(1980 + n) for n in range(size)])
    for index in range(12):
        make_household(b, f"B{index}", [person(1980)])
    for index in range(6):
        left = dt.date(2025, 2, 28) if index < 3 else None
        make_household(c, f"C{index}", [person(1980)], move_out=left)
    for month in (1, 2, 3):
        for project, count in ((a, 1), (b, 2), (c, 1)):
            for day in range(count):
                MeetingFactory(project=project, start=at(2025, month, 10 + day, 19, 0))
    return city, a, b, c


def published(rows, *keys):
    return {key: rows[key].value for key in keys if not rows[key].suppressed}


def test_a_hidden_project_cannot_be_recovered_from_the_city_total(three_projects):
    city, a, b, c = three_projects
    true = {a.pk: 20, b.pk: 12, c.pk: 3}

    indicator_snapshot_run(city=city, months=[MARCH])

    rows = snapshot_rows(city, month=MARCH, indicator=Indicator.HOUSEHOLDS, filter="")
    city_total = rows[None, MARCH, "households", ""]
    assert city_total.value == 35
    assert rows[c.pk, MARCH, "households", ""].display == "< 5"  # 3 households
    # The attack: the city total minus every published project.
    shown = published(rows, *((p, MARCH, "households", "") for p in true))
    hidden = [p for p in true if p not in {key[0] for key in shown}]
    remainder = city_total.value - sum(shown.values())
    assert len(hidden) >= 2  # another project is hidden beside C …
    assert remainder == sum(true[p] for p in hidden) != 3  # … so what is left is not C


def test_a_hidden_month_cannot_be_recovered_from_its_quarter(three_projects):
    city, _a, _b, c = three_projects
    true = {JANUARY: 1, FEBRUARY: 1, MARCH: 1}

    indicator_snapshot_run(city=city, months=[MARCH])

    rows = snapshot_rows(city, project=c, indicator=Indicator.MEETINGS_HELD)
    quarter = rows[c.pk, JANUARY, "meetings_held", QUARTER_FILTER]
    assert quarter.value == 3  # six households lived there in the quarter: published
    assert rows[c.pk, MARCH, "meetings_held", ""].suppressed  # three households in March
    # The attack: the quarter minus the published months.
    shown = published(rows, *((c.pk, month, "meetings_held", "") for month in true))
    hidden = [month for month in true if month not in {key[1] for key in shown}]
    assert len(hidden) >= 2  # January or February is hidden beside March
    assert quarter.value - sum(shown.values()) == sum(true[m] for m in hidden) != 1


def test_a_hidden_size_cannot_be_recovered_from_the_other_sizes(three_projects):
    city, a, _b, _c = three_projects
    true = {S1: 10, S2: 8, S3: 2}

    indicator_snapshot_run(city=city, months=[MARCH])

    rows = snapshot_rows(city, project=a, month=MARCH, indicator=Indicator.HOUSEHOLDS)
    total = rows[a.pk, MARCH, "households", ""]
    assert total.value == 20
    assert rows[a.pk, MARCH, "households", S3].display == "< 5"  # 2 households
    shown = published(rows, *((a.pk, MARCH, "households", size) for size in true))
    hidden = [size for size in true if size not in {key[3] for key in shown}]
    assert len(hidden) >= 2
    assert total.value - sum(shown.values()) == sum(true[s] for s in hidden) != 2


def attacker_groups(rows) -> list[Group]:
    """Every sum a reader of the published rows knows, built from the rows alone: projects add
    up to the city, sizes to all households, months to their quarter (additive indicators)."""
    additive = {indicator for indicator, spec in INDICATOR_SPECS.items() if spec.additive}
    keys = {key for key in rows if key[2] in additive}
    projects, sizes, months = defaultdict(list), defaultdict(list), defaultdict(list)
    for key in keys:
        project, month, indicator, filter_ = key
        if project is not None:
            projects[month, indicator, filter_].append(key)
        if filter_ in HOUSEHOLD_SIZE_FILTERS:
            sizes[project, month, indicator].append(key)
        if filter_ == "":
            months[project, quarter_of(month), indicator].append(key)
    groups = []
    for (month, indicator, filter_), parts in projects.items():
        if (None, month, indicator, filter_) in keys:
            groups.append(Group((None, month, indicator, filter_), tuple(parts)))
    for (project, month, indicator), parts in sizes.items():
        if (project, month, indicator, "") in keys:
            groups.append(Group((project, month, indicator, ""), tuple(parts)))
    for (project, quarter, indicator), parts in months.items():
        if (project, quarter, indicator, QUARTER_FILTER) in keys:
            groups.append(Group((project, quarter, indicator, QUARTER_FILTER), tuple(parts)))
    return groups


def assert_nothing_hidden_is_recoverable(city) -> None:
    rows = snapshot_rows(city)
    hidden = {key for key, row in rows.items() if row.suppressed}
    groups = attacker_groups(rows)
    assert hidden, "the scenario should hide something"
    for group in groups:
        assert sum(key in hidden for key in group.members) != 1, group
    assert recoverable_cells(hidden, groups) == set()
    # Counts with what a reader knows of a hidden one: "< k" is at most k − 1, blank at least k.
    k = city.disclosure_k
    counts = {key: row for key, row in rows.items() if key[2] in {"households", "residents"}}
    screened = {
        key: Screened(
            Cell(key, CellKind.COUNT, int(row.value or 0), 0),
            BelowThreshold(k) if row.display else row.value,
            "threshold" if row.suppressed else None,
        )
        for key, row in counts.items()
    }
    count_groups = [g for g in groups if g.total[2] in {"households", "residents"}]
    assert pinned_by_bounds(screened, hidden & set(counts), count_groups, k) == set()


def test_no_subtraction_recovers_any_hidden_cell(three_projects, pilot):
    for city in (three_projects[0], pilot[0]):
        indicator_snapshot_run(city=city, months=[FEBRUARY, MARCH])
        assert_nothing_hidden_is_recoverable(city)


def test_a_suppressed_row_keeps_no_value_in_the_database(three_projects):
    city = three_projects[0]

    indicator_snapshot_run(city=city, months=[MARCH])

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(value), count(n_households), count(suppression_reason) "
            "FROM community_indicatorsnapshot WHERE city_id = %s AND suppressed",
            [city.pk],
        )
        hidden, with_value, with_count, with_reason = cursor.fetchone()
    assert hidden > 0
    assert (with_value, with_count, with_reason) == (0, 0, hidden)


# --- Runs -----------------------------------------------------------------------------------


def comparable(city) -> list[tuple]:
    return sorted(
        IndicatorSnapshot.objects.filter(city=city).values_list(
            "project_id",
            "month",
            "indicator",
            "filter",
            "value",
            "suppressed",
            "suppression_reason",
            "display",
            "n_households",
        ),
        key=repr,
    )


def test_a_second_run_writes_the_same_rows(pilot):
    city = pilot[0]

    first = indicator_snapshot_run(city=city, months=[FEBRUARY, MARCH])
    rows = comparable(city)
    second = indicator_snapshot_run(city=city, months=[FEBRUARY, MARCH])

    assert comparable(city) == rows
    assert first == second
    assert IndicatorSnapshot.objects.filter(city=city).count() == first.rows


def test_a_run_replaces_its_months_only(pilot):
    city, project, households = pilot
    indicator_snapshot_run(city=city, months=[FEBRUARY, MARCH])
    february = [row for row in comparable(city) if row[1] == FEBRUARY]

    # H1 moves out at the end of February: March changes, February's stock figures do not.
    type(households["H1"]).objects.filter(pk=households["H1"].pk).update(
        move_out=dt.date(2025, 2, 28)
    )
    indicator_snapshot_run(city=city, months=[MARCH])

    assert [row for row in comparable(city) if row[1] == FEBRUARY] == february
    march = IndicatorSnapshot.objects.get(
        project=project, month=MARCH, indicator=Indicator.HOUSEHOLDS, filter=""
    )
    assert march.value == 11


def test_the_default_run_covers_the_last_two_years():
    city = CityFactory()
    project = ProjectFactory(city=city)
    for index in range(12):
        HouseholdFactory(project=project, unit_label=f"U{index}")

    result = indicator_snapshot_run(city=city)

    assert len(result.months) == 24
    assert result.months == tuple(sorted(result.months))
    assert latest_indicator_month(city=city) == result.months[-1]
    households = IndicatorSnapshot.objects.filter(city=city, indicator="households", filter="")
    assert households.count() == 2 * 24  # the project and the city, each month


@pytest.mark.parametrize(
    "months",
    [
        [dt.date(2025, 3, 2)],
        [dt.date(2999, 1, 1)],
        [],
        "2025-03-01",
        [dt.datetime(2025, 3, 1, tzinfo=dt.UTC)],
    ],
)
def test_bad_months_are_refused_on_the_months_field(months):
    city = CityFactory()

    with pytest.raises(ValidationError) as exc_info:
        indicator_snapshot_run(city=city, months=months)

    assert set(exc_info.value.message_dict) == {"months"}
    assert not IndicatorSnapshot.objects.filter(city=city).exists()


def test_a_city_without_projects_gets_no_rows_and_no_error():
    city = CityFactory()
    result = indicator_snapshot_run(city=city, months=[MARCH])
    assert (result.rows, result.suppressed) == (0, 0)


def populated_city(households_per_project: int):
    """Two projects with residents, incomes, charges, a vote, a meeting and bookings."""
    city = CityFactory(disclosure_k=5)
    for name in ("one", "two"):
        project = ProjectFactory(city=city, name=name)
        room = SpaceFactory(project=project)
        open_daily(room)
        homes = [
            make_household(
                project,
                f"{name}{index}",
                [person(1960 + index, rep=True, gender=Gender.WOMAN, migrant=False)]
                + [person(2000)] * (index % 3),
                (1500 + 100 * index, 1800 + 100 * index),
            )
            for index in range(households_per_project)
        ]
        adopted_scheme(project)
        set_budget(project, MARCH, 50_000 * households_per_project)
        charges_run(project=project, month=MARCH)
        closed_vote(project, at(2025, 3, 20, 12, 0), homes, len(homes) // 2)
        MeetingFactory(project=project, start=at(2025, 3, 5, 19, 0))
        for index, home in enumerate(homes):
            start = at(2025, 3, 1 + index % 28, 8 + index // 28, 0)
            BookingFactory(space=room, household=home, start=start)
    return city


def test_the_run_takes_the_same_queries_for_3_or_30_households_a_project():
    counts = []
    for households in (3, 30):
        city = populated_city(households)
        with CaptureQueriesContext(connection) as queries:
            result = indicator_snapshot_run(city=city, months=[FEBRUARY, MARCH])
        assert result.rows > 0
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 30


# --- The manual refresh -------------------------------------------------------------------


def test_an_officer_refreshes_the_city(pilot, django_capture_on_commit_callbacks):
    city = pilot[0]
    officer = make_officer(city)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        months = indicator_snapshot_refresh(city=city, user=officer, months=[MARCH])

    assert months == [MARCH]
    assert len(callbacks) == 1  # the run is queued; eager in the tests, so it ran
    assert IndicatorSnapshot.objects.filter(city=city, month=MARCH).exists()


def test_a_platform_admin_refreshes_any_city(pilot, django_capture_on_commit_callbacks):
    city = pilot[0]
    admin = UserFactory(is_superuser=True, is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        months = indicator_snapshot_refresh(city=city, user=admin)

    assert len(months) == 24  # by default the last two years
    assert IndicatorSnapshot.objects.filter(city=city, month=MARCH).exists()


def test_only_the_citys_officers_may_refresh(pilot, django_capture_on_commit_callbacks):
    city, project, households = pilot
    observer = UserFactory()
    role_grant(user=observer, kind=RoleKind.NETWORK_OBSERVER)  # follows, does not refresh
    outsiders = [
        make_officer(CityFactory()),
        make_manager(project),
        make_resident_user(households["H1"]),
        observer,
        AnonymousUser(),
    ]

    for user in outsiders:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(PermissionDenied):
                indicator_snapshot_refresh(city=city, user=user, months=[MARCH])
        assert callbacks == []
    assert not IndicatorSnapshot.objects.filter(city=city).exists()


def test_a_refresh_of_months_to_come_is_refused(pilot, django_capture_on_commit_callbacks):
    city = pilot[0]
    officer = make_officer(city)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError) as exc_info:
            indicator_snapshot_refresh(city=city, user=officer, months=[dt.date(2999, 1, 1)])

    assert set(exc_info.value.message_dict) == {"months"}
    assert callbacks == []


# --- The reads ----------------------------------------------------------------------------


def test_the_city_table_shows_published_figures_and_nothing_of_hidden_ones(
    three_projects, django_assert_max_num_queries
):
    city, a, b, c = three_projects
    indicator_snapshot_run(city=city, months=[FEBRUARY, MARCH])

    with django_assert_max_num_queries(3):
        table = city_indicator_table(city=city)

    assert table.month == MARCH
    assert [project.name for project in table.projects] == ["A", "B", "C"]
    assert table.figure(None, "households").value == 35
    assert table.figure(a, "households").value == 20
    hidden = table.figure(c, "households")
    assert (hidden.value, hidden.suppressed, hidden.display) == (None, True, "< 5")
    assert hidden.public() == {"value": None, "suppressed": True, "display": "< 5"}
    assert table.figure(b, "turnout") is None  # no vote: nothing measured
    assert set(table.city_row) == set(Indicator.values)
    # Nothing but value, suppressed and display leaves the table.
    assert set(vars(hidden)) == {"indicator", "value", "suppressed", "display"}

    february = city_indicator_table(city=city, month=FEBRUARY, filter=S1)
    assert (february.month, february.figure(a, "households").value) == (FEBRUARY, 10)


def test_the_city_table_takes_the_same_queries_for_many_projects(
    django_assert_max_num_queries,
):
    city = CityFactory()
    for index in range(12):
        project = ProjectFactory(city=city)
        HouseholdFactory(project=project, unit_label=f"U{index}")
    indicator_snapshot_run(city=city, months=[MARCH])

    with django_assert_max_num_queries(3):
        table = city_indicator_table(city=city)

    assert len(table.projects) == 12
    assert all(table.figure(p, "households").display == "< 10" for p in table.projects)


def test_a_series_has_a_point_a_month(three_projects, django_assert_max_num_queries):
    city, a, _b, c = three_projects
    indicator_snapshot_run(city=city, months=[JANUARY, FEBRUARY, MARCH])

    with django_assert_max_num_queries(1):
        series = indicator_series(
            scope=a, indicator="households", months=[JANUARY, FEBRUARY, MARCH, APRIL]
        )

    assert [point.month for point in series] == [JANUARY, FEBRUARY, MARCH, APRIL]
    assert [p.figure.value if p.figure else None for p in series] == [20, 20, 20, None]
    assert series[3].figure is None  # not computed
    small = indicator_series(scope=c, indicator="households", months=[MARCH])
    assert small[0].figure.public() == {"value": None, "suppressed": True, "display": "< 5"}
    totals = indicator_series(scope=city, indicator="meetings_held", months=[MARCH])
    assert totals[0].figure.value == 4
    quarters = indicator_series(
        scope=city, indicator="meetings_held", months=[JANUARY], filter=QUARTER_FILTER
    )
    assert quarters[0].figure.value == 12


def test_the_tidy_rows_of_a_project_and_of_cities(three_projects, django_assert_max_num_queries):
    city, a, _b, c = three_projects
    indicator_snapshot_run(city=city, months=[MARCH])

    with django_assert_max_num_queries(1):
        rows = project_indicator_rows(project=c)

    assert rows and {row.project_id for row in rows} == {c.pk}
    assert {row.city_name for row in rows} == {city.name}
    hidden = [row for row in rows if row.suppressed]
    assert hidden and all(row.value is None for row in hidden)
    assert not any(hasattr(row, "n_households") for row in rows)

    with django_assert_max_num_queries(1):
        tidy = indicator_row_list(cities=[city], indicator="households", filters=[""])
    assert [(row.project_name, row.value) for row in tidy] == [
        ("", 35),
        ("A", 20),
        ("B", None),
        ("C", None),
    ]
