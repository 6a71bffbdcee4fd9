"""Journeys in a real browser: signing in through the form, and moving through a page with the
keyboard alone. Each journey leaves screenshots in test-artifacts/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.browser.conftest import (
    NARROW,
    WIDE,
    assert_no_serious_violations,
    screenshot,
    signed_in_context,
)
from tests.community.factories import BookingFactory, SpaceFactory, adopted_scheme, open_daily
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    ProjectFactory,
    make_manager,
    make_resident_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


@pytest.fixture
def project(db):
    city = CityFactory(name="Journey city", slug="journey-city")
    return ProjectFactory(city=city, name="Journey House", slug="journey-house")


def test_a_resident_signs_in_with_the_form_and_sees_the_message(browser, live_server, project):
    user = make_resident_user(HouseholdFactory(project=project, unit_label="4C"))
    context = browser.new_context(viewport={"width": NARROW, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")  # signed out: sent to the sign-in form
        assert "/accounts/login/" in page.url
        assert_no_serious_violations(page, "sign-in-form")
        page.set_viewport_size({"width": NARROW, "height": 800})
        screenshot(page, "journey-sign-in-1-form")

        page.get_by_label(re.compile("e-?mail", re.IGNORECASE)).fill(user.email)
        page.get_by_label(re.compile("password", re.IGNORECASE)).fill(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/")

        status = page.get_by_role("status").first
        assert user.first_name in status.inner_text()  # allauth: "Successfully signed in as …"
        assert "4C" in page.content()
        screenshot(page, "journey-sign-in-2-home")
        assert_no_serious_violations(page, "signed-in-home")
    finally:
        context.close()


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour (channels 0–255)."""
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: tuple[float, float, float], second: tuple[float, float, float]) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def rgb(css: str) -> tuple[float, float, float]:
    red, green, blue = (float(n) for n in re.findall(r"[\d.]+", css)[:3])
    return red, green, blue


# The focused element's outline, and the first opaque background behind it (its parent's: the
# ring is drawn outside the element, over what surrounds it).
FOCUS_STYLE = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  let behind = element.parentElement, background = 'rgb(255, 255, 255)';
  while (behind) {
    const colour = getComputedStyle(behind).backgroundColor;
    if (colour && colour !== 'transparent' && !colour.startsWith('rgba(0, 0, 0, 0)')) {
      background = colour; break;
    }
    behind = behind.parentElement;
  }
  return {
    tag: element.tagName.toLowerCase(),
    text: (element.innerText || element.value || element.name || '').trim().slice(0, 40),
    visible: element.matches(':focus-visible'),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    outlineColor: style.outlineColor,
    background: background,
  };
}"""


def test_every_control_reached_by_tab_shows_a_focus_ring_of_3_to_1(browser, live_server, project):
    """WCAG 2.4.7 (focus visible) with 1.4.11's 3:1 for the ring against what is behind it."""
    manager = make_manager(project)
    HouseholdFactory(project=project, unit_label="2B")
    context = signed_in_context(browser, live_server.url, manager, width=WIDE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        seen = []
        for _ in range(25):
            page.keyboard.press("Tab")
            focus = page.evaluate(FOCUS_STYLE)
            if focus["tag"] == "body":
                break
            seen.append(focus)
            where = f"{focus['tag']} {focus['text']!r}"
            assert focus["visible"], f"{where} is focused without :focus-visible"
            assert focus["outlineStyle"] not in ("none", "hidden"), f"{where} has no outline"
            assert focus["outlineWidth"] >= 2, f"{where}: outline {focus['outlineWidth']} px"
            ratio = contrast(rgb(focus["outlineColor"]), rgb(focus["background"]))
            assert ratio >= 3, (
                f"{where}: focus ring {focus['outlineColor']} on {focus['background']} "
                f"is {ratio:.2f}:1"
            )
        screenshot(page, "journey-keyboard-last-focus")
        tags = {focus["tag"] for focus in seen}
        # The skip link, the navigation, the language menu and the page's own links at least.
        assert {"a", "select", "button"} <= tags, seen
        assert len(seen) >= 6, seen
    finally:
        context.close()


def test_choosing_a_language_changes_nothing_until_it_is_confirmed(browser, live_server, project):
    """WCAG 3.2.2 (on input): moving through the language menu neither reloads the page nor
    saves a language; the button beside it does."""
    resident = make_resident_user(HouseholdFactory(project=project, unit_label="3A"))
    context = signed_in_context(browser, live_server.url, resident, width=NARROW)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        assert page.get_attribute("html", "lang") == "en"
        page.locator("#language-select").focus()
        page.keyboard.press("ArrowDown")
        page.select_option("#language-select", "fr")  # the change event a mouse would send
        page.wait_for_timeout(300)
        assert page.get_attribute("html", "lang") == "en", "the page changed on input alone"
        resident.refresh_from_db()
        assert resident.language != "fr"

        page.get_by_role("button", name="Change").click()
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == "fr"
        resident.refresh_from_db()
        assert resident.language == "fr"
        screenshot(page, "journey-language-confirmed")
    finally:
        context.close()


# For each word of the element's text: on how many lines it is drawn.
LINES_PER_WORD = """element => {
  const text = element.firstChild && element.firstChild.nodeType === 3
    ? element.firstChild : element.querySelector('a, span').firstChild;
  const words = [];
  const pattern = /\\S+/g;
  let match;
  while ((match = pattern.exec(text.data))) {
    const range = document.createRange();
    range.setStart(text, match.index);
    range.setEnd(text, match.index + match[0].length);
    const tops = new Set(Array.from(range.getClientRects(), rect => Math.round(rect.top)));
    words.push([match[0], tops.size]);
  }
  return words;
}"""


def test_a_scheme_name_never_breaks_inside_a_word_on_a_phone(browser, live_server, project):
    name = "Solidaritätsbeitragsmodell für das Gemeinschaftshaus am Stadtpark"
    adopted_scheme(project, name=name)
    manager = make_manager(project)
    context = signed_in_context(browser, live_server.url, manager, width=NARROW)
    page = context.new_page()
    try:
        scheme = project.contribution_schemes.get()
        for path, selector in (
            (f"/projects/{project.pk}/contributions/", ".figure .value.name"),
            (f"/schemes/{scheme.pk}/", "h1 .name"),
        ):
            page.goto(f"{live_server.url}{path}")
            element = page.locator(selector).first
            words = element.evaluate(LINES_PER_WORD)
            assert [word for word, _lines in words] == name.split(), path
            split = [word for word, lines in words if lines != 1]
            assert not split, f"{path}: {split} broken across lines"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path}: the page is {overflow} px wider than the phone"
        screenshot(page, "scheme-name-on-a-phone")
    finally:
        context.close()


