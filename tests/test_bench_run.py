"""The load benchmark's own calculations (bench/measure.py: requests, wrk scripts, medians,
ratios, targets, the README's table), and the floor it measures against, /api/v1/ping/."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bench import measure
from bench.measure import Call, Endpoint

MANIFEST = {
    "residents": [
        {
            "token": "r1",
            "household_id": 6,
            "project_id": 1,
            "city_id": 1,
            "space_ids": [6, 7, 8],
            "open_proposals": [{"id": 24, "method": "ranked", "options": ["A", "B", "C"]}],
            "decided_proposal_ids": [23, 22, 21],
        },
        {
            "token": "r2",
            "household_id": 40,
            "project_id": 2,
            "city_id": 1,
            "space_ids": [11],
            "open_proposals": [{"id": 30, "method": "yes_no", "options": []}],
            "decided_proposal_ids": [],
        },
    ],
    "managers": [{"token": "m1", "project_id": 1, "city_id": 1}],
    "officers": [{"token": "o1", "city_id": 1}],
}
TODAY = dt.date(2026, 12, 7)
SLOT = (
    "r1",
    6,
    dt.datetime(2027, 2, 1, 8, tzinfo=dt.UTC),
    dt.datetime(2027, 2, 1, 9, tzinfo=dt.UTC),
)


def by_name(endpoints: list[Endpoint]) -> dict[str, Endpoint]:
    return {endpoint.name: endpoint for endpoint in endpoints}


def test_the_floor_comes_first_and_the_requests_rotate_over_the_manifests_users():
    endpoints = measure.endpoints(MANIFEST, today=TODAY, slots=[SLOT])
    assert endpoints[0] == Endpoint("floor", (Call("GET", "/api/v1/ping/"),))
    found = by_name(endpoints)
    assert [c.path for c in found["my bookings"].calls] == ["/api/v1/bookings/"] * 2
    assert [c.headers for c in found["my bookings"].calls] == [
        (("Authorization", "Token r1"),),
        (("Authorization", "Token r2"),),
    ]
    assert [c.path for c in found["household statement"].calls] == [
        "/api/v1/households/6/statement/",
        "/api/v1/households/40/statement/",
    ]
    # Two spaces of the first resident, one of the second: a week from a week ahead.
    week = found["availability for a week"].calls
    assert len(week) == 3
    assert week[0].path == (
        "/api/v1/spaces/6/availability/?start=2026-12-14T00%3A00%3A00%2B00%3A00"
        "&end=2026-12-21T00%3A00%3A00%2B00%3A00"
    )
    assert found["city indicators by month"].calls[0].path.endswith("?month=2026-11")
    assert found["affordability (manager)"].calls[0].headers == (("Authorization", "Token m1"),)
    assert "list charges (manager)" in found
    assert "list proposals (resident)" in found


def test_writes_carry_their_bodies_and_expect_their_own_refusals():
    found = by_name(measure.endpoints(MANIFEST, today=TODAY, slots=[SLOT]))
    create = found["booking create"]
    assert create.writes
    assert create.statuses == (201,)
    (call,) = create.calls
    assert call.method == "POST"
    assert ("Content-Type", "application/json") in call.headers
    assert json.loads(call.body) == {
        "space": 6,
        "start": "2027-02-01T08:00:00+00:00",
        "end": "2027-02-01T09:00:00+00:00",
        "note": "bench/run",
    }
    votes = found["cast vote"].calls
    assert {c.path for c in votes} == {"/api/v1/proposals/24/vote/", "/api/v1/proposals/30/vote/"}
    ranked = [json.loads(c.body)["choice"] for c in votes if "/24/" in c.path]
    yes_no = [json.loads(c.body)["choice"] for c in votes if "/30/" in c.path]
    assert ranked == [["A", "B", "C"], ["B", "C", "A"], ["C", "A", "B"]]
    assert yes_no == ["yes", "no", "abstain"]


def test_an_endpoint_without_requests_is_left_out():
    found = by_name(measure.endpoints(MANIFEST, today=TODAY))
    assert "booking create" not in found  # no free slot
    assert "home page (resident)" not in found  # nobody signed in
    with_sessions = by_name(measure.endpoints(MANIFEST, today=TODAY, sessions={"officers": ["s1"]}))
    page = with_sessions["dashboard page (officer)"]
    assert page.calls == (Call("GET", "/cities/1/indicators/", (("Cookie", "sessionid=s1"),)),)
    assert "home page (resident)" not in with_sessions


def test_the_lua_script_holds_each_request_escaped_and_counts_statuses_only_for_writes():
    call = Call("POST", "/api/v1/bookings/", (("A", 'x"y'),), '{"note": "a\\b"}')
    script = measure.lua_script([call], count_statuses=True)
    assert '{"POST", "/api/v1/bookings/", {["A"] = "x\\"y"}, "{\\"note\\": \\"a\\\\b\\"}"},' in (
        script
    )
    assert "function response(status" in script
    assert "function response(" not in measure.lua_script([call], count_statuses=False)
    assert "io.write(string.format('BENCH " in script


def test_wrk_output_is_read_from_the_scripts_line():
    output = (
        "Running 5s test @ http://127.0.0.1:8000\n  Latency Distribution ...\n"
        'BENCH {"requests": 500, "duration_us": 5000000, "non2xx": 7, "socket_errors": 1, '
        '"timeouts": 2, "p50_us": 1500, "p95_us": 4000, "p99_us": 9000, '
        '"statuses": {"201": 493, "409": 7}}\n'
    )
    assert measure.wrk_result(output) == {
        "requests": 500,
        "rps": 100.0,
        "p50_ms": 1.5,
        "p95_ms": 4.0,
        "p99_ms": 9.0,
        "non2xx": 7,
        "socket_errors": 3,
        "statuses": {201: 493, 409: 7},
    }
    with pytest.raises(ValueError, match="no measurement"):
        measure.wrk_result("unable to connect to 127.0.0.1:8000 Connection refused\n")


def run(rps: float, p95: float, *, statuses=None, non2xx: int = 0) -> dict:
    return {
        "requests": int(rps * 10),
        "rps": rps,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 2,
        "non2xx": non2xx,
        "socket_errors": 0,
        "statuses": statuses or {},
    }


def test_repetitions_give_a_median_a_spread_and_ratios_to_the_floor_of_the_same_run():
    floors = [run(1000, 10), run(800, 12), run(900, 11)]
    runs = [run(500, 20), run(200, 40), run(450, 30)]
    result = measure.aggregate(runs, floors)
    assert result["rps"] == {"median": 450, "spread": 300, "values": [500, 200, 450]}
    assert result["ratio"]["values"] == [0.5, 0.25, 0.5]
    assert result["ratio"]["median"] == 0.5
    assert result["ratio"]["spread"] == 0.25
    assert result["floor_p95_ms"]["median"] == 11
    assert result["errors"] == 0


def test_a_writes_4xx_are_counted_apart_from_its_errors():
    floors = [run(1000, 10)]
    runs = [run(300, 20, statuses={201: 290, 409: 8, 500: 2}, non2xx=10)]
    written = measure.aggregate(runs, floors, writes=True)
    assert (written["refused_4xx"], written["errors"]) == (8, 2)
    assert written["statuses"] == {201: 290, 409: 8, 500: 2}
    read = measure.aggregate([run(300, 20, non2xx=10)], floors)
    assert (read["refused_4xx"], read["errors"]) == (0, 10)


def test_targets_are_met_or_missed_by_the_issues_rules():
    c16 = measure.aggregate([run(400, 33)], [run(1000, 10)])
    assert measure.endpoint_targets("my bookings", False, c16, 5) == {
        "ratio >= 0.5": False,
        "p95 <= 3x floor": False,
    }
    assert measure.endpoint_targets("booking create", True, c16, 12) == {
        "ratio >= 0.35": True,
        "p95 <= 3x floor": False,
        "queries <= 12": True,
    }
    assert measure.endpoint_targets("cast vote", True, None, 11) == {"queries <= 10": False}
    assert measure.endpoint_targets("floor", False, c16, 0) == {}
    assert measure.verdict({"a": True}) == "met"
    assert measure.verdict({"a": True, "b": False, "c": False}) == "missed: b; c"
    batch = {
        "charge_run": {"network_seconds": 4.9},
        "snapshot": {"seconds": 12.0},
    }
    assert list(measure.batch_targets(batch, 151.0).values()) == [True, False, False]


def test_the_table_goes_between_the_readmes_markers():
    result = {
        "date": "2026-12-07T23:00:00+00:00",
        "machine": {"cores": 2, "load_start": 1.5, "load_end": 2.0, "commit": "abcdef1234567"},
        "options": {"duration": 5, "repeat": 1, "workers": 2},
        "dataset": "20,000 households",
        "endpoints": [
            {
                "name": name,
                "writes": False,
                "queries": queries,
                "concurrency": {
                    "1": measure.aggregate([run(rps, 5)], [run(1000, 5)]),
                    "16": measure.aggregate([run(rps, 20)], [run(1000, 10)]),
                },
                "targets": measure.endpoint_targets(
                    name, False, measure.aggregate([run(rps, 20)], [run(1000, 10)]), queries
                ),
            }
            for name, rps, queries in (("floor", 1000, 0), ("decision register", 600, 4))
        ],
        "batch": {"tally": {"ballots": 10_000, "seconds": {"ranked": 0.25}}},
        "memory": {"workers_mb": [120.0, 131.0], "peak_mb": 131.0},
        "batch_targets": {"web worker < 150 MB": True},
    }
    table = measure.markdown(result)
    assert "| decision register | 4 | 600 | 600 | 0.60 | 10 / 20 / 40 | 10 | 0 | – | met |" in (
        table
    )
    assert "- Tally of 10,000 ranked ballots: 250 ms." in table
    assert "131 MB (each: 120, 131)" in table

    readme = "# Title\n\n<!-- bench:start -->\nold\n<!-- bench:end -->\n\n## After\n"
    assert measure.readme_with(readme, "new") == (
        "# Title\n\n<!-- bench:start -->\nnew\n<!-- bench:end -->\n\n## After\n"
    )
    assert measure.readme_with("# Title\n", "new") == (
        "# Title\n\n<!-- bench:start -->\nnew\n<!-- bench:end -->\n"
    )


def test_the_authenticator_code_follows_rfc_6238():
    # RFC 6238, appendix B: SHA-1 with the secret "12345678901234567890".
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert measure.totp(secret, 59, digits=8) == "94287082"
    assert measure.totp(secret, 1111111109, digits=8) == "07081804"
    assert measure.totp(secret, 59) == "287082"


def test_the_floor_answers_anyone_without_touching_the_database(client):
    # No database access is allowed in this test: a query would fail it.
    answer = client.get("/api/v1/ping/")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True}
    # An unknown token is not even looked at.
    assert client.get("/api/v1/ping/", headers={"Authorization": "Token nope"}).json() == {
        "ok": True
    }
    assert client.post("/api/v1/ping/").status_code == 405
