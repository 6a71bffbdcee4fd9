"""A resident's journeys on a phone, in English and in French (a comma-decimal language): booking
a free slot, cancelling a booking, voting by each method, declaring income; the booking and the
vote with the keyboard alone; and how few keystrokes the booking form takes.

Each step checks what the person sees, runs axe on the page and leaves a screenshot in
test-artifacts/screenshots/<journey>/<language>-<step number>-<step>.png.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from playwright.sync_api import expect

from community.bookings.models import Booking, BookingStatus
from governance.models import ConsentPhase, VotingMethod
from governance.proposal_display import CHOICE_LABELS
from governance.services.proposals import consent_phase_advance
from members.models import IncomeDeclaration
from members.services import user_language_set
from tests.browser.conftest import (
    NARROW,
    assert_no_serious_violations,
    screenshot,
    signed_in_context,
)
from tests.community.factories import BookingFactory, SpaceFactory, local, open_daily, zone_of
from tests.factories import CityFactory, HouseholdFactory, ProjectFactory, make_resident_user
from tests.governance.factories import open_proposal

pytestmark = pytest.mark.django_db(transaction=True)

# English, and French: a comma before the decimals, a 24-hour clock, the day before the month.
LANGUAGES = ["en", "fr"]
OPTIONS = ["Solar panels", "Heat pump", "Insulation"]


@dataclass
class Resident:
    user: object
    household: object
    project: object
    space: object


@pytest.fixture
def resident(db) -> Resident:
    city = CityFactory(name="Journey city", slug="journey-city", time_zone="Europe/Madrid")
    project = ProjectFactory(city=city, name="Journey House", slug="journey-house")
    household = HouseholdFactory(project=project, unit_label="7G")
    user = make_resident_user(household)
    # One-hour bookings at 2.50 an hour: every booking's fee is the same amount, in any language.
    space = SpaceFactory(
        project=project,
        name="Guest room",
        min_duration_minutes=60,
        max_duration_minutes=60,
        slot_minutes=60,
        fee_per_hour_cents=250,
    )
    open_daily(space, "08:00", "20:00")
    return Resident(user=user, household=household, project=project, space=space)


class Journey:
    """A page of a signed-in resident in one language, and the steps taken on it."""

    def __init__(self, browser, live_server, who: Resident, name: str, language: str) -> None:
        user_language_set(user=who.user, language=language)  # what the language switch saves
        self.context = signed_in_context(browser, live_server.url, who.user, width=NARROW)
        self.page = self.context.new_page()
        self.page.set_default_timeout(5_000)  # a step takes a second or less
        self.url = live_server.url
        self.name = name
        self.language = language
        self.steps = 0

    def step(self, what: str) -> None:
        """The page as the person sees it now: in their language, without a serious
        accessibility problem, and kept as a screenshot at phone width."""
        self.steps += 1
        where = f"{self.name}-{self.language}-{what}"
        assert self.page.get_attribute("html", "lang") == self.language, where
        assert_no_serious_violations(self.page, where)  # ends at the phone's width
        screenshot(self.page, f"{self.language}-{self.steps}-{what}", folder=self.name)

    def open(self, path: str) -> None:
        self.page.goto(f"{self.url}{path}")

    def status(self) -> str:
        """The message the last action left, once the page that shows it has come."""
        messages = self.page.get_by_role("status").locator(".messages")
        messages.first.wait_for()
        return messages.first.inner_text()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def journey(browser, live_server, resident):
    opened = []

    def start(name: str, language: str) -> Journey:
        opened.append(Journey(browser, live_server, resident, name, language))
        return opened[-1]

    yield start
    for each in opened:
        each.close()


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def fee_text(language: str) -> re.Pattern:
    """2.50 euros as each language writes it: "€2.50", "2,50 €"."""
    return re.compile(r"€2\.50") if language == "en" else re.compile(r"2,50\s€")


# --- a. Booking a free slot ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resident_books_a_free_slot_and_finds_it_in_my_bookings(journey, resident, language):
    space, day = resident.space, in_days(2)
    trip = journey("book-a-slot", language)
    page = trip.page
    with translation.override(language):
        book, mine = _("Book"), _("My bookings")
        weekday = formats.date_format(day, "l")
    trip.open(f"/spaces/{space.pk}/?week={day.isoformat()}")
    assert page.get_by_role("heading", level=1).inner_text() == space.name
    trip.step("week")

    slot = page.locator(f'a.slot-button[href*="start={day.isoformat()}T08"]')
    slot.click()
    heading = page.locator("#booking-form-heading")
    heading.wait_for()
    assert space.name in heading.inner_text()
    chosen = page.locator(".chosen-slot").inner_text()
    # The chosen slot, the locale's way: its weekday in the language, and 08:00 or 8 a.m.
    assert weekday in chosen
    assert ("08:00" if language == "fr" else "8 a.m.") in chosen, chosen
    trip.step("form")

    page.get_by_role("button", name=book, exact=True).click()
    assert space.name in trip.status()
    trip.step("booked")

    page.get_by_role("link", name=mine).first.click()
    page.wait_for_url(re.compile("/bookings/mine/"))
    booking = Booking.objects.get(household=resident.household)
    assert booking.status == BookingStatus.CONFIRMED
    row = page.locator(f'ul[aria-labelledby="upcoming-heading"] #booking-{booking.pk}')
    assert space.name in row.inner_text()
    assert fee_text(language).search(row.inner_text()), row.inner_text()
    trip.step("my-bookings")


# --- b. Cancelling a booking -----------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resident_cancels_a_booking_and_finds_it_with_the_past(journey, resident, language):
    day = in_days(3)
    start = local(resident.space, day.year, day.month, day.day, 10)
    booking = BookingFactory(
        space=resident.space, household=resident.household, start=start, fee_cents=250
    )
    trip = journey("cancel-a-booking", language)
    page = trip.page
    with translation.override(language):
        cancel, upcoming_heading = _("Cancel booking"), _("Upcoming")
        past_heading, cancelled = _("Past and cancelled"), str(BookingStatus.CANCELLED.label)
        confirm = _("Cancel this booking?")
    trip.open("/bookings/mine/")
    upcoming = page.get_by_role("list", name=upcoming_heading)
    assert resident.space.name in upcoming.inner_text()
    trip.step("upcoming")

    asked = []

    def accept(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.locator(f"#booking-{booking.pk}").get_by_role("button", name=cancel).click()
    row = page.locator(f"#booking-{booking.pk}")
    row.get_by_text(cancelled, exact=True).wait_for()
    assert asked == [confirm]
    assert row.get_by_role("button", name=cancel).count() == 0
    trip.step("cancelled")

    page.reload()
    past = page.get_by_role("list", name=past_heading)
    assert cancelled in past.locator(f"#booking-{booking.pk}").inner_text()
    assert page.get_by_role("list", name=upcoming_heading).locator("li.booking").count() == 0
    assert fee_text(language).search(past.inner_text()), past.inner_text()
    trip.step("past")


# --- c. Voting, by each method ---------------------------------------------------------------


def cast(page, method: str, language: str) -> list[str]:
    """Fill in the ballot as a person would; returns the choices the recorded vote then names,
    in their order."""
    with translation.override(language):
        if method in (VotingMethod.YES_NO, VotingMethod.CONSENT):
            label = str(CHOICE_LABELS["yes" if method == VotingMethod.YES_NO else "consent"])
            page.get_by_role("radio", name=label).check()
            return [label]
    if method == VotingMethod.APPROVAL:
        page.get_by_role("checkbox", name=OPTIONS[0]).check()
        page.get_by_role("checkbox", name=OPTIONS[2]).check()
        return [OPTIONS[0], OPTIONS[2]]
    for option, rank in zip(OPTIONS, ("2", "1", "3"), strict=True):
        page.get_by_label(option, exact=True).select_option(rank)
    return [OPTIONS[1], OPTIONS[0], OPTIONS[2]]


def assert_names_in_order(text: str, names: list[str]) -> None:
    places = [text.find(name) for name in names]
    assert -1 not in places and places == sorted(places), (names, text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("method", list(VotingMethod))
def test_a_resident_votes_by_each_method_and_sees_the_vote_recorded(
    journey, resident, language, method
):
    options = OPTIONS if method in (VotingMethod.APPROVAL, VotingMethod.RANKED) else ()
    proposal = open_proposal(project=resident.project, method=method, options=options)
    if method == VotingMethod.CONSENT:  # positions are given once questions and reactions end
        proposal = consent_phase_advance(proposal=consent_phase_advance(proposal=proposal))
        assert proposal.consent_phase == ConsentPhase.CONSENT
    trip = journey(f"vote-{method}", language)
    page = trip.page
    with translation.override(language):
        button = _("Give my position") if method == VotingMethod.CONSENT else _("Cast my ballot")
        vote_in = _("Your vote is in.")
    with translation.override(language), timezone.override(zone_of(resident.space)):
        closes = formats.date_format(timezone.localtime(proposal.closes_at), "DATETIME_FORMAT")
    trip.open(f"/proposals/{proposal.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().strip().endswith(proposal.title)
    # When the vote closes, the language's way: "9 décembre 2026 20:15", "Dec. 9, 2026, 8:15 p.m."
    assert closes in page.locator("main").inner_text(), closes
    trip.step("ballot")

    chosen = cast(page, method, language)
    trip.step("filled")
    page.get_by_role("button", name=button).click()
    assert vote_in in trip.status()
    # The ballot's own line says what was recorded, the choices in the order given.
    assert_names_in_order(page.locator("section.ballot > p").first.inner_text(), chosen)
    assert proposal.participations.count() == 1
    trip.step("recorded")


# --- d. Declaring income ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resident_declares_income_and_sees_it_saved(journey, resident, language):
    household = resident.household
    trip = journey("declare-income", language)
    page = trip.page
    with translation.override(language):
        declare, save, declared = _("Declare income"), _("Save"), _("Income declared.")
        valid_from, gross = _("Valid from"), _("Gross monthly income")
        disposable = _("Disposable monthly income")
    trip.open(f"/households/{household.pk}/income/")
    assert not page.locator("section.card dl").count()  # nothing declared yet
    trip.step("none-yet")

    page.get_by_role("link", name=declare).click()
    page.wait_for_url(re.compile("/income/new/"))
    trip.step("form")
    page.get_by_label(valid_from).fill(timezone.localdate().replace(day=1).isoformat())
    # Typed the way the language writes amounts: a decimal comma in French.
    decimal = "," if language == "fr" else "."
    page.get_by_label(gross).fill(f"2345{decimal}60")
    page.get_by_label(disposable).fill(f"1234{decimal}50")
    trip.step("filled")
    page.get_by_role("button", name=save).click()
    page.wait_for_load_state()

    assert declared in trip.status()
    saved = IncomeDeclaration.objects.get(household=household)
    assert (saved.gross_monthly_cents, saved.disposable_monthly_cents) == (234_560, 123_450)
    amount = r"€1,234\.50" if language == "en" else r"1\s234,50\s€"
    assert re.search(amount, page.locator("main").inner_text()), page.locator("main").inner_text()
    trip.step("saved")

    trip.open(f"/households/{household.pk}/income/")
    assert re.search(amount, page.locator("section.card dl").inner_text())
    trip.step("declarations")


# --- The keyboard alone ----------------------------------------------------------------------

# Where the keyboard is: the element, and whether it shows that it has the focus (WCAG 2.4.7).
FOCUS = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(),
    text: (element.innerText || element.value || '').trim().slice(0, 60),
    visible: element.matches(':focus-visible')
      && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
  };
}"""
BOOK_BUTTON = "element.matches('#booking-panel form .actions button[type=submit]')"


