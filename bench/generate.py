"""Build the network-scale benchmark data set in PostgreSQL (``bench/generate``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/netco_bench bench/generate --reset

``--scale 1.0`` is the performance target's network (14 cities, 280 projects, 20,000
households, 45,000 residents, 1,400 spaces, 500,000 bookings, 2,000 proposals with 150,000
ballots, 24 months of incomes, charges and payments); ``--scale 0.01`` a quick one. The same
``--seed`` on the same day gives the same network. The database comes from ``DATABASE_URL``:
it must be empty (no users, no cities), or be the benchmark's own, which ``--reset`` drops and
creates again; a database that holds anything else is never touched. Prints the time of each
phase and writes the manifest the benchmark runner reads (``--manifest``): the users it signs
in as, with their passwords, API tokens and what they act on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Query logging would keep every one of the run's queries in memory.
os.environ.setdefault("DJANGO_DEBUG", "false")

import django

django.setup()

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from psycopg import sql

from bench.world import Sizes, World
from community.monitoring.services.snapshots import NIGHTLY_MONTHS

# Written on the benchmark's database when --reset creates it: only such a database is dropped.
MARK = "netco-commons benchmark data set"
DEFAULT_MANIFEST = ROOT / "bench" / "results" / "dataset.json"


class Refused(Exception):
    """The database is not one the benchmark may write to."""


def _server(database: dict) -> psycopg.Connection:
    """A connection to the server's maintenance database, to drop and create ours."""
    return psycopg.connect(
        dbname="postgres",
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        autocommit=True,
    )


def _mark(server: psycopg.Connection, name: str) -> str | None:
    """The database's comment; ``None`` when there is no such database."""
    row = server.execute(
        "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
        "WHERE datname = %s",
        [name],
    ).fetchone()
    return None if row is None else row[0]


def _create(server: psycopg.Connection, name: str, template: str | None = None) -> None:
    """Drop (if there) and create a database marked as the benchmark's, copied from
    ``template`` if given."""
    for other in (name, template):
        if other is not None and _mark(server, other) not in (None, MARK):
            raise Refused(
                f"{other} was not created by bench/generate: not touching it. "
                "Point DATABASE_URL at a database of its own (e.g. netco_bench)."
            )
    database = sql.Identifier(name)
    server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
    if template is None:
        server.execute(sql.SQL("CREATE DATABASE {}").format(database))
    else:
        server.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(database, sql.Identifier(template))
        )
    server.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(database, sql.Literal(MARK)))


def _template_name(database: dict) -> str:
    return f"{database['NAME']}_migrated"


def reset_database(database: dict) -> None:
    """Drop and create the benchmark's database, from its migrated template when there is
    one (migrating from scratch takes longer than generating a small network); refuse a
    database the benchmark did not create."""
    with _server(database) as server:
        template = _template_name(database)
        _create(server, database["NAME"], template if _mark(server, template) else None)


def migrate(database: dict, *, reset: bool) -> None:
    """Bring the schema up to date; after a reset, keep the migrated schema as the template
    of the next reset."""
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        call_command("migrate", verbosity=0)
    with _server(database) as server:
        template = _template_name(database)
        if reset and (pending or _mark(server, template) is None):
            connection.close()
            _create(server, template, database["NAME"])


def check_empty() -> None:
    """Refuse a database holding users or cities: the benchmark adds to nobody's data."""
    try:
        tables = set(connection.introspection.table_names())
    except OperationalError as error:
        raise Refused(f"{error}: create the database, or run with --reset.") from error
    for table in ("members_user", "members_city"):
        if table in tables:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608 (fixed names)
                if cursor.fetchone()[0]:
                    raise Refused(
                        f"{settings.DATABASES['default']['NAME']} already holds data: run with "
                        "--reset against the benchmark's own database (e.g. netco_bench)."
                    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: the full network")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reset", action="store_true", help="drop and create the benchmark's database first"
    )
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument(
        "--jobs", type=int, default=3, help="processes for the per-project and per-city work"
    )
    parser.add_argument(
        "--indicator-months",
        type=int,
        default=NIGHTLY_MONTHS,
        help="months the indicator snapshot computes (the nightly run's by default)",
    )
    options = parser.parse_args(argv)
    if not 0 < options.scale <= 10:
        parser.error("--scale is between 0 and 10")

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        parser.error("DATABASE_URL must point at PostgreSQL")
    started = time.perf_counter()
    try:
        if options.reset:
            reset_database(database)
        else:
            check_empty()
    except Refused as refusal:
        print(refusal, file=sys.stderr)
        return 2
    migrate(database, reset=options.reset)
    print(f"{'database':<12} {time.perf_counter() - started:7.1f} s  ({database['NAME']})")

    world = World(
        Sizes.at(options.scale),
        seed=options.seed,
        jobs=options.jobs,
        indicator_months=options.indicator_months,
    ).build()
    manifest_started = time.perf_counter()
    manifest = world.manifest()
    world.timings["manifest"] = round(time.perf_counter() - manifest_started, 2)
    world.timings["total"] = round(time.perf_counter() - started, 2)
    manifest["timings"] = world.timings
    manifest["database"] = database["NAME"]
    manifest["scale"] = options.scale
    options.manifest.parent.mkdir(parents=True, exist_ok=True)
    options.manifest.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(f"{'total':<12} {world.timings['total']:7.1f} s")
    print(", ".join(f"{count} {name}" for name, count in world.counts.items()))
    print(f"manifest: {options.manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
