"""Every contributions list reads in a fixed number of queries: a small case (3 rows) is
measured, then 20 rows must cost no more; a ceiling on the small case catches a constant but
bloated count as well.

Counted with the savepoint pair of ATOMIC_REQUESTS.
"""

from __future__ import annotations

import datetime as dt

import pytest

from common.months import last_of_month
from community.money.services.charges import charges_run
from community.money.services.payments import payment_record
from members.models import IncomeAccessLog, IncomeDeclaration
from tests.api.factories import INCOME_SHARE
from tests.community.factories import adopted_scheme, set_budget
from tests.conftest import api_client_for
from tests.factories import HouseholdFactory, IncomeDeclarationFactory, ResidentFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
SMALL = 3
MANY = 20
# A page: the count and the rows (visibility as subqueries), prefetches, and the savepoints.
LIST_CEILING = 5
# Charges read by a manager add the income access log: the reader's own household and the
# inserts of its entries and of their audit events.
CHARGES_CEILING = 7


FIRST = dt.date(2024, 1, 1)  # the first month charged; the schemes are in force from it


def months(count: int, start: dt.date = FIRST) -> list[dt.date]:
    """``count`` months from ``start`` (a first day), in order."""
    index = start.year * 12 + start.month - 1
    return [dt.date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(count)]


def add_households(project, count: int) -> None:
    for _ in range(count):
        household = HouseholdFactory(project=project)
        ResidentFactory(household=household)
        IncomeDeclarationFactory(household=household, disposable_monthly_cents=200_000)


def measure(client, url: str, grow, django_assert_max_num_queries, ceiling=LIST_CEILING, rows=None):
    """The query count of ``url`` with the small data, then no more once ``grow()`` has run."""
    client.get(url)  # warm per-process caches (content types, permissions)
    with django_assert_max_num_queries(ceiling) as small:
        response = client.get(url)
    assert response.status_code == 200, response.content
    small_rows = rows(response.json()) if rows else response.json()["count"]
    assert small_rows >= SMALL
    grow()
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert (rows(response.json()) if rows else len(response.json()["results"])) >= MANY
    return response


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_budgets_list(side_a, role, django_assert_max_num_queries):
    all_months = months(MANY)
    for month in all_months[:SMALL]:
        set_budget(side_a.project, month, 1_000, 2_000)

    def grow():
        for month in all_months[SMALL:]:
            set_budget(side_a.project, month, 1_000, 2_000, 3_000)

    response = measure(
        api_client_for(getattr(side_a, role)),
        f"{API}/budgets/",
        grow,
        django_assert_max_num_queries,
    )
    assert {row["total_cents"] for row in response.json()["results"]} == {3_000, 6_000}


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_schemes_list(side_a, role, django_assert_max_num_queries):
    all_months = months(MANY)

    def add(chosen):
        for month in chosen:
            adopted_scheme(
                side_a.project,
                valid_from=month,
                valid_to=last_of_month(month),
                name=f"Scheme {month:%Y-%m}",
            )

    add(all_months[:SMALL])
    measure(
        api_client_for(getattr(side_a, role)),
        f"{API}/schemes/",
        lambda: add(all_months[SMALL:]),
        django_assert_max_num_queries,
    )


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_charges_list(side_a, role, django_assert_max_num_queries):
    """The resident's rows grow by month, the manager's by household and month."""
    adopted_scheme(side_a.project, "income_share", INCOME_SHARE, valid_from=FIRST)
    add_households(side_a.project, 1)
    # Incomes known from the first month: every breakdown tells one, and is logged, from the
    # small case on.
    IncomeDeclaration.objects.update(valid_from=FIRST)
    all_months = months(MANY)

    def run(chosen):
        for month in chosen:
            set_budget(side_a.project, month, 150_000)
            charges_run(project=side_a.project, month=month)

    run(all_months[:SMALL])
    measure(
        api_client_for(getattr(side_a, role)),
        f"{API}/charges/",
        lambda: run(all_months[SMALL:]),
        django_assert_max_num_queries,
        ceiling=CHARGES_CEILING,
    )
    if role == "manager":
        assert IncomeAccessLog.objects.filter(actor=side_a.manager).exists()


def test_charge_runs_list(side_a, django_assert_max_num_queries):
    adopted_scheme(side_a.project, valid_from=FIRST)
    all_months = months(MANY)

    def run(chosen):
        for month in chosen:
            set_budget(side_a.project, month, 150_000)
            charges_run(project=side_a.project, month=month)

    run(all_months[:SMALL])
    measure(
        api_client_for(side_a.manager),
        f"{API}/charge-runs/",
        lambda: run(all_months[SMALL:]),
        django_assert_max_num_queries,
    )


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_payments_list(side_a, role, django_assert_max_num_queries):
    def pay(count):
        for index in range(count):
            payment_record(
                household=side_a.household,
                amount_cents=1_000 + index,
                paid_on=dt.date(2025, 1, 1) + dt.timedelta(days=index),
                recorded_by=side_a.manager,
            )

    pay(SMALL)
    measure(
        api_client_for(getattr(side_a, role)),
        f"{API}/payments/",
        lambda: pay(MANY - SMALL),
        django_assert_max_num_queries,
    )


