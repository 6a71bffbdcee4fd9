"""The pages of a person's data in a real browser: the resident's export, the manager's
confirmation before removing a resident, and the project's settings, with no serious axe
violation at a phone's and a desktop's width; the removal goes through with the keyboard."""

from __future__ import annotations

import pytest

from members.models import Resident
from members.services import ERASED_RESIDENT_NAME
from tests.browser.conftest import assert_no_serious_violations, signed_in_context
from tests.community.factories import BookingFactory, SpaceFactory
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
    make_manager,
    make_resident_user,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project(db):
    city = CityFactory(name="Rights city", slug="rights-city")
    return ProjectFactory(city=city, name="Rights House", slug="rights-house")


def test_a_resident_reads_their_data(browser, live_server, project):
    household = HouseholdFactory(project=project, unit_label="7B")
    user = make_resident_user(household)
    IncomeDeclarationFactory(household=household)
    BookingFactory(space=SpaceFactory(project=project), household=household, note="Birthday")
    context = signed_in_context(browser, live_server.url, user)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name="My data").click()
        page.wait_for_url(f"{live_server.url}/me/data/")
        assert page.get_by_text("Birthday").is_visible()
        assert_no_serious_violations(page, "personal-data")
    finally:
        context.close()


def test_a_manager_removes_a_resident_who_moved_out(browser, live_server, project):
    household = HouseholdFactory(project=project, unit_label="3C")
    leaving = ResidentFactory(household=household, first_name="Ottoline", last_name="Brack")
    manager = make_manager(project)
    context = signed_in_context(browser, live_server.url, manager)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/households/{household.pk}/")
        page.locator(f"a[href='/residents/{leaving.pk}/remove/']").click()
        page.wait_for_url(f"{live_server.url}/residents/{leaving.pk}/remove/")
        assert_no_serious_violations(page, "resident-erase")
        page.get_by_role("button", name="Remove").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/households/{household.pk}/")
        assert page.get_by_text("Ottoline").count() == 0
        assert Resident.all_objects.get(pk=leaving.pk).first_name == ERASED_RESIDENT_NAME

        page.goto(f"{live_server.url}/projects/{project.pk}/settings/")
        assert_no_serious_violations(page, "project-settings")
    finally:
        context.close()
