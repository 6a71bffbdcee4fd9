"""A resident's data export (GDPR art. 15 and 20) and a manager's erasure of a resident who
moved out (art. 17)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection, models
from django.test import Client
from rest_framework.authtoken.models import Token

from api.tokens import token_issue
from community.money.models import Charge, Payment
from community.money.services.charges import charges_run
from governance.models import Decision, Objection, Participation, Voter
from governance.services.ballots import ballot_cast
from governance.services.proposals import proposal_close
from members import personal_data
from members.models import Invitation, Resident, User
from members.selectors import birth_years
from members.services import ERASED_RESIDENT_NAME, resident_erase
from tests.community.factories import (
    JUNE,
    BookingFactory,
    SpaceFactory,
    WaitlistEntryFactory,
    adopted_scheme,
    set_budget,
)
from tests.conftest import api_client_for
from tests.factories import make_resident_user
from tests.governance.factories import open_proposal, past_meeting

pytestmark = pytest.mark.django_db

NAME = "Zephyrine Quillfeather"


@pytest.fixture
def lived_in(side_a):
    """Side A's resident household (and its neighbour) with a bit of everything."""
    user = side_a.resident_user
    user.first_name, user.last_name = "Zephyrine", "Quillfeather"
    user.save()
    side_a.resident.first_name, side_a.resident.last_name = "Zephyrine", "Quillfeather"
    side_a.resident.save()
    space = SpaceFactory(project=side_a.project, name="Common room")
    BookingFactory(space=space, household=side_a.household, note=f"Party of {NAME}")
    BookingFactory(
        space=space,
        household=side_a.neighbour,
        note="Neighbour's secret dinner",
        start=dt.datetime(2030, 1, 1, 18, tzinfo=dt.UTC),
    )
    WaitlistEntryFactory(space=space, household=side_a.household)
    adopted_scheme(side_a.project)
    set_budget(side_a.project, JUNE, 100_000)
    charges_run(project=side_a.project, month=JUNE)
    Payment.objects.create(
        household=side_a.household, amount_cents=500, paid_on=JUNE, payer_name=NAME.upper()
    )
    Payment.objects.create(
        household=side_a.household, amount_cents=600, paid_on=JUNE, note="QUILLFEATHER ZEPHYRINE"
    )
    Payment.objects.create(
        household=side_a.neighbour, amount_cents=700, paid_on=JUNE, payer_name="Neighbour payer"
    )
    open_vote = open_proposal(project=side_a.project)
    secret_vote = open_proposal(project=side_a.project, secret=True)
    ballot_cast(proposal=open_vote, user=user, choice="yes")
    ballot_cast(proposal=secret_vote, user=user, choice="no")
    neighbour = make_resident_user(side_a.neighbour)
    ballot_cast(proposal=open_vote, user=neighbour, choice="no")
    meeting = past_meeting(project=side_a.project, minutes=f"{NAME} chaired the meeting.")
    Objection.objects.create(
        proposal=open_vote,
        voter=Voter.objects.get(proposal=open_vote, household=side_a.neighbour),
        reason=f"{NAME.lower()} asked for green",
        raised_on_version=1,
    )
    Invitation.objects.create(
        household=side_a.household,
        resident=side_a.resident,
        email=user.email,
        invited_by=side_a.manager,
        expires_at=dt.datetime(2031, 1, 1, tzinfo=dt.UTC),
        accepted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    return {"open": open_vote, "secret": secret_vote, "meeting": meeting, "neighbour": neighbour}


# --- Export ------------------------------------------------------------------------------


def test_a_resident_exports_their_household_and_nothing_of_the_neighbours(
    side_a, lived_in, django_assert_max_num_queries
):
    client = Client()
    client.force_login(side_a.resident_user)
    with django_assert_max_num_queries(20):
        response = client.get("/me/data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["account"]["email"] == side_a.resident_user.email
    assert [role["role"] for role in data["account"]["roles"]] == ["resident"]
    assert data["household"]["unit_label"] == "1A"
    assert [row["gross_monthly_cents"] for row in data["income_declarations"]] == [
        side_a.income.gross_monthly_cents
    ]
    assert [row["note"] for row in data["bookings"]] == [f"Party of {NAME}"]
    assert len(data["waitlist_entries"]) == 1
    assert len(data["charges"]) == 1
    assert [row["payer_name"] for row in data["payments"]] == [NAME.upper(), ""]
    assert len(data["invitations"]) == 1
    votes = {row["secret"]: row for row in data["participations"]}
    assert votes[False]["choice"] == "yes"
    # A secret ballot: only that the household took part, nothing to link it to a choice.
    assert set(votes[True]) == {"proposal", "resident", "secret"}
    text = response.content.decode()
    for theirs in ("Neighbour", "1B", "700", "secret dinner", '"no"'):
        assert theirs not in text


def test_the_export_takes_the_same_queries_with_more_data(
    side_a, lived_in, django_assert_max_num_queries
):
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(side_a.resident_user)
    with CaptureQueriesContext(connection) as few:
        client.get("/me/data.json")
    space = SpaceFactory(project=side_a.project)
    for day in range(5):
        BookingFactory(
            space=space,
            household=side_a.household,
            start=dt.datetime(2031, 1, 1 + day, 9, tzinfo=dt.UTC),
        )
        Payment.objects.create(household=side_a.household, amount_cents=100, paid_on=JUNE)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/me/data.json")
    assert len(response.json()["bookings"]) == 6


def test_the_readable_page_and_the_api_give_the_same_data(side_a, lived_in):
    client = Client()
    client.force_login(side_a.resident_user)
    page = client.get("/me/data/")
    assert page.status_code == 200
    assert f"Party of {NAME}" in page.content.decode()
    assert 'href="/me/data.json"' in page.content.decode()
    api = api_client_for(side_a.resident_user).get("/api/v1/me/export/")
    assert api.status_code == 200
    assert api.json() == client.get("/me/data.json").json()
    assert "no-store" in api["Cache-Control"]


def test_anonymous_visitors_get_no_export(db):
    client = Client()
    assert client.get("/me/data/").status_code == 302
    assert client.get("/me/data.json").status_code == 302
    assert Client().get("/api/v1/me/export/").status_code == 401


# --- Erasure -----------------------------------------------------------------------------


def _text_columns_containing(text: str) -> list[str]:
    """Every text column of our apps' tables that holds ``text`` (any case)."""
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label not in {"members", "community", "governance"}:
                continue
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.CharField | models.TextField | models.JSONField):
                    continue
                cursor.execute(
                    f'SELECT 1 FROM "{model._meta.db_table}" '  # noqa: S608 - names from models
                    f'WHERE "{field.column}"::text ILIKE %s LIMIT 1',
                    [f"%{text}%"],
                )
                if cursor.fetchone():
                    found.append(f"{model._meta.db_table}.{field.column}")
    return found


def _counts(side_a, lived_in) -> dict:
    return {
        "participations": Participation.objects.count(),
        "voters": Voter.objects.count(),
        "charges": list(Charge.objects.order_by("pk").values_list("amount_cents", flat=True)),
        "payments": list(Payment.objects.order_by("pk").values_list("amount_cents", flat=True)),
        "decisions": list(
            Decision.objects.order_by("pk").values_list("tally", "passed", "electorate_size")
        ),
        "residents": Resident.all_objects.count(),
    }


def test_a_manager_removes_a_resident_and_their_name_is_gone_while_counts_stay(side_a, lived_in):
    user = side_a.resident_user
    email = user.email
    client = Client()
    client.force_login(user)
    token_issue(user=user)
    assert Token.objects.filter(user=user).exists()
    proposal_close(proposal=lived_in["open"], now=lived_in["open"].closes_at)
    before = _counts(side_a, lived_in)
    assert _text_columns_containing("Quillfeather")

    manager = Client()
    manager.force_login(side_a.manager)
    confirm = manager.get(f"/residents/{side_a.resident.pk}/remove/")
    assert confirm.status_code == 200
    assert manager.post(f"/residents/{side_a.resident.pk}/remove/").status_code == 302

    assert _text_columns_containing("Quillfeather") == []
    assert _text_columns_containing("Zephyrine") == []
    assert _text_columns_containing(email) == []
    assert _counts(side_a, lived_in) == before
    resident = Resident.all_objects.get(pk=side_a.resident.pk)
    # Out of the household from now on: its size, its next votes and its charges.
    assert not side_a.household.residents.exists()
    assert birth_years([side_a.household.pk]) == {}
    assert (resident.first_name, resident.last_name, resident.user) == (
        ERASED_RESIDENT_NAME,
        "",
        None,
    )
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("", "")
    assert not Token.objects.filter(user=user).exists()
    signed_in = {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()}
    assert str(user.pk) not in signed_in and str(side_a.manager.pk) in signed_in
    assert client.get("/me/data/").status_code == 302  # signed out
    # The neighbour's own rows are untouched.
    assert Payment.objects.filter(payer_name="Neighbour payer").exists()


def test_only_the_projects_managers_remove_a_resident(side_a, side_b, lived_in):
    url = f"/residents/{side_a.resident.pk}/remove/"
    other_manager = Client()
    other_manager.force_login(side_b.manager)
    assert other_manager.post(url).status_code == 404
    resident = Client()
    resident.force_login(side_a.resident_user)
    assert resident.post(url).status_code == 403
    assert Resident.objects.get(pk=side_a.resident.pk).last_name == "Quillfeather"
    assert User.objects.get(pk=side_a.resident_user.pk).is_active


def test_managers_remove_a_resident_through_the_api(side_a, side_b, lived_in):
    url = f"/api/v1/residents/{side_a.resident.pk}/erase/"
    assert api_client_for(side_b.manager).post(url).status_code == 404
    assert api_client_for(side_a.resident_user).post(url).status_code == 403
    assert Resident.objects.filter(pk=side_a.resident.pk).exists()
    assert api_client_for(side_a.manager).post(url).status_code == 204
    assert not Resident.objects.filter(pk=side_a.resident.pk).exists()
    assert _text_columns_containing("Quillfeather") == []


def test_a_failing_eraser_leaves_everything_as_it_was(side_a, lived_in, monkeypatch):
    def broken(*, erased):
        raise RuntimeError("disk full")

    monkeypatch.setitem(personal_data._erasers, "zz-broken", broken)
    with pytest.raises(RuntimeError):
        resident_erase(resident=side_a.resident)
    assert Resident.objects.get(pk=side_a.resident.pk).last_name == "Quillfeather"
    assert User.objects.get(pk=side_a.resident_user.pk).is_active
    assert Payment.objects.filter(payer_name=NAME.upper()).exists()


def test_erasing_twice_changes_nothing_more(side_a, lived_in):
    first = resident_erase(resident=side_a.resident)
    again = resident_erase(resident=side_a.resident)
    assert again.erased_at == first.erased_at and again.first_name == ERASED_RESIDENT_NAME


def test_the_household_page_offers_the_removal_to_managers_only(side_a):
    manager = Client()
    manager.force_login(side_a.manager)
    url = f"/residents/{side_a.resident.pk}/remove/"
    assert url in manager.get(f"/households/{side_a.household.pk}/").content.decode()
    resident = Client()
    resident.force_login(side_a.resident_user)
    assert url not in resident.get(f"/households/{side_a.household.pk}/").content.decode()
