"""Seed a believable demo network: cities, projects, households, residents, incomes and logins.

Every value is drawn from a ``random.Random`` seeded with the project's slug and dated against
the fixed ``REFERENCE_DATE``, and every row is looked up by its natural key before it is created,
so a second run (on any day, in any order) finds everything in place and changes nothing.

Incomes follow DESIGN.md §4: a household's disposable income is the national median equivalised
disposable income (Eurostat ilc_di03) times its modified OECD equivalence scale (1.0 for the first
adult, 0.5 for each other person aged 14 and over, 0.3 for each child under 14) times a
log-normal spread around the project's income level.
"""

from __future__ import annotations

import datetime
import math
import random
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from community.models import Booking, Payment
from demo.contributions import seed_project_contributions
from demo.governance import seed_project_governance
from demo.indicators import seed_city_monitoring
from demo.spaces import seed_project_spaces
from members.models import (
    City,
    EvidenceStatus,
    Gender,
    Household,
    HousingProject,
    IncomeDeclaration,
    ProjectKind,
    ProjectStatus,
    Resident,
    Role,
    RoleKind,
    User,
)
from members.services import role_grant

# The demo describes the network as of this day. It is fixed rather than today's date so that
# every run plans exactly the same rows; move it forward (and reseed an empty database) to
# refresh the demo.
REFERENCE_DATE = datetime.date(2026, 9, 1)
REFERENCE_YEAR = REFERENCE_DATE.year
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published on purpose: these are demo logins
DEMO_DOMAIN = "demo.netco.eu"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
SEED_PREFIX = "netco-seed-demo"
MIN_HOUSEHOLDS, MAX_HOUSEHOLDS = 20, 60


# --- What to build -----------------------------------------------------------------------


@dataclass(frozen=True)
class CitySpec:
    slug: str
    name: str
    country_code: str
    time_zone: str
    currency: str
    language: str
    # Eurostat ilc_di03 ballpark, per year, in cents of the city's currency.
    median_equivalised_income_cents: int
    officer: tuple[str, str]


@dataclass(frozen=True)
class ProjectSpec:
    city: str
    slug: str
    name: str
    kind: str
    address: str
    units_count: int
    status: str
    pilot_start: datetime.date
    pilot_end: datetime.date
    first_move_in: datetime.date
    blocks: str
    floors: int
    doors_per_floor: int
    profile: str
    # The project's typical disposable income relative to the national median: public rental
    # and land trusts house lower incomes than self-built cohousing.
    income_level: float
    manager: tuple[str, str]


CITIES: tuple[CitySpec, ...] = (
    CitySpec(
        slug="barcelona", name="Barcelona", country_code="ES", time_zone="Europe/Madrid",
        currency="EUR", language="ca", median_equivalised_income_cents=1_900_000,
        officer=("Marta", "Soler Puig"),
    ),
    CitySpec(
        slug="cluj-napoca", name="Cluj-Napoca", country_code="RO", time_zone="Europe/Bucharest",
        currency="RON", language="ro", median_equivalised_income_cents=2_700_000,
        officer=("Andrei", "Pop"),
    ),
    CitySpec(
        slug="dresden", name="Dresden", country_code="DE", time_zone="Europe/Berlin",
        currency="EUR", language="de", median_equivalised_income_cents=2_800_000,
        officer=("Susanne", "Krause"),
    ),
    CitySpec(
        slug="lyon", name="Lyon", country_code="FR", time_zone="Europe/Paris",
        currency="EUR", language="fr", median_equivalised_income_cents=2_500_000,
        officer=("Julien", "Moreau"),
    ),
)  # fmt: skip

