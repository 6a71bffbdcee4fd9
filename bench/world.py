"""The network-scale benchmark data set: cities, projects, households and everything they do.

``World(sizes, seed).build()`` writes a coherent network into the (empty) database: the NETCO
cities in their own time zones, currencies and languages, housing projects of 20 to 150
households with their residents and incomes, spaces with opening hours booked over two years
without overlaps, contribution schemes, approved budgets, monthly charges and payments, bylaws,
assemblies and votes decided in the register, and the city indicators of the nightly run.

Rows are written in bulk (COPY for the biggest tables, ``bulk_create`` for the rest); the
project's services do what correctness needs: granting staff roles, adopting schemes, the
charge run of the recent months (older months are charged with the same calculation, read
from the same facts), opening and closing proposals into decisions, the indicator snapshots.
Everything is drawn from one seeded generator: the same seed, sizes and day give the same
network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from api.tokens import token_issue
from bench.copying import copy_rows, reserve_ids
from common.months import add_months, first_of_month, last_of_month
from community.bookings.models import Booking, BookingStatus, Space, SpaceKind, SpaceOpeningHours
from community.money.contribution_methods import compute_contributions
from community.money.contribution_parameters import METHOD_LABELS, Method
from community.money.models import (
    Budget,
    BudgetLine,
    BudgetStatus,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
    PaymentSource,
)
from community.money.selectors.household_facts import month_facts_from, presence
from community.money.services.charges import charges_run, month_charges
from community.money.services.schemes import scheme_adopt, scheme_create
from community.monitoring.services.snapshots import indicator_snapshot_run
from demo.governance import CLASS_PLANS, OPEN_VOTES, PAST_VOTES, VOTE_DAYS, VotePlan, _choice
from demo.money import INCOME_SHARE_PARAMETERS, SOLIDARITY_PARAMETERS, _budget_lines
from demo.names import COUNTRY_NAMES, CountryNames
from demo.network import CITIES, DEMO_PASSWORD, DEMO_TOTP_SECRET, CitySpec
from demo.seeder import Seeder, user_language
from demo.spaces import SPACE_PLANS, SpacePlan
from governance.models import (
    DecisionClass,
    Meeting,
    MeetingKind,
    Participation,
    Proposal,
    ProposalStatus,
    SecretChoice,
    Voter,
    VotingMethod,
)
from governance.rules import ADULT_AGE
from governance.services.ballots import receipt_code
from governance.services.proposals import (
    consent_phase_advance,
    proposal_close,
    proposal_create,
    proposal_open,
)
from members.models import (
    City,
    EvidenceStatus,
    Gender,
    Household,
    HousingProject,
    HousingProjectUserObjectPermission,
    IncomeDeclaration,
    ProjectKind,
    ProjectStatus,
    Resident,
    Role,
    RoleKind,
    User,
)
from members.selectors import birth_years, declarations_by_household

BENCH_DOMAIN = "bench.netco.eu"
BENCH_PASSWORD = DEMO_PASSWORD
BENCH_TOTP_SECRET = DEMO_TOTP_SECRET
ADMIN_EMAIL = f"admin@{BENCH_DOMAIN}"

# --- Sizes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """How big the network is; ``Sizes.at(1.0)`` is the size of the performance target."""

    cities: int = 14
    projects: int = 280
    households: int = 20_000
    residents: int = 45_000
    spaces: int = 1_400
    bookings: int = 500_000
    proposals: int = 2_000
    ballots: int = 150_000
    months: int = 24

    @classmethod
    def at(cls, scale: float) -> Sizes:
        full = cls()
        projects = max(1, round(full.projects * scale))
        return cls(
            cities=min(full.cities, projects),
            projects=projects,
            households=max(projects * MIN_HOUSEHOLDS, round(full.households * scale)),
            residents=round(full.residents * scale),
            spaces=max(projects, round(full.spaces * scale)),
            bookings=round(full.bookings * scale),
            proposals=max(projects, round(full.proposals * scale)),
            ballots=round(full.ballots * scale),
            months=full.months,
        )


MIN_HOUSEHOLDS, MAX_HOUSEHOLDS = 20, 150
# Residents per household, 1 to 4: 2.25 on average, 45,000 residents in 20,000 households.
HOUSEHOLD_SIZES = ((1, 28), (2, 33), (3, 25), (4, 14))
USER_SHARE = 0.3  # households whose representative has an account
SERVICE_MONTHS = 2  # the latest months are charged by the charge run itself
BOOKING_MONTHS_BACK, BOOKING_DAYS_AHEAD = 21, 62
ARREARS_SHARE, LATE_SHARE = 0.05, 0.10

# --- The network's cities: the demo's four and ten more --------------------------------------

NETWORK_CITIES: tuple[CitySpec, ...] = CITIES + (
    CitySpec(slug="valencia", name="València", country_code="ES", time_zone="Europe/Madrid",
             currency="EUR", language="es", median_equivalised_income_cents=1_800_000,
             officer=("Lucía", "Martínez Ortega")),
    CitySpec(slug="bologna", name="Bologna", country_code="IT", time_zone="Europe/Rome",
             currency="EUR", language="it", median_equivalised_income_cents=2_100_000,
             officer=("Giulia", "Bianchi")),
    CitySpec(slug="rotterdam", name="Rotterdam", country_code="NL", time_zone="Europe/Amsterdam",
             currency="EUR", language="nl", median_equivalised_income_cents=3_100_000,
             officer=("Sanne", "de Vries")),
    CitySpec(slug="gent", name="Gent", country_code="BE", time_zone="Europe/Brussels",
             currency="EUR", language="nl", median_equivalised_income_cents=3_000_000,
             officer=("Pieter", "Claes")),
    CitySpec(slug="wien", name="Wien", country_code="AT", time_zone="Europe/Vienna",
             currency="EUR", language="de", median_equivalised_income_cents=3_000_000,
             officer=("Lena", "Gruber")),
    CitySpec(slug="ljubljana", name="Ljubljana", country_code="SI", time_zone="Europe/Ljubljana",
             currency="EUR", language="sl", median_equivalised_income_cents=1_700_000,
             officer=("Maja", "Novak")),
    CitySpec(slug="zagreb", name="Zagreb", country_code="HR", time_zone="Europe/Zagreb",
             currency="EUR", language="hr", median_equivalised_income_cents=1_100_000,
             officer=("Ivana", "Horvat")),
    CitySpec(slug="oslo", name="Oslo", country_code="NO", time_zone="Europe/Oslo",
             currency="NOK", language="nb", median_equivalised_income_cents=40_000_000,
             officer=("Ingrid", "Hansen")),
    CitySpec(slug="budapest", name="Budapest", country_code="HU", time_zone="Europe/Budapest",
             currency="HUF", language="hu", median_equivalised_income_cents=450_000_000,
             officer=("Zsófia", "Nagy")),
    CitySpec(slug="athina", name="Αθήνα", country_code="GR", time_zone="Europe/Athens",
             currency="EUR", language="el", median_equivalised_income_cents=1_100_000,
             officer=("Eleni", "Papadopoulou")),
)  # fmt: skip
# Residents' names: the demo knows four countries' names; the others borrow a neighbour's.
NAMES_FROM = {"IT": "FR", "NL": "DE", "BE": "FR", "AT": "DE", "SI": "RO", "HR": "RO", "NO": "DE",
              "HU": "RO", "GR": "FR"}  # fmt: skip

# The demo's four spaces and a coworking room: five a project.
SPACE_PLANS_BENCH: tuple[SpacePlan, ...] = SPACE_PLANS + (
    SpacePlan(
        SpaceKind.COWORKING.label,
        SpaceKind.COWORKING,
        7 * 60,
        21 * 60,
        {"capacity": 8, "min_duration_minutes": 60, "max_duration_minutes": 480,
         "slot_minutes": 60, "quota_week_minutes": 20 * 60},
        per_week=5,
        lengths=(120, 240, 480),
    ),
)  # fmt: skip
# Guests arrive in the afternoon; other spaces are booked from opening to closing.
START_WINDOWS = {SpaceKind.GUEST_ROOM: (14 * 60, 18 * 60)}
# Votes kept open for the benchmark's ballots: changing an open ballot is allowed for these.
OPEN_BENCH_VOTES = tuple(
    plan
    for plan in OPEN_VOTES
    if CLASS_PLANS[plan.class_index].method
    in (VotingMethod.YES_NO, VotingMethod.APPROVAL, VotingMethod.RANKED)
    and not CLASS_PLANS[plan.class_index].rules.get("secret")
)
CLOSED_BENCH_VOTES: tuple[VotePlan, ...] = (
    *(p for votes in PAST_VOTES for p in votes),
    *OPEN_VOTES,
)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _minutes(moment: dt.datetime) -> int:
    return int((moment - EPOCH).total_seconds() // 60)


def _moment(minutes: int) -> dt.datetime:
    return EPOCH + dt.timedelta(minutes=minutes)


def _spread(rng: random.Random, total: int, parts: int, low: int, high: int) -> list[int]:
    """``parts`` random sizes between ``low`` and ``high`` adding up to ``total`` (as near as
    the bounds allow)."""
    sizes = [rng.randint(low, high) for _ in range(parts)]
    factor = total / sum(sizes)
    sizes = [min(high, max(low, round(size * factor))) for size in sizes]
    index = 0
    while sum(sizes) != total and index < parts * (high - low + 1):
        step = 1 if sum(sizes) < total else -1
        slot = index % parts
        if low <= sizes[slot] + step <= high:
            sizes[slot] += step
        index += 1
    return sizes


# --- The world -------------------------------------------------------------------------------


@dataclass
class ProjectFacts:
    project: HousingProject
    spec: CitySpec
    manager: User
    households: list[Household]


class World:
    """Builds the network phase by phase; ``timings`` and ``counts`` say what it took."""

    def __init__(
        self,
        sizes: Sizes,
        *,
        seed: int = 1,
        today: dt.date | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        self.sizes = sizes
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
        self.now = timezone.now()
        self.today = today or timezone.localdate(self.now)
        current = first_of_month(self.today)
        self.months = [add_months(current, offset) for offset in range(1 - sizes.months, 1)]
        self.log = log
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.seeder = Seeder()
        self.cities: list[tuple[City, CitySpec, User]] = []
        self.projects: list[ProjectFacts] = []
        self.user_of_household: dict[int, int] = {}
        self.spaces: dict[int, list[int]] = {}  # project id → space ids
        self.open_proposals: dict[int, list[int]] = {}  # project id → proposal ids
        self.reserved_households: set[int] = set()  # the manifest's: their votes are not cast

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        with transaction.atomic():
            yield
        self.timings[name] = round(time.perf_counter() - started, 2)
        self.log(f"{name:<12} {self.timings[name]:7.1f} s")

    def build(self) -> World:
        with self.phase("network"):
            self.network()
        with self.phase("households"):
            self.households()
        self.reserve_for_manifest()
        with self.phase("incomes"):
            self.incomes()
        with self.phase("spaces"):
            self.spaces_and_bookings()
        with self.phase("money"):
            self.money()
        with self.phase("governance"):
            self.governance()
        with self.phase("indicators"):
            self.indicators()
        return self

    # -- cities, projects, staff --

    def network(self) -> None:
        seeder = self.seeder
        admin = seeder._user(
            email=ADMIN_EMAIL,
            first_name="Platform",
            last_name="Admin",
            language="en",
            superuser=True,
        )
        specs = NETWORK_CITIES[: self.sizes.cities]
        for spec in specs:
            city = seeder._city(spec)
            officer = seeder._user(
                email=f"officer.{spec.slug}@{BENCH_DOMAIN}",
                first_name=spec.officer[0],
                last_name=spec.officer[1],
                language=user_language(spec.language),
            )
            seeder._role(user=officer, kind=RoleKind.OFFICER, city=city, granted_by=admin)
            self.cities.append((city, spec, officer))
        kinds = [kind for kind in ProjectKind.values if kind != ProjectKind.OTHER]
        sizes = _spread(
            self.rng, self.sizes.households, self.sizes.projects, MIN_HOUSEHOLDS, MAX_HOUSEHOLDS
        )
        start = self.months[0]
        planned = []
        for index, households in enumerate(sizes):
            city, spec, _officer = self.cities[index % len(self.cities)]
            pilot_start = add_months(start, self.rng.randint(-12, 6))
            kind = self.rng.choice(kinds)
            with translation.override(spec.language):
                name = f"{ProjectKind(kind).label} {spec.name} {index + 1:03d}"
            planned.append(
                HousingProject(
                    city=city,
                    name=name,
                    slug=f"{spec.slug}-{index + 1:03d}",
                    kind=kind,
                    address=f"{self.rng.randint(1, 200)} {spec.name}",
                    units_count=households + self.rng.randint(0, 6),
                    status=self.rng.choice([ProjectStatus.PILOT, ProjectStatus.ACTIVE]),
                    pilot_start=pilot_start,
                    pilot_end=add_months(pilot_start, 36) - dt.timedelta(days=1),
                )
            )
        projects = HousingProject.objects.bulk_create(planned)
        for index, project in enumerate(projects):
            city, spec, _officer = self.cities[index % len(self.cities)]
            project.city = city
            manager = seeder._user(
                email=f"manager.{project.slug}@{BENCH_DOMAIN}",
                first_name=self.rng.choice(("Ana", "Jonas", "Marie", "Luca", "Eva", "Nikos")),
                last_name=f"{spec.name} {index + 1}",
                language=user_language(spec.language),
            )
            seeder._role(user=manager, kind=RoleKind.MANAGER, project=project, granted_by=admin)
            self.projects.append(ProjectFacts(project, spec, manager, []))
        self.counts.update(cities=len(self.cities), projects=len(projects))

    # -- households, residents, resident accounts --

    def _names(self, spec: CitySpec) -> CountryNames:
        return COUNTRY_NAMES[NAMES_FROM.get(spec.country_code, spec.country_code)]

    def _person(
        self, names: CountryNames, birth_year: int, surname: str | None
    ) -> tuple[str, str, bool]:
        rng = self.rng
        pool = names.migrant if rng.random() < names.migrant_share else names.native
        group = rng.choices([g for _w, g in pool], weights=[w for w, _g in pool])[0]
        cohort = 0 if birth_year < 1960 else 1 if birth_year < 1990 else 2
        female = rng.random() < 0.5
        first = rng.choice((group.women if female else group.men)[cohort])
        return first, surname or rng.choice(group.surnames), female

    def households(self) -> None:
        rng = self.rng
        sizes = _spread(
            rng, self.sizes.households, len(self.projects), MIN_HOUSEHOLDS, MAX_HOUSEHOLDS
        )
        planned: list[Household] = []
        for facts, count in zip(self.projects, sizes, strict=True):
            first_move_in = dt.date(rng.randint(2008, 2022), rng.randint(1, 12), 1)
            for number in range(count):
                moved_in_late = rng.random() < 0.08
                move_in = (
                    first_move_in
                    + dt.timedelta(days=rng.randrange((self.today - first_move_in).days))
                    if moved_in_late
                    else first_move_in
                )
                moves_out = rng.random() < 0.03 and move_in < self.months[0]
                planned.append(
                    Household(
                        project=facts.project,
                        unit_label=f"{'ABC'[number % 3]}-{number // 12}.{number % 12 + 1}",
                        unit_area_m2=Decimal(rng.randint(35, 120)),
                        rooms=rng.randint(1, 5),
                        move_in=move_in,
                        move_out=(
                            self.months[0] + dt.timedelta(days=rng.randrange(600))
                            if moves_out
                            else None
                        ),
                        utilities_monthly_cents=int(
                            facts.spec.median_equivalised_income_cents * rng.uniform(0.03, 0.07)
                        )
                        // 1200
                        * 100,
                    )
                )
        homes = Household.objects.bulk_create(planned, batch_size=5000)
        by_project = {facts.project.pk: facts for facts in self.projects}
        for home in homes:
            by_project[home.project_id].households.append(home)

        # The people of each household, the representative first; some have an account.
        password = self.seeder._demo_password_hash()
        people: list[tuple] = []  # household, first, last, birth year, representative, female
        accounts: list[User] = []
        account_of: list[int] = []  # index in people
        for facts in self.projects:
            names = self._names(facts.spec)
            language = user_language(facts.spec.language)
            for home in facts.households:
                size = rng.choices(*zip(*HOUSEHOLD_SIZES, strict=True))[0]
                born = rng.randint(1940, 2000)
                first, last, female = self._person(names, born, None)
                people.append((home.pk, first, last, born, True, female))
                if rng.random() < USER_SHARE:
                    account_of.append(len(people) - 1)
                    accounts.append(
                        User(
                            email=f"resident.{home.pk}@{BENCH_DOMAIN}",
                            first_name=first,
                            last_name=last,
                            language=language,
                            password=password,
                        )
                    )
                for person in range(1, size):
                    # A partner of about the same age, or children.
                    year = (
                        rng.randint(born - 5, born + 5)
                        if person == 1 and rng.random() < 0.6
                        else rng.randint(max(born + 18, 2000), self.today.year)
                    )
                    first, last, female = self._person(names, year, last)
                    people.append((home.pk, first, last, year, False, female))
        users = User.objects.bulk_create(accounts, batch_size=5000)
        EmailAddress.objects.bulk_create(
            (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users),
            batch_size=5000,
        )
        user_of_person = {index: user.pk for index, user in zip(account_of, users, strict=True)}
        consent_at = self.now - dt.timedelta(days=400)

        def rows() -> Iterator[tuple]:
            for index, (home, first, last, born, representative, female) in enumerate(people):
                consent = rng.random() < 0.6
                gender = ""
                if consent:
                    gender = Gender.WOMAN if female else Gender.MAN
                    if rng.random() < 0.07:
                        gender = rng.choice((Gender.NON_BINARY, Gender.UNDISCLOSED))
                yield (
                    home,
                    first,
                    last,
                    born,
                    user_of_person.get(index),
                    representative,
                    consent_at if consent else None,
                    gender,
                    (rng.random() < 0.2) if consent else None,
                )

        self.counts["residents"] = copy_rows(
            Resident,
            (
                "household",
                "first_name",
                "last_name",
                "birth_year",
                "user",
                "is_representative",
                "inclusion_consent_at",
                "gender",
                "migrant_background",
            ),
            rows(),
        )
        # Resident roles with their object permission, as ``role_grant`` gives them.
        project_of = {home.pk: home.project_id for home in homes}
        manager_of = {facts.project.pk: facts.manager for facts in self.projects}
        view = Permission.objects.get(
            content_type__app_label="members", codename="view_housingproject"
        )
        roles, permissions = [], []
        for index, user_id in user_of_person.items():
            home = people[index][0]
            project_id = project_of[home]
            self.user_of_household[home] = user_id
            roles.append(
                Role(
                    user_id=user_id,
                    kind=RoleKind.RESIDENT,
                    project_id=project_id,
                    granted_by=manager_of[project_id],
                    granted_at=consent_at,
                )
            )
            permissions.append(
                HousingProjectUserObjectPermission(
                    user_id=user_id, permission=view, content_object_id=project_id
                )
            )
        Role.objects.bulk_create(roles, batch_size=5000)
        HousingProjectUserObjectPermission.objects.bulk_create(permissions, batch_size=5000)
        self.counts.update(households=len(homes), resident_users=len(users))

    # -- incomes --

    def incomes(self) -> None:
        """Declarations from before the charged months, renewed about yearly, most verified."""
        rng = self.rng
        start = add_months(self.months[0], -12)

        def rows() -> Iterator[tuple]:
            for facts in self.projects:
                median = facts.spec.median_equivalised_income_cents / 12
                level = rng.uniform(0.6, 1.2)
                for home in facts.households:
                    if rng.random() < 0.04:
                        continue  # never declared: charged as the scheme says for them
                    author = self.user_of_household.get(home.pk, facts.manager.pk)
                    valid_from = max(home.move_in, start)
                    disposable = median * level * rng.lognormvariate(0, 0.35) * 1.6
                    while valid_from <= self.today:
                        declared_at = dt.datetime.combine(
                            valid_from, dt.time(10), tzinfo=dt.UTC
                        ) - dt.timedelta(days=rng.randint(1, 20))
                        verified = rng.random() < 0.8
                        net = int(round(disposable, -2))
                        yield (
                            home.pk,
                            valid_from,
                            int(round(net * 1.3, -2)),
                            net,
                            EvidenceStatus.VERIFIED if verified else EvidenceStatus.SUBMITTED,
                            author,
                            declared_at,
                            facts.manager.pk if verified else None,
                            declared_at + dt.timedelta(days=3) if verified else None,
                        )
                        valid_from = first_of_month(
                            add_months(valid_from, rng.choice((11, 12, 12, 13)))
                        )
                        disposable *= rng.uniform(0.95, 1.08)

        self.counts["income declarations"] = copy_rows(
            IncomeDeclaration,
            (
                "household",
                "valid_from",
                "gross_monthly_cents",
                "disposable_monthly_cents",
                "evidence_status",
                "declared_by",
                "declared_at",
                "verified_by",
                "verified_at",
            ),
            rows(),
        )

    # -- spaces and bookings --

    def spaces_and_bookings(self) -> None:
        rng = self.rng
        per_project = max(1, round(self.sizes.spaces / len(self.projects)))
        plans = [SPACE_PLANS_BENCH[i % len(SPACE_PLANS_BENCH)] for i in range(per_project)]
        planned, plan_of = [], []
        for facts in self.projects:
            with translation.override(facts.spec.language):
                for number, plan in enumerate(plans):
                    rules = {
                        key: [str(item) for item in value] if key == "handover_checklist" else value
                        for key, value in plan.rules.items()
                    }
                    name = str(plan.name)
                    if number >= len(SPACE_PLANS_BENCH):
                        name = f"{name} {number // len(SPACE_PLANS_BENCH) + 1}"
                    planned.append(Space(project=facts.project, name=name, kind=plan.kind, **rules))
                    plan_of.append(plan)
        spaces = Space.objects.bulk_create(planned, batch_size=2000)
        SpaceOpeningHours.objects.bulk_create(
            (
                SpaceOpeningHours(
                    space=space, weekday=day, opens_minute=plan.opens, closes_minute=plan.closes
                )
                for space, plan in zip(spaces, plan_of, strict=True)
                for day in range(7)
            ),
            batch_size=5000,
        )
        for space in spaces:
            self.spaces.setdefault(space.project_id, []).append(space.pk)
        self.counts["spaces"] = len(spaces)

        first_day = add_months(first_of_month(self.today), -BOOKING_MONTHS_BACK)
        last_day = self.today + dt.timedelta(days=BOOKING_DAYS_AHEAD)
        days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days)]
        weight = {plan.kind: plan.per_week * plan.rules.get("units", 1) for plan in plans}
        total_weight = sum(weight[plan.kind] for plan in plan_of)
        facts_of = {facts.project.pk: facts for facts in self.projects}
        now = _minutes(self.now)
        midnights: dict[str, list[int]] = {}

        def local_midnights(zone_name: str) -> list[int]:
            # Each local day's midnight in UTC minutes, by the offset at noon (no space opens
            # in the small hours, when the clocks change).
            if zone_name not in midnights:
                zone = ZoneInfo(zone_name)
                midnights[zone_name] = [
                    (day - EPOCH.date()).days * 1440
                    - int(
                        dt.datetime.combine(day, dt.time(12), tzinfo=zone)
                        .utcoffset()
                        .total_seconds()
                        // 60
                    )
                    for day in days
                ]
            return midnights[zone_name]

        def rows() -> Iterator[tuple]:
            for space, plan in zip(spaces, plan_of, strict=True):
                facts = facts_of[space.project_id]
                settled = [
                    h for h in facts.households if h.move_out is None and h.move_in <= first_day
                ] or facts.households
                units = space.units
                per_unit = self.sizes.bookings * weight[plan.kind] / total_weight / units
                rate = per_unit / len(days)
                earliest, latest = START_WINDOWS.get(plan.kind, (plan.opens, plan.closes))
                slot, buffer = space.slot_minutes, space.buffer_minutes
                fee = space.fee_per_hour_cents
                for unit in range(1, units + 1):
                    free_from = 0
                    for midnight in local_midnights(facts.spec.time_zone):
                        count = int(rate) + (rng.random() < rate - int(rate))
                        cursor = max(free_from, midnight + earliest)
                        for left in range(count, 0, -1):
                            length = rng.choice(plan.lengths)
                            last_start = midnight + (
                                latest if plan.kind in START_WINDOWS else latest - length
                            )
                            room = last_start - cursor - (left - 1) * length
                            if room < 0:
                                break
                            start = cursor + rng.randrange(0, room // left + 1)
                            start = -(-start // slot) * slot
                            if start > last_start:
                                break
                            end = start + length
                            home = rng.choice(settled)
                            status = BookingStatus.CONFIRMED
                            cancelled = checked_in = decided = None
                            if start < now:
                                if rng.random() < 0.06:
                                    status = BookingStatus.CANCELLED
                                    cancelled = _moment(start - 1440)
                                elif space.checkin_required:
                                    if rng.random() < 0.9:
                                        checked_in = _moment(start + 5)
                                    else:
                                        status = BookingStatus.RELEASED
                            elif space.requires_approval and rng.random() < 0.3:
                                status = BookingStatus.PENDING
                            if space.requires_approval and status != BookingStatus.PENDING:
                                decided = _moment(min(start - 2880, now))
                            if status in (BookingStatus.CONFIRMED, BookingStatus.PENDING):
                                free_from = cursor = end + buffer
                            else:
                                cursor = end + buffer
                            yield (
                                space.pk,
                                unit,
                                home.pk,
                                self.user_of_household.get(home.pk),
                                _moment(start),
                                _moment(end),
                                _moment(end + buffer),
                                status,
                                rng.randint(1, max(1, min(space.capacity, 8))),
                                fee * length // 60 if fee else 0,
                                _moment(min(start - rng.randint(60, 20_000), now)),
                                cancelled,
                                checked_in,
                                decided,
                            )

        self.counts["bookings"] = copy_rows(
            Booking,
            (
                "space",
                "unit",
                "household",
                "booked_by",
                "start",
                "end",
                "blocked_until",
                "status",
                "attendees",
                "fee_cents",
                "created_at",
                "cancelled_at",
                "checked_in_at",
                "decided_at",
            ),
            rows(),
        )

    # -- schemes, budgets, charges, payments --

    def money(self) -> None:
        started = time.perf_counter()
        rng = self.rng
        first, months = self.months[0], self.months
        methods = (
            ("flat", {"basis": "equal"}),
            ("solidarity", SOLIDARITY_PARAMETERS),
            ("income_share", INCOME_SHARE_PARAMETERS),
        )
        schemes: dict[int, ContributionScheme] = {}
        for index, facts in enumerate(self.projects):
            method, parameters = methods[index % len(methods)]
            with translation.override(facts.spec.language):
                scheme = scheme_create(
                    project=facts.project,
                    name=str(METHOD_LABELS[Method(method)]),
                    method=method,
                    parameters=parameters,
                    valid_from=first,
                    created_by=facts.manager,
                )
            schemes[facts.project.pk] = scheme_adopt(scheme=scheme, adopted_by=facts.manager)

        # Approved budgets for every month and the coming one, as the demo sizes them.
        budget_months = [*months, add_months(months[-1], 1)]
        budgets, lines_of = [], []
        for facts in self.projects:
            with translation.override(facts.spec.language):
                for month in budget_months:
                    budgets.append(
                        Budget(
                            project=facts.project,
                            month=month,
                            status=BudgetStatus.APPROVED,
                            updated_at=dt.datetime.combine(
                                add_months(month, -1), dt.time(18), tzinfo=dt.UTC
                            ),
                        )
                    )
                    lines_of.append(_budget_lines(facts.project, month, first))
        budgets = Budget.objects.bulk_create(budgets, batch_size=5000)
        BudgetLine.objects.bulk_create(
            (
                BudgetLine(budget=budget, **line)
                for budget, lines in zip(budgets, lines_of, strict=True)
                for line in lines
            ),
            batch_size=5000,
        )
        budget_total = {
            (budget.project_id, budget.month): sum(line["amount_cents"] for line in lines)
            for budget, lines in zip(budgets, lines_of, strict=True)
        }

        # The older months: the charge run's own calculation over the facts read once.
        bulk_months = months[: max(0, len(months) - SERVICE_MONTHS)]
        households = Household.objects.all()
        declarations = declarations_by_household(households, self.today)
        years = birth_years(households)
        run_ids = iter(reserve_ids(ChargeRun, len(bulk_months) * len(self.projects)))
        runs: list[ChargeRun] = []
        payments: list[tuple] = []
        habits = {
            home.pk: rng.choices(
                ("punctual", "late", "arrears"),
                weights=(1 - LATE_SHARE - ARREARS_SHARE, LATE_SHARE, ARREARS_SHARE),
            )[0]
            for facts in self.projects
            for home in facts.households
        }
        stops_at = {
            home: rng.randrange(len(months)) for home, habit in habits.items() if habit == "arrears"
        }

        def pay(charge: Charge, month_index: int, household: Household) -> None:
            habit = habits[household.pk]
            if not charge.amount_cents or (
                habit == "arrears" and month_index >= stops_at[household.pk]
            ):
                return
            paid_on = charge.month + dt.timedelta(days=rng.randint(1, 9))
            if habit == "late":
                paid_on = add_months(charge.month, 1) + dt.timedelta(days=rng.randint(14, 24))
            if paid_on <= self.today:
                payments.append(
                    (household.pk, charge.amount_cents, paid_on, household.payment_reference)
                )

        def rows() -> Iterator[tuple]:
            for facts in self.projects:
                scheme = schemes[facts.project.pk]
                for month_index, month in enumerate(bulk_months):
                    last = last_of_month(month)
                    living = [
                        h
                        for h in facts.households
                        if h.move_in <= last and (h.move_out is None or h.move_out >= month)
                    ]
                    days = {h.pk: presence(h, month) for h in living}
                    household_facts, placed_by = month_facts_from(
                        living, month, days, declarations, years
                    )
                    budget = budget_total[facts.project.pk, month]
                    result = compute_contributions(
                        method=scheme.method,
                        parameters=scheme.parameters,
                        households=household_facts,
                        budget_cents=budget,
                    )
                    ran = dt.datetime.combine(month, dt.time(2), tzinfo=dt.UTC)
                    run = ChargeRun(
                        pk=next(run_ids),
                        project=facts.project,
                        month=month,
                        scheme=scheme,
                        started_at=ran,
                        finished_at=ran + dt.timedelta(seconds=1),
                        budget_cents=budget,
                    )
                    charges = month_charges(
                        run=run,
                        households=living,
                        result=result,
                        days_lived=days,
                        declarations=placed_by,
                        stale_before=add_months(month, -facts.project.income_validity_months),
                    )
                    run.household_count = len(charges)
                    run.total_cents = sum(charge.amount_cents for charge in charges)
                    run.shortfall_cents = max(budget - run.total_cents, 0)
                    run.surplus_cents = max(run.total_cents - budget, 0)
                    run.warnings = list(result.warnings)
                    if any(charge.breakdown.get("income_stale") for charge in charges):
                        run.warnings.append("stale_income")
                    runs.append(run)
                    for charge, household in zip(charges, living, strict=True):
                        pay(charge, month_index, household)
                        yield (
                            household.pk,
                            month,
                            charge.amount_cents,
                            scheme.pk,
                            run.pk,
                            charge.breakdown,
                            ran,
                        )

        charged = copy_rows(
            Charge,
            ("household", "month", "amount_cents", "scheme", "run", "breakdown", "created_at"),
            rows(),
        )
        ChargeRun.objects.bulk_create(runs, batch_size=2000)
        self.timings["money: to the charge run"] = round(time.perf_counter() - started, 2)

        # The latest months through the charge run itself.
        started = time.perf_counter()
        service_months = months[len(bulk_months) :]
        for facts in self.projects:
            for month in service_months:
                charges_run(project=facts.project, month=month, triggered_by=facts.manager)
        self.timings["money: charge run service"] = round(time.perf_counter() - started, 2)
        home_of = {home.pk: home for facts in self.projects for home in facts.households}
        for household_id, month, amount in Charge.objects.filter(
            month__in=service_months
        ).values_list("household_id", "month", "amount_cents"):
            pay(
                Charge(month=month, amount_cents=amount),
                months.index(month),
                home_of[household_id],
            )
        self.counts["charges"] = charged + Charge.objects.filter(month__in=service_months).count()
        self.counts["charge runs"] = ChargeRun.objects.count()
        self.counts["payments"] = copy_rows(
            Payment,
            ("household", "amount_cents", "paid_on", "reference", "source"),
            ((*row, PaymentSource.BANK_IMPORT) for row in payments),
        )

    # -- bylaws, assemblies, votes and decisions --

    def governance(self) -> None:
        rng = self.rng
        classes: dict[int, list[DecisionClass]] = {}
        planned = []
        for facts in self.projects:
            with translation.override(facts.spec.language):
                for plan in CLASS_PLANS:
                    planned.append(
                        DecisionClass(
                            project=facts.project,
                            name=str(plan.name),
                            description=str(plan.description),
                            method=plan.method,
                            electorate=plan.electorate,
                            **plan.rules,
                        )
                    )
        for decision_class in DecisionClass.objects.bulk_create(planned):
            classes.setdefault(decision_class.project_id, []).append(decision_class)

        meetings = []
        for facts in self.projects:
            zone = ZoneInfo(facts.spec.time_zone)
            with translation.override(facts.spec.language):
                title, place = _("General assembly"), _("Common room")
            for month in self.months[::3]:
                start = dt.datetime.combine(month + dt.timedelta(days=9), dt.time(18), tzinfo=zone)
                meetings.append(
                    Meeting(
                        project=facts.project,
                        kind=MeetingKind.GENERAL_ASSEMBLY,
                        title=title,
                        start=start,
                        end=start + dt.timedelta(hours=2),
                        place=place,
                        chair=facts.manager,
                    )
                )
        self.counts["meetings"] = len(Meeting.objects.bulk_create(meetings))

        # Proposals: one open vote a project, the others spread over the months and decided.
        closed_per_project = _spread(
            rng,
            max(0, self.sizes.proposals - len(self.projects)),
            len(self.projects),
            0,
            self.sizes.proposals,
        )
        window_start = dt.datetime.combine(self.months[0], dt.time(9), tzinfo=dt.UTC)
        window = (self.now - dt.timedelta(days=VOTE_DAYS + 5)) - window_start
        proposals: list[tuple[Proposal, VotePlan, bool]] = []
        for facts, closed in zip(self.projects, closed_per_project, strict=True):
            plans = [
                *((rng.choice(CLOSED_BENCH_VOTES), True) for _ in range(closed)),
                (rng.choice(OPEN_BENCH_VOTES), False),
            ]
            for number, (plan, closes) in enumerate(plans):
                decision_class = classes[facts.project.pk][plan.class_index]
                if closes:
                    opens_at = window_start + window * ((number + rng.random()) / max(closed, 1))
                    closes_at = opens_at + dt.timedelta(days=VOTE_DAYS)
                else:
                    opens_at = self.now - dt.timedelta(days=2)
                    closes_at = self.now + dt.timedelta(days=28)
                notice = dt.timedelta(days=decision_class.min_notice_days + 1)
                with translation.override(facts.spec.language):
                    proposal = proposal_create(
                        project=facts.project,
                        decision_class=decision_class,
                        title=str(plan.title),
                        text=str(plan.text),
                        options=[str(option) for option in plan.options],
                        opens_at=opens_at,
                        closes_at=closes_at,
                        author=facts.manager,
                        now=opens_at - notice,
                    )
                proposal_open(proposal=proposal, now=opens_at, notify=False)
                if decision_class.method == VotingMethod.CONSENT:
                    consent_phase_advance(proposal=proposal)
                    consent_phase_advance(proposal=proposal)
                proposals.append((proposal, plan, closes))
                if not closes:
                    self.open_proposals.setdefault(facts.project.pk, []).append(proposal.pk)
        self.counts["proposals"] = len(proposals)
        opened = Proposal.objects.in_bulk([p.pk for p, _plan, _closes in proposals])
        proposals = [(opened[p.pk], plan, closes) for p, plan, closes in proposals]

        # The ballots: written as the vote leaves them (a secret one's choice apart from who
        # took part), about the turnout that makes the wanted number of ballots.
        voters: dict[int, list[tuple[int, int, int | None, int, int]]] = defaultdict(list)
        for row in (
            Voter.objects.filter(proposal__in=[p.pk for p, _plan, _c in proposals])
            .values_list(
                "proposal_id",
                "pk",
                "household_id",
                "resident_id",
                "weight_numerator",
                "weight_denominator",
            )
            .order_by("pk")
        ):
            voters[row[0]].append(row[1:])
        electorate = sum(
            len(voters[p.pk]) * (1 if closes else 0.5) for p, _plan, closes in proposals
        )
        turnout = min(0.95, self.sizes.ballots / electorate) if electorate else 0
        participations: list[tuple] = []
        secret_choices: list[tuple] = []
        for proposal, plan, closes in proposals:
            share = min(1.0, turnout * rng.uniform(0.8, 1.2)) if closes else 0.5
            method = proposal.rules["method"]
            secret = proposal.rules.get("secret") and method != VotingMethod.CONSENT
            for _pk, household, resident, numerator, denominator in voters[proposal.pk]:
                if rng.random() >= share or (not closes and household in self.reserved_households):
                    continue
                choice = _choice(plan, method, proposal.options, rng)
                user = self.user_of_household.get(household)
                cast_at = proposal.opens_at + (proposal.closes_at - proposal.opens_at) * (
                    rng.random() * (1 if closes else 0.05)
                )
                participations.append(
                    (proposal.pk, _pk, user, user is None, None if secret else choice, cast_at)
                )
                if secret:
                    secret_choices.append(
                        (proposal.pk, choice, numerator, denominator, receipt_code())
                    )
        self.counts["ballots"] = copy_rows(
            Participation,
            ("proposal", "voter", "cast_by", "on_paper", "choice", "cast_at"),
            participations,
        )
        rng.shuffle(secret_choices)
        copy_rows(
            SecretChoice,
            ("proposal", "choice", "weight_numerator", "weight_denominator", "receipt"),
            secret_choices,
        )
        # The count and the register: the close itself.
        for proposal, _plan, closes in proposals:
            if closes:
                proposal_close(proposal=proposal, now=proposal.closes_at, notify=False)
        self.counts["decisions"] = sum(closes for _p, _plan, closes in proposals)

    # -- the nightly indicators --

    def indicators(self) -> None:
        for city, _spec, _officer in self.cities:
            indicator_snapshot_run(city=city)

    # -- what the benchmark runner needs --

    def reserve_for_manifest(self) -> None:
        """One resident with an account a project: their household's vote is left to cast."""
        for facts in self.projects:
            for home in facts.households:
                if home.pk in self.user_of_household and home.move_out is None:
                    self.reserved_households.add(home.pk)
                    break

    def manifest(self, *, residents: int = 64, managers: int = 32) -> dict:
        """Who the benchmark signs in as and what they act on: residents of different projects
        (each with a vote still to cast), managers and officers, with API tokens."""
        picked = []
        for facts in self.projects:
            home = next((h for h in facts.households if h.pk in self.reserved_households), None)
            if home is not None:
                picked.append((facts, home))
        picked = picked[:residents]
        user_ids = [self.user_of_household[home.pk] for _facts, home in picked]
        users = User.objects.in_bulk(user_ids)
        resident_of = dict(
            Resident.objects.filter(user_id__in=user_ids).values_list("user_id", "pk")
        )
        proposals = {
            p.pk: p
            for p in Proposal.objects.filter(
                pk__in=[pk for pks in self.open_proposals.values() for pk in pks]
            )
        }

        def staff(user: User, **scope: object) -> dict:
            return {
                "email": user.email,
                "password": BENCH_PASSWORD,
                "totp_secret": BENCH_TOTP_SECRET,
                "token": token_issue(user=user).key,
                "user_id": user.pk,
                **scope,
            }

        return {
            "today": self.today.isoformat(),
            "seed": self.seed,
            "sizes": dataclasses.asdict(self.sizes),
            "counts": self.counts,
            "timings": self.timings,
            "residents": [
                {
                    "email": users[user_id].email,
                    "password": BENCH_PASSWORD,
                    "token": token_issue(user=users[user_id]).key,
                    "user_id": user_id,
                    "resident_id": resident_of[user_id],
                    "household_id": home.pk,
                    "project_id": facts.project.pk,
                    "city_id": facts.project.city_id,
                    "space_ids": self.spaces.get(facts.project.pk, []),
                    "open_proposals": [
                        {
                            "id": pk,
                            "method": proposals[pk].rules["method"],
                            "options": proposals[pk].options,
                        }
                        for pk in self.open_proposals.get(facts.project.pk, [])
                    ],
                }
                for (facts, home), user_id in zip(picked, user_ids, strict=True)
            ],
            "managers": [
                staff(
                    facts.manager,
                    project_id=facts.project.pk,
                    city_id=facts.project.city_id,
                    household_ids=[home.pk for home in facts.households[:10]],
                )
                for facts in self.projects[:managers]
            ],
            "officers": [staff(officer, city_id=city.pk) for city, _spec, officer in self.cities],
        }
