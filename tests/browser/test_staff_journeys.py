"""Journeys of the staff on a phone (360 px), each in English and in German (a comma-decimal
language, saved on the user as the language switcher saves it): a housing manager drafts,
simulates, compares and adopts a contribution scheme and charges a month with it; a city officer
reads a trend chart's table and exports the indicators as CSV.

Every step asserts what the user sees, passes axe (no serious or critical violation at 360 and
1280 px) and leaves a screenshot in test-artifacts/screenshots/<journey>/<lang>-<n>-<step>.png.
Expected words are read from the catalogues (gettext in the user's language), so the German run
checks the German page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext

from common.months import add_months, first_of_month
from community.money.models import ChargeRun
from community.monitoring.models import Indicator
from members.access import project_time_zone
from members.services import user_language_set
from tests.browser.conftest import (
    NARROW,
    assert_no_serious_violations,
    screenshot,
    signed_in_context,
)
from tests.community.factories import adopted_scheme, months_back, publish_grid, set_budget
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    make_manager,
    make_officer,
)

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["en", "de"]
# An amount as German writes it: a decimal comma and the euro sign after a (no-break) space.
GERMAN_AMOUNT = re.compile(r"\d,\d\d\s€")


def t(language: str, text: str, **values: object) -> str:
    """The catalogue's words for ``text`` in the language, with its placeholders filled."""
    with translation.override(language):
        words = gettext(text)
    return words % values if values else words


def month_words(language: str, month: dt.date) -> str:
    with translation.override(language):
        return formats.date_format(month, "YEAR_MONTH_FORMAT")


class Steps:
    """A journey's steps: each one passes axe and leaves a numbered screenshot."""

    def __init__(self, page, journey: str, language: str) -> None:
        self.page, self.journey, self.language, self.count = page, journey, language, 0

    def done(self, step: str) -> None:
        self.count += 1
        assert self.page.get_attribute("html", "lang") == self.language, step
        assert_no_serious_violations(self.page, f"{self.journey}-{self.language}-{step}")
        self.page.set_viewport_size({"width": NARROW, "height": 800})
        screenshot(self.page, f"{self.language}-{self.count}-{step}", folder=self.journey)