_d = datetime.date
PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        city="barcelona", slug="la-teranyina", name="Cooperativa d'Habitatge La Teranyina",
        kind=ProjectKind.CESSION_OF_USE, status=ProjectStatus.ACTIVE,
        address="Carrer de Sant Crist 27, 08014 Barcelona",
        units_count=32, blocks="A", floors=8, doors_per_floor=4,
        pilot_start=_d(2023, 3, 1), pilot_end=_d(2025, 2, 28), first_move_in=_d(2019, 10, 1),
        profile="mixed", income_level=0.85, manager=("Núria", "Vila Casals"),
    ),
    ProjectSpec(
        city="barcelona", slug="bloc-vallcarca", name="Bloc Cooperatiu Vallcarca",
        kind=ProjectKind.CO_MANAGED_PUBLIC_RENTAL, status=ProjectStatus.PILOT,
        address="Avinguda de Vallcarca 214, 08023 Barcelona",
        units_count=58, blocks="AB", floors=8, doors_per_floor=4,
        pilot_start=_d(2025, 4, 1), pilot_end=_d(2027, 3, 31), first_move_in=_d(2021, 6, 1),
        profile="social", income_level=0.65, manager=("Jordi", "Ferrer Pons"),
    ),
    ProjectSpec(
        city="barcelona", slug="cal-pobletenc", name="Cohabitatge Sènior Cal Pobletenc",
        kind=ProjectKind.COHOUSING, status=ProjectStatus.PILOT,
        address="Carrer de Pujades 151, 08005 Barcelona",
        units_count=26, blocks="A", floors=7, doors_per_floor=4,
        pilot_start=_d(2025, 9, 1), pilot_end=_d(2027, 8, 31), first_move_in=_d(2024, 2, 1),
        profile="senior", income_level=0.95, manager=("Carme", "Roca Bosch"),
    ),
    ProjectSpec(
        city="cluj-napoca", slug="casa-comuna-grigorescu", name="Casa Comună Grigorescu",
        kind=ProjectKind.COHOUSING, status=ProjectStatus.PILOT,
        address="Strada Donath 78, 400293 Cluj-Napoca",
        units_count=24, blocks="A", floors=6, doors_per_floor=4,
        pilot_start=_d(2025, 2, 1), pilot_end=_d(2026, 12, 31), first_move_in=_d(2023, 9, 1),
        profile="mixed", income_level=1.1, manager=("Ioana", "Mureșan"),
    ),
    ProjectSpec(
        city="cluj-napoca", slug="pamant-comun-someseni", name="Pământ Comun Someșeni",
        kind=ProjectKind.COMMUNITY_LAND_TRUST, status=ProjectStatus.PILOT,
        address="Strada Aurel Vlaicu 150, 400581 Cluj-Napoca",
        units_count=40, blocks="ABC", floors=4, doors_per_floor=4,
        pilot_start=_d(2025, 6, 1), pilot_end=_d(2027, 5, 31), first_move_in=_d(2022, 5, 1),
        profile="mixed", income_level=0.8, manager=("Levente", "Kovács"),
    ),
    ProjectSpec(
        city="dresden", slug="elbgarten-eg", name="Wohngenossenschaft Elbgarten eG",
        kind=ProjectKind.HOUSING_COOPERATIVE, status=ProjectStatus.ACTIVE,
        address="Rudolf-Leonhard-Straße 38, 01097 Dresden",
        units_count=60, blocks="ABC", floors=5, doors_per_floor=4,
        pilot_start=_d(2023, 1, 1), pilot_end=_d(2024, 12, 31), first_move_in=_d(2016, 4, 1),
        profile="mixed", income_level=1.0, manager=("Katrin", "Hoffmann"),
    ),
    ProjectSpec(
        city="dresden", slug="hofgemeinschaft-loebtau", name="Hofgemeinschaft Löbtau",
        kind=ProjectKind.COHOUSING, status=ProjectStatus.PILOT,
        address="Wernerstraße 21, 01159 Dresden",
        units_count=28, blocks="AB", floors=4, doors_per_floor=4,
        pilot_start=_d(2025, 3, 1), pilot_end=_d(2027, 2, 28), first_move_in=_d(2020, 9, 1),
        profile="family", income_level=1.05, manager=("Jens", "Richter"),
    ),
    ProjectSpec(
        city="dresden", slug="prohlis-gemeinsam", name="Prohlis Gemeinsam",
        kind=ProjectKind.CO_MANAGED_PUBLIC_RENTAL, status=ProjectStatus.PILOT,
        address="Jacob-Winter-Platz 4, 01239 Dresden",
        units_count=64, blocks="AB", floors=8, doors_per_floor=4,
        pilot_start=_d(2025, 1, 1), pilot_end=_d(2026, 12, 31), first_move_in=_d(2012, 1, 1),
        profile="social", income_level=0.6, manager=("Aylin", "Demir"),
    ),
    ProjectSpec(
        city="lyon", slug="les-tisserands", name="Habitat participatif Les Tisserands",
        kind=ProjectKind.COHOUSING, status=ProjectStatus.ACTIVE,
        address="14 rue Dumenge, 69004 Lyon",
        units_count=22, blocks="AB", floors=3, doors_per_floor=4,
        pilot_start=_d(2023, 9, 1), pilot_end=_d(2025, 8, 31), first_move_in=_d(2018, 11, 1),
        profile="family", income_level=1.1, manager=("Claire", "Rousseau"),
    ),
    ProjectSpec(
        city="lyon", slug="foncier-solidaire-gerland", name="Foncier solidaire Gerland",
        kind=ProjectKind.COMMUNITY_LAND_TRUST, status=ProjectStatus.PILOT,
        address="51 rue de Gerland, 69007 Lyon",
        units_count=46, blocks="AB", floors=6, doors_per_floor=4,
        pilot_start=_d(2025, 5, 1), pilot_end=_d(2027, 4, 30), first_move_in=_d(2023, 1, 15),
        profile="family", income_level=0.75, manager=("Karim", "Mansouri"),
    ),
    ProjectSpec(
        city="lyon", slug="cooperative-le-moulin", name="Coopérative d'habitants Le Moulin",
        kind=ProjectKind.HOUSING_COOPERATIVE, status=ProjectStatus.ACTIVE,
        address="7 rue Marius Berliet, 69008 Lyon",
        units_count=30, blocks="A", floors=8, doors_per_floor=4,
        pilot_start=_d(2023, 1, 1), pilot_end=_d(2024, 12, 31), first_move_in=_d(2017, 6, 1),
        profile="mixed", income_level=0.9, manager=("Sophie", "Girard"),
    ),
)  # fmt: skip