def test_after_cancelling_a_booking_focus_stays_on_its_row(browser, live_server, project):
    """An in-page action keeps the keyboard where it acted: the cancelled booking's row, not
    the top of the page."""
    household = HouseholdFactory(project=project, unit_label="5D")
    resident = make_resident_user(household)
    space = SpaceFactory(project=project, name="Guest room")
    open_daily(space, "00:00", "24:00")
    start = timezone.now() + dt.timedelta(days=3)
    booking = BookingFactory(
        space=space, household=household, start=start, end=start + dt.timedelta(hours=2)
    )
    context = signed_in_context(browser, live_server.url, resident, width=NARROW)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Cancel this booking?"
    try:
        page.goto(f"{live_server.url}/bookings/mine/")
        cancel = page.locator(f"#booking-{booking.pk}").get_by_role("button", name="Cancel booking")
        cancel.focus()
        page.keyboard.press("Enter")
        page.wait_for_function(
            f"document.activeElement && document.activeElement.id === 'booking-{booking.pk}'"
        )
        row = page.locator(f"#booking-{booking.pk}")
        assert "Cancelled" in row.inner_text()
        assert row.get_by_role("button", name="Cancel booking").count() == 0
        screenshot(page, "journey-cancel-focus")
    finally:
        context.close()


def test_a_refused_form_leads_to_its_fields_and_marks_each_one(browser, live_server, project):
    """WCAG 3.3.1 and 1.4.11: a summary at the top of the refused form takes the focus and links
    to each field; the field says so to a screen reader (aria-invalid, its message in
    aria-describedby) and to the eye (a border of 3:1 or more, not colour alone)."""
    resident = make_resident_user(HouseholdFactory(project=project, unit_label="6E"))
    space = SpaceFactory(project=project, name="Workshop", max_duration_minutes=60)
    open_daily(space, "00:00", "24:00")
    context = signed_in_context(browser, live_server.url, resident, width=NARROW)
    page = context.new_page()
    try:
        day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
        page.goto(f"{live_server.url}/spaces/{space.pk}/book/?start={day}T10:00&end={day}T14:00")
        page.get_by_role("button", name="Book").first.click()
        page.wait_for_selector('[aria-invalid="true"]')
        # The form's summary of errors takes the focus; its link leads to the field.
        page.wait_for_function("document.activeElement.classList.contains('error-summary')")
        summary = page.locator(".error-summary")
        assert "This form has 1 problem:" in summary.inner_text()
        field = page.locator('[aria-invalid="true"]').first
        link = summary.get_by_role("link").first
        assert link.get_attribute("href") == f"#{field.get_attribute('id')}"
        link.click()
        assert page.evaluate("document.activeElement.id") == field.get_attribute("id")
        described = field.get_attribute("aria-describedby") or ""
        messages = [page.locator(f"#{name}").inner_text() for name in described.split()]
        assert any("longest booking is 1 hour" in text for text in messages), messages
        border = field.evaluate(
            "element => ({width: parseFloat(getComputedStyle(element).borderTopWidth),"
            " colour: getComputedStyle(element).borderTopColor})"
        )
        assert border["width"] >= 2
        assert contrast(rgb(border["colour"]), (255, 255, 255)) >= 3
        screenshot(page, "journey-invalid-field")
    finally:
        context.close()
