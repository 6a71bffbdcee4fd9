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
Every phase and every project draws from a generator seeded by the seed and its name: the same
seed, sizes and day give the same network, whatever the number of processes building it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.contrib.auth.models import Permission
from django.db import connections, transaction
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
    Payment,
    PaymentSource,
)
from community.money.selectors.household_facts import month_facts_from, presence
from community.money.services.charges import charges_run, month_charges
from community.money.services.schemes import scheme_adopt, scheme_create
from community.monitoring.selectors.indicators import snapshot_months
from community.monitoring.services.snapshots import NIGHTLY_MONTHS, indicator_snapshot_run
from demo.governance import CLASS_PLANS, OPEN_VOTES, PAST_VOTES, VOTE_DAYS, VotePlan, ballot_choice
from demo.money import INCOME_SHARE_PARAMETERS, SOLIDARITY_PARAMETERS, budget_lines
from demo.names import COUNTRY_NAMES, CountryNames
from demo.network import CITIES, DEMO_PASSWORD, DEMO_TOTP_SECRET, CitySpec
from demo.seeder import Seeder, user_language
from demo.spaces import SPACE_PLANS, SpacePlan
from governance.models import (
    DecisionClass,
    Electorate,
    Meeting,
    MeetingKind,
    Participation,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    SecretChoice,
    Voter,
    VotingMethod,
)
from governance.services.ballots import receipt_code
from governance.services.proposals import (
    consent_phase_advance,
    proposal_close,
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
from members.services import ROLE_PERMISSIONS

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
# 150,000 ballots in 2,000 votes of projects of 70 households on average: at a believable
# turnout, that takes many votes of every adult, so those are drawn more often.
ADULT_VOTE_WEIGHT = 3
CLOSED_BENCH_VOTES: tuple[VotePlan, ...] = (
    *(p for votes in PAST_VOTES for p in votes),
    *OPEN_VOTES,
)
CLOSED_VOTE_WEIGHTS = tuple(
    1 if CLASS_PLANS[plan.class_index].electorate == Electorate.HOUSEHOLD else ADULT_VOTE_WEIGHT
    for plan in CLOSED_BENCH_VOTES
)

SCHEME_METHODS = (
    ("flat", {"basis": "equal"}),
    ("solidarity", SOLIDARITY_PARAMETERS),
    ("income_share", INCOME_SHARE_PARAMETERS),
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
    size: int
    households: list[Household] = dataclasses.field(default_factory=list)


# The world being built, for the worker processes it forks (they inherit it).
_WORLD: World | None = None


def _work(task: tuple[str, int]) -> dict:
    return _work_here(_WORLD, task)


def _add(totals: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        totals[key] = totals.get(key, 0) + value


def _work_here(world: World, task: tuple[str, int]) -> dict:
    """One project's (or city's) part of a phase, in a transaction of its own."""
    name, index = task
    with transaction.atomic():
        return getattr(world, name)(index)


def _permissions(names: Sequence[str]) -> list[Permission]:
    """The permissions named ``app_label.codename``, in that order."""
    found = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in=[name.split(".", 1)[1] for name in names]
        )
    }
    return [found[name] for name in names]


def _country_names(spec: CitySpec) -> CountryNames:
    return COUNTRY_NAMES[NAMES_FROM.get(spec.country_code, spec.country_code)]


def _verified_addresses(users: Sequence[User]) -> None:
    """E-mail verification is mandatory: without a verified address the login is refused."""
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )


