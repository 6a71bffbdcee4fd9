"""Bad input answers 400 with the wrong fields named, writes nothing, and never answers 500."""

import datetime

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.utils import timezone, translation
from rest_framework.test import APIClient

from common.display import duration_text
from members.services import invitation_create
from tests.api.conftest import row_counts
from tests.community.factories import SpaceFactory, open_daily
from tests.conftest import api_client_for
from tests.factories import totp_code

pytestmark = pytest.mark.django_db

NEXT_YEAR = datetime.date.today().year + 1  # noqa: DTZ011 - a calendar year, any zone will do


def household_input(side, **fields) -> dict:
    return {"project": side.project.pk, "unit_label": "9Z", "move_in": "2024-01-01", **fields}


def resident_input(side, **fields) -> dict:
    return {"household": side.household.pk, "first_name": "Ana", "birth_year": 1980, **fields}


def income_input(side, **fields) -> dict:
    return {
        "household": side.household.pk,
        "valid_from": "2025-06-01",
        "gross_monthly_cents": 250_000,
        "disposable_monthly_cents": 200_000,
        **fields,
    }


def invitation_input(side, **fields) -> dict:
    return {"household": side.household.pk, "email": "new.person@example.org", **fields}


BAD_CREATES = [
    # households
    ("households", lambda s: {}, {"project", "unit_label", "move_in"}),
    ("households", lambda s: household_input(s, unit_area_m2="-1"), {"unit_area_m2"}),
    ("households", lambda s: household_input(s, unit_area_m2="123456789"), {"unit_area_m2"}),
    ("households", lambda s: household_input(s, move_out="2023-12-31"), {"move_out"}),
    ("households", lambda s: household_input(s, unit_label="1A"), {"unit_label"}),
    ("households", lambda s: household_input(s, unit_label=""), {"unit_label"}),
    ("households", lambda s: household_input(s, move_in="2024-13-01"), {"move_in"}),
    ("households", lambda s: household_input(s, rooms=-1), {"rooms"}),
    ("households", lambda s: household_input(s, project="not-a-number"), {"project"}),
    ("households", lambda s: household_input(s, project=10**9), {"project"}),
    # residents
    ("residents", lambda s: {}, {"household", "first_name", "birth_year"}),
    ("residents", lambda s: resident_input(s, birth_year=NEXT_YEAR), {"birth_year"}),
    ("residents", lambda s: resident_input(s, birth_year=1899), {"birth_year"}),
    ("residents", lambda s: resident_input(s, birth_year=70_000), {"birth_year"}),
    ("residents", lambda s: resident_input(s, birth_year="nineteen"), {"birth_year"}),
    ("residents", lambda s: resident_input(s, first_name=""), {"first_name"}),
    ("residents", lambda s: resident_input(s, gender="robot"), {"gender"}),
    # income declarations
    (
        "income-declarations",
        lambda s: {},
        {"household", "valid_from", "gross_monthly_cents", "disposable_monthly_cents"},
    ),
    (
        "income-declarations",
        lambda s: income_input(s, gross_monthly_cents=-1, disposable_monthly_cents=-2),
        {"gross_monthly_cents", "disposable_monthly_cents"},
    ),
    (
        "income-declarations",
        lambda s: income_input(s, disposable_monthly_cents=-1),
        {"disposable_monthly_cents"},
    ),
    (
        "income-declarations",
        lambda s: income_input(s, disposable_monthly_cents=250_001),
        {"disposable_monthly_cents"},
    ),
    (
        "income-declarations",
        lambda s: income_input(s, gross_monthly_cents=10**20),
        {"gross_monthly_cents"},
    ),
    ("income-declarations", lambda s: income_input(s, valid_from="yesterday"), {"valid_from"}),
    # Only a manager verifies, through the verify action, never by declaring it so.
    (
        "income-declarations",
        lambda s: income_input(s, evidence_status="verified"),
        {"evidence_status"},
    ),
    # invitations
    ("invitations", lambda s: {}, {"household", "email"}),
    ("invitations", lambda s: invitation_input(s, email="not-an-email"), {"email"}),
    ("invitations", lambda s: invitation_input(s, email=""), {"email"}),
    ("invitations", lambda s: invitation_input(s, email=s.manager.email), {"email"}),
    ("invitations", lambda s: invitation_input(s, email=s.resident_user.email), {"email"}),
    ("invitations", lambda s: invitation_input(s, language="tlh"), {"language"}),
    (
        "invitations",
        lambda s: invitation_input(s, resident=s.neighbour_resident.pk),
        {"resident"},
    ),
    ("invitations", lambda s: invitation_input(s, resident=s.resident.pk), {"resident"}),
]


