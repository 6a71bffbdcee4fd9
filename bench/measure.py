"""The load benchmark's calculations, apart from Django and the server (``bench/run.py`` drives
them): the requests of each endpoint, the Lua script that makes ``wrk`` rotate over them, the
reading of its answer, the median and spread of the repetitions, the ratios to the floor, the
targets met or missed, and the Markdown table of the README."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import statistics
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

FLOOR = "floor"
FLOOR_PATH = "/api/v1/ping/"
# The targets: the share of the floor's requests a second at concurrency 16, the p95
# against the floor's, the statements of a write, and the batch jobs' seconds.
READ_RATIO = 0.5
WRITE_RATIO = 0.35
P95_FACTOR = 3.0
QUERY_BUDGETS = {"booking create": 12, "cast vote": 10}
CHARGE_RUN_SECONDS = 5.0  # for 20,000 households
SNAPSHOT_SECONDS = 10.0  # a city of 20,000 households
WORKER_MB = 150.0
NETWORK_HOUSEHOLDS = 20_000
BOOKING_NOTE = "bench/run"
MARK_START = "<!-- bench:start -->"
MARK_END = "<!-- bench:end -->"
RESULT_PREFIX = "BENCH "


@dataclass(frozen=True)
class Call:
    """One request as wrk sends it."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""


@dataclass(frozen=True)
class Endpoint:
    """What is measured under one name: the requests rotated over, and whether it writes
    (its 4xx answers are expected, e.g. a slot taken, and are counted apart from errors)."""

    name: str
    calls: tuple[Call, ...]
    writes: bool = False
    note: str = ""
    statuses: tuple[int, ...] = field(default=(200,))


def token(value: str) -> tuple[tuple[str, str], ...]:
    return (("Authorization", f"Token {value}"),)


def json_body(value: str) -> tuple[tuple[str, str], ...]:
    return (*token(value), ("Content-Type", "application/json"))


def cookie(session: str) -> tuple[tuple[str, str], ...]:
    return (("Cookie", f"sessionid={session}"),)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def vote_choice(method: str, options: Sequence[str], turn: int) -> Any:
    """A valid choice, different from one turn to the next (a changed ballot, not the same)."""
    if method == "yes_no":
        return ("yes", "no", "abstain")[turn % 3]
    rotated = list(options[turn % len(options) :]) + list(options[: turn % len(options)])
    if method == "approval":
        return rotated[:1]
    return rotated


# The API's lists, at their default page size: the resident's and the manager's. Bookings and
# decisions are measured as "my bookings" and "decision register".
RESIDENT_LISTS = ("agenda-items", "meetings", "proposals", "proxies", "spaces", "booking-windows")
MANAGER_LISTS = (
    "auth/tokens",
    "bookings/waitlist",
    "budgets",
    "charge-runs",
    "charges",
    "cities",
    "decision-classes",
    "households",
    "income-declarations",
    "invitations",
    "maintenance-notes",
    "payments",
    "pilot-goals",
    "projects",
    "residents",
    "schemes",
)