def test_balances_and_arrears(side_a, django_assert_max_num_queries):
    adopted_scheme(side_a.project, valid_from=FIRST)
    add_households(side_a.project, SMALL - 2)
    set_budget(side_a.project, dt.date(2025, 5, 1), 150_000)
    charges_run(project=side_a.project, month=dt.date(2025, 5, 1))

    def grow():
        add_households(side_a.project, MANY - SMALL)
        for month in months(4, dt.date(2025, 1, 1)):
            set_budget(side_a.project, month, 150_000)
            charges_run(project=side_a.project, month=month)

    client = api_client_for(side_a.manager)
    # The project, the balances (one query), the savepoints; arrears add the owing charges.
    ceilings = {"balances": 4, "arrears": 5}
    urls = {endpoint: f"{API}/projects/{side_a.project.pk}/{endpoint}/" for endpoint in ceilings}
    bounds = {}
    for endpoint, url in urls.items():
        client.get(url)
        with django_assert_max_num_queries(ceilings[endpoint]) as small:
            assert len(client.get(url).json()["households"]) == SMALL
        bounds[endpoint] = len(small)
    grow()
    for endpoint, url in urls.items():
        with django_assert_max_num_queries(bounds[endpoint]):
            assert len(client.get(url).json()["households"]) == MANY


@pytest.mark.parametrize("csv_format", [False, True])
def test_a_statement(side_a, csv_format, django_assert_max_num_queries):
    adopted_scheme(side_a.project, valid_from=FIRST)
    all_months = months(MANY)

    def run(chosen):
        for month in chosen:
            set_budget(side_a.project, month, 150_000)
            charges_run(project=side_a.project, month=month)
            payment_record(household=side_a.household, amount_cents=500, paid_on=month)

    run(all_months[:SMALL])
    client = api_client_for(side_a.resident_user)
    url = f"{API}/households/{side_a.household.pk}/statement/?start=2024-01-01&end=2025-12-31"
    if csv_format:
        url += "&format=csv"
    client.get(url)
    # The household, the opening balance, the charges, the payments, and the savepoints; as a
    # spreadsheet, whether the reader is of the household (a manager's download is recorded).
    with django_assert_max_num_queries(7 if csv_format else 6) as small:
        response = client.get(url)
    assert response.status_code == 200
    run(all_months[SMALL:])
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    if csv_format:
        assert len(response.content.decode().splitlines()) == 2 * MANY + 3
    else:
        assert len(response.json()["lines"]) == 2 * MANY


@pytest.mark.parametrize("endpoint", ["simulate", "compare"])
def test_a_simulation_and_a_comparison(side_a, endpoint, django_assert_max_num_queries):
    """3 households, then 20: the month's facts are read in a fixed number of queries, and the
    income access log takes its entries in one insert."""
    adopted_scheme(side_a.project, "income_share", INCOME_SHARE, valid_from=FIRST)
    set_budget(side_a.project, dt.date(2025, 6, 1), 150_000)
    add_households(side_a.project, SMALL - 2)
    client = api_client_for(side_a.manager)
    flat = {"method": "flat", "parameters": {"basis": "equal"}}
    body = {"project": side_a.project.pk, "month": "2025-07"}
    if endpoint == "simulate":
        body.update(method="solidarity", parameters={"income": "equivalised"})
    else:
        body.update(
            first=flat, second={"method": "solidarity", "parameters": {"income": "disposable"}}
        )
    url = f"{API}/schemes/{endpoint}/"

    client.post(url, body, format="json")
    # The project, the manager's right, the budget, households, declarations, residents, the
    # month's charges, the scheme in force, the log (own household, the income log's and the
    # audit log's inserts), the savepoints.
    with django_assert_max_num_queries(14) as small:
        response = client.post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert len(response.json()["rows"]) == SMALL
    add_households(side_a.project, MANY - SMALL)
    with django_assert_max_num_queries(len(small)):
        response = client.post(url, body, format="json")
    assert len(response.json()["rows"]) == MANY


def test_a_projects_affordability(side_a, django_assert_max_num_queries):
    """3 households charged for 3 months, then 20 for 20 months."""
    adopted_scheme(side_a.project, "income_share", INCOME_SHARE, valid_from=FIRST)
    IncomeDeclaration.objects.update(valid_from=FIRST)
    add_households(side_a.project, SMALL - 2)
    all_months = months(MANY)

    def run(chosen):
        for month in chosen:
            set_budget(side_a.project, month, 150_000)
            charges_run(project=side_a.project, month=month)

    run(all_months[:SMALL])
    client = api_client_for(side_a.manager)
    url = f"{API}/projects/{side_a.project.pk}/affordability/?months=24&until=2025-12"
    client.get(url)
    # The project, households, charges, declarations, residents, the log (own household, the
    # income log's and the audit log's inserts), the savepoints.
    with django_assert_max_num_queries(10) as small:
        response = client.get(url)
    assert len(response.json()["households"]) == SMALL
    add_households(side_a.project, MANY - SMALL)
    run(all_months[SMALL:])
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert len(response.json()["households"]) == MANY


@pytest.mark.parametrize("role", ["manager", "resident_user"])
def test_a_households_affordability(side_a, role, django_assert_max_num_queries):
    adopted_scheme(side_a.project, "income_share", INCOME_SHARE, valid_from=FIRST)
    IncomeDeclaration.objects.update(valid_from=FIRST)
    all_months = months(MANY)

    def run(chosen):
        for month in chosen:
            set_budget(side_a.project, month, 150_000)
            charges_run(project=side_a.project, month=month)

    run(all_months[:SMALL])
    client = api_client_for(getattr(side_a, role))
    url = f"{API}/households/{side_a.household.pk}/affordability/?months=24&until=2025-12"
    client.get(url)
    # The household, charges, declarations, residents, the log (own household, the income
    # log's and the audit log's inserts), the savepoints.
    with django_assert_max_num_queries(9) as small:
        response = client.get(url)
    assert len(response.json()["months"]) == SMALL
    run(all_months[SMALL:])
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert len(response.json()["months"]) == MANY