def _case_id(case) -> str:
    endpoint, _build, fields = case
    return f"{endpoint}-{'+'.join(sorted(fields))}"


@pytest.mark.parametrize(
    ("endpoint", "build", "fields"), BAD_CREATES, ids=map(_case_id, BAD_CREATES)
)
def test_bad_create_answers_400_on_the_fields_and_writes_nothing(
    side_a, manager_client, endpoint, build, fields
):
    before = row_counts()

    response = manager_client.post(f"/api/v1/{endpoint}/", build(side_a), format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    for messages in response.json().values():
        assert messages and all(isinstance(message, str) and message for message in messages)
    assert row_counts() == before


def test_a_second_pending_invitation_to_the_same_address_answers_400(side_a, manager_client):
    invitation_create(
        household=side_a.household, email="ana@example.org", invited_by=side_a.manager
    )
    before = row_counts()

    response = manager_client.post(
        "/api/v1/invitations/",
        invitation_input(side_a, email="ANA@example.org"),
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"email"}
    assert row_counts() == before


def test_a_representative_gets_the_same_field_errors(side_a, resident_client):
    before = row_counts()
    response = resident_client.post(
        "/api/v1/income-declarations/",
        income_input(side_a, disposable_monthly_cents=300_000),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"disposable_monthly_cents"}
    assert row_counts() == before


def test_malformed_json_answers_400(manager_client):
    before = row_counts()
    response = manager_client.generic(
        "POST", "/api/v1/households/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert row_counts() == before


@pytest.mark.parametrize(
    "query",
    [
        "households/?project=abc",
        "residents/?household=x",
        "income-declarations/?evidence_status=bribed",
        "income-declarations/?valid_from_after=not-a-date",
        "invitations/?household=one",
        "projects/?city=abc",
    ],
)
def test_bad_filter_answers_400(side_a, manager_client, query):
    response = manager_client.get(f"/api/v1/{query}")
    assert response.status_code == 400
    assert response.json()


def test_a_page_beyond_the_last_answers_404(manager_client):
    assert manager_client.get("/api/v1/households/?page=99").status_code == 404
    assert manager_client.get("/api/v1/households/?page=zero").status_code == 404


# --- PATCH -------------------------------------------------------------------------------


BAD_HOUSEHOLD_PATCHES = [
    ({"move_out": "2023-12-31"}, {"move_out"}),
    ({"move_in": "2030-01-01", "move_out": "2029-12-31"}, {"move_out"}),
    ({"unit_area_m2": "-0.5"}, {"unit_area_m2"}),
    ({"unit_label": "1B"}, {"unit_label"}),
    ({"unit_label": ""}, {"unit_label"}),
    ({"rooms": "many"}, {"rooms"}),
    ({"move_in": None}, {"move_in"}),
]


@pytest.mark.parametrize(("patch", "fields"), BAD_HOUSEHOLD_PATCHES)
def test_bad_household_patch_answers_400_and_changes_nothing(side_a, manager_client, patch, fields):
    household = side_a.household
    before = (household.unit_label, household.unit_area_m2, household.move_in, household.move_out)

    response = manager_client.patch(f"/api/v1/households/{household.pk}/", patch, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    household.refresh_from_db()
    assert (
        household.unit_label,
        household.unit_area_m2,
        household.move_in,
        household.move_out,
    ) == before


BAD_RESIDENT_PATCHES = [
    ({"birth_year": NEXT_YEAR}, {"birth_year"}),
    ({"birth_year": 1850}, {"birth_year"}),
    ({"first_name": ""}, {"first_name"}),
    ({"gender": "robot"}, {"gender"}),
    ({"is_representative": "perhaps"}, {"is_representative"}),
    # Inclusion data needs consent; the error names the consent.
    ({"gender": "woman"}, {"gender"}),
]


@pytest.mark.parametrize(("patch", "fields"), BAD_RESIDENT_PATCHES)
def test_bad_resident_patch_answers_400_and_changes_nothing(side_a, manager_client, patch, fields):
    resident = side_a.neighbour_resident
    before = (resident.first_name, resident.birth_year, resident.gender)

    response = manager_client.patch(f"/api/v1/residents/{resident.pk}/", patch, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    resident.refresh_from_db()
    assert (resident.first_name, resident.birth_year, resident.gender) == before


def test_a_household_cannot_be_moved_to_another_project(side_a, manager_client):
    other_project = side_a.other_project
    response = manager_client.patch(
        f"/api/v1/households/{side_a.household.pk}/",
        {"project": other_project.pk},
        format="json",
    )
    assert response.status_code == 200
    side_a.household.refresh_from_db()
    assert side_a.household.project == side_a.project


# --- Authentication ----------------------------------------------------------------------


ENDPOINTS = ["cities", "projects", "households", "residents", "income-declarations", "invitations"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_requests_answer_401(side_a, api_client, endpoint):
    before = row_counts()
    for response in (
        api_client.get(f"/api/v1/{endpoint}/"),
        api_client.get(f"/api/v1/{endpoint}/1/"),
        api_client.post(f"/api/v1/{endpoint}/", {}, format="json"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")
    assert row_counts() == before


def test_anonymous_me_answers_401(api_client):
    assert api_client.get("/api/v1/me/").status_code == 401


def test_a_wrong_token_answers_401(side_a):
    client = APIClient()
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert response.status_code == 401


def test_token_for_good_credentials_then_authenticates(side_a, api_client):
    # A manager signs in with two factors: the authenticator app's code, or a recovery code.
    recovery_code = RecoveryCodes.activate(side_a.manager).get_unused_codes()[0]
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": side_a.manager.email, "password": "correct horse battery", "code": totp_code()},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]

    me = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == side_a.manager.email
    assert body["is_platform_admin"] is False
    assert [(role["kind"], role["project"], role["project_name"]) for role in body["roles"]] == [
        ("manager", side_a.project.pk, side_a.project.name)
    ]

    households = APIClient().get("/api/v1/households/", HTTP_AUTHORIZATION=f"Token {token}")
    assert households.status_code == 200
    assert households.json()["count"] == 2

    # Asking again gives the same token.
    again = api_client.post(
        "/api/v1/auth/token/",
        {
            "email": side_a.manager.email,
            "password": "correct horse battery",
            "code": recovery_code,
        },
        format="json",
    )
    assert again.json()["token"] == token


@pytest.mark.parametrize(
    ("credentials", "fields"),
    [
        ({"password": "wrong horse battery"}, {"non_field_errors"}),
        ({"email": "nobody@example.org"}, {"non_field_errors"}),
        ({"email": "not-an-email"}, {"email"}),
        ({"password": ""}, {"password"}),
        ({"email": None, "password": None}, {"email", "password"}),
    ],
)
def test_token_for_bad_credentials_answers_400(side_a, api_client, credentials, fields):
    data = {"email": side_a.manager.email, "password": "correct horse battery", **credentials}
    data = {key: value for key, value in data.items() if value is not None}

    response = api_client.post("/api/v1/auth/token/", data, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert "token" not in response.json()


def test_token_is_refused_to_an_inactive_user(side_a, api_client):
    side_a.manager.is_active = False
    side_a.manager.save(update_fields=["is_active"])
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": side_a.manager.email, "password": "correct horse battery"},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["resident_user", "officer"])
def test_me_lists_the_open_roles(side_a, who):
    user = getattr(side_a, who)
    response = api_client_for(user).get("/api/v1/me/")
    assert response.status_code == 200
    roles = response.json()["roles"]
    if who == "officer":
        assert [(r["kind"], r["city"], r["city_name"], r["project"]) for r in roles] == [
            ("officer", side_a.city.pk, side_a.city.name, None)
        ]
    else:
        assert [(r["kind"], r["project"], r["city"]) for r in roles] == [
            ("resident", side_a.project.pk, None)
        ]


@pytest.mark.parametrize(
    "language", ["es", "ca", "fr", "de", "it", "nl", "sl", "hr", "nb", "ro", "hu", "el"]
)
def test_api_errors_speak_the_language_the_client_asks_for(side_a, api_client, language):
    """A client that sends Accept-Language reads the API's errors in that language: ours from
    our catalogue, a booking rule's with its length in words ("4 hours")."""
    refused = api_client.post(
        "/api/v1/auth/token/",
        {"email": side_a.manager.email, "password": "wrong horse battery"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    with translation.override(language):
        expected = translation.gettext("Unable to sign in with these credentials.")
        length = duration_text(240)
    assert refused.status_code == 400
    assert refused.json()["non_field_errors"] == [expected]
    assert expected != "Unable to sign in with these credentials."
    assert refused["Content-Language"] == language

    space = SpaceFactory(project=side_a.project, max_duration_minutes=240)
    open_daily(space, "00:00", "24:00")
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    too_long = api_client_for(side_a.resident_user).post(
        "/api/v1/bookings/",
        {
            "space": space.pk,
            "start": start.isoformat(),
            "end": (start + datetime.timedelta(hours=6)).isoformat(),
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert too_long.status_code == 400, too_long.json()
    assert length in " ".join(too_long.json()["end"])
