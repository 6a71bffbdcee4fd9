"""What htmx swaps into a page passes axe too: the crawl (test_axe_crawl.py) reads pages as they
load, so here the main in-page interactions are triggered and axe runs on the page they leave,
at 1280 and 360 px: the free-space search (its results and its refusal), a week's free slot
opening the booking panel, the panel's series preview and a booking it refuses, cancelling a
booking, the household search, approving and rejecting a booking, and resolving a maintenance
note. Each swap is checked to have happened in the same page, not by a new page load.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from community.bookings.models import BookingStatus, MaintenanceNote
from tests.browser.conftest import (
    NARROW,
    WIDE,
    assert_no_serious_violations,
    signed_in_context,
    wait_until,
)
from tests.community.factories import BookingFactory, SpaceFactory, local, open_daily
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    ProjectFactory,
    make_manager,
    make_resident_user,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project(db):
    city = CityFactory(name="Htmx city", slug="htmx-city")
    return ProjectFactory(city=city, name="Htmx House", slug="htmx-house")


def loaded(page, url: str) -> None:
    """Open the page and mark its window: a swap keeps the mark, a new page would lose it."""
    page.goto(url)
    page.evaluate("window.sameDocument = true")


def settled(page) -> None:
    """Wait until htmx has no request in flight and has settled the swap, in the same page."""
    wait_until(page, "() => !document.querySelector('.htmx-request, .htmx-settling')")
    assert page.evaluate("window.sameDocument === true"), "a new page loaded instead of a swap"


def test_what_a_resident_gets_by_htmx_passes_axe(browser, live_server, project):
    household = HouseholdFactory(project=project, unit_label="7A")
    resident = make_resident_user(household)
    room = SpaceFactory(project=project, name="Common room")
    open_daily(room, "08:00", "22:00")
    day = timezone.localdate() + dt.timedelta(days=2)
    start = local(room, day.year, day.month, day.day, 18)
    booking = BookingFactory(space=room, household=household, start=start)
    context = signed_in_context(browser, live_server.url, resident, width=NARROW)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        # The free-space search: refused (the end before the start), then answered.
        loaded(page, f"{live_server.url}/projects/{project.pk}/spaces/")
        page.get_by_label("From").fill(f"{day.isoformat()}T10:00")
        page.get_by_label("Until").fill(f"{day.isoformat()}T09:00")
        page.get_by_role("button", name="Find free spaces").click()
        page.locator("#free-search [aria-invalid=true]").wait_for()
        settled(page)
        assert_no_serious_violations(page, "htmx-free-search-refused")
        page.get_by_label("Until").fill(f"{day.isoformat()}T12:00")
        page.get_by_role("button", name="Find free spaces").click()
        page.locator("#free-search [role=status]").wait_for()
        settled(page)
        assert "1 space is free then" in page.locator("#free-search").inner_text()
        assert_no_serious_violations(page, "htmx-free-search-results")

        # A free slot of the week opens the booking panel, which previews a series and
        # answers a refused booking in place.
        loaded(page, f"{live_server.url}/spaces/{room.pk}/?week={day.isoformat()}")
        page.locator("#booking-panel").wait_for(state="attached")
        page.locator("a.slot-button").first.click()
        page.locator("#booking-panel form").wait_for()
        settled(page)
        assert_no_serious_violations(page, "htmx-booking-panel")
        panel = page.locator("#booking-panel")
        panel.get_by_text("More options").click()  # the repeat fields are folded away
        panel.locator("select[name=recurrence]").select_option("weekly")
        panel.locator("#series-preview li").first.wait_for()
        settled(page)
        assert_no_serious_violations(page, "htmx-series-preview")
        panel.locator("select[name=recurrence]").select_option("")
        panel.locator("input[name=attendees]").fill("50")  # the room holds 10
        panel.get_by_role("button", name="Book").click()
        panel.locator("[aria-invalid=true]").first.wait_for()
        settled(page)
        assert_no_serious_violations(page, "htmx-booking-refused")

        # Cancelling a booking replaces its row.
        loaded(page, f"{live_server.url}/bookings/mine/")
        row = page.locator(f"#booking-{booking.pk}")
        row.get_by_role("button", name="Cancel booking").click()
        row.get_by_text("Cancelled").first.wait_for()
        settled(page)
        assert_no_serious_violations(page, "htmx-booking-cancelled")
    finally:
        context.close()


def test_what_a_manager_gets_by_htmx_passes_axe(browser, live_server, project):
    manager = make_manager(project)
    for unit in ("1A", "1B", "2A", "2B"):
        HouseholdFactory(project=project, unit_label=unit)
    hall = SpaceFactory(project=project, name="Hall", requires_approval=True)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    # The booking household's unit has no "2": the household search below finds 2A and 2B.
    guest = HouseholdFactory(project=project, unit_label="9Z")
    approved, rejected = (
        BookingFactory(
            space=hall,
            household=guest,
            start=start + dt.timedelta(hours=hours),
            status=BookingStatus.PENDING,
        )
        for hours in (0, 2)
    )
    note = MaintenanceNote.objects.create(space=hall, text="The projector's lamp is out.")
    context = signed_in_context(browser, live_server.url, manager, width=WIDE)
    page = context.new_page()
    try:
        # The household search replaces the table's rows as one types.
        loaded(page, f"{live_server.url}/projects/{project.pk}/")
        page.locator("#household-search").fill("2")
        wait_until(page, "() => document.querySelectorAll('#household-rows tr').length === 2")
        settled(page)
        assert_no_serious_violations(page, "htmx-household-search")

        # Approving and rejecting replace the booking's card.
        loaded(page, f"{live_server.url}/projects/{project.pk}/bookings/pending/")
        page.locator(f"#pending-{approved.pk}").get_by_role("button", name="Approve").click()
        page.locator(f"#pending-{approved.pk} .badge.ok").wait_for()
        settled(page)
        assert_no_serious_violations(page, "htmx-booking-approved")
        rejecting = page.locator(f"#pending-{rejected.pk}")
        rejecting.get_by_label("Reason (optional)").fill("The hall is being painted.")
        rejecting.get_by_role("button", name="Reject").click()
        page.locator(f"#pending-{rejected.pk} .badge.warn").wait_for()
        settled(page)
        assert_no_serious_violations(page, "htmx-booking-rejected")

        # Resolving a maintenance note replaces it.
        loaded(page, f"{live_server.url}/projects/{project.pk}/maintenance/")
        page.locator(f"#note-{note.pk}").get_by_role("button", name="Mark as resolved").click()
        page.locator(f"#note-{note.pk} .badge.ok").wait_for()
        settled(page)
        assert_no_serious_violations(page, "htmx-note-resolved")
    finally:
        context.close()
