"""Odd input found by probing (year 1 and 9999, NUL bytes, 20-digit ids, amounts beyond 64 bits,
JSON nested 50,000 deep) answers 400 on the field or 404, writes nothing, and never 500."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client

from community.bookings.models import Booking, SpaceClosure, WaitlistEntry
from community.money.models import Budget, Payment
from community.money.services.charges import charges_run
from members.models import Household, Resident
from tests.community.factories import SpaceFactory, adopted_scheme, open_daily, set_budget
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

YEAR_1 = ("0001-01-01T10:00:00+00:00", "0001-01-01T11:00:00+00:00")
YEAR_9999 = ("9999-12-31T21:00:00+00:00", "9999-12-31T22:00:00+00:00")
BEYOND_64_BITS = 2**63


def quiet(client):
    """A client that hands back a 500 as an answer instead of raising it in the test."""
    client.raise_request_exception = False
    return client


@pytest.fixture
def space(side_a):
    space = SpaceFactory(project=side_a.project)
    open_daily(space, "00:00", "24:00")
    return space


def written() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Booking, WaitlistEntry, SpaceClosure, Budget, Payment)
    }


@pytest.mark.parametrize("period", [YEAR_1, YEAR_9999], ids=["year 1", "year 9999"])
def test_bookings_and_their_questions_refuse_a_year_beyond_reason(side_a, space, period):
    resident, manager = (
        quiet(api_client_for(side_a.resident_user)),
        quiet(api_client_for(side_a.manager)),
    )
    start, end = period
    before = written()
    answers = [
        resident.get(f"/api/v1/spaces/{space.pk}/availability/", {"start": start, "end": end}),
        resident.get("/api/v1/spaces/free/", {"start": start, "end": end}),
        manager.get(f"/api/v1/spaces/{space.pk}/usage/", {"start": start, "end": end}),
        resident.post(
            "/api/v1/bookings/", {"space": space.pk, "start": start, "end": end}, format="json"
        ),
        resident.post(
            "/api/v1/bookings/waitlist/",
            {"space": space.pk, "start": start, "end": end},
            format="json",
        ),
        manager.post(
            f"/api/v1/spaces/{space.pk}/closures/",
            {"start": start, "end": end, "reason": "Works"},
            format="json",
        ),
    ]
    for answer in answers:
        assert answer.status_code == 400, (answer.request["PATH_INFO"], answer.content)
        assert "start" in answer.json(), answer.json()
        assert "2000" in answer.json()["start"][0] and "2100" in answer.json()["start"][0]
    assert written() == before


@pytest.mark.parametrize("period", [YEAR_1, YEAR_9999], ids=["year 1", "year 9999"])
def test_booking_pages_refuse_a_year_beyond_reason_on_the_field(side_a, space, period):
    resident, manager = Client(), Client()
    resident.force_login(side_a.resident_user)
    manager.force_login(side_a.manager)
    start, end = (moment[:16] for moment in period)
    before = written()
    for client, path in (
        (resident, f"/spaces/{space.pk}/book/"),
        (resident, f"/spaces/{space.pk}/waitlist/"),
        (manager, f"/spaces/{space.pk}/closures/"),
    ):
        answer = client.post(path, {"start": start, "end": end, "reason": "Works"})
        assert answer.status_code == 200, path
        assert "between the years 2000 and 2100" in answer.content.decode(), path
    assert resident.get(f"/spaces/{space.pk}/", {"week": start[:10]}).status_code == 200
    assert written() == before


def test_money_refuses_implausible_dates_and_amounts_on_their_fields(side_a):
    manager = quiet(api_client_for(side_a.manager))
    line = {"category": "maintenance", "label": "Roof", "amount_cents": 100}
    before = written()
    cases = [
        (
            "/api/v1/budgets/",
            {
                "project": side_a.project.pk,
                "month": "2026-01-01",
                "lines": [{**line, "amount_cents": BEYOND_64_BITS}],
            },
            "lines.0.amount_cents",
        ),
        (
            "/api/v1/budgets/",
            {"project": side_a.project.pk, "month": "9999-01-01", "lines": [line]},
            "month",
        ),
        (
            "/api/v1/payments/",
            {"household": side_a.household.pk, "paid_on": "0001-01-01", "amount_cents": 100},
            "paid_on",
        ),
        (
            "/api/v1/payments/",
            {"household": side_a.household.pk, "paid_on": "2025-01-01", "amount_cents": 10**14},
            "amount_cents",
        ),
    ]
    for path, body, field in cases:
        answer = manager.post(path, body, format="json")
        assert answer.status_code == 400, (path, body, answer.content)
        assert field in answer.json(), answer.json()
    assert written() == before


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2025-01-05,123456789012345678901234,{ref}", "is too large an amount"),
        ("2025-01-05,12.00,{ref}\x00", "not a CSV text file"),
        ("0001-01-05,12.00,{ref}", "is not a plausible date"),
    ],
    ids=["amount beyond 64 bits", "NUL byte", "year 1"],
)
def test_a_bank_statement_with_odd_rows_is_refused_whole(side_a, row, reason):
    manager = quiet(api_client_for(side_a.manager))
    statement = io.BytesIO(
        (
            "date,amount,reference\n" + row.format(ref=side_a.household.payment_reference) + "\n"
        ).encode()
    )
    statement.name = "statement.csv"
    answer = manager.post(
        "/api/v1/payments/import/",
        {"file": statement, "project": side_a.project.pk},
        format="multipart",
    )
    assert answer.status_code == 400, answer.content
    assert reason in answer.json()["file"][0]
    assert not Payment.objects.exists()


def test_a_nul_byte_in_a_search_is_no_server_error(side_a):
    manager = Client()
    manager.force_login(side_a.manager)
    page = manager.get(f"/projects/{side_a.project.pk}/", {"q": "1\x00A"})
    assert page.status_code == 200
    assert side_a.household.unit_label in page.content.decode()  # searched for nothing
    assert (
        manager.get(f"/projects/{side_a.project.pk}/decisions/", {"q": "a\x00b"}).status_code == 200
    )
    api = quiet(api_client_for(side_a.manager))
    assert api.get("/api/v1/decisions/", {"search": "a\x00b"}).status_code in (200, 400)


def test_json_nested_50000_deep_is_refused(side_a):
    manager = quiet(api_client_for(side_a.manager))
    before = written()
    answer = manager.post(
        "/api/v1/budgets/", "[" * 50_000 + "]" * 50_000, content_type="application/json"
    )
    assert answer.status_code == 400
    assert "nested too deeply" in answer.json()["detail"]
    assert written() == before


def test_a_charge_run_is_read_and_a_20_digit_id_is_unknown(side_a):
    set_budget(side_a.project, dt.date(2025, 6, 1))
    adopted_scheme(side_a.project)
    run = charges_run(project=side_a.project, month=dt.date(2025, 6, 1))
    manager = quiet(api_client_for(side_a.manager))
    answer = manager.get(f"/api/v1/charge-runs/{run.pk}/")
    assert answer.status_code == 200
    assert answer.json()["id"] == run.pk
    neighbour = quiet(api_client_for(side_a.officer))
    assert neighbour.get(f"/api/v1/charge-runs/{run.pk}/").status_code == 404
    huge = "12345678901234567890"
    for path in (f"/api/v1/charges/{huge}/", f"/api/v1/charge-runs/{huge}/"):
        assert manager.get(path).status_code == 404, path
    page = Client(raise_request_exception=False)
    page.force_login(side_a.manager)
    for path in (f"/projects/{huge}/charges/", f"/projects/{side_a.project.pk}/charges/{huge}/1/"):
        assert page.get(path).status_code == 404, path


RIGHT_TO_LEFT_OVERRIDE = "\u202e"


def test_a_name_that_turns_text_around_is_refused_on_its_field(side_a):
    manager = quiet(api_client_for(side_a.manager))
    households, residents = Household.objects.count(), Resident.objects.count()
    cases = [
        (
            "/api/v1/residents/",
            {
                "household": side_a.household.pk,
                "first_name": f"Ana{RIGHT_TO_LEFT_OVERRIDE}lirbA",
                "birth_year": 1980,
            },
            "first_name",
        ),
        (
            "/api/v1/households/",
            {
                "project": side_a.project.pk,
                "unit_label": f"9{RIGHT_TO_LEFT_OVERRIDE}Z",
                "move_in": "2024-01-01",
            },
            "unit_label",
        ),
    ]
    for path, body, field in cases:
        answer = manager.post(path, body, format="json")
        assert answer.status_code == 400, answer.content
        assert "direction of the text" in answer.json()[field][0]
    assert (Household.objects.count(), Resident.objects.count()) == (households, residents)
