"""Security keys and passkeys in a real browser, answered by Chromium's virtual authenticator
(the DevTools protocol's WebAuthn domain: a platform authenticator that keeps passkeys and
verifies its user). A manager adds a key and is asked for it at the next sign-in; a resident
adds a passkey and signs in with it alone; a key the browser cannot use is said on the page.
Every page on the way passes axe at 360 and 1280 px, and none logs a Content Security Policy
violation or a script error.

The live server answers at http://localhost:<port>: a secure context for the browser, and the
one plain-http origin the server's WebAuthn check accepts."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator

from tests.browser.conftest import (
    NARROW,
    assert_no_serious_violations,
    console_problems,
    screenshot,
    wait_until,
)
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    ProjectFactory,
    make_manager,
    make_resident_user,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
FOLDER = "passkeys"


@pytest.fixture
def project(db):
    city = CityFactory(name="Passkey city", slug="passkey-city")
    return ProjectFactory(city=city, name="Passkey House", slug="passkey-house")


def _page_with_authenticator(browser):
    """A page whose browser has a virtual passkey authenticator (built into the device, with
    a fingerprint or PIN it checks): it answers WebAuthn without a dialog."""
    context = browser.new_context(viewport={"width": NARROW, "height": 800})
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return context, page


def _sign_in(page, origin: str, email: str) -> None:
    page.goto(f"{origin}/accounts/login/")
    page.get_by_label(re.compile("e-?mail", re.IGNORECASE)).fill(email)
    page.get_by_label(re.compile("password", re.IGNORECASE)).fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _confirm_password_if_asked(page) -> None:
    if "/accounts/reauthenticate/" in page.url:  # allauth asks for the password again
        page.get_by_label(re.compile("password", re.IGNORECASE)).fill(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/reauthenticate/" not in url)


def _add_key(page, name: str, *, passkey: bool, where: str) -> None:
    """On the page that adds a key: name it, say whether it is a passkey, press Add; the
    virtual authenticator makes the key, and the site shows the recovery codes it comes with."""
    assert "/accounts/2fa/webauthn/add/" in page.url
    assert_no_serious_violations(page, f"{where}-add")
    screenshot(page, f"{where}-add", FOLDER)
    page.get_by_label(re.compile("name of the key", re.IGNORECASE)).fill(name)
    if passkey:
        page.get_by_label(re.compile("passwordless", re.IGNORECASE)).check()
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert "/accounts/2fa/recovery-codes/" in page.url


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)


def test_a_manager_adds_a_security_key_and_is_asked_for_it_after_the_password(
    browser, live_server, project
):
    manager = make_manager(project, mfa=False)
    context, page = _page_with_authenticator(browser)
    problems = console_problems(page)
    try:
        _sign_in(page, live_server.url, manager.email)
        assert "/accounts/two-factor-required/" in page.url
        page.get_by_role("link", name="Add a security key or passkey").click()
        page.wait_for_url(lambda url: "/two-factor-required/" not in url)
        _confirm_password_if_asked(page)
        _add_key(page, "Work laptop", passkey=False, where="manager")
        key = Authenticator.objects.get(user=manager, type=Authenticator.Type.WEBAUTHN)
        assert key.wrap().name == "Work laptop"

        page.goto(f"{live_server.url}/accounts/2fa/webauthn/")
        assert "Work laptop" in page.locator("main table").inner_text()
        assert_no_serious_violations(page, "passkeys-list")
        screenshot(page, "manager-list", FOLDER)

        # Confirming access with the key (allauth asks before a change of sign-in factors).
        page.goto(f"{live_server.url}/accounts/2fa/webauthn/reauthenticate/?next=/accounts/2fa/")
        assert_no_serious_violations(page, "passkeys-reauthenticate")
        screenshot(page, "manager-reauthenticate", FOLDER)
        page.get_by_role("button", name="Use a security key").click()
        page.wait_for_url(f"{live_server.url}/accounts/2fa/")
        assert_no_serious_violations(page, "passkeys-index")

        _sign_out(page)
        _sign_in(page, live_server.url, manager.email)
        assert "/accounts/2fa/authenticate/" in page.url
        assert_no_serious_violations(page, "passkeys-second-step")
        screenshot(page, "manager-second-step", FOLDER)
        page.get_by_role("button", name="Use a security key").click()
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/projects/{project.pk}/")
        assert page.url == f"{live_server.url}/projects/{project.pk}/"
        assert page.get_by_role("heading", level=1, name="Passkey House").is_visible()
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_a_resident_adds_a_passkey_and_signs_in_with_it_alone(browser, live_server, project):
    resident = make_resident_user(HouseholdFactory(project=project))
    context, page = _page_with_authenticator(browser)
    problems = console_problems(page)
    try:
        _sign_in(page, live_server.url, resident.email)
        assert page.url == f"{live_server.url}/"  # no second step asked of a resident
        page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
        _confirm_password_if_asked(page)
        _add_key(page, "My phone", passkey=True, where="resident")

        _sign_out(page)
        assert_no_serious_violations(page, "passkeys-sign-in")
        screenshot(page, "resident-sign-in", FOLDER)
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/projects/{project.pk}/")
        assert page.url == f"{live_server.url}/projects/{project.pk}/"
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_a_passkey_the_browser_does_not_have_is_said_on_the_page(browser, live_server):
    context, page = _page_with_authenticator(browser)  # it holds no passkey for this site
    problems = console_problems(page)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_role("button", name="Sign in with a passkey").click()

        wait_until(page, "() => document.getElementById('webauthn-error').textContent !== ''")
        alert = page.locator("#webauthn-error")
        assert alert.get_attribute("role") == "alert"
        assert "was not used" in alert.inner_text()
        assert "/accounts/login/" in page.url
        assert_no_serious_violations(page, "passkeys-not-used")
        screenshot(page, "not-used", FOLDER)
        assert not problems, "\n".join(problems)
    finally:
        context.close()


def test_a_content_security_policy_violation_is_caught(browser, live_server):
    """The watch the tests above rely on: a script written into the page is refused, and the
    refusal reaches the list."""
    context, page = _page_with_authenticator(browser)
    problems = console_problems(page)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.ran = true'; document.body.append(s) }"
        )
        wait_until(page, "() => true")  # let the console message arrive
        page.wait_for_timeout(200)
        assert not page.evaluate("() => window.ran === true")
        assert any("Content Security Policy" in problem for problem in problems)
    finally:
        context.close()
