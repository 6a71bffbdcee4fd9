"""The plan of each demo project's households, residents and incomes: pure data, drawn from a
random generator seeded with the project's slug, the same on every run."""

from __future__ import annotations

import datetime
import math
import random
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from demo.names import COUNTRY_NAMES, NameGroup
from demo.network import (
    MAX_HOUSEHOLDS,
    MIN_HOUSEHOLDS,
    REFERENCE_DATE,
    REFERENCE_YEAR,
    SEED_PREFIX,
    CitySpec,
    ProjectSpec,
)
from members.models import (
    EvidenceStatus,
    Gender,
)

# --- Household mixes ---------------------------------------------------------------------

COMPOSITIONS = (
    "single",
    "senior_single",
    "couple",
    "senior_couple",
    "family",
    "single_parent",
    "multigenerational",
    "flatshare",
)
PROFILES: dict[str, tuple[int, ...]] = {
    "mixed": (22, 10, 16, 8, 24, 8, 4, 8),
    "family": (10, 6, 12, 6, 42, 10, 6, 8),
    "social": (20, 18, 8, 8, 20, 18, 6, 2),
    # Senior cohousing in Barcelona keeps a few young families on purpose (intergenerational).
    "senior": (6, 38, 6, 30, 10, 4, 6, 0),
}
# Pensions and single earners with children sit below the equivalised median.
INCOME_FACTOR = {
    "senior_single": 0.85,
    "senior_couple": 0.9,
    "single_parent": 0.75,
    "flatshare": 0.9,
}
CURRENT_EVIDENCE = (
    (EvidenceStatus.VERIFIED, 55),
    (EvidenceStatus.SUBMITTED, 25),
    (EvidenceStatus.NONE, 15),
    (EvidenceStatus.REJECTED, 5),
)
PAST_EVIDENCE = (
    (EvidenceStatus.VERIFIED, 80),
    (EvidenceStatus.NONE, 15),
    (EvidenceStatus.REJECTED, 5),
)


# --- The plan: pure data, the same on every run ------------------------------------------


@dataclass
class ResidentPlan:
    female: bool
    age: int
    first_name: str = ""
    last_name: str = ""
    surnames: tuple[str, ...] = ()
    is_representative: bool = False
    inclusion_consent_at: datetime.datetime | None = None
    gender: str = ""
    migrant_background: bool | None = None

    @property
    def birth_year(self) -> int:
        return REFERENCE_YEAR - self.age


@dataclass
class DeclarationPlan:
    valid_from: datetime.date
    gross_monthly_cents: int
    disposable_monthly_cents: int
    evidence_status: str
    declared_at: datetime.datetime
    verified_at: datetime.datetime | None


@dataclass
class HouseholdPlan:
    unit_label: str
    composition: str
    unit_area_m2: Decimal
    rooms: int
    move_in: datetime.date
    move_out: datetime.date | None
    residents: list[ResidentPlan] = field(default_factory=list)
    declarations: list[DeclarationPlan] = field(default_factory=list)

    @property
    def representative(self) -> ResidentPlan:
        return next(r for r in self.residents if r.is_representative)


def unit_labels(spec: ProjectSpec) -> list[str]:
    """Unit labels as on the letterboxes: block, floor (0 = ground floor) and door, "A-1.2"."""
    labels = [
        f"{block}-{floor}.{door}"
        for block in spec.blocks
        for floor in range(spec.floors)
        for door in range(1, spec.doors_per_floor + 1)
    ]
    if len(labels) < spec.units_count:
        raise ValueError(f"{spec.slug}: the building layout has fewer units than units_count.")
    return labels[: spec.units_count]


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


