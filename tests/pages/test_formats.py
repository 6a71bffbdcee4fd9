"""Dates, numbers, percentages and money are written one way per language on every page: no
English "Dec. 7" or "€1,234.50" on a French page, no "84.4 %" beside "7.4%", no US date on a
German one. What a machine reads (SVG geometry, ``datetime`` attributes, form values) is left
out: only the text a person reads is checked."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone, translation

from common.display import number_symbols
from governance.services.ballots import ballot_cast
from governance.services.proposals import proposal_close
from members.models import IncomeDeclaration
from tests.community.factories import BookingFactory, SpaceFactory, local
from tests.factories import IncomeDeclarationFactory
from tests.governance.factories import MeetingFactory, open_proposal
from tests.pages.helpers import html
from tests.pages.test_contribution_pages import Books, manager_pages

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "fr", "de", "hu", "el")
# English order and clock: "Dec. 7, 2026", "March 3, 2026", "7 p.m.".
ENGLISH_DATE = re.compile(r"\b[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\b\d{1,2}(?::\d\d)? [ap]\.m\.")
US_DATE = re.compile(r"\b(?:0?[1-9]|1[0-2])/(?:1[3-9]|2\d|3[01])/\d{4}\b")  # month first, day > 12
# A computed share has one decimal ("84.4%"); whole numbers in sentences ("above 40 %") are
# the translators' words, written as each catalogue writes them.
PERCENT = re.compile(r"(\d+[.,]\d)([\u00a0\u202f ]?)%")
ENGLISH_MONEY = re.compile(r"€\d")  # the sign before the amount, with no space: English
SPACES = "\u00a0\u202f "


def text_of(page: str) -> str:
    """What a person reads: no tags (so no attributes), no scripts or styles, no SVG drawing."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


@pytest.fixture
def pages(side_a) -> list[str]:
    """The contributions pages of a charged month, a household's, and a vote's result and the
    decision register with their percentages."""
    books = Books(side_a)
    IncomeDeclarationFactory(household=side_a.household, disposable_monthly_cents=250_000)
    proposal = open_proposal(project=side_a.project)
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    proposal_close(proposal=proposal, now=proposal.closes_at)
    assert IncomeDeclaration.objects.filter(household=side_a.household).exists()
    household = side_a.household.pk
    return [
        *manager_pages(books),
        f"/households/{household}/",
        f"/households/{household}/contributions/",
        f"/households/{household}/statement/",
        f"/households/{household}/income/",
        f"/proposals/{proposal.pk}/results/",
        f"/projects/{side_a.project.pk}/decisions/",
    ]


@pytest.fixture
def resident_pages(side_a) -> list[str]:
    """A resident's bookings (one on a Saturday evening late in the year) and a meeting."""
    space = SpaceFactory(project=side_a.project, name="Common room")
    start = local(space, timezone.localdate().year + 1, 12, 19, 19, 0)
    BookingFactory(
        space=space,
        household=side_a.household,
        start=start,
        end=start + dt.timedelta(hours=2),
        fee_cents=123_450,
    )
    meeting = MeetingFactory(project=side_a.project, start=start + dt.timedelta(days=7))
    return [
        "/bookings/mine/",
        f"/meetings/{meeting.pk}/",
        f"/projects/{side_a.project.pk}/meetings/",
    ]


def written_with(language: str) -> tuple[str, str]:
    with translation.override(language):
        symbols = number_symbols()
    return symbols.decimal, symbols.percent_suffix


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_writes_figures_the_one_way_of_its_language(
    client, side_a, pages, resident_pages, language
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    decimal, percent_suffix = written_with(language)
    space_before_sign = percent_suffix[:-1]  # "" in English, a no-break space in French
    percentages = 0
    visits = [(side_a.manager, url) for url in pages]
    visits += [(side_a.resident_user, url) for url in resident_pages]
    for user, url in visits:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        page = html(response)
        assert f'<html lang="{language}">' in page, url
        text = text_of(page)
        for number, space in PERCENT.findall(text):
            percentages += 1
            assert space == space_before_sign, (url, number, space)
            assert number[-2] == decimal, (url, number)
        if language != "en":
            assert not ENGLISH_DATE.search(text), (url, ENGLISH_DATE.search(text).group())
            assert not US_DATE.search(text), (url, US_DATE.search(text).group())
            assert not ENGLISH_MONEY.search(text), (url, ENGLISH_MONEY.search(text).group())
    assert percentages > 5  # the pages did show percentages


def test_the_pages_write_percentages_and_money_as_the_language_does(client, side_a, pages):
    """The same pages in English and in French: "100.0%" and "€2,500.00" against "100,0 %"
    and "2 500,00 €"."""
    client.force_login(side_a.manager)
    results = pages[-2]
    register = pages[-1]
    household = pages[-6]
    english = {url: text_of(html(client.get(url))) for url in (results, register, household)}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = {url: text_of(html(client.get(url))) for url in (results, register, household)}
    assert "100.0%" in english[results] and "100,0\u00a0%" in french[results]
    assert "50.0%" in english[register] and "50,0\u00a0%" in french[register]  # turnout
    assert "€2,500.00" in english[household]
    assert "2\u202f500,00\u00a0€" in french[household]


def test_a_booking_and_a_meeting_say_when_the_same_way(client, side_a, resident_pages):
    """Both with the weekday, the long date and the times: "Sunday Dec. 19, …, 7 p.m.–9 p.m."
    in English, "dimanche 19 décembre …, 19:00–21:00" in French."""
    client.force_login(side_a.resident_user)
    bookings, meeting, _meetings = resident_pages
    english = text_of(html(client.get(bookings))) + text_of(html(client.get(meeting)))
    assert re.search(r"[A-Z][a-z]+day Dec\. 19, \d{4}, 7 p\.m\.", english)
    assert re.search(r"[A-Z][a-z]+day Dec\. 26, \d{4}, 7 p\.m\.", english)
    assert "€1,234.50" in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = text_of(html(client.get(bookings))) + text_of(html(client.get(meeting)))
    assert re.search(r"[a-z]+ 19 décembre \d{4}, 19:00", french)
    assert re.search(r"[a-z]+ 26 décembre \d{4}, 19:00", french)
    assert "1\u202f234,50\u00a0€" in french