def tab_to(page, wanted: str, *, limit: int = 60, key: str = "Tab") -> int:
    """Press Tab until the focused ``element`` meets the JavaScript condition ``wanted``;
    how many presses it took. The element reached must show its focus."""
    test = f"() => {{ const element = document.activeElement; return Boolean({wanted}); }}"
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if page.evaluate(test):
            focus = page.evaluate(FOCUS)
            assert focus["visible"], f"{focus['tag']} {focus['text']!r} shows no focus"
            return presses
    raise AssertionError(f"{wanted} not reached in {limit} presses of {key}")


def test_a_chosen_slot_is_at_most_four_tab_presses_from_book(browser, live_server, resident):
    """The form's heading takes the focus; the chosen slot's time and the optional fields wait
    behind disclosures, so "Book" comes within four presses of Tab."""
    day = in_days(2).isoformat()
    context = signed_in_context(browser, live_server.url, resident.user, width=NARROW)
    page = context.new_page()
    try:
        page.goto(
            f"{live_server.url}/spaces/{resident.space.pk}/book/?start={day}T10:00&end={day}T11:00"
        )
        expect(page.locator("#booking-form-heading")).to_be_focused()
        presses = tab_to(page, BOOK_BUTTON, limit=10)
        screenshot(page, "tab-stops-to-book", folder="book-by-keyboard")
        assert presses <= 4, presses

        # The times are one Enter away: back to "Change time", open it, and the start is next.
        tab_to(page, "element.matches('.change-time > summary')", limit=10, key="Shift+Tab")
        page.keyboard.press("Enter")
        assert page.locator("details.change-time").evaluate("details => details.open")
        tab_to(page, "element.name === 'start'", limit=1)
        screenshot(page, "change-time-open", folder="book-by-keyboard")
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_resident_books_with_the_keyboard_alone(journey, resident, language):
    space, day = resident.space, in_days(2)
    trip = journey("book-by-keyboard", language)
    page = trip.page
    trip.open(f"/spaces/{space.pk}/?week={day.isoformat()}")
    trip.step("week")

    # The week's first free hour of that day, then Enter: the form opens beside the week.
    tab_to(page, f"element.matches('a.slot-button[href*=\"start={day.isoformat()}T08\"]')")
    page.keyboard.press("Enter")
    expect(page.locator("#booking-form-heading")).to_be_focused()
    trip.step("form")

    assert tab_to(page, BOOK_BUTTON, limit=10) <= 4
    trip.step("book-focused")
    page.keyboard.press("Enter")
    assert space.name in trip.status()
    booking = Booking.objects.get(household=resident.household)
    assert booking.start.astimezone(zone_of(space)).hour == 8
    trip.step("booked")

    with translation.override(language):
        mine = _("My bookings")
    tab_to(page, f"element.tagName === 'A' && element.innerText.trim() === {mine!r}")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/bookings/mine/"))
    assert space.name in page.locator(f"#booking-{booking.pk}").inner_text()
    trip.step("my-bookings")


