"""Benchmark of the nightly city indicator snapshot (issue 6: 20,000 households in under 30 s).

Generates one city with ``--projects`` projects and ``--households`` households in all, with
the benchmark data set's generator (``bench/world.py``: residents, incomes, two years of
charges, spaces and bookings, assemblies and decided votes), then times
``indicator_snapshot_run`` for the nightly months (the current and the previous one) and, with
``--full``, for the default two years.

Like ``bench/generate``, it writes into the benchmark's own database, made again on each run
(``--keep`` times the city already there):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/netco_bench \\
        .venv/bin/python bench/indicator_snapshots.py --households 20000 --projects 200
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.generate import Refused, migrate, reset_database
from bench.world import Sizes, World
from community.bookings.models import Booking
from community.monitoring.selectors.indicators import snapshot_months
from community.monitoring.services.snapshots import NIGHTLY_MONTHS, indicator_snapshot_run
from members.models import City, Household, HousingProject, Resident


def city_sizes(households: int, projects: int) -> Sizes:
    """One city of the network's shape: two spaces and a vote a month a project."""
    return Sizes(
        cities=1,
        projects=projects,
        households=households,
        residents=round(households * 2.25),
        spaces=2 * projects,
        bookings=households * 6,
        proposals=projects * 12,
        ballots=round(households * 8),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="reuse the generated city")
    parser.add_argument("--full", action="store_true", help="time the default 24 months too")
    parser.add_argument("--jobs", type=int, default=3, help="processes generating the city")
    options = parser.parse_args()

    if not options.keep or not City.objects.exists():
        started = time.perf_counter()
        database = settings.DATABASES["default"]
        connection.close()  # the database is dropped and made again
        try:
            reset_database(database)
        except Refused as refusal:
            sys.exit(str(refusal))
        migrate(database, reset=True)
        World(city_sizes(options.households, options.projects), jobs=options.jobs).build()
        print(f"generated in {time.perf_counter() - started:.1f} s")
    city = City.objects.get()
    print(
        f"{Household.objects.filter(project__city=city).count()} households, "
        f"{Resident.objects.filter(household__project__city=city).count()} residents, "
        f"{Booking.objects.filter(space__project__city=city).count()} bookings, "
        f"{HousingProject.objects.filter(city=city).count()} projects"
    )
    runs = [("nightly", snapshot_months(city=city, count=NIGHTLY_MONTHS))]
    if options.full:
        runs.append(("24 months", None))
    for name, months in runs:
        for attempt in (1, 2):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                result = indicator_snapshot_run(city=city, months=months)
            elapsed = time.perf_counter() - started
            print(
                f"{name} run {attempt}: {elapsed:.2f} s, {len(queries.captured_queries)} queries, "
                f"{result.rows} rows ({result.suppressed} suppressed), months "
                f"{result.months[0]:%Y-%m}…{result.months[-1]:%Y-%m}, flow months from "
                f"{result.flow_months[0]:%Y-%m}"
            )


if __name__ == "__main__":
    main()
