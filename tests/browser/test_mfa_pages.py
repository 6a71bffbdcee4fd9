"""Two-factor sign-in in a real browser: a manager without it is sent to set it up, scans (or
types) the secret, and is asked for the code at the next sign-in. Every page on the way passes
axe at 360 and 1280 px."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import NARROW, assert_no_serious_violations, screenshot
from tests.factories import CityFactory, ProjectFactory, make_manager, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
FOLDER = "two-factor"


@pytest.fixture
def project(db):
    city = CityFactory(name="Two-factor city", slug="two-factor-city")
    return ProjectFactory(city=city, name="Two-factor House", slug="two-factor-house")


def _sign_in(page, origin: str, email: str) -> None:
    page.goto(f"{origin}/accounts/login/")
    page.get_by_label(re.compile("e-?mail", re.IGNORECASE)).fill(email)
    page.get_by_label(re.compile("password", re.IGNORECASE)).fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_a_manager_is_sent_to_set_up_the_authenticator_app(browser, live_server, project):
    manager = make_manager(project, mfa=False)
    context = browser.new_context(viewport={"width": NARROW, "height": 800})
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, manager.email)
        assert "/accounts/two-factor-required/" in page.url
        assert_no_serious_violations(page, "two-factor-required")
        screenshot(page, "1-required", FOLDER)

        page.locator("main a[href='/accounts/2fa/totp/activate/']").click()
        page.wait_for_url(lambda url: "/two-factor-required/" not in url)
        if "/accounts/reauthenticate/" in page.url:  # allauth asks for the password again
            assert_no_serious_violations(page, "two-factor-reauthenticate")
            page.get_by_label(re.compile("password", re.IGNORECASE)).fill(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(lambda url: "/reauthenticate/" not in url)
        assert "/accounts/2fa/totp/activate/" in page.url
        assert_no_serious_violations(page, "two-factor-set-up")
        screenshot(page, "2-set-up", FOLDER)

        secret = page.locator("#authenticator_secret").inner_text().strip()
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)  # readable as text, not only as a QR code
        assert page.locator("img.qr").get_attribute("alt")
        page.locator("input[name=code]").fill(totp_code(secret))
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/totp/activate/" not in url)
        assert "/accounts/2fa/recovery-codes/" in page.url
        assert_no_serious_violations(page, "two-factor-recovery-codes")
        screenshot(page, "3-recovery-codes", FOLDER)

        page.goto(f"{live_server.url}/accounts/2fa/")  # the account's "Two-factor sign-in"
        assert_no_serious_violations(page, "two-factor-index")
        screenshot(page, "3b-index", FOLDER)

        page.goto(f"{live_server.url}/projects/{project.pk}/")
        assert page.url == f"{live_server.url}/projects/{project.pk}/"
    finally:
        context.close()


def test_the_sign_in_asks_for_the_code(browser, live_server, project):
    manager = make_manager(project)
    context = browser.new_context(viewport={"width": NARROW, "height": 800})
    page = context.new_page()
    try:
        _sign_in(page, live_server.url, manager.email)
        assert "/accounts/2fa/authenticate/" in page.url
        assert_no_serious_violations(page, "two-factor-code-prompt")
        screenshot(page, "4-code-prompt", FOLDER)

        page.locator("input[name=code]").fill("000000")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "/accounts/2fa/authenticate/" in page.url
        assert_no_serious_violations(page, "two-factor-wrong-code")
        screenshot(page, "5-wrong-code", FOLDER)

        page.locator("input[name=code]").fill(totp_code())
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/")
    finally:
        context.close()