def vote_by_keyboard(page, method: str) -> None:
    """Reach each choice with Tab, and choose it with Space or by typing its rank."""
    if method in (VotingMethod.YES_NO, VotingMethod.CONSENT):
        first = "yes" if method == VotingMethod.YES_NO else "consent"
        tab_to(page, f"element.type === 'radio' && element.value === {first!r}")
        page.keyboard.press("Space")
        assert page.evaluate("document.activeElement.checked")
    elif method == VotingMethod.APPROVAL:
        for option in (OPTIONS[0], OPTIONS[2]):
            tab_to(page, f"element.type === 'checkbox' && element.value === {option!r}")
            page.keyboard.press("Space")
            assert page.evaluate("document.activeElement.checked")
    else:
        for index, rank in enumerate(("2", "1", "3")):
            tab_to(page, f"element.tagName === 'SELECT' && element.name === 'own-rank_{index}'")
            page.keyboard.type(rank)
            assert page.evaluate("document.activeElement.value") == rank


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("method", list(VotingMethod))
def test_a_resident_votes_with_the_keyboard_alone(journey, resident, language, method):
    options = OPTIONS if method in (VotingMethod.APPROVAL, VotingMethod.RANKED) else ()
    proposal = open_proposal(project=resident.project, method=method, options=options)
    if method == VotingMethod.CONSENT:
        consent_phase_advance(proposal=consent_phase_advance(proposal=proposal))
    trip = journey(f"vote-by-keyboard-{method}", language)
    page = trip.page
    with translation.override(language):
        button = _("Give my position") if method == VotingMethod.CONSENT else _("Cast my ballot")
        vote_in = _("Your vote is in.")
    trip.open(f"/proposals/{proposal.pk}/")
    trip.step("ballot")

    vote_by_keyboard(page, method)
    tab_to(page, f"element.tagName === 'BUTTON' && element.innerText.trim() === {button!r}")
    trip.step("cast-focused")
    page.keyboard.press("Enter")
    assert vote_in in trip.status()
    assert proposal.participations.count() == 1
    trip.step("recorded")
