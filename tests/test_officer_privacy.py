"""No page and no API answer that a city officer or a network observer can reach shows a
household: not its id as a link, its unit, a resident's name or e-mail, nor an income
(DESIGN.md §1: "aggregated, anonymised indicators over time").

The test seeds a city whose households, residents and incomes carry names and amounts that no
page could show by chance, then crawls, as each of them, everything they can reach: from the home
page, the city's and its projects' pages, the API root and every path of the OpenAPI schema (its
ids filled with the ids of every seeded object), following every same-site link, every URL in
an API answer and every id of an API list. Each answer is read for the seeded facts. Then the
officers of another city ask for each URL of the city and its projects: every one is 404.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import deque
from collections.abc import Iterable
from decimal import Decimal
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from community.monitoring.models import GoalComparison, Indicator, PilotGoal
from community.monitoring.selectors.dashboards import KEY_INDICATORS
from members.models import Household, IncomeDeclaration, Resident
from tests.community.factories import (
    BookingFactory,
    SpaceFactory,
    months_back,
    publish,
    publish_grid,
)
from tests.factories import (
    HouseholdFactory,
    IncomeDeclarationFactory,
    ResidentFactory,
    make_observer,
    make_resident_user,
)

pytestmark = pytest.mark.django_db

JUNE = dt.date(2025, 6, 1)
MAX_PAGES = 1500
MAX_VARIANTS = 6  # query strings followed per path: months, pages, filters
NEVER_FOLLOW = ("/static/", "/accounts/logout/", "/media/")

# (first name, last name, unit, gross cents, disposable cents): nothing else on any page looks
# like them.
SEEDED = [
    ("Quillonetta", "Vexborough", "ZQ-17", 8_765_432, 7_654_318),
    ("Barnaby", "Thistlewick", "ZQ-23", 9_182_736, 8_172_635),
    ("Ozymandra", "Pelliwhistle", "ZQ-31", 6_473_829, 5_364_718),
]


# --- Seeding -------------------------------------------------------------------------------


def seed_households(side) -> dict[str, list]:
    """Households with distinctive units, residents (with accounts and e-mails) and incomes in
    both projects of the side's city; bookings by them; returns what must never show."""
    user = side.resident_user
    user.email = "zebulonia.quorndike@households.example"
    user.first_name, user.last_name = "Zebulonia", "Quorndike"
    user.save(update_fields=["email", "first_name", "last_name"])
    for index, household in enumerate(
        Household.objects.filter(project__city=side.city).order_by("pk")
    ):
        household.unit_label = f"ZQ-9{index}"
        household.save(update_fields=["unit_label"])
    # The fixtures' round incomes (3 000.00) would also match an id such as /proposals/3000/
    # once the sequences run high: give every income a figure no id or date can take.
    for index, declaration in enumerate(
        IncomeDeclaration.objects.filter(household__project__city=side.city).order_by("pk")
    ):
        declaration.gross_monthly_cents = 7_919_311 + 1_000_003 * index
        declaration.disposable_monthly_cents = 6_828_417 + 1_000_003 * index
        declaration.save(update_fields=["gross_monthly_cents", "disposable_monthly_cents"])
    for index, (first, last, unit, gross, disposable) in enumerate(SEEDED):
        project = side.project if index % 2 == 0 else side.other_project
        household = HouseholdFactory(project=project, unit_label=unit)
        ResidentFactory(household=household, first_name=first, last_name=last, birth_year=1970)
        make_resident_user(
            household,
            email=f"{first.lower()}.{last.lower()}@households.example",
            first_name=first,
            last_name=last,
        )
        IncomeDeclarationFactory(
            household=household,
            gross_monthly_cents=gross,
            disposable_monthly_cents=disposable,
        )
        space = SpaceFactory(project=project, name=f"Room of {unit}")
        BookingFactory(space=space, household=household)
    # Every other resident (the fixtures' and the accounts' own records carry generated names
    # such as "James", which the reader's own account may share) gets a name no page can hold.
    seeded_first_names = {first for first, *_rest in SEEDED}
    residents = Resident.objects.filter(household__project__city=side.city).exclude(
        first_name__in=seeded_first_names
    )
    for number, resident in enumerate(residents.order_by("pk")):
        resident.first_name = f"Zebulonia{number}q"
        resident.last_name = f"Quorndike{number}q"
        resident.save(update_fields=["first_name", "last_name"])
    households = list(Household.objects.filter(project__city=side.city))
    everyone = list(Resident.objects.filter(household__in=households).select_related("user"))
    incomes = list(IncomeDeclaration.objects.filter(household__in=households))
    return {
        "households": households,
        "names": [name for r in everyone for name in (r.first_name, r.last_name)],
        "emails": [r.user.email for r in everyone if r.user is not None],
        "units": [household.unit_label for household in households],
        "incomes": [
            cents
            for declaration in incomes
            for cents in (declaration.gross_monthly_cents, declaration.disposable_monthly_cents)
        ],
    }