class World:
    """Builds the network phase by phase; ``timings`` and ``counts`` say what it took.

    Per-project work (spaces and bookings, money, votes) and per-city work (indicators) runs in
    ``jobs`` processes, forked from this one, each on its own connection and in a transaction a
    project; every project draws from a generator of its own, so the network is the same
    whatever the number of processes.
    """

    def __init__(
        self,
        sizes: Sizes,
        *,
        seed: int = 1,
        today: dt.date | None = None,
        jobs: int = 1,
        indicator_months: int = NIGHTLY_MONTHS,
        log: Callable[[str], None] = print,
    ) -> None:
        self.sizes = sizes
        self.seed = seed
        self.jobs = jobs
        self.indicator_months = indicator_months
        self.today = today or timezone.localdate()
        # The start of the day stands for now: the network depends on the day, not the hour.
        self.now = dt.datetime.combine(self.today, dt.time(), tzinfo=dt.UTC)
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
        self._spent: dict[str, list] = {}  # work timed per project: seconds, project-months

    def rng(self, *parts: object) -> random.Random:
        return random.Random("/".join(map(str, ("netco-bench", self.seed, *parts))))  # noqa: S311

    @contextmanager
    def phase(self, name: str, *, atomic: bool = True) -> Iterator[None]:
        started = time.perf_counter()
        if atomic:
            with transaction.atomic():
                yield
        else:
            yield
        self.timings[name] = round(time.perf_counter() - started, 2)
        self.log(f"{name:<12} {self.timings[name]:7.1f} s")

    def in_parallel(self, name: str, count: int) -> list[dict]:
        """``self.<name>(index)`` for each index below ``count``, each in its transaction, in
        ``jobs`` forked processes (or here, with one job)."""
        global _WORLD  # noqa: PLW0603 (what the forked workers read)
        tasks = [(name, index) for index in range(count)]
        if self.jobs <= 1 or count <= 1:
            return [_work_here(self, task) for task in tasks]
        _WORLD = self
        connections.close_all()  # each worker opens its own
        try:
            context = multiprocessing.get_context("fork")
            with context.Pool(self.jobs) as pool:
                return pool.map(_work, tasks, chunksize=1)
        finally:
            _WORLD = None

    def build(self) -> World:
        with self.phase("network"):
            self.network()
        with self.phase("households"):
            self.households()
        with self.phase("incomes"):
            self.incomes()
        for phase, work in (
            ("spaces", "project_spaces"),
            ("money", "project_money"),
            ("governance", "project_governance"),
        ):
            with self.phase(phase, atomic=False):
                for result in self.in_parallel(work, len(self.projects)):
                    self._merge(result)
        with self.phase("indicators", atomic=False):
            self.in_parallel("city_indicators", len(self.cities))
        # What a project-month costs each way, summed over the processes.
        for name, (seconds, months) in self._spent.items():
            if months:
                self.timings[f"{name}, ms a project-month"] = round(1000 * seconds / months, 1)
                self.log(f"{name}: {1000 * seconds / months:.1f} ms a project-month")
        return self

    def _merge(self, result: dict) -> None:
        project = result.pop("project", None)
        if "space_ids" in result:
            self.spaces[project] = result.pop("space_ids")
        if "open_proposals" in result:
            self.open_proposals[project] = result.pop("open_proposals")
        for name, (seconds, months) in result.pop("seconds", {}).items():
            self._spent.setdefault(name, [0.0, 0])
            self._spent[name][0] += seconds
            self._spent[name][1] += months
        _add(self.counts, result)

    # -- cities, projects, staff --

    def network(self) -> None:
        seeder = self.seeder
        rng = self.rng("network")
        admin = seeder.user(
            email=ADMIN_EMAIL,
            first_name="Platform",
            last_name="Admin",
            language="en",
            superuser=True,
        )
        for spec in NETWORK_CITIES[: self.sizes.cities]:
            city = seeder.city(spec)
            officer = seeder.user(
                email=f"officer.{spec.slug}@{BENCH_DOMAIN}",
                first_name=spec.officer[0],
                last_name=spec.officer[1],
                language=user_language(spec.language),
            )
            seeder.role(user=officer, kind=RoleKind.OFFICER, city=city, granted_by=admin)
            self.cities.append((city, spec, officer))
        kinds = [kind for kind in ProjectKind.values if kind != ProjectKind.OTHER]
        sizes = _spread(
            rng, self.sizes.households, self.sizes.projects, MIN_HOUSEHOLDS, MAX_HOUSEHOLDS
        )
        planned = []
        for index, households in enumerate(sizes):
            city, spec, _officer = self.cities[index % len(self.cities)]
            pilot_start = add_months(self.months[0], rng.randint(-12, 6))
            kind = rng.choice(kinds)
            with translation.override(spec.language):
                name = f"{ProjectKind(kind).label} {spec.name} {index + 1:03d}"
            planned.append(
                HousingProject(
                    city=city,
                    name=name,
                    slug=f"{spec.slug}-{index + 1:03d}",
                    kind=kind,
                    address=f"{rng.randint(1, 200)} {spec.name}",
                    units_count=households + rng.randint(0, 6),
                    status=rng.choice([ProjectStatus.PILOT, ProjectStatus.ACTIVE]),
                    pilot_start=pilot_start,
                    pilot_end=add_months(pilot_start, 36) - dt.timedelta(days=1),
                )
            )
        projects = HousingProject.objects.bulk_create(planned)

        # A manager a project, with the role, the permissions and the authenticator app that
        # ``role_grant`` and the demo give one, written in bulk.
        planned = []
        for index, project in enumerate(projects):
            spec = self.cities[index % len(self.cities)][1]
            first, last, _female = self._person(rng, _country_names(spec), 1975, None)
            planned.append(
                User(
                    email=f"manager.{project.slug}@{BENCH_DOMAIN}",
                    first_name=first,
                    last_name=last,
                    language=user_language(spec.language),
                    password=seeder.demo_password_hash(),
                )
            )
        managers = User.objects.bulk_create(planned)
        _verified_addresses(managers)
        granted = [(manager, project) for manager, project in zip(managers, projects, strict=True)]
        Role.objects.bulk_create(
            Role(user=manager, kind=RoleKind.MANAGER, project=project, granted_by=admin)
            for manager, project in granted
        )
        permissions = _permissions(ROLE_PERMISSIONS[RoleKind.MANAGER])
        HousingProjectUserObjectPermission.objects.bulk_create(
            HousingProjectUserObjectPermission(
                user=manager, permission=permission, content_object=project
            )
            for manager, project in granted
            for permission in permissions
        )
        secret = encrypt(BENCH_TOTP_SECRET)
        Authenticator.objects.bulk_create(
            Authenticator(user=manager, type=Authenticator.Type.TOTP, data={"secret": secret})
            for manager in managers
        )
        for index, (project, manager, size) in enumerate(
            zip(projects, managers, sizes, strict=True)
        ):
            spec = self.cities[index % len(self.cities)][1]
            self.projects.append(ProjectFacts(project, spec, manager, size))
        self.counts.update(cities=len(self.cities), projects=len(projects))

    # -- households, residents, resident accounts --

    def _person(
        self, rng: random.Random, names: CountryNames, birth_year: int, surname: str | None
    ) -> tuple[str, str, bool]:
        pool = names.migrant if rng.random() < names.migrant_share else names.native
        group = rng.choices([g for _w, g in pool], weights=[w for w, _g in pool])[0]
        cohort = 0 if birth_year < 1960 else 1 if birth_year < 1990 else 2
        female = rng.random() < 0.5
        first = rng.choice((group.women if female else group.men)[cohort])
        return first, surname or rng.choice(group.surnames), female

    def households(self) -> None:
        rng = self.rng("households")
        home_ids = iter(reserve_ids(Household, self.sizes.households))
        for facts in self.projects:
            first_move_in = dt.date(rng.randint(2008, 2022), rng.randint(1, 12), 1)
            for number in range(facts.size):
                move_in = first_move_in
                if rng.random() < 0.08:  # moved in later
                    move_in += dt.timedelta(days=rng.randrange((self.today - first_move_in).days))
                moves_out = rng.random() < 0.03 and move_in < self.months[0]
                facts.households.append(
                    Household(
                        pk=next(home_ids),
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
        homes = [home for facts in self.projects for home in facts.households]
        copy_rows(
            Household,
            (
                "id",
                "project",
                "unit_label",
                "unit_area_m2",
                "rooms",
                "move_in",
                "move_out",
                "utilities_monthly_cents",
                "feed_token",
                "payment_reference",
            ),
            (
                (
                    home.pk,
                    home.project_id,
                    home.unit_label,
                    home.unit_area_m2,
                    home.rooms,
                    home.move_in,
                    home.move_out,
                    home.utilities_monthly_cents,
                    home.feed_token,
                    home.payment_reference,
                )
                for home in homes
            ),
        )

        # The people of each household, the representative first; some have an account.
        people: list[tuple] = []  # household, first, last, birth year, representative, female
        # One to four residents a household, as many as the sizes ask for on average.
        more = min(max((self.sizes.residents / self.sizes.households - 1) / 3, 0), 1)
        accounts: list[tuple] = []  # person index, e-mail, first, last, language
        for facts in self.projects:
            names = _country_names(facts.spec)
            language = user_language(facts.spec.language)
            for home in facts.households:
                size = 1 + sum(rng.random() < more for _ in range(3))
                born = rng.randint(1940, 2000)
                first, last, female = self._person(rng, names, born, None)
                people.append((home.pk, first, last, born, True, female))
                if rng.random() < USER_SHARE:
                    email = f"resident.{home.pk}@{BENCH_DOMAIN}"
                    accounts.append((len(people) - 1, email, first, last, language))
                for person in range(1, size):
                    # A partner of about the same age, or children.
                    year = (
                        rng.randint(born - 5, born + 5)
                        if person == 1 and rng.random() < 0.6
                        else rng.randint(max(born + 18, 2000), self.today.year)
                    )
                    first, last, female = self._person(rng, names, year, last)
                    people.append((home.pk, first, last, year, False, female))
        user_ids = reserve_ids(User, len(accounts))
        joined = self.now - dt.timedelta(days=400)
        copy_rows(
            User,
            ("id", "email", "first_name", "last_name", "language", "password", "date_joined"),
            (
                (user_id, email, first, last, language, self.seeder.demo_password_hash(), joined)
                for user_id, (_i, email, first, last, language) in zip(
                    user_ids, accounts, strict=True
                )
            ),
        )
        copy_rows(
            EmailAddress,
            ("user", "email", "verified", "primary"),
            (
                (user_id, account[1], True, True)
                for user_id, account in zip(user_ids, accounts, strict=True)
            ),
        )
        user_of_person = {
            account[0]: user_id for user_id, account in zip(user_ids, accounts, strict=True)
        }

        def residents() -> Iterator[tuple]:
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
                    joined if consent else None,
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
            residents(),
        )
        # Resident roles with their object permission, as ``role_grant`` gives them.
        project_of = {home.pk: home.project_id for home in homes}
        manager_of = {facts.project.pk: facts.manager.pk for facts in self.projects}
        (view,) = _permissions(ROLE_PERMISSIONS[RoleKind.RESIDENT])
        granted = []
        for index, user_id in user_of_person.items():
            home = people[index][0]
            self.user_of_household[home] = user_id
            granted.append((user_id, project_of[home]))
        copy_rows(
            Role,
            ("user", "kind", "project", "granted_by", "granted_at"),
            (
                (user, RoleKind.RESIDENT, project, manager_of[project], joined)
                for user, project in granted
            ),
        )
        copy_rows(
            HousingProjectUserObjectPermission,
            ("user", "permission", "content_object"),
            ((user, view.pk, project) for user, project in granted),
        )
        self.counts.update(households=len(homes), resident_users=len(accounts))
        # One resident with an account a project is the manifest's: their vote is left to cast.
        for facts in self.projects:
            for home in facts.households:
                if home.pk in self.user_of_household and home.move_out is None:
                    self.reserved_households.add(home.pk)
                    break

    # -- incomes --

    def incomes(self) -> None:
        """Declarations from before the charged months, renewed about yearly, most verified."""
        rng = self.rng("incomes")
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

    def project_spaces(self, index: int) -> dict:
        """The project's spaces with their opening hours, and its share of the bookings: for
        each unit of a space, bookings one after another on its time grid, within opening
        hours, each starting after the one before is over (buffer included), so no two
        blocking bookings of a unit ever overlap."""
        facts = self.projects[index]
        rng = self.rng("spaces", facts.project.slug)
        per_project = max(1, round(self.sizes.spaces / len(self.projects)))
        plans = [SPACE_PLANS_BENCH[i % len(SPACE_PLANS_BENCH)] for i in range(per_project)]
        with translation.override(facts.spec.language):
            planned = []
            for number, plan in enumerate(plans):
                rules = {
                    key: [str(item) for item in value] if key == "handover_checklist" else value
                    for key, value in plan.rules.items()
                }
                name = str(plan.name)
                if number >= len(SPACE_PLANS_BENCH):
                    name = f"{name} {number // len(SPACE_PLANS_BENCH) + 1}"
                planned.append(Space(project=facts.project, name=name, kind=plan.kind, **rules))
        spaces = Space.objects.bulk_create(planned)
        SpaceOpeningHours.objects.bulk_create(
            SpaceOpeningHours(
                space=space, weekday=day, opens_minute=plan.opens, closes_minute=plan.closes
            )
            for space, plan in zip(spaces, plans, strict=True)
            for day in range(7)
        )

        first_day = add_months(first_of_month(self.today), -BOOKING_MONTHS_BACK)
        last_day = self.today + dt.timedelta(days=BOOKING_DAYS_AHEAD)
        zone = ZoneInfo(facts.spec.time_zone)
        # Each local day's midnight in UTC minutes, by the offset at noon (no space opens in
        # the small hours, when the clocks change).
        midnights = [
            _minutes(dt.datetime.combine(day, dt.time(12), tzinfo=zone)) - 12 * 60
            for day in (
                first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days)
            )
        ]
        weights = [plan.per_week * plan.rules.get("units", 1) for plan in plans]
        bookings = self.sizes.bookings * facts.size / self.sizes.households
        settled = [
            h for h in facts.households if h.move_out is None and h.move_in <= first_day
        ] or facts.households
        now = _minutes(self.now)

        def rows() -> Iterator[tuple]:
            for space, plan, weight in zip(spaces, plans, weights, strict=True):
                rate = bookings * weight / sum(weights) / space.units / len(midnights)
                earliest, latest = START_WINDOWS.get(plan.kind, (plan.opens, plan.closes))
                slot, buffer, fee = (
                    space.slot_minutes,
                    space.buffer_minutes,
                    space.fee_per_hour_cents,
                )
                for unit in range(1, space.units + 1):
                    free_from = 0
                    for midnight in midnights:
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
                            cursor = end + buffer
                            if status in (BookingStatus.CONFIRMED, BookingStatus.PENDING):
                                free_from = cursor
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

        written = copy_rows(
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
        return {
            "project": facts.project.pk,
            "space_ids": [space.pk for space in spaces],
            "spaces": len(spaces),
            "bookings": written,
        }

    # -- schemes, budgets, charges, payments --

    def project_money(self, index: int) -> dict:
        """An adopted scheme, approved budgets, the months charged and most charges paid.

        The older months are charged with the charge run's own calculation (the same facts,
        formulas and breakdown) and written in bulk; the latest ``SERVICE_MONTHS`` by the
        charge run itself."""
        facts = self.projects[index]
        project, manager, months = facts.project, facts.manager, self.months
        rng = self.rng("money", project.slug)
        method, parameters = SCHEME_METHODS[index % len(SCHEME_METHODS)]
        with translation.override(facts.spec.language):
            scheme = scheme_create(
                project=project,
                name=str(METHOD_LABELS[Method(method)]),
                method=method,
                parameters=parameters,
                valid_from=months[0],
                created_by=manager,
            )
            scheme = scheme_adopt(scheme=scheme, adopted_by=manager)
            # Approved budgets for every month and the coming one, as the demo sizes them.
            budget_months = [*months, add_months(months[-1], 1)]
            lines_of = [budget_lines(project, month, months[0]) for month in budget_months]
        budgets = Budget.objects.bulk_create(
            Budget(
                project=project,
                month=month,
                status=BudgetStatus.APPROVED,
                updated_at=dt.datetime.combine(add_months(month, -1), dt.time(18), tzinfo=dt.UTC),
            )
            for month in budget_months
        )
        BudgetLine.objects.bulk_create(
            BudgetLine(budget=budget, **line)
            for budget, lines in zip(budgets, lines_of, strict=True)
            for line in lines
        )
        budget_total = {
            month: sum(line["amount_cents"] for line in lines)
            for month, lines in zip(budget_months, lines_of, strict=True)
        }

        started = time.perf_counter()
        bulk_months = months[: max(0, len(months) - SERVICE_MONTHS)]
        declarations = declarations_by_household(facts.households, self.today)
        years = birth_years(facts.households)
        runs: list[ChargeRun] = []
        charges: list[tuple[Charge, Household]] = []
        for month, run_id in zip(
            bulk_months, reserve_ids(ChargeRun, len(bulk_months)), strict=True
        ):
            last = last_of_month(month)
            living = [
                h
                for h in facts.households
                if h.move_in <= last and (h.move_out is None or h.move_out >= month)
            ]
            days = {h.pk: presence(h, month) for h in living}
            household_facts, placed_by = month_facts_from(living, month, days, declarations, years)
            result = compute_contributions(
                method=scheme.method,
                parameters=scheme.parameters,
                households=household_facts,
                budget_cents=budget_total[month],
            )
            ran = dt.datetime.combine(month, dt.time(2), tzinfo=dt.UTC)
            run = ChargeRun(
                pk=run_id,
                project=project,
                month=month,
                scheme=scheme,
                started_at=ran,
                finished_at=ran + dt.timedelta(seconds=1),
                budget_cents=budget_total[month],
            )
            made = month_charges(
                run=run,
                households=living,
                result=result,
                days_lived=days,
                declarations=placed_by,
                stale_before=add_months(month, -project.income_validity_months),
            )
            run.household_count = len(made)
            run.total_cents = sum(charge.amount_cents for charge in made)
            run.shortfall_cents = max(run.budget_cents - run.total_cents, 0)
            run.surplus_cents = max(run.total_cents - run.budget_cents, 0)
            run.warnings = list(result.warnings)
            if any(charge.breakdown.get("income_stale") for charge in made):
                run.warnings.append("stale_income")
            runs.append(run)
            charges.extend(zip(made, living, strict=True))
        ChargeRun.objects.bulk_create(runs)
        copy_rows(
            Charge,
            ("household", "month", "amount_cents", "scheme", "run", "breakdown", "created_at"),
            (
                (
                    home.pk,
                    charge.month,
                    charge.amount_cents,
                    scheme.pk,
                    charge.run.pk,
                    charge.breakdown,
                    charge.run.started_at,
                )
                for charge, home in charges
            ),
        )
        in_bulk = time.perf_counter() - started
        started = time.perf_counter()
        for month in months[len(bulk_months) :]:
            charges_run(project=project, month=month, triggered_by=manager)
        by_service = time.perf_counter() - started

        # Payments by bank transfer: most households pay in the month, some a month late,
        # a few stop paying at some point and fall into arrears.
        homes = {home.pk: home for home in facts.households}
        stops = {
            home.pk: rng.randrange(len(months)) if rng.random() < ARREARS_SHARE else len(months)
            for home in facts.households
        }
        late = {home.pk for home in facts.households if rng.random() < LATE_SHARE}

        def payments() -> Iterator[tuple]:
            for household, month, amount in (
                Charge.objects.filter(household__project=project)
                .order_by("household_id", "month")
                .values_list("household_id", "month", "amount_cents")
            ):
                if not amount or months.index(month) >= stops[household]:
                    continue
                paid_on = month + dt.timedelta(days=rng.randint(1, 9))
                if household in late:
                    paid_on = add_months(month, 1) + dt.timedelta(days=rng.randint(14, 24))
                if paid_on <= self.today:
                    yield (
                        household,
                        amount,
                        paid_on,
                        homes[household].payment_reference,
                        PaymentSource.BANK_IMPORT,
                    )

        paid = copy_rows(
            Payment,
            ("household", "amount_cents", "paid_on", "reference", "source"),
            list(payments()),
        )
        return {
            "charges": Charge.objects.filter(run__project=project).count(),
            "charge runs": len(months),
            "budgets": len(budgets),
            "payments": paid,
            "seconds": {
                "charged in bulk": (in_bulk, len(bulk_months)),
                "charged by the charge run": (by_service, len(months) - len(bulk_months)),
            },
        }

    # -- bylaws, assemblies, votes and decisions --

    def project_governance(self, index: int) -> dict:
        """The demo's bylaws, quarterly assemblies, and the project's votes: one open with half
        its ballots cast, the others spread over the months, opened, voted and closed into the
        decision register. Proposals are written as ``proposal_create`` writes a draft; the
        services open them (freezing the electorate) and close them (the count and the
        decision); the ballots between are written in bulk as the votes leave them."""
        facts = self.projects[index]
        project = facts.project
        rng = self.rng("governance", project.slug)
        zone = ZoneInfo(facts.spec.time_zone)
        with translation.override(facts.spec.language):
            classes = DecisionClass.objects.bulk_create(
                DecisionClass(
                    project=project,
                    name=str(plan.name),
                    description=str(plan.description),
                    method=plan.method,
                    electorate=plan.electorate,
                    **plan.rules,
                )
                for plan in CLASS_PLANS
            )
            title, place = _("General assembly"), _("Common room")
            starts = [
                dt.datetime.combine(month + dt.timedelta(days=9), dt.time(18), tzinfo=zone)
                for month in self.months[::3]
            ]
            meetings = Meeting.objects.bulk_create(
                Meeting(
                    project=project,
                    kind=MeetingKind.GENERAL_ASSEMBLY,
                    title=title,
                    start=start,
                    end=start + dt.timedelta(hours=2),
                    place=place,
                    chair=facts.manager,
                )
                for start in starts
            )

            # One open vote, the others spread over the months.
            share = facts.size / self.sizes.households
            closed = max(0, round((self.sizes.proposals - len(self.projects)) * share))
            window_start = dt.datetime.combine(self.months[0], dt.time(9), tzinfo=dt.UTC)
            window = (self.now - dt.timedelta(days=VOTE_DAYS + 5)) - window_start
            planned: list[tuple[Proposal, VotePlan, bool]] = []
            # Each kind of decision at least once where there are enough votes, in any order.
            plans = [*{plan.class_index: plan for plan in CLOSED_BENCH_VOTES}.values()][:closed]
            plans += rng.choices(
                CLOSED_BENCH_VOTES, weights=CLOSED_VOTE_WEIGHTS, k=closed - len(plans)
            )
            rng.shuffle(plans)
            plans.append(rng.choice(OPEN_BENCH_VOTES))
            for number, plan in enumerate(plans):
                closes = number < closed
                if closes:
                    opens_at = window_start + window * ((number + rng.random()) / closed)
                    closes_at = opens_at + dt.timedelta(days=VOTE_DAYS)
                else:
                    opens_at = self.now - dt.timedelta(days=2)
                    closes_at = self.now + dt.timedelta(days=28)
                decision_class = classes[plan.class_index]
                notice = dt.timedelta(days=decision_class.min_notice_days + 1)
                proposal = Proposal(
                    project=project,
                    decision_class=decision_class,
                    title=str(plan.title),
                    text=str(plan.text),
                    options=[str(option) for option in plan.options],
                    opens_at=opens_at,
                    closes_at=closes_at,
                    author=facts.manager,
                    created_at=opens_at - notice,
                )
                planned.append((proposal, plan, closes))
        Proposal.objects.bulk_create(p for p, _plan, _closes in planned)
        ProposalVersion.objects.bulk_create(
            ProposalVersion(
                proposal=p,
                version=1,
                text=p.text,
                created_by=facts.manager,
                created_at=p.created_at,
            )
            for p, _plan, _closes in planned
        )
        for proposal, _plan, _closes in planned:
            proposal_open(proposal=proposal, now=proposal.opens_at, notify=False)
            if proposal.decision_class.method == VotingMethod.CONSENT:
                consent_phase_advance(proposal=proposal)
                consent_phase_advance(proposal=proposal)
        opened = Proposal.objects.in_bulk([p.pk for p, _plan, _closes in planned])
        planned = [(opened[p.pk], plan, closes) for p, plan, closes in planned]

        # The ballots, as the votes leave them: a secret one's choice apart from who voted.
        voters: dict[int, list[tuple]] = defaultdict(list)
        for row in (
            Voter.objects.filter(proposal__project=project)
            .order_by("pk")
            .values_list(
                "proposal_id", "pk", "household_id", "weight_numerator", "weight_denominator"
            )
        ):
            voters[row[0]].append(row[1:])
        # Half of each open vote's voters have voted (never the manifest's); the closed votes
        # share the rest of the project's ballots, each at a turnout of its own.
        casting: dict[int, list[tuple]] = {}
        for proposal, _plan, closes in planned:
            if not closes:
                free = [v for v in voters[proposal.pk] if v[1] not in self.reserved_households]
                casting[proposal.pk] = rng.sample(free, len(voters[proposal.pk]) // 2)
        # A project has votes in proportion to its households, and voters in each in proportion
        # again: its share of the ballots goes with the square of its size.
        squares = sum(other.size**2 for other in self.projects)
        wanted = self.sizes.ballots * facts.size**2 / squares
        wanted -= sum(len(cast) for cast in casting.values())
        electorate = sum(len(voters[p.pk]) for p, _plan, closes in planned if closes)
        turnout = min(0.95, max(wanted, 0) / electorate) if electorate else 0
        for proposal, _plan, closes in planned:
            if closes:
                everyone = voters[proposal.pk]
                count = round(len(everyone) * min(1.0, turnout * rng.uniform(0.85, 1.15)))
                casting[proposal.pk] = rng.sample(everyone, count)
        participations: list[tuple] = []
        secret_choices: list[tuple] = []
        for proposal, plan, closes in planned:
            method = proposal.rules["method"]
            secret = proposal.rules.get("secret") and method != VotingMethod.CONSENT
            for voter, household, numerator, denominator in casting[proposal.pk]:
                choice = ballot_choice(plan, method, proposal.options, rng)
                user = self.user_of_household.get(household)
                cast_at = proposal.opens_at + (proposal.closes_at - proposal.opens_at) * (
                    rng.random() * (1 if closes else 0.05)
                )
                participations.append(
                    (proposal.pk, voter, user, user is None, None if secret else choice, cast_at)
                )
                if secret:
                    secret_choices.append(
                        (proposal.pk, choice, numerator, denominator, receipt_code())
                    )
        ballots = copy_rows(
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
        decisions = 0
        for proposal, _plan, closes in planned:
            if closes:
                decision = proposal_close(proposal=proposal, now=proposal.closes_at, notify=False)
                decisions += decision is not None
        return {
            "project": project.pk,
            "open_proposals": [p.pk for p, _plan, closes in planned if not closes],
            "decision classes": len(classes),
            "meetings": len(meetings),
            "proposals": len(planned),
            "ballots": ballots,
            "decisions": decisions,
        }

    # -- the nightly indicators --

    def city_indicators(self, index: int) -> dict:
        city = self.cities[index][0]
        result = indicator_snapshot_run(
            city=city, months=snapshot_months(city=city, count=self.indicator_months)
        )
        return {"indicator cells": result.rows}

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
        decided: dict[int, list[int]] = defaultdict(list)  # the latest, for their results
        for project, proposal in (
            Proposal.objects.filter(status=ProposalStatus.CLOSED)
            .order_by("project_id", "-closes_at")
            .values_list("project_id", "pk")
        ):
            if len(decided[project]) < 5:
                decided[project].append(proposal)

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
                    "decided_proposal_ids": decided[facts.project.pk],
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