# --- A housing manager: a new scheme, from draft to the month's charges ----------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_manager_drafts_simulates_compares_adopts_and_charges_a_scheme(
    browser, live_server, language
):
    city = CityFactory(name="Journey city", slug="journey-city")
    project = ProjectFactory(city=city, name="Journey House", slug="journey-house")
    this_month = first_of_month(timezone.localtime(timezone=project_time_zone(project)).date())
    next_month = add_months(this_month, 1)
    # The scheme in force ends with this month: the draft takes over from the next.
    adopted_scheme(project, name="Equal shares", valid_to=next_month - dt.timedelta(days=1))
    set_budget(project, this_month, 300_000)
    set_budget(project, next_month, 300_000)
    incomes = {"1A": 240_000, "1B": 180_000, "2A": 320_000}
    for unit, disposable in incomes.items():
        household = HouseholdFactory(project=project, unit_label=unit)
        # 1B's declaration is two years old: past the project's twelve months.
        declared = add_months(this_month, -24 if unit == "1B" else -1)
        IncomeDeclarationFactory(
            household=household,
            valid_from=declared,
            gross_monthly_cents=disposable + 50_000,
            disposable_monthly_cents=disposable,
        )
    manager = make_manager(project)
    user_language_set(user=manager, language=language)
    context = signed_in_context(browser, live_server.url, manager, width=NARROW)
    page = context.new_page()
    steps = Steps(page, "manager-scheme", language)
    german = language == "de"
    try:
        # 1. The schemes, then "draft a scheme": the method first.
        page.goto(f"{live_server.url}/projects/{project.pk}/schemes/")
        assert "Equal shares" in page.locator("main").inner_text()
        steps.done("schemes")
        page.get_by_role("link", name=t(language, "Draft a scheme")).click()
        page.wait_for_url(re.compile(r"/schemes/new/$"))
        assert page.locator("h1").inner_text() == t(language, "Draft a scheme")
        page.get_by_label(t(language, "Share of income")).check()
        steps.done("method")
        page.get_by_role("button", name=t(language, "Continue")).click()

        # 2. The draft's form: a rate typed the language's way.
        page.wait_for_selector("#id_name")
        page.locator("#id_name").fill("Solidarity 27.5")
        page.locator("#id_valid_from").fill(next_month.strftime("%Y-%m"))
        page.locator("#id_rate_percent").fill("27,5" if german else "27.5")
        steps.done("draft-form")
        page.get_by_role("button", name=t(language, "Save the draft")).click()
        page.wait_for_selector("h1 .badge")
        assert page.locator("h1 .name").inner_text() == "Solidarity 27.5"
        parameters = page.locator("main table").first.inner_text()
        assert ("27,5" if german else "27.5") in parameters, parameters
        steps.done("draft-saved")

        # 3. Simulated on next month's households and budget.
        page.get_by_role("link", name=t(language, "Simulate"), exact=True).click()
        page.wait_for_selector("#result-heading")
        heading = page.locator("#result-heading").inner_text()
        assert month_words(language, next_month) in heading
        result = page.locator("section[aria-labelledby=result-heading] table").inner_text()
        for unit in incomes:
            assert unit in result
        # 27.5 % of 2 400,00 € disposable income.
        assert ("660,00\u00a0€" if german else "€660.00") in result, result
        if german:
            assert GERMAN_AMOUNT.search(result)
        steps.done("simulation")

        # 4. Compared with the scheme in force, household by household.
        page.locator("nav").get_by_role("link", name=t(language, "Compare"), exact=True).click()
        page.wait_for_url(re.compile(r"/schemes/compare/$"))
        page.get_by_role("button", name=t(language, "Compare"), exact=True).click()
        page.wait_for_selector(".chart-pair table")
        table = page.locator(".chart-pair table")
        header = table.locator("thead").inner_text()
        assert "Equal shares" in header and "Solidarity 27.5" in header
        # The scheme in force: the budget in three equal shares.
        assert ("1.000,00\u00a0€" if german else "€1,000.00") in table.inner_text()
        steps.done("compare")

        # 5. Adopted.
        page.goto(f"{live_server.url}/projects/{project.pk}/schemes/")
        page.get_by_role("link", name="Solidarity 27.5").first.click()
        page.get_by_role("button", name=t(language, "Adopt this scheme")).click()
        status = page.get_by_role("status").first
        assert t(language, "“%(name)s” is adopted.", name="Solidarity 27.5") in status.inner_text()
        steps.done("adopted")

        # 6. Next month charged now: the page asks first, saying why.
        page.get_by_role("link", name=t(language, "Contribution schemes")).click()
        page.locator("nav").get_by_role("link", name=t(language, "Charges"), exact=True).click()
        page.wait_for_url(re.compile(r"/charges/$"))
        page.locator("#id_month").fill(next_month.strftime("%Y-%m"))
        page.get_by_role("button", name=t(language, "Run now")).click()
        alert = page.get_by_role("alert")
        alert.wait_for()
        words = alert.inner_text()
        label = month_words(language, next_month)
        assert t(language, "Before you charge %(month)s:", month=label) in words
        assert (
            t(
                language,
                "%(month)s has not begun: every household will be charged for it in advance.",
                month=label,
            )
            in words
        )
        with translation.override(language):
            expired = ngettext(
                "%(count)s household's income declaration has expired: it will be charged "
                "from that old declaration.",
                "%(count)s households' income declarations have expired: they will be "
                "charged from those old declarations.",
                1,
            ) % {"count": 1}
        assert expired in words
        assert not ChargeRun.objects.filter(
            project=project
        ).exists()  # nothing charged before the confirmation
        steps.done("confirm-charge-run")

        # 7. Confirmed: the month's charges, household by household.
        confirm = t(language, "Charge %(month)s all the same", month=label)
        page.get_by_role("button", name=confirm).click()
        page.wait_for_url(re.compile(rf"/charges/{next_month.year}/{next_month.month}/$"))
        status = page.get_by_role("status").first
        charged = t(language, "%(month)s charged: %(count)s households.", month=label, count=3)
        assert charged in status.inner_text()
        charges = page.locator("main table").inner_text()
        for unit in incomes:
            assert unit in charges
        assert ("660,00\u00a0€" if german else "€660.00") in charges, charges
        assert t(language, "old income declaration") in charges
        steps.done("charges")
    finally:
        context.close()