class ProjectPlanner:
    """Draws a project's households from one RNG seeded with the project's slug."""

    def __init__(self, city: CitySpec, spec: ProjectSpec) -> None:
        self.city = city
        self.spec = spec
        self.names = COUNTRY_NAMES[city.country_code]
        self.tz = zoneinfo.ZoneInfo(city.time_zone)
        self.rng = random.Random(f"{SEED_PREFIX}/{spec.slug}")

    def plan(self) -> list[HouseholdPlan]:
        rng = self.rng
        labels = unit_labels(self.spec)
        target = round(self.spec.units_count * rng.uniform(0.86, 1.0))
        count = min(MAX_HOUSEHOLDS, len(labels), max(MIN_HOUSEHOLDS, target))
        occupied = sorted(rng.sample(range(len(labels)), count))
        return [self._household(labels[i]) for i in occupied]

    # -- households --

    def _household(self, unit_label: str) -> HouseholdPlan:
        rng = self.rng
        composition = rng.choices(COMPOSITIONS, weights=PROFILES[self.spec.profile])[0]
        migrant_share = self.names.migrant_share * (1.6 if self.spec.profile == "social" else 1)
        migrant = rng.random() < migrant_share
        group = self._pick(self.names.migrant if migrant else self.names.native)
        residents = self._residents(composition, group, migrant)
        move_in, move_out = self._dates()
        rooms, area = self._unit(residents, composition)
        household = HouseholdPlan(
            unit_label=unit_label,
            composition=composition,
            unit_area_m2=area,
            rooms=rooms,
            move_in=move_in,
            move_out=move_out,
            residents=residents,
        )
        self._consents(household, migrant)
        household.declarations = self._declarations(household)
        return household

    def _pick(self, weighted: Iterable[tuple[int, NameGroup]]) -> NameGroup:
        weights, groups = zip(*weighted, strict=True)
        return self.rng.choices(groups, weights=weights)[0]

    def _dates(self) -> tuple[datetime.date, datetime.date | None]:
        rng = self.rng
        first = self.spec.first_move_in
        last = REFERENCE_DATE - datetime.timedelta(days=30)
        # Most households move in when the building opens; the rest replace those who left.
        if rng.random() < 0.75:
            move_in = first + datetime.timedelta(days=rng.randint(0, 75))
        else:
            move_in = first + datetime.timedelta(days=rng.randint(76, (last - first).days))
        move_out = None
        stayed = (REFERENCE_DATE - move_in).days
        if stayed > 400 and rng.random() < 0.06:
            move_out = move_in + datetime.timedelta(days=rng.randint(300, stayed - 20))
        return move_in, move_out

    def _unit(self, residents: list[ResidentPlan], composition: str) -> tuple[int, Decimal]:
        rng = self.rng
        couple = composition in ("couple", "senior_couple", "family", "multigenerational")
        people = len(residents)
        rooms = people + rng.choice((-1, 0, 0, 1)) - (1 if couple and people > 2 else 0)
        rooms = int(_clamp(rooms, 1 if people <= 2 else 2, 5))
        area = _clamp(22 + 16 * rooms + rng.uniform(-2, 10), 35, 110)
        return rooms, Decimal(f"{area:.2f}")

    # -- people --

    def _tri(self, low: int, high: int, mode: int) -> int:
        return round(self.rng.triangular(low, high, mode))

    def _partner(self, first: ResidentPlan, low: int, high: int, spread: int) -> ResidentPlan:
        rng = self.rng
        same_sex = rng.random() < 0.07
        age = int(_clamp(first.age + rng.randint(-spread, spread), low, high))
        return ResidentPlan(female=first.female if same_sex else not first.female, age=age)

    def _children(self, count: int, oldest: int) -> list[ResidentPlan]:
        rng = self.rng
        ages = sorted((rng.randint(0, max(0, oldest)) for _ in range(count)), reverse=True)
        return [ResidentPlan(female=rng.random() < 0.49, age=age) for age in ages]

    def _residents(self, composition: str, group: NameGroup, migrant: bool) -> list[ResidentPlan]:
        rng = self.rng
        partner: ResidentPlan | None = None
        children: list[ResidentPlan] = []
        grandparent: ResidentPlan | None = None
        flatmates: list[ResidentPlan] = []
        if composition == "single":
            head = ResidentPlan(female=rng.random() < 0.5, age=self._tri(23, 64, 34))
        elif composition == "senior_single":
            head = ResidentPlan(female=rng.random() < 0.7, age=self._tri(66, 93, 76))
        elif composition == "couple":
            head = ResidentPlan(female=rng.random() < 0.5, age=self._tri(24, 64, 36))
            partner = self._partner(head, 22, 70, 6)
        elif composition == "senior_couple":
            head = ResidentPlan(female=rng.random() < 0.5, age=self._tri(65, 88, 73))
            partner = self._partner(head, 60, 92, 5)
        elif composition == "family":
            head = ResidentPlan(female=rng.random() < 0.5, age=self._tri(27, 52, 39))
            partner = self._partner(head, 24, 56, 5)
            count = rng.choices((1, 2, 3), weights=(40, 45, 15))[0]
            children = self._children(count, min(19, min(head.age, partner.age) - 21))
        elif composition == "single_parent":
            head = ResidentPlan(female=rng.random() < 0.82, age=self._tri(24, 55, 38))
            count = rng.choices((1, 2), weights=(60, 40))[0]
            children = self._children(count, min(17, head.age - 19))
        elif composition == "multigenerational":
            head = ResidentPlan(female=rng.random() < 0.5, age=self._tri(34, 50, 42))
            partner = self._partner(head, 30, 54, 4)
            count = rng.choices((1, 2), weights=(50, 50))[0]
            children = self._children(count, min(16, min(head.age, partner.age) - 22))
            age = rng.randint(max(66, head.age + 22), min(93, head.age + 38))
            grandparent = ResidentPlan(female=rng.random() < 0.65, age=age)
        else:  # flatshare
            head = ResidentPlan(female=rng.random() < 0.5, age=self._tri(21, 38, 27))
            flatmates = [
                ResidentPlan(female=rng.random() < 0.5, age=self._tri(21, 38, 27))
                for _ in range(rng.choice((1, 2)))
            ]

        taken: set[str] = set()
        head.surnames = self._surnames(group)
        head.first_name = self._first_name(group, head, taken)
        if partner is not None:
            if not self.names.two_surnames and rng.random() < self.names.spouse_takes_surname:
                partner.surnames = head.surnames
            else:
                partner.surnames = self._surnames(group, unlike=head.surnames)
            partner.first_name = self._first_name(group, partner, taken)
        if grandparent is not None:
            # The head's parent: the head inherited (the first of) the grandparent's surname.
            grandparent.surnames = (
                (head.surnames[0], self._surnames(group)[0])
                if self.names.two_surnames
                else head.surnames
            )
            grandparent.first_name = self._first_name(group, grandparent, taken)
        native = self._pick(self.names.native)
        for child in children:
            child.surnames = self._child_surnames(group, head, partner)
            # Children born here often get a local first name.
            child_group = native if migrant and rng.random() < 0.35 else group
            child.first_name = self._first_name(child_group, child, taken)
        for mate in flatmates:
            mate.surnames = self._surnames(group)
            mate.first_name = self._first_name(group, mate, taken)

        adults = [head] + ([partner] if partner is not None else [])
        representative = adults[1] if len(adults) == 2 and rng.random() < 0.4 else adults[0]
        representative.is_representative = True
        residents = [*adults, *children, *flatmates]
        if grandparent is not None:
            residents.append(grandparent)
        for resident in residents:
            resident.last_name = " ".join(resident.surnames)
        return residents

    def _surnames(self, group: NameGroup, unlike: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Fresh surnames; ``unlike`` keeps a partner's family name different from the head's
        where surnames are not shared, so their children's combined surname looks right."""
        if self.names.two_surnames:
            candidates = [name for name in group.surnames if name not in unlike[:1]]
            first = self.rng.choice(candidates)
            second = self.rng.choice([name for name in group.surnames if name != first])
            return (first, second)
        return (self.rng.choice(group.surnames),)

    def _child_surnames(
        self, group: NameGroup, head: ResidentPlan, partner: ResidentPlan | None
    ) -> tuple[str, ...]:
        if self.names.two_surnames:
            other = partner.surnames[0] if partner is not None else self._surnames(group)[0]
            return (head.surnames[0], other) if head.surnames[0] != other else head.surnames
        if partner is not None and self.rng.random() < 0.2:
            return partner.surnames
        return head.surnames

    def _first_name(self, group: NameGroup, person: ResidentPlan, taken: set[str]) -> str:
        """A name fashionable in the person's birth cohort, unique within the household."""
        cohort = 0 if person.birth_year < 1960 else 1 if person.birth_year < 1990 else 2
        by_cohort = group.women if person.female else group.men
        for pool in (by_cohort[cohort], *by_cohort):
            free = [name for name in pool if name not in taken]
            if free:
                name = self.rng.choice(free)
                taken.add(name)
                return name
        raise ValueError("The name lists are too short for this household.")

    # -- inclusion data --

    def _consents(self, household: HouseholdPlan, migrant: bool) -> None:
        rng = self.rng
        start = max(household.move_in, self.spec.pilot_start)
        end = household.move_out or REFERENCE_DATE
        if (end - start).days < 2 or rng.random() >= 0.55:
            return  # left before the pilot (never used the platform), or not interested
        for resident in household.residents:
            if resident.age < 16 or rng.random() >= 0.85:
                continue
            day = start + datetime.timedelta(days=rng.randint(0, min(180, (end - start).days - 1)))
            resident.inclusion_consent_at = self._at(day)
            draw = rng.random()
            if draw < 0.03:
                resident.gender = Gender.NON_BINARY
            elif draw < 0.07:
                resident.gender = Gender.UNDISCLOSED
            else:
                resident.gender = Gender.WOMAN if resident.female else Gender.MAN
            resident.migrant_background = None if rng.random() < 0.08 else migrant

    def _at(self, day: datetime.date) -> datetime.datetime:
        """A local time of day on ``day``, during waking hours."""
        moment = datetime.time(self.rng.randint(8, 21), self.rng.randint(0, 59))
        return datetime.datetime.combine(day, moment, tzinfo=self.tz)

    # -- incomes --

    def _declarations(self, household: HouseholdPlan) -> list[DeclarationPlan]:
        """Annual declarations (each January, or at move-in), latest first."""
        rng = self.rng
        if rng.random() < 0.03:
            return []  # not declared yet: the affordability pages must cope with it
        over_14 = sum(1 for r in household.residents if r.age >= 14)
        under_14 = len(household.residents) - over_14
        scale = 1 + 0.5 * (over_14 - 1) + 0.3 * under_14
        spread = _clamp(rng.lognormvariate(0, 0.5), 0.3, 3.2)
        level = self.spec.income_level * INCOME_FACTOR.get(household.composition, 1.0) * spread
        annual = self.city.median_equivalised_income_cents * scale * level
        disposable = annual / 12
        pensioners = all(r.age >= 65 for r in household.residents if r.age >= 18)
        tax_rate = _clamp(self.names.tax_rate + 0.07 * math.log(spread), 0.04, 0.5)
        if pensioners:
            tax_rate *= 0.55

        end = household.move_out or REFERENCE_DATE
        current_from = max(household.move_in, datetime.date(end.year, 1, 1))
        plans = [self._declaration(current_from, disposable, tax_rate, CURRENT_EVIDENCE)]
        earlier_from = max(household.move_in, datetime.date(end.year - 1, 1, 1))
        if earlier_from < current_from and rng.random() < 0.45:
            earlier = disposable / math.exp(rng.gauss(0.03, 0.09))
            plans.append(self._declaration(earlier_from, earlier, tax_rate, PAST_EVIDENCE))
        return plans

    def _declaration(
        self,
        valid_from: datetime.date,
        disposable: float,
        tax_rate: float,
        evidence: tuple[tuple[str, int], ...],
    ) -> DeclarationPlan:
        rng = self.rng
        # People declare in whole euros (lei); cents would look machine-made.
        disposable_cents = round(disposable / 100) * 100
        gross_cents = max(disposable_cents, round(disposable / (1 - tax_rate) / 100) * 100)
        statuses, weights = zip(*evidence, strict=True)
        status = rng.choices(statuses, weights=weights)[0]
        declared_at = self._at(valid_from - datetime.timedelta(days=rng.randint(2, 24)))
        verified_at = None
        if status in (EvidenceStatus.VERIFIED, EvidenceStatus.REJECTED):
            verified_at = declared_at + datetime.timedelta(
                days=rng.randint(1, 21), hours=rng.randint(0, 6)
            )
            if verified_at.date() >= REFERENCE_DATE:
                status, verified_at = EvidenceStatus.SUBMITTED, None  # not reviewed yet
        return DeclarationPlan(
            valid_from=valid_from,
            gross_monthly_cents=gross_cents,
            disposable_monthly_cents=disposable_cents,
            evidence_status=status,
            declared_at=declared_at,
            verified_at=verified_at,
        )


def demo_household(plans: list[HouseholdPlan]) -> HouseholdPlan:
    """The household whose representative gets the project's resident login: one still living
    there, preferably with others, so the demo shows a household rather than a single person."""
    living = [plan for plan in plans if plan.move_out is None]
    return next((plan for plan in living if len(plan.residents) > 1), living[0])