def endpoints(
    manifest: dict,
    *,
    today: dt.date,
    slots: Sequence[tuple[str, int, dt.datetime, dt.datetime]] = (),
    sessions: dict[str, list[str]] | None = None,
) -> list[Endpoint]:
    """Every endpoint the benchmark measures, its requests rotated over the manifest's users.
    ``slots`` are free (resident token, space, start, end) to book; ``sessions`` the session
    cookies of signed-in residents, managers and officers (their pages are left out without)."""
    residents, managers, officers = (
        manifest["residents"],
        manifest["managers"],
        manifest["officers"],
    )
    sessions = sessions or {}
    week = dt.datetime.combine(today + dt.timedelta(days=7), dt.time(), dt.UTC)
    evening = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(18), dt.UTC)
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    def each(users: Iterable[dict], path, headers=token) -> tuple[Call, ...]:
        return tuple(Call("GET", path(user), headers(user["token"])) for user in users)

    found: list[Endpoint] = [
        Endpoint(FLOOR, (Call("GET", FLOOR_PATH),)),
        Endpoint(
            "availability for a week",
            tuple(
                Call(
                    "GET",
                    f"/api/v1/spaces/{space}/availability/?"
                    + urlencode({"start": iso(week), "end": iso(week + dt.timedelta(days=7))}),
                    token(user["token"]),
                )
                for user in residents
                for space in user["space_ids"][:2]
            ),
        ),
        Endpoint(
            "free spaces",
            each(
                residents,
                lambda u: (
                    "/api/v1/spaces/free/?"
                    + urlencode(
                        {"start": iso(evening), "end": iso(evening + dt.timedelta(hours=2))}
                    )
                ),
            ),
        ),
        Endpoint(
            "booking create",
            tuple(
                Call(
                    "POST",
                    "/api/v1/bookings/",
                    json_body(key),
                    json.dumps(
                        {"space": space, "start": iso(start), "end": iso(end), "note": BOOKING_NOTE}
                    ),
                )
                for key, space, start, end in slots
            ),
            writes=True,
            statuses=(201,),
        ),
        Endpoint("my bookings", each(residents, lambda u: "/api/v1/bookings/")),
        Endpoint(
            "cast vote",
            tuple(
                Call(
                    "POST",
                    f"/api/v1/proposals/{proposal['id']}/vote/",
                    json_body(user["token"]),
                    json.dumps(
                        {"choice": vote_choice(proposal["method"], proposal["options"], turn)}
                    ),
                )
                for turn in range(3)
                for user in residents
                for proposal in user["open_proposals"]
            ),
            writes=True,
            statuses=(200, 201),
        ),
        Endpoint(
            "proposal results",
            tuple(
                Call("GET", f"/api/v1/proposals/{proposal}/results/", token(user["token"]))
                for user in residents
                for proposal in user["decided_proposal_ids"][:2]
            ),
        ),
        Endpoint("decision register", each(residents, lambda u: "/api/v1/decisions/")),
        Endpoint(
            "household statement",
            each(residents, lambda u: f"/api/v1/households/{u['household_id']}/statement/"),
        ),
        Endpoint(
            "affordability (manager)",
            each(managers, lambda u: f"/api/v1/projects/{u['project_id']}/affordability/"),
        ),
        Endpoint(
            "city indicators",
            each(officers, lambda u: f"/api/v1/cities/{u['city_id']}/indicators/"),
        ),
        Endpoint(
            "city indicators by month",
            each(
                officers,
                lambda u: f"/api/v1/cities/{u['city_id']}/indicators/?month={last_month:%Y-%m}",
            ),
        ),
    ]
    pages = (
        ("home page (resident)", "residents", lambda u: "/"),
        (
            "contributions page (manager)",
            "managers",
            lambda u: f"/projects/{u['project_id']}/contributions/",
        ),
        ("dashboard page (officer)", "officers", lambda u: f"/cities/{u['city_id']}/indicators/"),
    )
    users = {"residents": residents, "managers": managers, "officers": officers}
    for name, role, path in pages:
        signed_in = sessions.get(role, [])
        if signed_in:
            found.append(
                Endpoint(
                    name,
                    tuple(
                        Call("GET", path(user), cookie(session))
                        for user, session in zip(users[role], signed_in, strict=False)
                    ),
                )
            )
    found += [
        Endpoint(f"list {name} (resident)", each(residents, lambda u, n=name: f"/api/v1/{n}/"))
        for name in RESIDENT_LISTS
    ]
    found += [
        Endpoint(f"list {name} (manager)", each(managers, lambda u, n=name: f"/api/v1/{n}/"))
        for name in MANAGER_LISTS
    ]
    return [endpoint for endpoint in found if endpoint.calls]


