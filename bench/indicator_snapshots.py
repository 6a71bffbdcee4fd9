"""Benchmark of the nightly city indicator snapshot (issue 6: 20,000 households in under 30 s).

Generates one city with ``--projects`` projects and ``--households`` households in all, with
residents (some consenting to inclusion data), income declarations, two months of charges,
two spaces a project with opening hours and a few bookings per household, meetings, and a
closed vote a month; then times ``indicator_snapshot_run`` for the nightly months (the current
and the previous one) and for the default two years.

Writes straight to the database with ``bulk_create``: run it against a database of its own,
migrated first, e.g.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/netco_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/netco_bench \\
        .venv/bin/python bench/indicator_snapshots.py --households 20000 --projects 200

The generated city (slug ``bench-city``) is deleted and made again on each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.bookings.models import Booking, BookingStatus, Space, SpaceOpeningHours
from community.money.models import Charge, ChargeRun, ContributionScheme, SchemeStatus
from community.monitoring.models import IndicatorSnapshot
from community.monitoring.selectors.indicators import snapshot_months
from community.monitoring.services.snapshots import NIGHTLY_MONTHS, indicator_snapshot_run
from governance.models import (
    DecisionClass,
    Meeting,
    Participation,
    Proposal,
    ProposalStatus,
    Voter,
)
from members.models import City, Gender, Household, HousingProject, IncomeDeclaration, Resident

SLUG = "bench-city"
BATCH = 5000


def _delete_city() -> None:
    city = City.objects.filter(slug=SLUG).first()
    if city is None:
        return
    projects = HousingProject.objects.filter(city=city)
    IndicatorSnapshot.objects.filter(city=city).delete()
    Participation.objects.filter(proposal__project__in=projects).delete()
    Voter.objects.filter(proposal__project__in=projects).delete()
    Proposal.objects.filter(project__in=projects).delete()
    DecisionClass.objects.filter(project__in=projects).delete()
    Meeting.objects.filter(project__in=projects).delete()
    Booking.objects.filter(space__project__in=projects).delete()
    Space.objects.filter(project__in=projects).delete()
    Charge.objects.filter(household__project__in=projects).delete()
    ChargeRun.objects.filter(project__in=projects).delete()
    ContributionScheme.objects.filter(project__in=projects).delete()
    IncomeDeclaration.objects.filter(household__project__in=projects).delete()
    Resident.objects.filter(household__project__in=projects).delete()
    Household.objects.filter(project__in=projects).delete()
    projects.delete()
    city.delete()


def _households(
    rng: random.Random, projects: list[HousingProject], households: int, months: list[dt.date]
) -> list[Household]:
    """Households with their residents (some consenting to inclusion data) and incomes."""
    project_count = len(projects)
    homes = Household.objects.bulk_create(
        (
            Household(
                project=projects[index % project_count],
                unit_label=f"U{index:06d}",
                move_in=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000)),
                move_out=(months[0] + dt.timedelta(days=40)) if index % 97 == 0 else None,
                utilities_monthly_cents=rng.randrange(0, 15_000),
            )
            for index in range(households)
        ),
        batch_size=BATCH,
    )
    residents = []
    for home in homes:
        for person in range(rng.choice((1, 1, 2, 2, 2, 3, 4))):
            consent = rng.random() < 0.6
            residents.append(
                Resident(
                    household=home,
                    first_name=f"R{home.pk}-{person}",
                    birth_year=rng.randrange(1940, 2020) if person else rng.randrange(1940, 2000),
                    is_representative=person == 0,
                    inclusion_consent_at=timezone.now() if consent else None,
                    gender=rng.choice(list(Gender.values)) if consent else "",
                    migrant_background=(rng.random() < 0.3) if consent else None,
                )
            )
    Resident.objects.bulk_create(residents, batch_size=BATCH)
    IncomeDeclaration.objects.bulk_create(
        (
            IncomeDeclaration(
                household=home,
                valid_from=dt.date(2020, 1, 1),
                gross_monthly_cents=(gross := rng.randrange(80_000, 600_000)),
                disposable_monthly_cents=gross * 4 // 5,
            )
            for home in homes
            if home.pk % 10
        ),
        batch_size=BATCH,
    )
    return homes


def _charges(
    rng: random.Random,
    projects: list[HousingProject],
    homes: list[Household],
    months: list[dt.date],
) -> None:
    """An adopted scheme per project and a charge run with its charges per month."""
    schemes = {
        project.pk: ContributionScheme.objects.create(
            project=project,
            name="Flat",
            method="flat",
            parameters={"basis": "equal"},
            valid_from=dt.date(2020, 1, 1),
            status=SchemeStatus.ADOPTED,
            adopted_at=timezone.now(),
        )
        for project in projects
    }
    runs = {
        (project.pk, month): ChargeRun.objects.create(
            project=project, month=month, scheme=schemes[project.pk]
        )
        for project in projects
        for month in months
    }
    Charge.objects.bulk_create(
        (
            Charge(
                household=home,
                month=month,
                amount_cents=(amount := rng.randrange(30_000, 120_000)),
                scheme=schemes[home.project_id],
                run=runs[home.project_id, month],
                breakdown={"full_month_cents": amount},
            )
            for home in homes
            for month in months
        ),
        batch_size=BATCH,
    )


def _bookings(
    rng: random.Random,
    projects: list[HousingProject],
    by_project: dict[int, list[Household]],
    months: list[dt.date],
) -> None:
    """Two rooms per project, open 8:00 to 22:00, booked an hour at a time."""
    spaces = Space.objects.bulk_create(
        Space(project=project, name=f"Room {n}", kind="common_room")
        for project in projects
        for n in range(2)
    )
    SpaceOpeningHours.objects.bulk_create(
        SpaceOpeningHours(space=space, weekday=day, opens_minute=8 * 60, closes_minute=22 * 60)
        for space in spaces
        for day in range(7)
    )
    bookings = []
    zone = timezone.get_default_timezone()
    for space in spaces:
        for month in months:
            # One-hour bookings one after the other from 8:00, ten a day: no overlaps.
            people = by_project[space.project_id]
            for slot in range(len(people) * 3 // 2):
                day = month + dt.timedelta(days=slot // 10)
                start = dt.datetime.combine(day, dt.time(8 + slot % 10), tzinfo=zone)
                bookings.append(
                    Booking(
                        space=space,
                        household=rng.choice(people),
                        start=start,
                        end=start + dt.timedelta(hours=1),
                        blocked_until=start + dt.timedelta(hours=1),
                        status=BookingStatus.CONFIRMED,
                    )
                )
    Booking.objects.bulk_create(bookings, batch_size=BATCH)


def _governance(
    rng: random.Random,
    projects: list[HousingProject],
    by_project: dict[int, list[Household]],
    months: list[dt.date],
) -> None:
    """A meeting and a closed yes/no vote per project and month, seven in ten voting."""
    zone = timezone.get_default_timezone()
    Meeting.objects.bulk_create(
        Meeting(
            project=project,
            kind="general_assembly",
            title="Assembly",
            start=dt.datetime.combine(month + dt.timedelta(days=2), dt.time(18), tzinfo=zone),
            place="Common room",
        )
        for project in projects
        for month in months
    )
    for project in projects:
        decision_class = DecisionClass.objects.create(
            project=project, name="Ordinary", method="yes_no", electorate="household"
        )
        for month in months:
            closes = dt.datetime.combine(month + dt.timedelta(days=3), dt.time(12), tzinfo=zone)
            proposal = Proposal.objects.create(
                project=project,
                decision_class=decision_class,
                title="Paint the hall",
                text="Blue.",
                opens_at=closes - dt.timedelta(days=2),
                closes_at=closes,
                closed_at=closes,
                status=ProposalStatus.CLOSED,
            )
            voters = Voter.objects.bulk_create(
                Voter(proposal=proposal, household=home) for home in by_project[project.pk]
            )
            Participation.objects.bulk_create(
                Participation(proposal=proposal, voter=voter, choice="yes")
                for voter in voters
                if rng.random() < 0.7
            )


def generate(households: int, project_count: int, seed: int = 6) -> City:
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    city = City.objects.create(
        name="Bench city",
        slug=SLUG,
        country_code="ES",
        time_zone="Europe/Madrid",
        median_equivalised_income_cents=2_000_000,
    )
    months = snapshot_months(city=city, count=NIGHTLY_MONTHS)
    projects = HousingProject.objects.bulk_create(
        HousingProject(
            city=city,
            name=f"Bench project {index:04d}",
            slug=f"bench-{index:04d}",
            kind="cohousing",
            units_count=households // project_count + 10,
        )
        for index in range(project_count)
    )
    homes = _households(rng, projects, households, months)
    _charges(rng, projects, homes, months)
    by_project: dict[int, list[Household]] = {}
    for home in homes:
        by_project.setdefault(home.project_id, []).append(home)
    _bookings(rng, projects, by_project, months)
    _governance(rng, projects, by_project, months)
    return city


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="reuse the generated city")
    parser.add_argument("--full", action="store_true", help="time the default 24 months too")
    options = parser.parse_args()

    if not options.keep or not City.objects.filter(slug=SLUG).exists():
        started = time.perf_counter()
        with transaction.atomic():
            _delete_city()
            generate(options.households, options.projects)
        print(f"generated in {time.perf_counter() - started:.1f} s")
    city = City.objects.get(slug=SLUG)
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
