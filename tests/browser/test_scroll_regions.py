"""A table wrapper that scrolls sideways is a region the keyboard reaches and scrolls, named by
its table, with a shaded edge (static/js/scroll-regions.js, the .table-wrap rules of netco.css):
here a scheme's parameters in German on a phone, whose labels are wider than the screen."""

from __future__ import annotations

import pytest

from members.services import user_language_set
from tests.browser.conftest import NARROW, WIDE, screenshot, signed_in_context, wait_until
from tests.community.factories import adopted_scheme
from tests.factories import CityFactory, ProjectFactory, make_manager

pytestmark = pytest.mark.django_db(transaction=True)

WRAPPER = "main .table-wrap"
STATE = """wrap => ({
  role: wrap.getAttribute('role'),
  tabindex: wrap.getAttribute('tabindex'),
  name: (wrap.getAttribute('aria-labelledby') || '').split(' ')
    .map(id => document.getElementById(id)?.textContent.trim() || '').join(' '),
  scrolls: wrap.scrollWidth > wrap.clientWidth + 1,
  marked: wrap.classList.contains('scrolls'),
  shade: getComputedStyle(wrap).backgroundImage,
})"""


def test_a_wide_table_is_a_named_region_the_keyboard_scrolls(browser, live_server):
    project = ProjectFactory(city=CityFactory(name="Region city", slug="region-city"))
    scheme = adopted_scheme(
        project,
        method="income_share",
        parameters={"rate_percent": "27.5", "floor_cents": 15_000},
        name="Solidarity",
    )
    manager = make_manager(project)
    user_language_set(user=manager, language="de")
    context = signed_in_context(browser, live_server.url, manager, width=NARROW)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/schemes/{scheme.pk}/")
        wrap = page.locator(WRAPPER).first
        state = wrap.evaluate(STATE)
        assert state["role"] == "region" and state["tabindex"] == "0", state
        assert state["name"] == page.locator("#parameters-heading").inner_text(), state
        assert state["scrolls"] and state["marked"], state
        assert "gradient" in state["shade"], state

        wrap.focus()
        page.keyboard.press("ArrowRight")
        wait_until(page, f"() => document.querySelector('{WRAPPER}').scrollLeft > 0")
        screenshot(page, "scroll-region-focused", folder="scroll-regions")

        # Wide enough, it stays a region but no longer shades an edge.
        page.set_viewport_size({"width": WIDE, "height": 800})
        wait_until(
            page, f"() => !document.querySelector('{WRAPPER}').classList.contains('scrolls')"
        )
        state = wrap.evaluate(STATE)
        assert state["role"] == "region" and not state["scrolls"], state
        assert "gradient" not in state["shade"], state
    finally:
        context.close()
