"""What the browser tests share: Debian's Chromium driven by Playwright, axe-core from npm,
signing a user in without the form, and screenshots of what went wrong.

No browser is downloaded: Playwright launches the system's Chromium (`apt-get install
chromium`), and axe-core is the copy `npm ci` puts in `node_modules/` (pinned in
package-lock.json). Without either the tests fail, naming the command that installs it.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# WCAG 2.1 level A and AA: the conformance the project promises.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NARROW, WIDE = 360, 1280
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="module")
def browser(django_db_setup) -> Iterator:
    """Chromium, for one module's tests.

    Playwright's synchronous API runs an asyncio loop in this thread for as long as it is open,
    and Django refuses ORM calls while a loop runs in the calling thread. The tests and the live
    server are plain synchronous code, so the check is lifted while the browser is open, and
    only then: the fixture lives for one module, not the session, so no other test runs beside
    the loop.
    """
    if not CHROMIUM.exists():
        pytest.fail("no Chromium at /usr/bin/chromium: apt-get install chromium")
    if not AXE.exists():
        pytest.fail("no axe-core in node_modules/: npm ci (make install-dev runs it)")
    from playwright.sync_api import sync_playwright

    before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox"]
            )
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = before


def signed_in_context(browser, live_server_url: str, user, *, width: int = WIDE):
    """A browser context with the user's session cookie: signed in without the login form."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server_url, "httpOnly": True}]
    )
    return context


@functools.cache
def axe_source() -> str:
    return AXE.read_text()


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol: a <script> tag added to the page
        # would be refused by its Content Security Policy, as it should be.
        page.evaluate(axe_source())
    # Only violations are read: asking for nothing else (resultTypes) keeps a big page fast.
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def describe(violations: list[dict], url: str) -> list[str]:
    """One line per violation: the rule, its impact, the page and the elements it found."""
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        lines.append(
            f"{violation['id']} ({violation['impact']}) on {url}: "
            f"{'; '.join(targets[:8])}{' …' if len(targets) > 8 else ''}"
        )
    return lines


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:150]


def wait_until(page, predicate: str, timeout: float = 10.0) -> None:
    """Wait until the JavaScript function ``predicate`` returns true on the page. Playwright's
    wait_for_function polls by evaluating a string inside the page, which the pages' Content
    Security Policy refuses; each evaluate here goes through the debugging protocol instead."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {predicate}")
        page.wait_for_timeout(50)


def screenshot(page, name: str, folder: str | None = None) -> Path:
    """A full-page PNG under test-artifacts/screenshots/ (git-ignored), in ``folder`` under it
    when given (one folder per journey)."""
    directory = SCREENSHOTS / _file_name(folder) if folder else SCREENSHOTS
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (_file_name(name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_serious_violations(page, where: str) -> None:
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 800})
        found = serious(axe_violations(page))
        if found:
            screenshot(page, f"axe-{where}-{width}")
        assert not found, "\n".join(describe(found, page.url))


def console_problems(page) -> list[str]:
    """What goes wrong in the page's scripts from now on, as the browser reports it: Content
    Security Policy violations (a refused script, style or request, said on the console) and
    uncaught exceptions. The list fills as the page runs; a test asserts it empty at the end."""
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return problems
