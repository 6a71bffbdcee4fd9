"""Each role's home page, in English and in French; the sign-in page for everyone else."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import escape

from members.models import ProjectStatus
from tests.pages.helpers import french, html, shows

pytestmark = pytest.mark.django_db


def _household_count(page: str, label: str) -> str | None:
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(\d+)</dd>", page)
    return match.group(1) if match else None


# --- Residents ---------------------------------------------------------------------------


def test_resident_home_shows_own_unit_and_project(client, side_a, side_b):
    client.force_login(side_a.resident_user)

    response = client.get("/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="en">' in page
    assert f"Welcome, {escape(side_a.resident_user.first_name)}" in page
    assert "My household — unit 1A" in page
    assert side_a.project.name in page
    assert side_a.city.name in page
    assert f'href="/households/{side_a.household.pk}/"' in page
    assert shows(page, side_a.resident.full_name)
    # Neither the neighbour nor the other city shows up.
    assert "Neighbour" not in page
    assert side_b.project.name not in page


def test_resident_home_in_french(french_client, side_a):
    french_client.force_login(side_a.resident_user)

    response = french_client.get("/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="fr">' in page
    welcome = french("Welcome, %(name)s") % {"name": escape(side_a.resident_user.first_name)}
    assert welcome in page
    assert shows(page, french("My project"))
    assert "Welcome," not in page
    assert "1A" in page
    assert side_a.project.name in page


# --- Managers ----------------------------------------------------------------------------


def test_manager_home_shows_managed_project_with_household_count(client, side_a, side_b):
    client.force_login(side_a.manager)

    response = client.get("/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="en">' in page
    assert "Projects you manage" in page
    assert f'<a href="/projects/{side_a.project.pk}/">{side_a.project.name}</a>' in page
    assert _household_count(page, "Households") == "2"  # units 1A and 1B
    assert _household_count(page, "Residents") == "2"
    # Only the project they manage: not the other project of the city, not the other city.
    assert side_a.other_project.name not in page
    assert side_b.project.name not in page


def test_manager_home_in_french(french_client, side_a):
    french_client.force_login(side_a.manager)

    response = french_client.get("/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="fr">' in page
    assert _household_count(page, escape(french("Households"))) == "2"
    assert "Projects you manage" not in page
    assert side_a.project.name in page


# --- City officers -----------------------------------------------------------------------


def test_officer_home_shows_the_city_projects(client, side_a, side_b):
    client.force_login(side_a.officer)

    response = client.get("/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="en">' in page
    assert "Pilot projects of your city" in page
    assert f'<a href="/cities/{side_a.city.pk}/">{side_a.city.name}</a>' in page
    assert f'<a href="/projects/{side_a.project.pk}/">{side_a.project.name}</a>' in page
    assert f'<a href="/projects/{side_a.other_project.pk}/">{side_a.other_project.name}</a>' in page
    assert side_b.city.name not in page
    assert side_b.project.name not in page


def test_officer_home_in_french(french_client, side_a):
    french_client.force_login(side_a.officer)

    response = french_client.get("/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="fr">' in page
    assert shows(page, french("Pilot projects of your city"))
    assert "Pilot projects of your city" not in page
    assert side_a.project.name in page
    assert side_a.other_project.name in page


# --- Anonymous visitors ------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


def test_sign_in_page_in_english(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="en">' in page
    assert "Sign In" in page
    assert 'name="login"' in page
    assert 'name="password"' in page


def test_sign_in_page_in_french(french_client):
    response = french_client.get("/accounts/login/")

    assert response.status_code == 200
    page = html(response)
    assert '<html lang="fr">' in page
    with translation.override("fr"):
        sign_in = translation.gettext("Sign In")
    assert sign_in != "Sign In"
    assert sign_in in page
    assert "Sign In" not in page


# --- A saved language --------------------------------------------------------------------


def test_saved_language_applies_without_the_cookie(client, side_a):
    side_a.resident_user.language = "fr"
    side_a.resident_user.save(update_fields=["language"])
    client.force_login(side_a.resident_user)

    assert '<html lang="fr">' in html(client.get("/"))


def test_language_cookie_wins_over_saved_language(client, side_a):
    side_a.resident_user.language = "fr"
    side_a.resident_user.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(side_a.resident_user)

    assert '<html lang="en">' in html(client.get("/"))


def test_sign_in_page_explains_invitations_and_offers_no_sign_up(client):
    page = client.get("/accounts/login/").content.decode()
    assert "Accounts are created by invitation" in page
    assert "/accounts/signup/" not in page
    assert "/accounts/password/reset/" in page


def test_a_pilot_whose_period_is_over_shows_as_ended(client, side_a):
    """A project still stored as a running pilot, whose pilot ended yesterday, reads "Ended" on
    the officer's home, the project page and the indicator page; one still running does not."""
    today = timezone.localdate()
    ended, running = side_a.project, side_a.other_project
    for project, end in ((ended, today - dt.timedelta(days=1)), (running, today)):
        project.status = ProjectStatus.PILOT
        project.pilot_start = today - dt.timedelta(days=400)
        project.pilot_end = end
        project.save()
    client.force_login(side_a.officer)

    home = html(client.get("/"))
    ended_row = re.search(rf"{re.escape(ended.name)}.*?</tr>", home, re.S).group(0)
    running_row = re.search(rf"{re.escape(running.name)}.*?</tr>", home, re.S).group(0)
    assert ">Ended<" in ended_row and ">Pilot<" not in ended_row
    assert ">Pilot<" in running_row
    for url in (f"/projects/{ended.pk}/", f"/projects/{ended.pk}/indicators/"):
        page = html(client.get(url))
        assert "Ended" in page and "Pilot</dd>" not in page, url


def test_every_page_names_its_icon(client):
    page = html(client.get("/accounts/login/"))
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon and icon.group(1).endswith("favicon.svg")
    assert (Path(settings.BASE_DIR) / "static" / "favicon.svg").read_text().startswith("<svg")
