"""A city's indicator cells are paged and filtered in the database: the API reads the count and
one page's rows (with LIMIT), never the city's every cell, and its answer is the same rows in
the same order as the exports read them through the same selector."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.indicators import IndicatorCellSerializer
from community.monitoring.models import Indicator, IndicatorSnapshot
from community.monitoring.selectors.indicators import HOUSEHOLD_SIZE_FILTERS, indicator_row_list
from members.models import HousingProject
from tests.community.factories import cell, months_back, publish_grid
from tests.conftest import api_client_for
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

JUNE = dt.date(2025, 6, 1)
MONTHS = months_back(JUNE, 24)
INDICATORS = [Indicator.HOUSEHOLDS, Indicator.OVERBURDEN_RATE_EUROSTAT, Indicator.OCCUPANCY]


@pytest.fixture
def city(side_a, side_b):
    """Side A's city: projects whose names run against their creation, two years of three
    indicators for each and the city total, some suppressed, and household-size rows; side B's
    city has cells too."""
    projects = [side_a.project, side_a.other_project]
    projects += [ProjectFactory(city=side_a.city, name=name) for name in ("Zeta", "Beta", "Mu")]
    publish_grid(
        city=side_a.city,
        projects=projects,
        months=MONTHS,
        indicators=INDICATORS,
        value=lambda project, month, indicator: (project.pk if project else 0) + month.month,
    )
    IndicatorSnapshot.objects.filter(
        city=side_a.city, project=side_a.other_project, indicator=Indicator.HOUSEHOLDS
    ).update(
        value=None,
        n_households=None,
        suppressed=True,
        suppression_reason="threshold",
        display="< 10",
    )
    IndicatorSnapshot.objects.bulk_create(
        cell(
            city=side_a.city,
            project=project,
            month=month,
            indicator=Indicator.HOUSEHOLDS,
            filter=size,
            value=3,
        )
        for project in [side_a.project, None]
        for month in MONTHS[-3:]
        for size in HOUSEHOLD_SIZE_FILTERS
    )
    publish_grid(
        city=side_b.city,
        projects=[side_b.project],
        months=MONTHS,
        indicators=INDICATORS,
        value=lambda project, month, indicator: 1,
    )
    return side_a.city


def url(city) -> str:
    return f"/api/v1/cities/{city.pk}/indicators/"


def every_page(client, city, **query) -> tuple[int, list[dict]]:
    """The count and every row of the city's cells, page by page."""
    rows, page, count = [], 1, None
    while True:
        response = client.get(url(city), {**query, "page": page})
        assert response.status_code == 200, response.content
        body = response.json()
        count = body["count"] if count is None else count
        assert body["count"] == count
        rows += body["results"]
        if body["next"] is None:
            return count, rows
        page += 1


def exported(**criteria) -> list[dict]:
    """The rows as the exports read them (the whole list at once), written as the API writes
    a cell."""
    rows = indicator_row_list(**criteria)
    return [dict(row) for row in IndicatorCellSerializer(rows, many=True).data]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"month": "2025-05"},
        {"from": "2024-10", "to": "2025-02"},
        {"indicator": Indicator.HOUSEHOLDS},
        {"filter": "household_size:2"},
    ],
)
def test_the_pages_are_the_exported_rows_in_the_same_order(side_a, city, query):
    client = api_client_for(side_a.officer)
    count, rows = every_page(client, city, page_size=5, **query)
    period = {}
    if "month" in query:
        period = {"start": dt.date(2025, 5, 1), "until": dt.date(2025, 5, 1)}
    if "from" in query:
        period = {"start": dt.date(2024, 10, 1), "until": dt.date(2025, 2, 1)}
    expected = exported(
        city=city,
        **period,
        indicator=query.get("indicator"),
        filters=[query.get("filter", "")],
    )
    assert rows == expected
    assert count == len(expected) > 5
    assert {row["city"] for row in rows} == {city.pk}


def test_the_order_is_month_indicator_then_project_by_name_city_total_first(side_a, city):
    _count, rows = every_page(api_client_for(side_a.officer), city, page_size=500)
    # Names and indicators in the database's collation.
    names = list(HousingProject.objects.filter(city=city).order_by("name").values_list("name"))
    indicators = [
        indicator
        for (indicator,) in IndicatorSnapshot.objects.filter(city=city)
        .order_by("indicator")
        .values_list("indicator")
        .distinct()
    ]
    rank = {name: index + 1 for index, (name,) in enumerate(names)}
    keys = [
        (row["month"], indicators.index(row["indicator"]), rank.get(row["project_name"], 0))
        for row in rows
    ]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys) == (len(names) + 1) * len(INDICATORS) * len(MONTHS)


def test_a_page_reads_only_its_rows(side_a, city, django_assert_max_num_queries):
    client = api_client_for(side_a.officer)
    client.get(url(city))  # warm per-process caches (content types, permissions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(city), {"page": 3, "page_size": 10})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 10
    reads = [q["sql"] for q in captured if 'FROM "community_indicatorsnapshot"' in q["sql"]]
    # The paginator's count, and the page.
    assert len(reads) == 2
    assert "COUNT(" in reads[0]
    assert reads[1].endswith("LIMIT 10 OFFSET 20")


def test_the_page_query_reads_the_city_in_month_order_from_its_index(side_a, city):
    """With the city's rows analysed and sequential scans allowed, PostgreSQL walks the city's
    page index in month and indicator order and sorts only within each month's indicator (the
    projects by name), stopping at the page's end: it never sorts the city's every row."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE community_indicatorsnapshot")
    client = api_client_for(side_a.officer)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(city)).status_code == 200
    (page,) = [
        q["sql"]
        for q in captured
        if 'FROM "community_indicatorsnapshot"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page}")
        plan = "\n".join(row for (row,) in cursor.fetchall())
    assert "Seq Scan on community_indicatorsnapshot" not in plan, plan
    assert "indicator_city_page_idx" in plan, plan
    assert "Incremental Sort" in plan, plan
