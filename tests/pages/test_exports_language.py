"""What is downloaded speaks the reader's language where a person reads it (a CSV's header, a
calendar event's summary and description) and stays machine-readable where a program reads it
(numbers with a point and no grouping, ISO dates, times in UTC); a refused form says why in the
reader's language, its dates too."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.conf import settings
from django.utils import formats, translation
from icalendar import Calendar

from community.bookings.models import BookingStatus
from governance.services.ballots import ballot_cast
from governance.services.proposals import proposal_close
from tests.community.factories import BookingFactory, SpaceFactory, local
from tests.conftest import api_client_for
from tests.governance.factories import MeetingFactory, open_proposal, with_agenda
from tests.pages.helpers import field_errors, html
from tests.pages.test_contribution_pages import Books, previous

pytestmark = pytest.mark.django_db


def speaking(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_statement_csv_has_a_french_header_and_plain_numbers(client, side_a):
    Books(side_a)
    client.force_login(side_a.resident_user)

    rows = rows_of(speaking(client, "fr").get(f"/households/{side_a.household.pk}/statement.csv"))

    assert rows[0] == [
        "Date",
        "Écriture",
        "Appel de contribution (EUR)",
        "Paiement (EUR)",
        "Solde (EUR)",
    ]
    assert rows[1][1] == "Solde reporté"
    assert [row[2:] for row in rows[2:4]] == [["1500.00", "", "1500.00"], ["", "500.00", "1000.00"]]
    dt.date.fromisoformat(rows[2][0])  # an ISO date, whatever the language


def test_the_apis_statement_csv_follows_accept_language(side_a):
    books = Books(side_a)
    url = (
        f"/api/v1/households/{side_a.household.pk}/statement/"
        f"?start={books.month.isoformat()}&format=csv"
    )

    rows = rows_of(api_client_for(side_a.resident_user).get(url, HTTP_ACCEPT_LANGUAGE="fr"))

    assert rows[0][-1] == "Solde (EUR)" and rows[1][1] == "Solde reporté"
    assert rows[-1][2:] == ["1500.00", "500.00", "1000.00"]
    with translation.override("fr"):
        month = formats.date_format(books.month, "YEAR_MONTH_FORMAT")
    assert month in rows[2][1]  # the charge's entry names its month in French


def test_the_decision_register_csv_has_a_german_header_and_iso_dates(client, side_a):
    proposal = open_proposal(project=side_a.project)
    ballot_cast(proposal=proposal, user=side_a.resident_user, choice="yes")
    proposal_close(proposal=proposal, now=proposal.closes_at)
    client.force_login(side_a.manager)

    rows = rows_of(speaking(client, "de").get(f"/projects/{side_a.project.pk}/decisions.csv"))

    with translation.override("de"):
        decided_at = translation.gettext("decided at")
    assert decided_at != "decided at" and rows[0][0] == decided_at[0].upper() + decided_at[1:]
    dt.date.fromisoformat(rows[1][0])
    assert all("," not in cell for cell in rows[1][8:10])  # voters and turnout: plain numbers


def test_a_meeting_calendar_is_described_in_french_with_times_in_utc(client, side_a):
    meeting = with_agenda(MeetingFactory(project=side_a.project), "Budget")
    client.force_login(side_a.resident_user)

    response = speaking(client, "fr").get(f"/meetings/{meeting.pk}.ics")

    assert response.status_code == 200
    assert b"DTSTART:" in response.content and b"Z\r\n" in response.content
    event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
    assert "Ordre du jour\u00a0:" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)


def test_a_pending_bookings_calendar_entry_is_summed_up_in_german(client, side_a):
    space = SpaceFactory(project=side_a.project, name="Gemeinschaftsraum")
    start = local(space, 2031, 3, 14, 19, 0)
    booking = BookingFactory(
        space=space, household=side_a.household, start=start, status=BookingStatus.PENDING
    )
    client.force_login(side_a.resident_user)

    calendar = Calendar.from_ical(speaking(client, "de").get(f"/bookings/{booking.pk}.ics").content)

    event = next(iter(calendar.walk("VEVENT")))
    with translation.override("de"):
        pending = translation.gettext("%(summary)s (pending approval)") % {"summary": space.name}
    assert str(event["SUMMARY"]) == pending != f"{space.name} (pending approval)"
    assert event.decoded("DTSTART") == start


def test_a_refused_form_says_why_in_german_with_a_german_month(client, side_a):
    books = Books(side_a)
    client.force_login(side_a.manager)

    response = speaking(client, "de").post(
        f"/schemes/{books.scheme.pk}/retire/",
        {"valid_to": f"{previous(books.month):%Y-%m}"},
    )

    assert response.status_code == 200
    with translation.override("de"):
        month = formats.date_format(books.month, "YEAR_MONTH_FORMAT")
    assert field_errors(html(response), "valid_to") == [
        f"{month} wurde nach diesem Modell abgerechnet: Beenden Sie es danach."
    ]