def seed_indicators(side, other) -> None:
    """Published cells for both cities (values unlike any income), and goals."""
    for each in (side, other):
        publish_grid(
            city=each.city,
            projects=[each.project, each.other_project],
            months=months_back(JUNE, 4),
            indicators=KEY_INDICATORS,
            value=lambda project, month, indicator: (
                17 if indicator in (Indicator.HOUSEHOLDS, Indicator.RESIDENTS) else "0.3125"
            ),
        )
    publish(
        city=side.city,
        project=side.other_project,
        month=dt.date(2025, 7, 1),
        indicator=Indicator.HOUSEHOLDS,
        suppressed=True,
        display="< 10",
    )
    PilotGoal.objects.create(
        city=side.city,
        project=side.project,
        indicator=Indicator.OVERBURDEN_RATE_EUROSTAT,
        comparison=GoalComparison.AT_MOST,
        target=Decimal("0.2"),
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 12, 31),
    )
    PilotGoal.objects.create(
        city=side.city,
        indicator=Indicator.TURNOUT,
        comparison=GoalComparison.AT_LEAST,
        target=Decimal("0.5"),
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 12, 31),
    )


# --- What must never show --------------------------------------------------------------------


def income_patterns(cents: int) -> list[re.Pattern]:
    """An amount in cents however a page might write it: cents, or units with any grouping and
    decimal sign, rounded or not (8 765 432 cents: 8765432, 87,654.32, 87.654,32, 87 654,32,
    87654.32, 87,654, €87,654 …)."""
    units, hundredths = divmod(cents, 100)
    thousands, rest = divmod(units, 1000)
    separator = r"[\s.,'\u00a0\u202f]?"
    whole = rf"{thousands}{separator}{rest:03d}"
    rounded = units + (1 if hundredths >= 50 else 0)
    r_thousands, r_rest = divmod(rounded, 1000)
    return [
        re.compile(rf"(?<!\d){cents}(?!\d)"),
        re.compile(rf"(?<!\d){whole}[.,]{hundredths:02d}(?!\d)"),
        re.compile(rf"(?<![\d.,]){whole}(?![\d]|[.,]\d)"),
        re.compile(rf"(?<![\d.,]){r_thousands}{separator}{r_rest:03d}(?![\d]|[.,]\d)"),
    ]


def leaks(body: str, forbidden: dict[str, list]) -> list[str]:
    """The seeded facts the answer shows."""
    text = unescape(body)
    found = []
    for household in forbidden["households"]:
        pk = household.pk
        if re.search(rf"households/{pk}(?!\d)", text) or re.search(
            rf'"household(?:_id)?"\s*:\s*{pk}(?!\d)', text
        ):
            found.append(f"household {pk}")
    for kind in ("names", "emails", "units"):
        found += [value for value in forbidden[kind] if value in text]
    for cents in forbidden["incomes"]:
        if any(pattern.search(text) for pattern in income_patterns(cents)):
            found.append(f"income {cents}")
    return found


# --- Crawling --------------------------------------------------------------------------------

