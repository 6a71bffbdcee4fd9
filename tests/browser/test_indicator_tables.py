"""The indicator pages read in full on a phone (360 px) and a desktop (1280 px): the tables
beside the trend charts show every value whole, without scrolling sideways, and so do the
other tables on a phone, where their rows stand one under the other; the charts' text is
drawn at 12 px or more (SVG text scales with its viewBox, so it is measured as rendered); and
"Pilots at a glance", too wide for a phone, says it scrolls and scrolls by keyboard.

A city of three pilots with long names and three-digit counts, and an observer's network
dashboard of two cities, German (longer words, comma decimals) and English.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import product

import pytest

from community.monitoring.selectors.dashboards import KEY_INDICATORS
from members.services import user_language_set
from tests.browser.conftest import NARROW, WIDE, screenshot, signed_in_context, wait_until
from tests.community.factories import months_back, publish_grid
from tests.factories import CityFactory, ProjectFactory, make_observer, make_officer

pytestmark = pytest.mark.django_db(transaction=True)

MONTHS = months_back(dt.date(2025, 6, 1), 12)
CITIES = {
    "Barcelona": ["Can Batlló cooperative housing", "La Borda", "Cirera"],
    "Ljubljana": ["Zadruga Zvezda", "Stanovanjska zadruga Tabor"],
}
MIN_FONT_PX = 12


def value(project, month: dt.date, indicator: str) -> Decimal:
    step = MONTHS.index(month)
    if indicator in ("households", "residents", "meetings_held"):
        return Decimal(93 + step) * (3 if project is None else 1)  # 104 in June
    if indicator == "equivalised_income_median_oecd_modified":
        return Decimal("1834.55") + step
    return Decimal("0.3625") - Decimal("0.01") * (step % 6)


@pytest.fixture
def network(db):
    """Published cells of two cities, an officer of the first and a network observer, both
    reading German."""
    cities, pilots = [], []
    for name, names in CITIES.items():
        city = CityFactory(name=name, slug=name.lower())
        projects = [ProjectFactory(city=city, name=pilot) for pilot in names]
        publish_grid(
            city=city, projects=projects, months=MONTHS, indicators=KEY_INDICATORS, value=value
        )
        cities.append(city)
        pilots += projects
    officer = make_officer(cities[0])
    observer = make_observer()
    for user in (officer, observer):
        user_language_set(user=user, language="de")
    return {"city": cities[0], "project": pilots[0], "officer": officer, "observer": observer}


# Every indicator table cell whose text does not fit it, and every wrapper that needs a sideways
# scroll to show its columns: a trend table's at any width, and on a phone (narrow) a table
# whose rows stand one under the other (.responsive) too.
CUT_CELLS = """narrow => {
  const cut = [];
  const name = wrap => (wrap.closest('figure, section') || wrap).getAttribute('aria-labelledby');
  for (const wrap of document.querySelectorAll('.table-wrap')) {
    const table = wrap.querySelector('table.ind-table');
    if (!table) continue;
    const stacked = narrow && table.classList.contains('responsive');
    if ((wrap.closest('.trend') || stacked) && wrap.scrollWidth > wrap.clientWidth + 1) {
      cut.push(`table of ${name(wrap)}: ${wrap.scrollWidth} px in ${wrap.clientWidth} px`);
    }
    for (const cell of table.querySelectorAll('th, td')) {
      if (cell.scrollWidth > cell.clientWidth + 1) {
        cut.push(`cell "${cell.innerText.trim()}": ${cell.scrollWidth} px in ${cell.clientWidth}`);
      }
    }
  }
  return cut;
}"""

# The smallest text of each chart as drawn on the screen, in CSS pixels.
CHART_TEXT = """() => Array.from(document.querySelectorAll('svg.chart text'), text => {
  const scale = text.getScreenCTM().a;  // viewBox units to screen pixels
  return [text.textContent.trim(), parseFloat(getComputedStyle(text).fontSize) * scale];
})"""


def pages(network) -> list[tuple[str, object, str]]:
    city, project = network["city"], network["project"]
    return [
        ("city", network["officer"], f"/cities/{city.pk}/indicators/"),
        ("project", network["officer"], f"/projects/{project.pk}/indicators/"),
        ("network", network["observer"], "/indicators/"),
    ]


def test_trend_tables_show_every_value_whole_and_chart_text_is_12_px(browser, live_server, network):
    failures = []
    for (name, user, path), width in product(pages(network), (NARROW, WIDE)):
        context = signed_in_context(browser, live_server.url, user, width=width)
        page = context.new_page()
        try:
            page.goto(f"{live_server.url}{path}")
            assert page.locator(".trend table").count() >= 3, name
            cut = page.evaluate(CUT_CELLS, width == NARROW)
            small = [
                f"{text!r} at {size:.1f} px"
                for text, size in page.evaluate(CHART_TEXT)
                if size < MIN_FONT_PX - 0.05
            ]
            if cut or small:
                screenshot(page, f"indicator-tables-{name}-{width}")
            failures += [f"{name} {width}px: {line}" for line in cut[:5] + small[:5]]
        finally:
            context.close()
    assert not failures, "\n".join(failures)


# The glance table's wrapper: does it scroll, is it a named focusable region, does it show it.
GLANCE = """() => {
  const wrap = document.querySelector('section[aria-labelledby=glance-heading] .table-wrap');
  const name = (wrap.getAttribute('aria-labelledby') || '').split(' ')
    .map(id => document.getElementById(id)).filter(Boolean).map(el => el.textContent.trim())
    .join(' ') || wrap.getAttribute('aria-label') || '';
  const hint = wrap.parentElement.querySelector('.scroll-hint');
  return {
    scrolls: wrap.scrollWidth > wrap.clientWidth + 1,
    role: wrap.getAttribute('role'),
    tabindex: wrap.getAttribute('tabindex'),
    name: name,
    hint: hint ? {text: hint.innerText.trim(), shown: hint.getClientRects().length > 0
                  && getComputedStyle(hint).visibility !== 'hidden'} : null,
    scrollbar: wrap.offsetHeight - wrap.clientHeight,
    shadow: getComputedStyle(wrap).backgroundImage,
  };
}"""


def test_pilots_at_a_glance_fits_or_says_it_scrolls_and_scrolls_by_keyboard(
    browser, live_server, network
):
    for (name, user, path), width in product(pages(network), (NARROW, WIDE)):
        if name == "project":
            continue
        context = signed_in_context(browser, live_server.url, user, width=width)
        page = context.new_page()
        try:
            page.goto(f"{live_server.url}{path}")
            glance = page.evaluate(GLANCE)
            where = f"{name} {width}px"
            assert glance["role"] == "region", where
            assert glance["tabindex"] == "0", where
            assert glance["name"], where
            if not glance["scrolls"]:
                assert glance["hint"] is None or not glance["hint"]["shown"], where
                continue
            # It scrolls: it says so, shows it, and the keyboard moves it.
            assert glance["hint"] and glance["hint"]["shown"] and glance["hint"]["text"], where
            assert glance["scrollbar"] > 0 or "gradient" in glance["shadow"], where
            wrap = page.locator("section[aria-labelledby=glance-heading] .table-wrap")
            wrap.focus()
            assert wrap.evaluate("el => el === document.activeElement"), where
            page.keyboard.press("ArrowRight")
            wait_until(
                page,
                "() => document.querySelector("
                "'section[aria-labelledby=glance-heading] .table-wrap').scrollLeft > 0",
            )
            screenshot(page, f"glance-{name}-{width}", folder="indicator-tables")
        finally:
            context.close()
