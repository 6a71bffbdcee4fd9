"""The load benchmark (``bench/run``, ``make bench``): every main job against the floor.

    bench/run                       # 10 s a measurement, 3 repetitions
    bench/run --duration 5 --repeat 1 --only "my bookings"

Starts the app as production does (gunicorn sync workers, production settings, PostgreSQL and
Redis) on a loopback port, over the data set ``bench/generate`` built (its manifest
``bench/results/dataset.json`` gives the users, tokens and ids), and drives it with ``wrk``.
Each endpoint is measured at concurrency 1 and 16, each time right after the floor
(``/api/v1/ping/``: no database, no session), with requests rotated over the manifest's
residents, managers and officers. The queries of a request are counted once per endpoint in
this process (Django's test client on the same database; a write in a transaction rolled
back). Then the batch jobs (the charge run and the nightly snapshot, each rolled back; a tally
of 10,000 ballots) and the web workers' peak memory. Writes ``bench/results/<date>.json`` and
the table between the README's benchmark markers.

Bookings the run makes carry the note "bench/run" and are deleted before each repetition of
"booking create" and at the end, so that the slots are free again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_MANIFEST = ROOT / "bench" / "results" / "dataset.json"
# The key bench/generate sealed the secret ballots with (the local settings' default): the
# server must hold the same for secret votes to open.
GENERATOR_SEALING_KEY = "insecure-local-only-ballot-sealing-key"


def server_environment(database: str, redis: str) -> dict[str, str]:
    """Production settings for a plain-HTTP server on loopback: the HTTPS redirect, HSTS and
    secure cookies off explicitly, and a per-user API rate the load cannot reach."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", secrets.token_urlsafe(50)),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_SECURE_COOKIES": "false",
        "BALLOT_SEALING_KEY": os.environ.get("BALLOT_SEALING_KEY", GENERATOR_SEALING_KEY),
        "EMAIL_URL": "consolemail://",
        "API_RATE_PER_USER": "100000000/hour",
    }


def parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/netco_bench"),
    )
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--port", type=int, default=0, help="0: a free one")
    parser.add_argument("--duration", type=int, default=10, help="seconds a measurement")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--only", action="append", default=[], help="endpoint names to measure")
    parser.add_argument("--no-batch", action="store_true", help="skip the batch jobs")
    parser.add_argument("--note", action="append", default=[], help="a line for the results")
    parser.add_argument("--no-readme", action="store_true", help="leave the README as it is")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    if not options.manifest.exists():
        print(f"{options.manifest} is missing: run bench/generate first.", file=sys.stderr)
        return 2
    environment = server_environment(options.database, options.redis)
    os.environ.update(environment)

    import django

    django.setup()
    from django.db import OperationalError, connection

    try:
        connection.ensure_connection()
        populated = connection.introspection.table_names() and _has_households()
    except OperationalError as error:
        populated = False
        print(error, file=sys.stderr)
    if not populated:
        print(
            f"{options.database} holds no benchmark data set: run bench/generate first "
            "(see the README's Benchmark data).",
            file=sys.stderr,
        )
        return 2

    from bench import measure
    from bench.generate import MARK, _mark, _server, migrate

    # The data set may predate the latest migrations: bring the benchmark's own database up to
    # date as a deployment would, and never another one.
    with _server(connection.settings_dict) as server:
        ours = _mark(server, connection.settings_dict["NAME"]) == MARK
    if ours:
        migrate(connection.settings_dict, reset=False)
    manifest = json.loads(options.manifest.read_text())
    load_start = round(os.getloadavg()[0], 2)
    today = dt.date.fromisoformat(manifest["today"])
    _collect_static()
    print("signing in and finding free slots…", flush=True)
    sessions = sign_in(manifest)
    slots = free_slots(manifest)
    delete_bench_bookings()
    endpoints = measure.endpoints(manifest, today=today, slots=slots, sessions=sessions)
    if options.only:
        endpoints = [e for e in endpoints if e.name in options.only or e.name == measure.FLOOR]
    queries = {endpoint.name: count_queries(endpoint) for endpoint in endpoints}
    concurrencies = [int(c) for c in options.concurrency.split(",")]

    port = options.port or _free_port()
    server = start_server(environment, options.workers, port)
    rows = []
    try:
        wait_until_answering(port)
        floor = endpoints[0]
        # Workers load their code and open their connections on their first requests.
        drive(floor, port, max(concurrencies), 2)
        for endpoint in endpoints:
            row = {"name": endpoint.name, "writes": endpoint.writes, "concurrency": {}}
            for concurrency in concurrencies:
                runs, floors = [], []
                for _ in range(options.repeat):
                    if endpoint.name == "booking create":
                        delete_bench_bookings()
                    floors.append(drive(floor, port, concurrency, options.duration))
                    runs.append(drive(endpoint, port, concurrency, options.duration))
                row["concurrency"][str(concurrency)] = measure.aggregate(
                    runs, floors, writes=endpoint.writes
                )
            row["queries"] = queries[endpoint.name]
            row["example"] = f"{endpoint.calls[0].method} {endpoint.calls[0].path}"
            row["targets"] = measure.endpoint_targets(
                endpoint.name, endpoint.writes, row["concurrency"].get("16"), row["queries"]
            )
            rows.append(row)
            c = row["concurrency"]
            print(
                f"{endpoint.name:<34} {row['queries'] if row['queries'] is not None else '-':>4} q "
                + "  ".join(
                    f"c{k}: {v['rps']['median']:7.1f}/s x{v['ratio']['median']:.2f} "
                    f"p95 {v['p95_ms']['median']:.0f} ms"
                    for k, v in c.items()
                ),
                flush=True,
            )
        memory = worker_memory(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        delete_bench_bookings()

    batch = {} if options.no_batch else batch_jobs()
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "load_start": load_start,
            "load_end": round(os.getloadavg()[0], 2),
            "commit": _git("rev-parse", "HEAD"),
            "wrk": _wrk_version(),
        },
        "options": {
            "duration": options.duration,
            "repeat": options.repeat,
            "workers": options.workers,
            "concurrency": concurrencies,
        },
        "dataset": ", ".join(
            f"{manifest['counts'][k]:,} {k}"
            for k in ("households", "bookings", "ballots", "charges")
            if k in manifest.get("counts", {})
        ),
        "endpoints": rows,
        "batch": batch,
        "memory": memory,
        "notes": options.note,
    }
    result["batch_targets"] = measure.batch_targets(batch, memory and memory["peak_mb"])
    table = measure.markdown(result)
    out = ROOT / "bench" / "results" / f"{dt.datetime.now(dt.UTC):%Y-%m-%d}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(table)
    print(f"results: {out}")
    if not options.no_readme:
        readme = ROOT / "README.md"
        readme.write_text(measure.readme_with(readme.read_text(), table))
    return 0


def _has_households() -> bool:
    from members.models import Household

    return Household.objects.exists()


def _collect_static() -> None:
    """The production storage serves static files from their manifest: make it once."""
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", "--noinput", verbosity=0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()


def _wrk_version() -> str:
    answer = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (
        (answer.stdout or answer.stderr).splitlines()[0] if answer.stdout or answer.stderr else ""
    )


def sign_in(manifest: dict, per_role: int = 4) -> dict[str, list[str]]:
    """Session cookies of a few residents, managers and officers, signed in through the sign-in
    form, staff with their authenticator's code too."""
    from django.test import Client

    from bench.measure import totp

    sessions: dict[str, list[str]] = {}
    for role in ("residents", "managers", "officers"):
        for user in manifest[role][:per_role]:
            client = Client(HTTP_HOST="127.0.0.1")
            answer = client.post(
                "/accounts/login/", {"login": user["email"], "password": user["password"]}
            )
            if (
                answer.status_code == 302
                and "2fa" in answer["Location"]
                and user.get("totp_secret")
            ):
                answer = client.post(
                    answer["Location"], {"code": totp(user["totp_secret"], time.time())}
                )
            if answer.status_code != 302 or "sessionid" not in client.cookies:
                print(f"could not sign in {user['email']}: {answer.status_code}", file=sys.stderr)
                continue
            sessions.setdefault(role, []).append(client.cookies["sessionid"].value)
    return sessions