HREF = re.compile(r"""(?:href|src|action|hx-get)=["']([^"'#]+)""", re.IGNORECASE)


def _same_site(url: str, base: str) -> str | None:
    absolute = urljoin(base, unescape(url))
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https", "") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path or "/"
    if any(path.startswith(prefix) for prefix in NEVER_FOLLOW):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _json_links(data: object, path: str) -> Iterable[str]:
    """URLs in an API answer, and the detail URL of each id in a list."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and (
                value.startswith("http://testserver/") or value.startswith("/api/")
            ):
                yield value
            elif key == "results" and isinstance(value, list) and path.startswith("/api/v1/"):
                collection = path.split("?")[0]
                for item in value:
                    if isinstance(item, dict) and isinstance(item.get("id"), int):
                        yield f"{collection}{item['id']}/"
            yield from _json_links(value, path)
    elif isinstance(data, list):
        for item in data:
            yield from _json_links(item, path)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def crawl(
    client: Client, starts: Iterable[str], answers: dict[str, tuple[int, str]] | None = None
) -> dict[str, tuple[int, str]]:
    """Every same-site URL reachable from ``starts`` by GET and not in ``answers`` yet: its
    status and body, added to ``answers``."""
    answers = {} if answers is None else answers
    variants: dict[str, int] = {}
    queue = deque(starts)
    while queue and len(answers) < MAX_PAGES:
        url = queue.popleft()
        if url in answers:
            continue
        path = url.split("?")[0]
        if "?" in url:
            variants[path] = variants.get(path, 0) + 1
            if variants[path] > MAX_VARIANTS:
                continue
        response = client.get(url)
        body = _body(response)
        answers[url] = (response.status_code, body)
        found: list[str] = []
        if response.status_code in (301, 302, 303, 307, 308):
            found.append(response["Location"])
        content_type = response.get("Content-Type", "")
        if "html" in content_type:
            found += HREF.findall(body)
        elif "json" in content_type:
            try:
                found += list(_json_links(json.loads(body), path))
            except ValueError:
                pass
        for link in found:
            target = _same_site(link, url)
            if target and target not in answers:
                queue.append(target)
    return answers


def schema_urls(client: Client, ids: dict[str, set[int]]) -> list[str]:
    """Every GET path of the OpenAPI schema, its id filled with each seeded id of its
    collection (``ids``; every seeded id for a collection with none of its own seeded)."""
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    every = set().union(*ids.values())
    urls = []
    for template, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        if "{" not in template:
            urls.append(template)
            continue
        if re.search(r"\{(?!id\}|pk\}|\w+_id\})\w+\}", template):
            continue  # a token, not an id: nobody knows it without being given it
        collection = template.removeprefix("/api/v1/").split("/")[0]
        urls += [re.sub(r"\{\w+\}", str(pk), template) for pk in ids.get(collection, every)]
    return urls


def seeded_ids(side, other) -> dict[str, set[int]]:
    """The ids of the seeded objects, by the API collection that would show them."""
    from community.bookings.models import Booking, Space

    def pks(model, **scope) -> set[int]:
        return set(model.objects.filter(**scope).values_list("pk", flat=True))

    return {
        "cities": {side.city.pk, other.city.pk},
        "projects": {side.project.pk, side.other_project.pk, other.project.pk},
        "households": pks(Household, project__city=side.city),
        "residents": pks(Resident, household__project__city=side.city),
        "income-declarations": pks(IncomeDeclaration, household__project__city=side.city),
        "spaces": pks(Space, project__city=side.city),
        "bookings": pks(Booking, space__project__city=side.city),
        "pilot-goals": pks(PilotGoal),
    }


def starts_for(side, extra: Iterable[str] = ()) -> list[str]:
    return [
        "/",
        f"/cities/{side.city.pk}/",
        f"/cities/{side.city.pk}/indicators/",
        f"/projects/{side.project.pk}/",
        f"/projects/{side.other_project.pk}/",
        "/api/v1/",
        *extra,
    ]


@pytest.fixture
def seeded(side_a, side_b):
    forbidden = seed_households(side_a)
    seed_indicators(side_a, side_b)
    return forbidden


def _check(answers: dict[str, tuple[int, str]], forbidden: dict[str, list]) -> None:
    shown = {url: found for url, (_s, body) in answers.items() if (found := leaks(body, forbidden))}
    assert shown == {}
    errors = {url: status for url, (status, _b) in answers.items() if status >= 500}
    assert errors == {}


# --- The tests -------------------------------------------------------------------------------


def test_the_seeded_facts_are_found_where_they_belong(client, side_a, seeded):
    """The check itself finds each kind of fact: on a manager's pages they are all there."""
    client.force_login(side_a.manager)
    household = next(h for h in seeded["households"] if h.unit_label == "ZQ-17")
    page = _body(client.get(f"/households/{household.pk}/"))
    found = leaks(page, seeded)
    assert "ZQ-17" in found and "Quillonetta" in found and "Vexborough" in found
    assert "income 8765432" in found and "income 7654318" in found
    assert f"household {household.pk}" in leaks(
        _body(client.get(f"/projects/{side_a.project.pk}/")), seeded
    )
    assert leaks("quillonetta.vexborough@households.example", seeded)
    assert leaks("87 654,32 €", seeded) == ["income 8765432"]
    assert leaks("€87,654", seeded) == ["income 8765432"]
    assert leaks(f'{{"household": {household.pk}}}', seeded)


