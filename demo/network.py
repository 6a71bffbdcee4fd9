"""The demo network: its cities and pilot projects, and the fixed day it describes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from members.models import (
    ProjectKind,
    ProjectStatus,
)

# The demo describes the network as of this day. It is fixed rather than today's date so that
# every run plans exactly the same rows; move it forward (and reseed an empty database) to
# refresh the demo.
REFERENCE_DATE = datetime.date(2026, 9, 1)
REFERENCE_YEAR = REFERENCE_DATE.year
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published on purpose: these are demo logins
# Staff owe a second factor: every demo admin, officer and manager has an authenticator app
# with this secret (type it into any authenticator app to sign in as them).
DEMO_TOTP_SECRET = "NETCODEMONETCODEMONETCODEMONETCO"  # noqa: S105 - published on purpose
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