# --- Names -------------------------------------------------------------------------------


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


@dataclass(frozen=True)
class NameGroup:
    """First names by birth cohort (before 1960, 1960–1989, from 1990) and surnames."""

    women: tuple[tuple[str, ...], ...]
    men: tuple[tuple[str, ...], ...]
    surnames: tuple[str, ...]


def _group(*, women: tuple[str, ...], men: tuple[str, ...], surnames: str) -> NameGroup:
    """A group from comma-separated lists: three cohorts each of women and men, or one list
    for a group whose naming fashions we do not split by generation."""
    if len(women) == 1:
        women, men = women * 3, men * 3
    return NameGroup(
        women=tuple(_names(cohort) for cohort in women),
        men=tuple(_names(cohort) for cohort in men),
        surnames=_names(surnames),
    )


@dataclass(frozen=True)
class CountryNames:
    native: tuple[tuple[int, NameGroup], ...]
    migrant: tuple[tuple[int, NameGroup], ...]
    migrant_share: float
    # Spain: everyone carries two surnames, a child the first of each parent's.
    two_surnames: bool
    spouse_takes_surname: float
    # Typical share of gross income going to income tax and social contributions.
    tax_rate: float


CATALAN = _group(
    women=(
        "Montserrat, Núria, Rosa, Mercè, Carme, Dolors, Pilar, Teresa, Antònia",
        "Laura, Marta, Anna, Cristina, Sílvia, Elena, Raquel, Gemma, Mònica, Eva",
        "Júlia, Martina, Laia, Paula, Aina, Clàudia, Ona, Emma, Lucía, Carla",
    ),
    men=(
        "Josep, Joan, Jordi, Antoni, Francesc, Manuel, Ramon, Pere, Miquel",
        "David, Marc, Xavier, Sergi, Albert, Carles, Òscar, Daniel, Jaume, Pau",
        "Pol, Arnau, Biel, Nil, Jan, Àlex, Hugo, Martí, Eric, Leo, Oriol",
    ),
    surnames="Garcia, Martínez, López, Puig, Vidal, Soler, Ferrer, Font, Serra, Roca, Pujol, "
    "Sala, Martí, Casals, Vila, Costa, Fernández, Sánchez, Rodríguez, Pérez, Romero, Navarro, "
    "Camps, Riera, Bosch, Pons",
)
ROMANIAN = _group(
    women=(
        "Maria, Elena, Ioana, Ana, Viorica, Floarea, Georgeta, Rodica",
        "Mihaela, Cristina, Daniela, Gabriela, Simona, Monica, Adriana, Loredana",
        "Andreea, Alexandra, Bianca, Ioana, Daria, Sofia, Irina, Ilinca",
    ),
    men=(
        "Ion, Gheorghe, Vasile, Constantin, Nicolae, Petru, Ioan, Dumitru",
        "Mihai, Florin, Adrian, Cristian, Dan, Marius, Sorin, Bogdan",
        "Andrei, Alexandru, David, Ștefan, Matei, Luca, Tudor, Rareș",
    ),
    surnames="Pop, Popescu, Moldovan, Rus, Mureșan, Câmpean, Sabău, Crișan, Oltean, Cozma, "
    "Lazăr, Man, Bogdan, Vlad, Marin, Dragoș, Suciu",
)
HUNGARIAN = _group(
    women=(
        "Erzsébet, Katalin, Ilona, Mária, Margit",
        "Krisztina, Andrea, Enikő, Tímea, Ildikó",
        "Réka, Boglárka, Anna, Zsófia, Hanna",
    ),
    men=(
        "István, László, József, Ferenc, Sándor",
        "Attila, Zoltán, Csaba, Levente, Tibor",
        "Bence, Máté, Dániel, Ádám, Botond",
    ),
    surnames="Kovács, Szabó, Nagy, Tóth, Molnár, Farkas, Balogh, Székely",
)
GERMAN = _group(
    women=(
        "Ursula, Helga, Renate, Christa, Brigitte, Ingrid, Gisela, Monika",
        "Katrin, Anja, Sandra, Susanne, Nicole, Claudia, Kerstin, Stefanie",
        "Lea, Hannah, Emma, Mia, Lena, Sophie, Marie, Clara, Johanna",
    ),
    men=(
        "Klaus, Wolfgang, Jürgen, Dieter, Manfred, Peter, Günter, Horst",
        "Thomas, Andreas, Michael, Stefan, Frank, Jens, Sven, Matthias",
        "Paul, Felix, Jonas, Leon, Max, Ben, Lukas, Emil, Noah",
    ),
    surnames="Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Hoffmann, "
    "Schulze, Richter, Wolf, Neumann, Krause, Lehmann, Zimmermann, Hartmann, Kühn",
)
FRENCH = _group(
    women=(
        "Monique, Jacqueline, Françoise, Michèle, Nicole, Colette, Danielle",
        "Nathalie, Isabelle, Sandrine, Céline, Valérie, Stéphanie, Aurélie",
        "Camille, Léa, Chloé, Manon, Inès, Louise, Jade, Alice, Lina",
    ),
    men=(
        "Jean, Michel, Bernard, Gérard, Alain, Jacques, Pierre, René",
        "Christophe, Stéphane, Laurent, Nicolas, Olivier, Sébastien, Julien",
        "Lucas, Hugo, Louis, Gabriel, Arthur, Jules, Nathan, Raphaël, Théo",
    ),
    surnames="Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, "
    "Simon, Laurent, Lefebvre, Michel, Girard, Rousseau, Fournier, Chevalier, Mercier, Blanc, "
    "Faure, Guillot",
)
ANDEAN = _group(
    women=("Valentina, Camila, Daniela, Mariana, Gabriela, Ana Lucía",),
    men=("Santiago, Mateo, Luis Fernando, Andrés, Jhon, Carlos",),
    surnames="Quispe, Mamani, Vargas, Castillo, Gutiérrez, Paredes, Rojas",
)
MAGHREBI = _group(
    women=("Fatima, Khadija, Salma, Nadia, Yasmina, Samira, Leïla, Amira",),
    men=("Mohamed, Youssef, Hamza, Karim, Rachid, Mehdi, Yacine, Sofiane",),
    surnames="El Amrani, Benali, El Idrissi, Bouzid, Mansouri, Haddad, Belkacem, Cherif, Boukhari",
)
SOUTH_ASIAN = _group(
    women=("Ayesha, Sana, Nusrat, Rabia",),
    men=("Imran, Bilal, Tariq, Usman",),
    surnames="Khan, Hussain, Malik, Ahmed, Iqbal",
)
MOLDOVAN = _group(
    women=("Natalia, Olga, Tatiana, Ana, Cristina",),
    men=("Ion, Vadim, Sergiu, Victor, Dorin",),
    surnames="Rusu, Ciobanu, Munteanu, Cebotari, Guțu",
)
LEVANTINE = _group(
    women=("Rasha, Lina, Hiba, Nour, Reem, Dima",),
    men=("Ahmad, Omar, Khaled, Samer, Yazan, Firas",),
    surnames="Al-Hassan, Haddad, Darwish, Khalil, Nasser, Saleh",
)
UKRAINIAN = _group(
    women=("Olena, Iryna, Kateryna, Oksana, Yuliia, Tetiana",),
    men=("Oleksandr, Dmytro, Andrii, Serhii, Mykola, Taras",),
    surnames="Shevchenko, Kovalenko, Bondarenko, Melnyk, Tkachenko, Kravchuk",
)
TURKISH = _group(
    women=("Ayşe, Elif, Zeynep, Fatma, Merve",),
    men=("Mehmet, Ali, Emre, Murat, Can",),
    surnames="Yılmaz, Kaya, Demir, Şahin, Çelik, Öztürk",
)
VIETNAMESE = _group(
    women=("Lan, Hoa, Thu, Linh, Mai",),
    men=("Minh, Tuan, Duc, Hung, Quang",),
    surnames="Nguyen, Tran, Pham, Le, Vu, Hoang",
)
WEST_AFRICAN = _group(
    women=("Aminata, Fatoumata, Mariam, Awa, Kadiatou",),
    men=("Moussa, Mamadou, Ibrahima, Seydou, Abdoulaye",),
    surnames="Diallo, Traoré, Camara, Koné, Diop, Sow",
)
PORTUGUESE = _group(
    women=("Ana, Maria, Sofia, Inês, Beatriz",),
    men=("João, Pedro, Tiago, Rui, Nuno",),
    surnames="Silva, Ferreira, Pereira, Costa, Santos, Oliveira",
)

