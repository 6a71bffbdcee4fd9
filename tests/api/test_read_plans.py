"""The lists residents and managers read most are read through an index, never by scanning the
whole table: every statement the endpoint runs against the table (the page's rows and the
paginator's count) is explained by PostgreSQL on a network of a few thousand analysed rows, with
sequential scans allowed, and must name an index of the table's visibility column.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.bookings.models import Booking, Space
from community.money.models import Charge, ChargeRun, Payment
from members.models import Household
from tests.community.factories import SpaceFactory, adopted_scheme
from tests.conftest import api_client_for
from tests.factories import HouseholdFactory, ProjectFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
PROJECTS = 20
SPACES_PER_PROJECT = 3
HOUSEHOLDS_PER_PROJECT = 20
BOOKINGS = 8_000
MONTHS = 12
FIRST = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def network(side_a) -> list[Space]:
    """``PROJECTS`` projects of side A's city (side A's two among them), each with its spaces
    and households, bookings spread over all of them, and the tables analysed."""
    projects = [side_a.project, side_a.other_project]
    projects += [ProjectFactory(city=side_a.city) for _ in range(PROJECTS - len(projects))]
    for project in projects:
        Household.objects.bulk_create(
            HouseholdFactory.build_batch(HOUSEHOLDS_PER_PROJECT, project=project)
        )
    households: dict[int, list[int]] = {}
    for household_id, project_id in Household.objects.values_list("pk", "project_id"):
        households.setdefault(project_id, []).append(household_id)
    spaces = [
        SpaceFactory(project=project) for project in projects for _ in range(SPACES_PER_PROJECT)
    ]
    rows = []
    for index in range(BOOKINGS):
        space = spaces[index % len(spaces)]
        own = households[space.project_id]
        start = FIRST + dt.timedelta(hours=index)
        rows.append(
            Booking(
                space=space,
                household_id=own[index // len(spaces) % len(own)],
                start=start,
                end=start + dt.timedelta(hours=1),
                blocked_until=start + dt.timedelta(hours=1),
            )
        )
    Booking.objects.bulk_create(rows, batch_size=2_000)
    _charge_and_pay(projects, households)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return spaces


def _charge_and_pay(projects, households: dict[int, list[int]]) -> None:
    """A year of charges and payments of every household."""
    months = [dt.date(2024, month, 1) for month in range(1, MONTHS + 1)]
    charges, payments = [], []
    for project in projects:
        scheme = adopted_scheme(project, valid_from=months[0])
        runs = ChargeRun.objects.bulk_create(
            ChargeRun(project=project, month=month, scheme=scheme) for month in months
        )
        for run, household_id in itertools.product(runs, households[project.pk]):
            charges.append(
                Charge(
                    household_id=household_id,
                    month=run.month,
                    amount_cents=1,
                    scheme=scheme,
                    run=run,
                )
            )
            payments.append(Payment(household_id=household_id, amount_cents=1, paid_on=run.month))
    Charge.objects.bulk_create(charges, batch_size=2_000)
    Payment.objects.bulk_create(payments, batch_size=2_000)


def indexes_on(table: str, column: str) -> set[str]:
    """The indexes of ``table`` whose first column is ``column``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [table, f"%({column}%"],
        )
        return {name for (name,) in cursor.fetchall()}


def plans_reading(response_of, table: str) -> list[str]:
    """PostgreSQL's plan of every statement ``response_of()`` runs that reads ``table``."""
    with CaptureQueriesContext(connection) as captured:
        response = response_of()
    assert response.status_code == 200, response.content
    statements = [q["sql"] for q in captured if f'FROM "{table}"' in q["sql"]]
    assert statements
    plans = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row for (row,) in cursor.fetchall()))
    return plans


def assert_read_through(plans: list[str], table: str, *columns: str) -> None:
    """No plan scans the whole table, and each looks ``columns`` up in one of their indexes."""
    for plan in plans:
        assert f"Seq Scan on {table}" not in plan, plan
        # A plan node starts with its arrow; an index scan's node carries its index condition.
        nodes = plan.split("->")
        for column in columns:
            names = indexes_on(table, column)
            assert names, f"no index on {table}({column})"
            assert any(
                "Index Cond: " in node
                and (f" on {table}" in node or "Bitmap Index Scan" in node)
                and any(f" {name} " in f"{node} " for name in names)
                for node in nodes
            ), f"{table}({column}) is not looked up in an index:\n{plan}"


@pytest.mark.parametrize("role", ["resident_user", "manager"])
def test_bookings_list_is_read_through_the_household_and_space_indexes(side_a, network, role):
    client = api_client_for(getattr(side_a, role))
    plans = plans_reading(lambda: client.get(f"{API}/bookings/"), "community_booking")
    # The page and the paginator's count.
    assert len(plans) == 2
    assert_read_through(plans, "community_booking", "household_id", "space_id")


def test_my_bookings_page_is_read_through_an_index(side_a, network, client):
    client.force_login(side_a.resident_user)
    plans = plans_reading(lambda: client.get("/bookings/mine/"), "community_booking")
    for plan in plans:
        assert "Seq Scan on community_booking" not in plan, plan


@pytest.mark.parametrize("role", ["resident_user", "manager"])
@pytest.mark.parametrize(
    ("path", "table"),
    [("charges", "community_charge"), ("payments", "community_payment")],
)
def test_charges_and_payments_are_read_through_the_household_index(
    side_a, network, role, path, table
):
    client = api_client_for(getattr(side_a, role))
    plans = plans_reading(lambda: client.get(f"{API}/{path}/"), table)
    assert_read_through(plans, table, "household_id")
