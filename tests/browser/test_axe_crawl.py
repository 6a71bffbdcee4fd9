"""Every page a role can reach passes axe-core's WCAG 2.1 A and AA rules in a real browser, at a
phone's width (360 px) and a desktop's (1280 px).

The demo network is seeded once; then, as each role (resident, household representative,
manager, city officer, network observer, platform admin), the test starts at the home page and
follows same-origin links breadth first: GET pages only, no sign-out, no Django admin (out of
scope), no API, no downloads (CSV, iCalendar, JSON, exports) and no language switch. Each URL
pattern (ids and query values normalised) is visited at most twice and each role at most
MAX_PAGES pages. A violation of impact "serious" or "critical" fails the test with its rule, the
page and the elements; a screenshot of the page at that width goes to test-artifacts/screenshots/.
So does a table wrapper (.table-wrap, which scrolls sideways) that is not a focusable region
with a name.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from io import StringIO
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

from demo.network import ADMIN_EMAIL, CITIES, DEMO_DOMAIN, PROJECTS
from members.models import HousingProject, Resident, RoleKind, User
from members.services import role_grant
from tests.browser.conftest import (
    NARROW,
    SCREENSHOTS,
    WIDE,
    axe_violations,
    describe,
    screenshot,
    serious,
    signed_in_context,
)
from tests.factories import UserFactory, make_observer

pytestmark = pytest.mark.django_db(transaction=True)

MAX_PAGES = 40
VISITS_PER_PATTERN = 2
SKIP_PATHS = re.compile(
    r"^/(admin|api|accounts/logout|i18n|static|media)/|"
    r"\.(csv|ics|json|pdf|xlsx?|zip)$|/(export|feed|feeds|download)s?(/|\.|$)",
    re.IGNORECASE,
)


def demo_users() -> dict[str, User]:
    """A user of each role in the demo network; the plain resident and the network observer,
    which the demo has no login for, are added."""
    project_spec = PROJECTS[0]
    city_spec = next(city for city in CITIES if city.slug == project_spec.city)
    project = HousingProject.objects.get(slug=project_spec.slug, city__slug=city_spec.slug)
    representative = User.objects.get(email=f"resident.{project_spec.slug}@{DEMO_DOMAIN}")
    housemate = (
        Resident.objects.filter(
            household=representative.resident.household, user__isnull=True, birth_year__lt=2005
        )
        .order_by("pk")
        .first()
    ) or (
        Resident.objects.filter(
            household__project=project, is_representative=False, user__isnull=True
        )
        .order_by("pk")
        .first()
    )
    resident = UserFactory(first_name=housemate.first_name, last_name=housemate.last_name)
    housemate.user = resident
    housemate.save(update_fields=["user"])
    role_grant(user=resident, kind=RoleKind.RESIDENT, project=project)
    observer = make_observer(first_name="Network", last_name="Observer")
    return {
        "resident": resident,
        "representative": representative,
        "manager": User.objects.get(email=f"manager.{project_spec.slug}@{DEMO_DOMAIN}"),
        "officer": User.objects.get(email=f"officer.{city_spec.slug}@{DEMO_DOMAIN}"),
        "observer": observer,
        "admin": User.objects.get(email=ADMIN_EMAIL),
    }


def pattern(url: str) -> str:
    """The URL's path with its ids left out and no query: /spaces/12/?week=2026-09-07 and
    /spaces/14/ are one pattern (one template, other data)."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


# Every table wrapper that is not a focusable region with a name (static/js/scroll-regions.js
# makes each one such a region, named by its table).
UNNAMED_SCROLL_WRAPPERS = """() => Array.from(document.querySelectorAll('.table-wrap'))
  .filter(wrap => {
    const ids = (wrap.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
    const named = (wrap.getAttribute('aria-label') || '').trim()
      || ids.some(id => (document.getElementById(id)?.textContent || '').trim());
    return wrap.getAttribute('role') !== 'region' || wrap.getAttribute('tabindex') !== '0'
      || !named;
  })
  .map(wrap => wrap.outerHTML.slice(0, 120))"""


def followed(href: str, origin: str) -> str | None:
    url, _fragment = urldefrag(href)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin or SKIP_PATHS.search(parts.path):
        return None
    if "lang" in parts.query or "language" in parts.query:
        return None
    return url


def crawl(browser, origin: str, role: str, user: User) -> tuple[list[str], int]:
    """Breadth first from the home page; returns the failures and the number of pages read."""
    context = signed_in_context(browser, origin, user)
    page = context.new_page()
    failures: list[str] = []
    queue = deque([origin + "/"])
    seen = {origin + "/"}
    visits: Counter[str] = Counter()
    pages = 0
    try:
        while queue and pages < MAX_PAGES:
            url = queue.popleft()
            key = pattern(url)
            if visits[key] >= VISITS_PER_PATTERN:
                continue
            visits[key] += 1
            response = page.goto(url, wait_until="load")
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            pages += 1
            for width in (WIDE, NARROW):
                page.set_viewport_size({"width": width, "height": 800})
                found = serious(axe_violations(page))
                if found:
                    shot = screenshot(page, f"axe-{role}-{width}-{urlsplit(url).path}")
                    failures += [
                        f"[{role} {width}px] {line} (screenshot {shot.name})"
                        for line in describe(found, url)
                    ]
            failures += [
                f"[{role}] {url}: a table wrapper is not a named focusable region: {wrapper}"
                for wrapper in page.evaluate(UNNAMED_SCROLL_WRAPPERS)
            ]
            hrefs = page.eval_on_selector_all(
                "a[href]:not([download])", "links => links.map(link => link.href)"
            )
            for href in hrefs:
                next_url = followed(href, origin)
                if next_url and next_url not in seen:
                    seen.add(next_url)
                    queue.append(next_url)
    finally:
        context.close()
    return failures, pages


@pytest.mark.slow  # seeds the demo and crawls it in a browser: minutes
def test_every_page_of_every_role_passes_axe(browser, live_server):
    for stale in SCREENSHOTS.glob("axe-*.png"):  # only this run's failures stay
        stale.unlink()
    call_command("seed_demo", verbosity=0, stdout=StringIO())
    users = demo_users()
    failures: list[str] = []
    report = []
    for role, user in users.items():
        started = time.monotonic()
        found, pages = crawl(browser, live_server.url, role, user)
        report.append(f"{role}: {pages} pages in {time.monotonic() - started:.0f} s")
        failures += found
    print("\n".join(report))
    assert not failures, "serious or critical axe violations:\n" + "\n".join(failures)