def lua_string(value: str) -> str:
    """A Lua string literal of ``value``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def lua_script(calls: Sequence[Call], *, count_statuses: bool) -> str:
    """A wrk script that sends ``calls`` in turn (each wrk thread from its own place in the
    list) and prints its measurement as one JSON line. Counting each status needs wrk to read
    every answer, which costs it time: only for the writes, whose 4xx are expected."""
    rows = []
    for call in calls:
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in call.headers)
        body = lua_string(call.body) if call.body else "nil"
        rows.append(
            f"  {{{lua_string(call.method)}, {lua_string(call.path)}, {{{headers}}}, {body}}},"
        )
    response = (
        "function response(status, headers, body)\n"
        "  codes[status] = (codes[status] or 0) + 1\n"
        "end\n"
        if count_statuses
        else ""
    )
    return (
        "local calls = {\n" + "\n".join(rows) + "\n}\n"
        "local index = 0\n"
        "local threads = {}\n"
        "codes = {}\n"
        "function setup(thread)\n"
        "  table.insert(threads, thread)\n"
        "  thread:set('first', #threads)\n"
        "end\n"
        "function init(args)\n"
        "  index = ((first or 1) - 1) * 7919 % #calls\n"
        "end\n"
        "function request()\n"
        "  index = index % #calls + 1\n"
        "  local call = calls[index]\n"
        "  return wrk.format(call[1], call[2], call[3], call[4])\n"
        "end\n" + response + "function done(summary, latency, requests)\n"
        "  local total = {}\n"
        "  for _, thread in ipairs(threads) do\n"
        "    local counted = thread:get('codes')\n"
        "    if counted then\n"
        "      for status, n in pairs(counted) do total[status] = (total[status] or 0) + n end\n"
        "    end\n"
        "  end\n"
        "  local parts = {}\n"
        "  for status, n in pairs(total) do\n"
        "    table.insert(parts, string.format('\"%d\": %d', status, n))\n"
        "  end\n"
        "  local e = summary.errors\n"
        f"  io.write(string.format('{RESULT_PREFIX}"
        '{"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, '
        '"timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "statuses": {%s}}\\n\', '
        "summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout, "
        "latency:percentile(50), latency:percentile(95), latency:percentile(99), "
        "table.concat(parts, ', ')))\n"
        "end\n"
    )


def wrk_result(output: str) -> dict:
    """One measurement from wrk's output: requests a second, latencies in ms, answers."""
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            raw = json.loads(line[len(RESULT_PREFIX) :])
            break
    else:
        raise ValueError("wrk printed no measurement")
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "non2xx": raw["non2xx"],
        "socket_errors": raw["socket_errors"] + raw["timeouts"],
        "statuses": {int(k): v for k, v in raw["statuses"].items()},
    }


def median_spread(values: Sequence[float]) -> dict:
    """The median of the repetitions and their spread (largest less smallest)."""
    return {
        "median": statistics.median(values),
        "spread": max(values) - min(values),
        "values": list(values),
    }


def aggregate(runs: Sequence[dict], floors: Sequence[dict], *, writes: bool = False) -> dict:
    """An endpoint's repetitions at one concurrency, each with the floor measured right before
    it: median and spread of each figure, and of the ratio to the floor."""
    result = {
        key: median_spread([run[key] for run in runs])
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms")
    }
    result["ratio"] = median_spread(
        [
            run["rps"] / floor["rps"] if floor["rps"] else 0.0
            for run, floor in zip(runs, floors, strict=True)
        ]
    )
    result["floor_rps"] = median_spread([floor["rps"] for floor in floors])
    result["floor_p95_ms"] = median_spread([floor["p95_ms"] for floor in floors])
    result["requests"] = sum(run["requests"] for run in runs)
    statuses: dict[int, int] = {}
    for run in runs:
        for status, count in run.get("statuses", {}).items():
            statuses[status] = statuses.get(status, 0) + count
    result["statuses"] = dict(sorted(statuses.items()))
    refused = sum(n for status, n in statuses.items() if 400 <= status < 500) if writes else 0
    result["refused_4xx"] = refused
    result["errors"] = sum(run["non2xx"] + run["socket_errors"] for run in runs) - refused
    return result


def endpoint_targets(name: str, writes: bool, c16: dict | None, queries: int | None) -> dict:
    """The issue's targets for one endpoint: True met, False missed (the floor has none)."""
    if name == FLOOR:
        return {}
    targets: dict[str, bool] = {}
    if c16 is not None:
        share = WRITE_RATIO if writes else READ_RATIO
        targets[f"ratio >= {share}"] = c16["ratio"]["median"] >= share
        targets[f"p95 <= {P95_FACTOR:g}x floor"] = (
            c16["p95_ms"]["median"] <= P95_FACTOR * c16["floor_p95_ms"]["median"]
        )
    if name in QUERY_BUDGETS and queries is not None:
        targets[f"queries <= {QUERY_BUDGETS[name]}"] = queries <= QUERY_BUDGETS[name]
    return targets


def batch_targets(batch: dict, memory_mb: float | None) -> dict:
    targets: dict[str, bool] = {}
    if "charge_run" in batch:
        targets[f"charge run of {NETWORK_HOUSEHOLDS:,} households < {CHARGE_RUN_SECONDS:g} s"] = (
            batch["charge_run"]["network_seconds"] < CHARGE_RUN_SECONDS
        )
    if "snapshot" in batch:
        targets[f"nightly snapshot < {SNAPSHOT_SECONDS:g} s"] = (
            batch["snapshot"]["seconds"] < SNAPSHOT_SECONDS
        )
    if memory_mb is not None:
        targets[f"web worker < {WORKER_MB:g} MB"] = memory_mb < WORKER_MB
    return targets