@pytest.mark.slow  # a crawl of every page and API answer
def test_a_city_officer_reaches_no_household_anywhere(client, side_a, side_b, seeded):
    client.force_login(side_a.officer)
    ids = seeded_ids(side_a, side_b)

    answers = crawl(client, starts_for(side_a))
    crawl(client, schema_urls(client, ids), answers)

    reached = {url.split("?")[0] for url, (status, _b) in answers.items() if status == 200}
    # The crawl did reach the officer's pages and API, not just its start.
    for page in (
        f"/cities/{side_a.city.pk}/indicators/",
        f"/projects/{side_a.project.pk}/indicators/",
        f"/projects/{side_a.project.pk}/indicators/report/",
        f"/cities/{side_a.city.pk}/indicators/export.csv",
        f"/cities/{side_a.city.pk}/indicators/export.json",
        f"/api/v1/cities/{side_a.city.pk}/indicators/",
        f"/api/v1/projects/{side_a.other_project.pk}/indicators/",
        "/api/v1/pilot-goals/",
    ):
        assert page in reached, page
    assert any(url.startswith("/goals/") for url in reached)
    assert len(reached) > 40
    _check(answers, seeded)

    # Another city's officer: every URL of this city and its projects is unknown to them.
    client.force_login(side_b.officer)
    scoped = re.compile(
        rf"^/(?:api/v1/)?(?:cities/{side_a.city.pk}|projects/(?:{side_a.project.pk}|"
        rf"{side_a.other_project.pk}))/"
    )
    theirs = sorted(url for url in answers if scoped.match(url))
    assert len(theirs) > 20
    answered = {url: client.get(url).status_code for url in theirs}
    assert {url: status for url, status in answered.items() if status != 404} == {}


@pytest.mark.slow  # a crawl of every page and API answer
def test_a_network_observer_reaches_no_household_anywhere(client, side_a, side_b, seeded):
    client.force_login(make_observer())
    ids = seeded_ids(side_a, side_b)

    answers = crawl(
        client, starts_for(side_a, ["/indicators/", f"/cities/{side_b.city.pk}/indicators/"])
    )
    crawl(client, schema_urls(client, ids), answers)

    reached = {url.split("?")[0] for url, (status, _b) in answers.items() if status == 200}
    for page in (
        "/indicators/",
        "/indicators/export.csv",
        "/indicators/export.json",
        f"/cities/{side_b.city.pk}/indicators/",
        f"/projects/{side_a.other_project.pk}/indicators/report/",
        f"/api/v1/cities/{side_b.city.pk}/indicators/",
    ):
        assert page in reached, page
    _check(answers, seeded)