COUNTRY_NAMES: dict[str, CountryNames] = {
    "ES": CountryNames(
        native=((100, CATALAN),),
        migrant=((45, ANDEAN), (35, MAGHREBI), (20, SOUTH_ASIAN)),
        migrant_share=0.18,
        two_surnames=True,
        spouse_takes_surname=0.0,
        tax_rate=0.19,
    ),
    "RO": CountryNames(
        # Cluj-Napoca's Hungarian-speaking minority are natives, not migrants.
        native=((85, ROMANIAN), (15, HUNGARIAN)),
        migrant=((50, MOLDOVAN), (30, UKRAINIAN), (20, LEVANTINE)),
        migrant_share=0.04,
        two_surnames=False,
        spouse_takes_surname=0.75,
        tax_rate=0.40,
    ),
    "DE": CountryNames(
        native=((100, GERMAN),),
        # Dresden's Vietnamese community dates back to the GDR's contract workers.
        migrant=((30, TURKISH), (25, LEVANTINE), (25, VIETNAMESE), (20, UKRAINIAN)),
        migrant_share=0.12,
        two_surnames=False,
        spouse_takes_surname=0.7,
        tax_rate=0.34,
    ),
    "FR": CountryNames(
        native=((100, FRENCH),),
        migrant=((45, MAGHREBI), (35, WEST_AFRICAN), (20, PORTUGUESE)),
        migrant_share=0.15,
        two_surnames=False,
        spouse_takes_surname=0.55,
        tax_rate=0.23,
    ),
}


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


