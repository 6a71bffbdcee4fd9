"""Indicator snapshots, pilot goals, the city's disclosure threshold and the network observer
role (DESIGN.md §4): every invariant holds in validation and at the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Q

from common.disclosure import Cell, Group, protect
from community.monitoring.models import (
    INDICATOR_SPECS,
    GoalComparison,
    Indicator,
    IndicatorSnapshot,
    PilotGoal,
)
from members.models import City, Role, RoleKind, User
from members.selectors import (
    city_list_for_user,
    household_list_for_user,
    observed_city_list,
    project_list_for_user,
    user_is_network_observer,
)
from members.services import role_grant, role_revoke
from tests.factories import CityFactory, ProjectFactory, UserFactory, make_officer
from tests.members.test_constraints import error_fields, refused_by_database

pytestmark = pytest.mark.django_db

MONTH = dt.date(2025, 3, 1)


# --- The city's threshold k --------------------------------------------------------------


def test_a_city_publishes_nothing_under_ten_households_by_default():
    assert CityFactory().disclosure_k == 10


def test_a_city_cannot_set_k_below_five():
    city = CityFactory()
    city.disclosure_k = 4
    with pytest.raises(ValidationError) as exc_info:
        city.full_clean()
    assert error_fields(exc_info) == {"disclosure_k"}
    with refused_by_database():
        City.objects.filter(pk=city.pk).update(disclosure_k=4)
    City.objects.filter(pk=city.pk).update(disclosure_k=5)
    city.refresh_from_db()
    assert city.disclosure_k == 5


# --- Indicator snapshots -------------------------------------------------------------------


def test_every_indicator_of_design_section_4_is_a_choice_with_both_conventions():
    expected = {
        "households",
        "residents",
        "occupancy",
        "median_cost_ratio",
        "overburden_rate_eurostat",
        "cost_burden_rate_30",
        "severe_cost_burden_rate_50",
        "equivalised_income_median_oecd_modified",
        "equivalised_income_median_sqrt_scale",
        "share_at_risk_of_poverty",
        "turnout",
        "meetings_held",
        "bookings_per_household",
        "space_use",
        "share_under_30",
        "share_65_plus",
        "share_women_led",
        "share_migrant_background",
    }
    assert set(Indicator.values) == expected
    assert set(INDICATOR_SPECS) == expected
    # Medians do not add up across projects; counts and rates do.
    assert not INDICATOR_SPECS[Indicator.MEDIAN_COST_RATIO].additive
    assert INDICATOR_SPECS[Indicator.OVERBURDEN_RATE_EUROSTAT].additive
    assert INDICATOR_SPECS[Indicator.HOUSEHOLDS].cell_kind == "count"


def snapshot(**fields) -> IndicatorSnapshot:
    project = fields.pop("project", None) or ProjectFactory()
    defaults = {
        "city": project.city,
        "project": project,
        "month": MONTH,
        "indicator": Indicator.OVERBURDEN_RATE_EUROSTAT,
        "value": Decimal("0.25"),
        "n_households": 24,
    }
    return IndicatorSnapshot(**(defaults | fields))


def _refused(row: IndicatorSnapshot, fields: set[str]) -> None:
    with pytest.raises(ValidationError) as exc_info:
        row.full_clean()
    assert error_fields(exc_info) == fields
    with refused_by_database():
        IndicatorSnapshot.objects.bulk_create([row])


def test_a_suppressed_row_cannot_hold_its_value():
    row = snapshot(suppressed=True, suppression_reason="threshold", n_households=None)
    _refused(row, {"value"})
    assert not IndicatorSnapshot.objects.exists()


def test_a_suppressed_row_cannot_hold_its_household_count():
    row = snapshot(value=None, suppressed=True, suppression_reason="threshold", n_households=4)
    _refused(row, {"value"})


def test_a_suppressed_row_stored_then_given_a_value_is_refused():
    row = snapshot(value=None, suppressed=True, suppression_reason="secondary", n_households=None)
    row.full_clean()
    row.save()
    with refused_by_database():
        IndicatorSnapshot.objects.filter(pk=row.pk).update(value=Decimal("0.5"))
    assert IndicatorSnapshot.objects.get(pk=row.pk).value is None


def test_a_published_row_needs_a_value_and_no_reason_or_display():
    _refused(snapshot(value=None, n_households=None), {"value"})
    _refused(snapshot(suppression_reason="threshold"), {"value"})
    _refused(snapshot(display="< 10"), {"value"})


def test_a_suppressed_row_needs_its_reason():
    row = snapshot(value=None, suppressed=True, n_households=None)
    _refused(row, {"suppression_reason"})


@pytest.mark.parametrize("display", ["12", "< 10 (12)", "<10", "0.25"])
def test_the_display_text_can_only_say_less_than_k(display):
    row = snapshot(
        value=None,
        suppressed=True,
        suppression_reason="threshold",
        n_households=None,
        display=display,
    )
    _refused(row, {"display"})


def test_a_month_is_stored_as_its_first_day():
    _refused(snapshot(month=dt.date(2025, 3, 15)), {"month"})


def test_one_row_per_project_month_indicator_and_filter():
    project = ProjectFactory()
    snapshot(project=project).save()
    duplicate = snapshot(project=project, value=Decimal("0.3"))
    _refused(duplicate, {"indicator"})
    # Another filter, month or indicator is another cell.
    snapshot(project=project, filter="household_size:1").save()
    snapshot(project=project, month=dt.date(2025, 4, 1)).save()
    snapshot(project=project, indicator=Indicator.TURNOUT).save()


def test_one_city_total_per_month_indicator_and_filter_although_the_project_is_null():
    project = ProjectFactory()
    city_total = snapshot(project=project)
    city_total.project = None
    city_total.save()
    again = snapshot(project=project)
    again.project = None
    _refused(again, {"indicator"})
    # The project's own row for the same cell is a different row.
    snapshot(project=project).save()
    assert IndicatorSnapshot.objects.filter(city=project.city).count() == 2


def test_a_project_row_belongs_to_the_project_s_city():
    row = snapshot()
    row.city = CityFactory()
    with pytest.raises(ValidationError) as exc_info:
        row.full_clean()
    assert error_fields(exc_info) == {"project"}


@pytest.mark.parametrize("filter_", ["Household size", "household_size", "a:b:c", " x:1"])
def test_a_filter_is_dimension_colon_category(filter_):
    with pytest.raises(ValidationError) as exc_info:
        snapshot(filter=filter_).full_clean()
    assert error_fields(exc_info) == {"filter"}


def test_rows_from_protected_cells_never_store_a_suppressed_value():
    small = ProjectFactory()
    city = small.city
    large, medium = ProjectFactory(city=city), ProjectFactory(city=city)
    counts = {small: 4, large: 31, medium: 12}
    total = sum(counts.values())
    cells = [Cell(None, "count", total, total)]
    cells += [Cell(project.pk, "count", n, n) for project, n in counts.items()]
    group = Group(None, tuple(project.pk for project in counts))
    households = {cell.key: cell.n_households for cell in cells}
    rows = [
        IndicatorSnapshot.from_published(
            cell=cell,
            city=city,
            project=next((p for p in counts if p.pk == cell.key), None),
            month=MONTH,
            indicator=Indicator.HOUSEHOLDS,
            n_households=households[cell.key],  # offered for every cell, kept for published ones
        )
        for cell in protect(cells, [group], city.disclosure_k)
    ]
    for row in rows:
        row.full_clean()
    IndicatorSnapshot.objects.bulk_create(rows)

    stored = {row.project_id: row for row in IndicatorSnapshot.objects.filter(city=city)}
    below, companion = stored[small.pk], stored[medium.pk]
    assert (below.value, below.n_households, below.display) == (None, None, "< 10")
    assert (companion.value, companion.n_households, companion.display) == (None, None, "")
    assert (stored[large.pk].value, stored[large.pk].n_households) == (Decimal(31), 31)
    assert stored[None].value == Decimal(47)
    assert not IndicatorSnapshot.objects.filter(suppressed=True).exclude(
        Q(value__isnull=True) & Q(n_households__isnull=True)
    )
    assert below.public() == {"value": None, "suppressed": True, "display": "< 10"}
    assert companion.public() == {"value": None, "suppressed": True, "display": ""}


def test_a_rate_is_stored_to_six_decimals_half_even():
    (cell,) = protect([Cell("rate", "statistic", Fraction(1, 3), 30)], [], 10)
    row = IndicatorSnapshot.from_published(
        cell=cell,
        city=(project := ProjectFactory()).city,
        project=project,
        month=MONTH,
        indicator=Indicator.TURNOUT,
        n_households=30,
    )
    row.full_clean()
    row.save()
    row.refresh_from_db()
    assert row.value == Decimal("0.333333")
    assert row.n_households == 30


# --- Pilot goals ---------------------------------------------------------------------------


def goal(**fields) -> PilotGoal:
    project = fields.pop("project", None) or ProjectFactory()
    defaults = {
        "city": project.city,
        "project": project,
        "indicator": Indicator.OVERBURDEN_RATE_EUROSTAT,
        "comparison": GoalComparison.AT_MOST,
        "target": Decimal("0.2"),
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
    }
    return PilotGoal(**(defaults | fields))


@pytest.mark.parametrize("ends_on", [dt.date(2025, 1, 1), dt.date(2024, 12, 31)])
def test_a_goal_ends_after_it_starts(ends_on):
    row = goal(ends_on=ends_on)
    with pytest.raises(ValidationError) as exc_info:
        row.full_clean()
    assert error_fields(exc_info) == {"ends_on"}
    with refused_by_database():
        PilotGoal.objects.bulk_create([row])


def test_a_goal_target_is_not_negative_and_a_share_is_at_most_one():
    with refused_by_database():
        PilotGoal.objects.bulk_create([goal(target=Decimal("-0.1"))])
    with pytest.raises(ValidationError) as exc_info:
        goal(target=Decimal("20")).full_clean()
    assert error_fields(exc_info) == {"target"}
    # A count's target may well exceed one.
    goal(indicator=Indicator.MEETINGS_HELD, comparison="at_least", target=4).full_clean()


def test_a_goal_is_for_a_project_of_its_city():
    row = goal()
    row.city = CityFactory()
    with pytest.raises(ValidationError) as exc_info:
        row.full_clean()
    assert error_fields(exc_info) == {"project"}


def test_a_goal_says_whether_a_figure_meets_it():
    overburden = goal(comparison=GoalComparison.AT_MOST, target=Decimal("0.2"))
    assert overburden.is_met(Decimal("0.2")) is True
    assert overburden.is_met(Decimal("0.21")) is False
    turnout = goal(
        indicator=Indicator.TURNOUT, comparison=GoalComparison.AT_LEAST, target=Decimal("0.5")
    )
    assert turnout.is_met(Decimal("0.5")) is True
    assert turnout.is_met(Decimal("0.49")) is False
    # A suppressed figure tells nothing, not even whether the goal is met.
    assert turnout.is_met(None) is None
    assert turnout.is_active(dt.date(2025, 1, 1)) and turnout.is_active(dt.date(2026, 12, 31))
    assert not turnout.is_active(dt.date(2027, 1, 1))


def test_a_city_wide_goal_has_no_project():
    city = CityFactory()
    row = goal(project=ProjectFactory(city=city))
    row.project = None
    row.full_clean()
    row.save()
    assert PilotGoal.objects.get(pk=row.pk).project is None


# --- Network observer ----------------------------------------------------------------------


def fresh(user: User) -> User:
    """The user as the next request loads it (permissions are cached on the instance)."""
    return User.objects.get(pk=user.pk)


def test_a_network_observer_follows_every_city_and_loses_them_on_revocation(
    django_assert_max_num_queries,
):
    cities = [CityFactory(), CityFactory(), CityFactory()]
    observer = UserFactory()
    role = role_grant(user=observer, kind=RoleKind.NETWORK_OBSERVER)
    assert (role.project, role.city, role.scope) == (None, None, None)
    assert str(role).endswith("· Network observer · all cities")
    observer = fresh(observer)
    assert observer.has_perm("members.observe_network")
    with django_assert_max_num_queries(3):
        observed = list(observed_city_list(user=observer))
    assert set(observed) == set(City.objects.all()) >= set(cities)

    role_revoke(role=role)
    observer = fresh(observer)
    assert not user_is_network_observer(user=observer)
    assert list(observed_city_list(user=observer)) == []
    # Revoked roles stay as history; a new grant works again.
    role_grant(user=observer, kind=RoleKind.NETWORK_OBSERVER)
    assert Role.objects.filter(user=observer, kind=RoleKind.NETWORK_OBSERVER).count() == 2
    assert set(observed_city_list(user=fresh(observer))) >= set(cities)


def test_a_network_observer_sees_no_project_household_or_city_page_through_the_role():
    project = ProjectFactory()
    observer = UserFactory()
    role_grant(user=observer, kind=RoleKind.NETWORK_OBSERVER)
    observer = fresh(observer)
    # The role is about protected indicators: the object permissions stay untouched.
    assert not observer.has_perm("members.view_city", project.city)
    assert not observer.has_perm("members.monitor_city", project.city)
    assert not project_list_for_user(user=observer).exists()
    assert not household_list_for_user(user=observer).exists()
    assert not city_list_for_user(user=observer).exists()


def test_an_officer_observes_their_cities_and_others_none():
    city, other = CityFactory(), CityFactory()
    officer = make_officer(city)
    assert list(observed_city_list(user=officer)) == [city]
    assert list(observed_city_list(user=UserFactory())) == []
    assert list(observed_city_list(user=AnonymousUser())) == []
    admin = UserFactory(is_superuser=True)
    assert set(observed_city_list(user=admin)) >= {city, other}


@pytest.mark.parametrize("scope", ["project", "city"])
def test_a_network_observer_role_has_no_project_or_city(scope):
    project = ProjectFactory()
    user = UserFactory()
    kwargs = {"project": project} if scope == "project" else {"city": project.city}
    row = Role(user=user, kind=RoleKind.NETWORK_OBSERVER, **kwargs)
    with pytest.raises(ValidationError) as exc_info:
        row.full_clean()
    assert error_fields(exc_info) == {"kind"}
    with pytest.raises(ValidationError) as exc_info:
        role_grant(user=user, kind=RoleKind.NETWORK_OBSERVER, **kwargs)
    assert error_fields(exc_info) == {"kind"}
    with refused_by_database():
        Role.objects.bulk_create([row])
    assert not Role.objects.filter(user=user).exists()


def test_a_user_is_a_network_observer_once_at_a_time():
    user = UserFactory()
    role_grant(user=user, kind=RoleKind.NETWORK_OBSERVER)
    with pytest.raises(ValidationError) as exc_info:
        role_grant(user=user, kind=RoleKind.NETWORK_OBSERVER)
    assert error_fields(exc_info) == {"user"}
    with refused_by_database():
        Role.objects.bulk_create([Role(user=user, kind=RoleKind.NETWORK_OBSERVER)])
    # Observing the network goes with an officer's role in one city.
    role_grant(user=user, kind=RoleKind.OFFICER, city=CityFactory())