# --- A city officer: a trend chart's table and the CSV export ------------------------------

LAST_MONTH = dt.date(2025, 6, 1)
MONTHS = months_back(LAST_MONTH, 6)
PILOTS = ["Can Batlló cooperative housing", "La Borda", "Cirera"]


def indicator_value(project, month: dt.date, indicator: str) -> Decimal:
    """Households grow by one a month from 99 (104 in June); the overburden rate falls."""
    step = MONTHS.index(month)
    if indicator == Indicator.HOUSEHOLDS:
        return Decimal(99 + step) * (3 if project is None else 1)
    return Decimal("0.3625") - Decimal("0.01") * step  # 0.3125 in June


@pytest.fixture
def barcelona(db):
    city = CityFactory(name="Barcelona", slug="barcelona")
    projects = [ProjectFactory(city=city, name=name) for name in PILOTS]
    publish_grid(
        city=city,
        projects=projects,
        months=MONTHS,
        indicators=[Indicator.HOUSEHOLDS, Indicator.OVERBURDEN_RATE_EUROSTAT],
        value=indicator_value,
    )
    return city


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_officer_reads_a_trend_table_and_exports_the_indicators(
    browser, live_server, barcelona, language
):
    officer = make_officer(barcelona)
    user_language_set(user=officer, language=language)
    context = signed_in_context(browser, live_server.url, officer, width=NARROW)
    page = context.new_page()
    steps = Steps(page, "officer-indicators", language)
    german = language == "de"
    try:
        # 1. From the home page to the city's dashboard.
        page.goto(f"{live_server.url}/")
        steps.done("home")
        page.get_by_role("link", name=t(language, "Indicators and goals")).first.click()
        page.wait_for_url(re.compile(rf"/cities/{barcelona.pk}/indicators/"))
        title = t(language, "Pilot indicators of %(city)s", city="Barcelona")
        assert page.locator("h1").inner_text() == title
        assert month_words(language, LAST_MONTH) in page.locator("main").inner_text()
        steps.done("dashboard")

        # 2. The overburden rate's trend: the table beside the chart, month by month.
        trend = page.locator(
            f"figure[aria-labelledby='trend-{Indicator.OVERBURDEN_RATE_EUROSTAT}']"
        )
        table = trend.locator("table")
        table.scroll_into_view_if_needed()
        months = table.locator("tbody th[scope=row]").all_inner_texts()
        assert months[0] == month_words(language, LAST_MONTH), months  # the latest first
        june = table.locator("tbody tr").first.inner_text()
        assert re.search(r"31,2\s%" if german else r"31\.2\s?%", june), june
        may = table.locator("tbody tr").nth(1).inner_text()
        assert re.search(r"32,2\s%" if german else r"32\.2\s?%", may), may
        steps.done("trend-table")

        # 3. The export: a tidy CSV a machine reads, with points for decimals in every language.
        with page.expect_download() as download:
            page.get_by_role("link", name=t(language, "Download CSV")).first.click()
        text = download.value.path().read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        # The header in the reader's language; the rows for machines.
        assert rows[0] == [
            capfirst(t(language, word))
            for word in ("city", "Project", "month", "indicator", "value", "suppressed")
        ]
        assert len(rows) == 1 + len(MONTHS) * (len(PILOTS) + 1) * 2
        assert [
            "Barcelona",
            "",
            "2025-06",
            Indicator.OVERBURDEN_RATE_EUROSTAT,
            "0.3125",
            "false",
        ] in rows
        assert ["Barcelona", PILOTS[0], "2025-06", Indicator.HOUSEHOLDS, "104", "false"] in rows
        for row in rows[1:]:
            assert "," not in row[4] and Decimal(row[4]) >= 0, row
        steps.done("exported")
    finally:
        context.close()