# --- Writing it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    scope: str


def user_language(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else "en"


class Seeder:
    """Creates whatever of the plan is missing; never updates what is there."""

    def __init__(self) -> None:
        self.created: dict[str, int] = {}
        self.totals: dict[str, int] = {}
        self.logins: list[DemoLogin] = []
        self._password_hash: str | None = None
        self._hashes_known_good: set[str] = set()

    def _count(self, name: str, total: int, created: int) -> None:
        self.totals[name] = self.totals.get(name, 0) + total
        self.created[name] = self.created.get(name, 0) + created

    def run(self) -> None:
        admin = self._user(
            email=ADMIN_EMAIL,
            first_name="Platform",
            last_name="Admin",
            language="en",
            superuser=True,
        )
        self.logins.append(DemoLogin(ADMIN_EMAIL, "platform admin", "all cities"))
        for city_spec in CITIES:
            city = self._city(city_spec)
            officer_email = f"officer.{city_spec.slug}@{DEMO_DOMAIN}"
            officer = self._user(
                email=officer_email,
                first_name=city_spec.officer[0],
                last_name=city_spec.officer[1],
                language=user_language(city_spec.language),
            )
            self._role(user=officer, kind=RoleKind.OFFICER, city=city, granted_by=admin)
            self.logins.append(DemoLogin(officer_email, "city officer", city.name))
            for spec in PROJECTS:
                if spec.city == city_spec.slug:
                    self._project(city, city_spec, spec, admin)
            monitoring = seed_city_monitoring(city=city, officer=officer)
            self._count("pilot goals", city.pilot_goals.count(), monitoring["pilot goals"])

    # -- users and roles --

    def _demo_password_hash(self) -> str:
        # PBKDF2 takes a good fraction of a second per hash; every demo login shares one hash
        # (the password is public anyway) so seeding stays fast. A rerun reuses the admin's.
        if self._password_hash is None:
            existing = (
                User.objects.filter(email=ADMIN_EMAIL).values_list("password", flat=True).first()
            )
            if existing and self._is_demo_password(existing):
                self._password_hash = existing
            else:
                self._password_hash = make_password(DEMO_PASSWORD)
                self._hashes_known_good.add(self._password_hash)
        return self._password_hash

    def _is_demo_password(self, encoded: str) -> bool:
        if encoded not in self._hashes_known_good and check_password(DEMO_PASSWORD, encoded):
            self._hashes_known_good.add(encoded)
        return encoded in self._hashes_known_good

    def _user(
        self,
        *,
        email: str,
        first_name: str,
        last_name: str,
        language: str,
        superuser: bool = False,
    ) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "language": language,
                "is_staff": superuser,
                "is_superuser": superuser,
                "password": self._demo_password_hash(),
            },
        )
        if not created and not self._is_demo_password(user.password):
            # Someone changed a demo password: the demo must stay usable with the published one.
            user.password = self._demo_password_hash()
            user.save(update_fields=["password"])
        self._count("users", 1, int(created))
        self._verified_email(user)
        return user

    def _verified_email(self, user: User) -> None:
        """E-mail verification is mandatory: without a verified address the login is refused."""
        address, _ = EmailAddress.objects.get_or_create(
            user=user,
            email__iexact=user.email,
            defaults={"email": user.email, "verified": True, "primary": True},
        )
        if not (address.verified and address.primary):
            EmailAddress.objects.filter(user=user).exclude(pk=address.pk).update(primary=False)
            address.verified = address.primary = True
            address.save(update_fields=["verified", "primary"])

    def _role(
        self,
        *,
        user: User,
        kind: str,
        granted_by: User,
        project: HousingProject | None = None,
        city: City | None = None,
    ) -> None:
        exists = Role.objects.filter(
            user=user, project=project, city=city, revoked_at__isnull=True
        ).exists()
        if not exists:
            role_grant(user=user, kind=kind, project=project, city=city, granted_by=granted_by)
        self._count("roles", 1, int(not exists))

    # -- places --

    def _city(self, spec: CitySpec) -> City:
        city, created = City.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "country_code": spec.country_code,
                "time_zone": spec.time_zone,
                "currency": spec.currency,
                "default_language": spec.language,
                "median_equivalised_income_cents": spec.median_equivalised_income_cents,
            },
        )
        self._count("cities", 1, int(created))
        return city

    def _project(self, city: City, city_spec: CitySpec, spec: ProjectSpec, admin: User) -> None:
        project, created = HousingProject.objects.get_or_create(
            city=city,
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "address": spec.address,
                "units_count": spec.units_count,
                "status": spec.status,
                "pilot_start": spec.pilot_start,
                "pilot_end": spec.pilot_end,
            },
        )
        self._count("projects", 1, int(created))
        plans = ProjectPlanner(city_spec, spec).plan()
        language = user_language(city_spec.language)

        manager_email = f"manager.{spec.slug}@{DEMO_DOMAIN}"
        manager = self._user(
            email=manager_email,
            first_name=spec.manager[0],
            last_name=spec.manager[1],
            language=language,
        )
        self._role(user=manager, kind=RoleKind.MANAGER, project=project, granted_by=admin)
        self.logins.append(DemoLogin(manager_email, "housing manager", project.name))

        home = demo_household(plans)
        representative = home.representative
        resident_email = f"resident.{spec.slug}@{DEMO_DOMAIN}"
        resident_user = self._user(
            email=resident_email,
            first_name=representative.first_name,
            last_name=representative.last_name,
            language=language,
        )

        households = self._households(project, plans)
        self._residents(households, plans, link=(home, representative, resident_user))
        self._role(user=resident_user, kind=RoleKind.RESIDENT, project=project, granted_by=manager)
        self.logins.append(
            DemoLogin(resident_email, "resident", f"{project.name} · {home.unit_label}")
        )
        self._declarations(
            households,
            plans,
            manager=manager,
            declared_by={home.unit_label: resident_user},
        )
        spaces = seed_project_spaces(
            project=project,
            households=[households[label] for label in sorted(households)],
            booker={households[home.unit_label].pk: resident_user},
        )
        self._count("spaces", project.spaces.count(), spaces["spaces"])
        self._count(
            "bookings", Booking.objects.filter(space__project=project).count(), spaces["bookings"]
        )
        governance = seed_project_governance(project=project, chair=manager)
        self._count(
            "decision classes", project.decision_classes.count(), governance["decision classes"]
        )
        self._count("meetings", project.meetings.count(), governance["meetings"])
        self._count("proposals", project.proposals.count(), governance["proposals"])
        money = seed_project_contributions(project=project, manager=manager)
        declared = IncomeDeclaration.objects.filter(household__project=project).count()
        planned = sum(len(plan.declarations) for plan in plans)
        self._count("income declarations", declared - planned, money["income declarations"])
        self._count("budgets", project.budgets.count(), money["budgets"])
        self._count("contribution schemes", project.contribution_schemes.count(), money["schemes"])
        self._count("charge runs", project.charge_runs.count(), money["charge runs"])
        payments = Payment.objects.filter(household__project=project).count()
        self._count("payments", payments, money["payments"])

    def _households(
        self, project: HousingProject, plans: list[HouseholdPlan]
    ) -> dict[str, Household]:
        existing = {h.unit_label: h for h in Household.objects.filter(project=project)}
        missing = [
            Household(
                project=project,
                unit_label=plan.unit_label,
                unit_area_m2=plan.unit_area_m2,
                rooms=plan.rooms,
                move_in=plan.move_in,
                move_out=plan.move_out,
            )
            for plan in plans
            if plan.unit_label not in existing
        ]
        if missing:
            Household.objects.bulk_create(missing)
            # Re-read rather than trust bulk_create to have set primary keys on every backend.
            existing = {h.unit_label: h for h in Household.objects.filter(project=project)}
        self._count("households", len(plans), len(missing))
        return existing

    def _residents(
        self,
        households: dict[str, Household],
        plans: list[HouseholdPlan],
        *,
        link: tuple[HouseholdPlan, ResidentPlan, User],
    ) -> None:
        project_households = [households[plan.unit_label] for plan in plans]
        present = set(
            Resident.objects.filter(household__in=project_households).values_list(
                "household_id", "first_name", "last_name"
            )
        )
        missing = [
            Resident(
                household=households[plan.unit_label],
                first_name=resident.first_name,
                last_name=resident.last_name,
                birth_year=resident.birth_year,
                is_representative=resident.is_representative,
                inclusion_consent_at=resident.inclusion_consent_at,
                gender=resident.gender,
                migrant_background=resident.migrant_background,
            )
            for plan in plans
            for resident in plan.residents
            if (households[plan.unit_label].pk, resident.first_name, resident.last_name)
            not in present
        ]
        Resident.objects.bulk_create(missing)
        self._count("residents", sum(len(plan.residents) for plan in plans), len(missing))

        home, representative, user = link
        if not Resident.objects.filter(user=user).exists():
            Resident.objects.filter(
                household=households[home.unit_label],
                first_name=representative.first_name,
                last_name=representative.last_name,
                user__isnull=True,
            ).update(user=user)

    def _declarations(
        self,
        households: dict[str, Household],
        plans: list[HouseholdPlan],
        *,
        manager: User,
        declared_by: dict[str, User],
    ) -> None:
        present = set(
            IncomeDeclaration.objects.filter(
                household__in=[households[plan.unit_label] for plan in plans]
            ).values_list("household_id", "valid_from")
        )
        missing = []
        for plan in plans:
            household = households[plan.unit_label]
            # Households without an account hand their papers to the manager, who enters them.
            author = declared_by.get(plan.unit_label, manager)
            missing.extend(
                IncomeDeclaration(
                    household=household,
                    valid_from=declaration.valid_from,
                    gross_monthly_cents=declaration.gross_monthly_cents,
                    disposable_monthly_cents=declaration.disposable_monthly_cents,
                    evidence_status=declaration.evidence_status,
                    declared_by=author,
                    declared_at=declaration.declared_at,
                    verified_by=manager if declaration.verified_at else None,
                    verified_at=declaration.verified_at,
                )
                for declaration in plan.declarations
                if (household.pk, declaration.valid_from) not in present
            )
        IncomeDeclaration.objects.bulk_create(missing)
        total = sum(len(plan.declarations) for plan in plans)
        self._count("income declarations", total, len(missing))


SUMMARY_ORDER = (
    "cities",
    "projects",
    "households",
    "residents",
    "income declarations",
    "users",
    "roles",
    "spaces",
    "bookings",
    "decision classes",
    "meetings",
    "budgets",
    "contribution schemes",
    "charge runs",
    "payments",
    "proposals",
    "pilot goals",
)


class Command(BaseCommand):
    help = (
        "Seed a demo network of four cities with their collaborative-housing projects, "
        "households, residents, income declarations and one demo login per role. "
        "Safe to run again: existing rows are kept and nothing changes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        seeder = Seeder()
        with transaction.atomic():
            seeder.run()

        for name in SUMMARY_ORDER:
            self.stdout.write(f"{name}: {seeder.totals[name]} ({seeder.created[name]} new)")
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        rows = [("E-mail", "Role", "Scope")]
        rows += [(login.email, login.role, login.scope) for login in seeder.logins]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        for email, role, scope in rows:
            self.stdout.write(f"{email:<{widths[0]}}  {role:<{widths[1]}}  {scope}")
        self.stdout.write("")
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