def verdict(targets: dict[str, bool]) -> str:
    missed = [name for name, met in targets.items() if not met]
    if not targets:
        return ""
    return "met" if not missed else "missed: " + "; ".join(missed)


def markdown(result: dict) -> str:
    """The README's table of a run."""
    machine = result["machine"]
    lines = [
        f"Run of {result['date']} on {machine['cores']} cores (load {machine['load_start']} at "
        f"the start, {machine['load_end']} at the end), commit {machine['commit'][:10]}, "
        f"{result['options']['duration']} s a measurement, {result['options']['repeat']} "
        f"repetition(s), {result['options']['workers']} gunicorn workers; data set: "
        f"{result['dataset']}.",
        "",
        "| endpoint | queries | req/s c1 | req/s c16 | share of floor c16 | p50 / p95 / p99 ms c16 "
        "| floor p95 ms | errors | 4xx | targets |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]

    def figure(entry: dict | None, key: str, digits: int = 0) -> str:
        if entry is None:
            return "–"
        value = entry[key]
        spread = f" ±{value['spread'] / 2:.{digits}f}" if len(value["values"]) > 1 else ""
        return f"{value['median']:.{digits}f}{spread}"

    for row in result["endpoints"]:
        c1, c16 = row["concurrency"].get("1"), row["concurrency"].get("16")
        latency = (
            f"{c16['p50_ms']['median']:.0f} / {c16['p95_ms']['median']:.0f} / "
            f"{c16['p99_ms']['median']:.0f}"
            if c16
            else "–"
        )
        errors = sum(c["errors"] for c in row["concurrency"].values())
        refused = sum(c["refused_4xx"] for c in row["concurrency"].values())
        lines.append(
            f"| {row['name']} | {row['queries'] if row['queries'] is not None else '–'} "
            f"| {figure(c1, 'rps')} | {figure(c16, 'rps')} "
            f"| {figure(c16, 'ratio', 2) if row['name'] != FLOOR else '1'} | {latency} "
            f"| {figure(c16, 'floor_p95_ms') if row['name'] != FLOOR else '–'} | {errors} "
            f"| {refused if row['writes'] else '–'} | {verdict(row['targets'])} |"
        )
    batch = result["batch"]
    lines.append("")
    if "charge_run" in batch:
        run = batch["charge_run"]
        lines.append(
            f"- Charge run, {run['households']} households ({run['project']}, {run['month']}): "
            f"{run['seconds']:.2f} s, {run['ms_per_household']:.2f} ms a household, "
            f"{run['network_seconds']:.1f} s for {NETWORK_HOUSEHOLDS:,} at that rate."
        )
    if "snapshot" in batch:
        snap = batch["snapshot"]
        lines.append(
            f"- Nightly indicator snapshot of the largest city ({snap['city']}, "
            f"{snap['households']} households): {snap['seconds']:.2f} s."
        )
    if "tally" in batch:
        ballots = batch["tally"]["ballots"]
        lines.extend(
            f"- Tally of {ballots:,} {method} ballots: {seconds * 1000:.0f} ms."
            for method, seconds in batch["tally"]["seconds"].items()
        )
    if result.get("memory"):
        lines.append(
            f"- Peak resident memory of a web worker after the run: "
            f"{result['memory']['peak_mb']:.0f} MB (each: "
            + ", ".join(f"{mb:.0f}" for mb in result["memory"]["workers_mb"])
            + ")."
        )
    lines.append(f"- Batch and memory targets: {verdict(result['batch_targets']) or '–'}.")
    lines.extend(f"- {note}" for note in result.get("notes", []))
    return "\n".join(lines)


def readme_with(text: str, table: str) -> str:
    """The README with ``table`` between the benchmark's markers (added at its end if absent)."""
    block = f"{MARK_START}\n{table}\n{MARK_END}"
    if MARK_START in text and MARK_END in text:
        before, rest = text.split(MARK_START, 1)
        after = rest.split(MARK_END, 1)[1]
        return before + block + after
    return text.rstrip("\n") + "\n\n" + block + "\n"


def totp(secret: str, at: float, *, step: int = 30, digits: int = 6) -> str:
    """The authenticator app's code (RFC 6238, SHA-1) of a base32 secret at a Unix time."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)