def free_slots(
    manifest: dict, per_space: int = 12
) -> list[tuple[str, int, dt.datetime, dt.datetime]]:
    """Slots the residents may book, late in each space's booking horizon (one a week a space,
    so that quotas hold): for each resident's spaces, the shortest booking from the opening of
    a day, if no booking holds it yet. Rooms that take guests from the afternoon are left out."""
    from zoneinfo import ZoneInfo

    from community.bookings.models import Booking, Space, SpaceKind

    wanted: dict[int, list[str]] = {}
    for user in manifest["residents"]:
        for space in user["space_ids"]:
            wanted.setdefault(space, []).append(user["token"])
    slots = []
    spaces = (
        Space.objects.filter(pk__in=wanted, is_active=True)
        .exclude(kind=SpaceKind.GUEST_ROOM)
        .select_related("project__city")
        .prefetch_related("opening_hours")
    )
    now = dt.datetime.now(dt.UTC)
    for space in spaces:
        zone = ZoneInfo(space.project.city.time_zone)
        hours = {h.weekday: h for h in space.opening_hours.all()}
        length = max(space.min_duration_minutes, space.slot_minutes)
        last = (now.astimezone(zone) + dt.timedelta(days=space.advance_days - 2)).date()
        day, found, tokens = last, 0, wanted[space.pk]
        while found < per_space and day > now.date() + dt.timedelta(days=2):
            opening = hours.get(day.weekday()) if hours else None
            if hours and opening is None:
                day -= dt.timedelta(days=1)
                continue
            opens = opening.opens_minute if opening else 8 * 60
            opens = -(-opens // space.slot_minutes) * space.slot_minutes
            start = dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(minutes=opens)
            end = start + dt.timedelta(minutes=length)
            taken = Booking.objects.filter(
                space=space, start__lt=end, end__gt=start, status__in=("confirmed", "pending")
            ).exists()
            if not taken and (opening is None or opens + length <= opening.closes_minute):
                slots.append((tokens[found % len(tokens)], space.pk, start, end))
                found += 1
            day -= dt.timedelta(days=7)
    random.Random(1).shuffle(slots)
    return slots


def delete_bench_bookings() -> int:
    from bench.measure import BOOKING_NOTE
    from community.bookings.models import Booking

    return Booking.objects.filter(note=BOOKING_NOTE).delete()[0]


def count_queries(endpoint) -> int | None:
    """The SQL statements of the endpoint's first request, in this process; a write is rolled
    back (its request's own savepoint, which production's request transaction does not make,
    is not counted)."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call = endpoint.calls[0]
    headers = dict(call.headers)
    content_type = headers.pop("Content-Type", "application/octet-stream")
    client = Client(HTTP_HOST="127.0.0.1")
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            answer = client.generic(
                call.method, call.path, data=call.body, content_type=content_type, headers=headers
            )
            transaction.set_rollback(True)
    except Exception as error:  # noqa: BLE001 - the run goes on; the load shows the 500s too
        print(f"{endpoint.name}: {call.method} {call.path} failed: {error}", file=sys.stderr)
        return None
    statements = [q["sql"] for q in captured.captured_queries]
    if statements and statements[0].startswith("SAVEPOINT"):
        statements = statements[1:]
    if statements and statements[-1].startswith("RELEASE SAVEPOINT"):
        statements = statements[:-1]
    if answer.status_code not in endpoint.statuses:
        print(f"{endpoint.name}: {call.method} {call.path} answered {answer.status_code}")
    return len(statements)


def start_server(environment: dict[str, str], workers: int, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
    )


def wait_until_answering(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/ping/", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def drive(endpoint, port: int, concurrency: int, duration: int) -> dict:
    """One wrk measurement of the endpoint."""
    from bench.measure import lua_script, wrk_result

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(endpoint.calls, count_statuses=endpoint.writes))
    try:
        answer = subprocess.run(
            [
                "wrk",
                "--threads",
                "1",
                "--connections",
                str(concurrency),
                "--duration",
                f"{duration}s",
                "--timeout",
                "30s",
                "--latency",
                "--script",
                script.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=duration + 90,
        )
    finally:
        os.unlink(script.name)
    return wrk_result(answer.stdout + answer.stderr)


def worker_memory(master: int) -> dict | None:
    """The peak resident memory (VmHWM) of each gunicorn worker."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return None
    peaks = [
        int(line.split()[1]) / 1024
        for pid in children
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    ]
    return {"workers_mb": peaks, "peak_mb": max(peaks)} if peaks else None


class _Undo(Exception):
    """Rolls a timed batch job back."""


def batch_jobs() -> dict:
    """The charge run of the largest project's latest month, made again (its run deleted
    first) and the nightly snapshot of the largest city, both rolled back; a tally of 10,000
    ballots of each counted method."""
    from django.db import transaction
    from django.db.models import Count, Q

    from bench.measure import NETWORK_HOUSEHOLDS
    from community.money.models import Charge, ChargeRun
    from community.money.services.charges import charges_run
    from community.monitoring.selectors.indicators import snapshot_months
    from community.monitoring.services.snapshots import NIGHTLY_MONTHS, indicator_snapshot_run
    from members.models import City, HousingProject

    batch: dict = {}
    project = HousingProject.objects.annotate(n=Count("households")).order_by("-n", "pk").first()
    run = ChargeRun.objects.filter(project=project).order_by("-month").first()
    if run is not None:
        try:
            with transaction.atomic():
                month = run.month
                Charge.objects.filter(run=run).delete()
                run.delete()
                started = time.perf_counter()
                made = charges_run(project=project, month=month)
                seconds = time.perf_counter() - started
                households = made.household_count
                raise _Undo
        except _Undo:
            per_household = seconds / max(households, 1)
            batch["charge_run"] = {
                "project": project.name,
                "month": f"{month:%Y-%m}",
                "households": households,
                "seconds": round(seconds, 3),
                "ms_per_household": round(per_household * 1000, 3),
                "network_seconds": round(per_household * NETWORK_HOUSEHOLDS, 2),
            }
    city = (
        City.objects.annotate(
            n=Count("projects__households", filter=Q(projects__households__isnull=False))
        )
        .order_by("-n", "pk")
        .first()
    )
    try:
        with transaction.atomic():
            started = time.perf_counter()
            indicator_snapshot_run(
                city=city, months=snapshot_months(city=city, count=NIGHTLY_MONTHS)
            )
            seconds = time.perf_counter() - started
            raise _Undo
    except _Undo:
        batch["snapshot"] = {"city": city.name, "households": city.n, "seconds": round(seconds, 3)}
    batch["tally"] = tally_timings(10_000)
    return batch


def tally_timings(count: int) -> dict:
    """Seconds to count ``count`` generated ballots by each method."""
    from governance.tally import (
        ApprovalBallot,
        RankedBallot,
        YesNoBallot,
        tally_approval,
        tally_instant_runoff,
        tally_yes_no,
    )

    rng = random.Random(1)
    options = ["A", "B", "C", "D", "E"]
    electorate = Fraction(count * 2)
    half = Fraction(1, 2)
    jobs = {
        "yes/no": lambda: tally_yes_no(
            [YesNoBallot(rng.choice(("yes", "no", "abstain"))) for _ in range(count)],
            electorate_weight=electorate,
            quorum=half,
            threshold=half,
        ),
        "approval": lambda: tally_approval(
            [ApprovalBallot(rng.sample(options, rng.randint(1, 3))) for _ in range(count)],
            options,
            electorate_weight=electorate,
            quorum=half,
        ),
        "ranked": lambda: tally_instant_runoff(
            [RankedBallot(rng.sample(options, len(options))) for _ in range(count)],
            options,
            electorate_weight=electorate,
            quorum=half,
        ),
    }
    seconds = {}
    for name, job in jobs.items():
        started = time.perf_counter()
        job()
        seconds[name] = round(time.perf_counter() - started, 4)
    return {"ballots": count, "seconds": seconds}


if __name__ == "__main__":
    sys.exit(main())
