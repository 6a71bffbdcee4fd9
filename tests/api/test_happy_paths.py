"""What managers and residents do through the API, and what they get back."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from members.models import (
    EvidenceStatus,
    Household,
    IncomeDeclaration,
    Invitation,
    Resident,
    Role,
    RoleKind,
)
from members.services import role_grant, role_revoke
from tests.conftest import api_client_for
from tests.factories import (
    HouseholdFactory,
    IncomeDeclarationFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- Households --------------------------------------------------------------------------


def test_manager_creates_a_household(side_a, manager_client):
    response = manager_client.post(
        "/api/v1/households/",
        {
            "project": side_a.project.pk,
            "unit_label": "2C",
            "unit_area_m2": "72.50",
            "rooms": 3,
            "move_in": "2025-03-01",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    household = Household.objects.get(pk=body["id"])
    assert body == {
        "id": household.pk,
        "project": side_a.project.pk,
        "unit_label": "2C",
        "unit_area_m2": "72.50",
        "rooms": 3,
        "move_in": "2025-03-01",
        "move_out": None,
    }
    assert household.project == side_a.project
    assert manager_client.get(f"/api/v1/households/{household.pk}/").json() == body


def test_manager_updates_a_household(side_a, manager_client):
    response = manager_client.patch(
        f"/api/v1/households/{side_a.neighbour.pk}/",
        {"move_out": "2025-12-31", "rooms": 4, "unit_label": "1B-bis"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["move_out"], body["rooms"], body["unit_label"]) == ("2025-12-31", 4, "1B-bis")
    side_a.neighbour.refresh_from_db()
    assert side_a.neighbour.move_out == datetime.date(2025, 12, 31)
    assert side_a.neighbour.unit_label == "1B-bis"


def test_renaming_a_unit_to_its_own_label_is_fine(side_a, manager_client):
    response = manager_client.patch(
        f"/api/v1/households/{side_a.household.pk}/", {"unit_label": "1A"}, format="json"
    )
    assert response.status_code == 200


# --- Residents ---------------------------------------------------------------------------


def test_manager_creates_a_resident_with_inclusion_data(side_a, manager_client):
    response = manager_client.post(
        "/api/v1/residents/",
        {
            "household": side_a.neighbour.pk,
            "first_name": "Marta",
            "last_name": "Puig",
            "birth_year": 1979,
            "inclusion_consent": True,
            "gender": "woman",
            "migrant_background": False,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("household", "first_name", "last_name", "birth_year")} == {
        "household": side_a.neighbour.pk,
        "first_name": "Marta",
        "last_name": "Puig",
        "birth_year": 1979,
    }
    assert body["has_account"] is False
    assert body["is_representative"] is False
    assert body["inclusion_consent_at"] is not None
    assert (body["gender"], body["migrant_background"]) == ("woman", False)
    assert "inclusion_consent" not in body
    assert Resident.objects.get(pk=body["id"]).household == side_a.neighbour


def test_inclusion_data_sent_without_consent_is_refused(side_a, manager_client):
    response = manager_client.post(
        "/api/v1/residents/",
        {
            "household": side_a.neighbour.pk,
            "first_name": "Pau",
            "birth_year": 1990,
            "gender": "man",
            "migrant_background": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"gender", "migrant_background"}
    assert not side_a.neighbour.residents.filter(first_name="Pau").exists()


def test_manager_updates_a_resident_and_consent_can_be_withdrawn(side_a, manager_client):
    url = f"/api/v1/residents/{side_a.neighbour_resident.pk}/"

    response = manager_client.patch(
        url,
        {"inclusion_consent": True, "gender": "non_binary", "last_name": "Vidal"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["gender"], response.json()["last_name"]) == ("non_binary", "Vidal")
    assert response.json()["inclusion_consent_at"] is not None

    response = manager_client.patch(url, {"inclusion_consent": False}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["inclusion_consent_at"], body["gender"], body["migrant_background"]) == (
        None,
        "",
        None,
    )
    assert body["last_name"] == "Vidal"


def test_representative_adds_and_edits_a_member_of_their_household(side_a, resident_client):
    response = resident_client.post(
        "/api/v1/residents/",
        {"household": side_a.household.pk, "first_name": "Kid", "birth_year": 2016},
        format="json",
    )
    assert response.status_code == 201, response.content
    kid = response.json()["id"]

    response = resident_client.patch(f"/api/v1/residents/{kid}/", {"birth_year": 2015})
    assert response.status_code == 200
    assert Resident.objects.get(pk=kid).birth_year == 2015


# --- Invitations -------------------------------------------------------------------------


def test_manager_invites_and_the_email_goes_out_after_commit(
    side_a, manager_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/api/v1/invitations/",
            {
                "household": side_a.neighbour.pk,
                "email": "Nova@Example.org",
                "resident": side_a.neighbour_resident.pk,
                "language": "es",
            },
            format="json",
        )

    assert response.status_code == 201, response.content
    body = response.json()
    invitation = Invitation.objects.get(pk=body["id"])
    assert {key: body[key] for key in ("household", "resident", "email", "language", "status")} == {
        "household": side_a.neighbour.pk,
        "resident": side_a.neighbour_resident.pk,
        "email": "nova@example.org",
        "language": "es",
        "status": "pending",
    }
    assert body["accepted_at"] is None and body["cancelled_at"] is None
    assert body["expires_at"] > body["created_at"]
    assert "token" not in body
    assert invitation.invited_by == side_a.manager
    assert [message.to for message in mail.outbox] == [["nova@example.org"]]
    assert invitation.token in mail.outbox[0].body

    listed = manager_client.get("/api/v1/invitations/").json()["results"]
    assert [row["id"] for row in listed] == [invitation.pk]
    assert listed[0]["sent_at"] is not None


def test_invitation_language_defaults_to_the_citys(side_a, manager_client):
    side_a.city.default_language = "fr"
    side_a.city.save(update_fields=["default_language"])
    response = manager_client.post(
        "/api/v1/invitations/",
        {"household": side_a.household.pk, "email": "guest@example.org"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["language"] == "fr"


def test_manager_cancels_an_invitation(side_a, manager_client):
    created = manager_client.post(
        "/api/v1/invitations/",
        {"household": side_a.household.pk, "email": "guest@example.org"},
        format="json",
    ).json()
    url = f"/api/v1/invitations/{created['id']}/"

    response = manager_client.delete(url)

    assert response.status_code == 204
    assert manager_client.get(url).json()["status"] == "cancelled"
    assert Invitation.objects.get(pk=created["id"]).cancelled_at is not None
    # Cancelling again changes nothing, and the address may be invited anew.
    assert manager_client.delete(url).status_code == 204
    again = manager_client.post(
        "/api/v1/invitations/",
        {"household": side_a.household.pk, "email": "guest@example.org"},
        format="json",
    )
    assert again.status_code == 201
    assert again.json()["status"] == "pending"


def test_an_accepted_invitation_cannot_be_cancelled(side_a, manager_client):
    created = manager_client.post(
        "/api/v1/invitations/",
        {"household": side_a.household.pk, "email": "guest@example.org"},
        format="json",
    ).json()
    Invitation.objects.filter(pk=created["id"]).update(accepted_at=timezone.now())

    response = manager_client.delete(f"/api/v1/invitations/{created['id']}/")

    assert response.status_code == 409
    assert "accepted" in response.json()["detail"]
    assert manager_client.get(f"/api/v1/invitations/{created['id']}/").json()["status"] == (
        "accepted"
    )


def test_an_expired_invitation_shows_as_expired(side_a, manager_client):
    created = manager_client.post(
        "/api/v1/invitations/",
        {"household": side_a.household.pk, "email": "guest@example.org"},
        format="json",
    ).json()
    past = timezone.now() - datetime.timedelta(days=30)
    Invitation.objects.filter(pk=created["id"]).update(
        created_at=past, expires_at=past + datetime.timedelta(days=14)
    )
    assert manager_client.get(f"/api/v1/invitations/{created['id']}/").json()["status"] == (
        "expired"
    )


# --- Income declarations -----------------------------------------------------------------


def test_representative_declares_and_the_manager_verifies(side_a, resident_client, manager_client):
    response = resident_client.post(
        "/api/v1/income-declarations/",
        {
            "household": side_a.household.pk,
            "valid_from": "2025-07-01",
            "gross_monthly_cents": 310_000,
            "disposable_monthly_cents": 250_000,
            "evidence_status": "submitted",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {
        key: body[key]
        for key in (
            "household",
            "valid_from",
            "gross_monthly_cents",
            "disposable_monthly_cents",
            "currency",
            "evidence_status",
            "declared_by",
            "verified_by",
            "verified_at",
        )
    } == {
        "household": side_a.household.pk,
        "valid_from": "2025-07-01",
        "gross_monthly_cents": 310_000,
        "disposable_monthly_cents": 250_000,
        "currency": "EUR",
        "evidence_status": "submitted",
        "declared_by": side_a.resident_user.pk,
        "verified_by": None,
        "verified_at": None,
    }

    response = manager_client.post(
        f"/api/v1/income-declarations/{body['id']}/verify/", {}, format="json"
    )

    assert response.status_code == 200, response.content
    verified = response.json()
    assert verified["evidence_status"] == "verified"
    assert verified["verified_by"] == side_a.manager.pk
    assert verified["verified_at"] is not None
    declaration = IncomeDeclaration.objects.get(pk=body["id"])
    assert declaration.evidence_status == EvidenceStatus.VERIFIED
    assert declaration.verified_by == side_a.manager
    # The household sees the verification too.
    own = resident_client.get(f"/api/v1/income-declarations/{body['id']}/").json()
    assert own["evidence_status"] == "verified"


def test_manager_rejects_evidence(side_a, manager_client):
    response = manager_client.post(
        f"/api/v1/income-declarations/{side_a.neighbour_income.pk}/verify/",
        {"evidence_status": "rejected"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["evidence_status"] == "rejected"


def test_verify_refuses_a_status_that_is_not_a_verdict(side_a, manager_client):
    response = manager_client.post(
        f"/api/v1/income-declarations/{side_a.income.pk}/verify/",
        {"evidence_status": "submitted"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"evidence_status"}
    side_a.income.refresh_from_db()
    assert side_a.income.evidence_status == "none"


def test_manager_declares_income_for_a_household(side_a, manager_client):
    response = manager_client.post(
        "/api/v1/income-declarations/",
        {
            "household": side_a.neighbour.pk,
            "valid_from": "2025-07-01",
            "gross_monthly_cents": 0,
            "disposable_monthly_cents": 0,
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["evidence_status"] == "none"
    assert response.json()["declared_by"] == side_a.manager.pk


# --- Filters -----------------------------------------------------------------------------


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def second_project(side_a):
    """The manager manages the city's other project too."""
    role_grant(user=side_a.manager, kind=RoleKind.MANAGER, project=side_a.other_project)
    return side_a.other_project


def test_households_filter_by_project(side_a, manager_client, second_project):
    assert ids(manager_client.get("/api/v1/households/")) == {
        side_a.household.pk,
        side_a.neighbour.pk,
        side_a.other_household.pk,
    }
    assert ids(manager_client.get(f"/api/v1/households/?project={second_project.pk}")) == {
        side_a.other_household.pk
    }
    assert ids(manager_client.get(f"/api/v1/households/?project={side_a.project.pk}")) == {
        side_a.household.pk,
        side_a.neighbour.pk,
    }


def test_households_filter_current(side_a, manager_client):
    today = timezone.localdate()
    gone = HouseholdFactory(
        project=side_a.project,
        move_in=today - datetime.timedelta(days=400),
        move_out=today - datetime.timedelta(days=1),
    )
    leaving_today = HouseholdFactory(
        project=side_a.project, move_in=today - datetime.timedelta(days=10), move_out=today
    )
    coming = HouseholdFactory(project=side_a.project, move_in=today + datetime.timedelta(days=7))
    living = {side_a.household.pk, side_a.neighbour.pk, leaving_today.pk}

    assert ids(manager_client.get("/api/v1/households/?current=true")) == living
    assert ids(manager_client.get("/api/v1/households/?current=false")) == {gone.pk, coming.pk}


def test_households_filter_by_unit_label_ignores_case(side_a, manager_client):
    assert ids(manager_client.get("/api/v1/households/?unit_label=1b")) == {side_a.neighbour.pk}


def test_residents_filter_by_household_and_representative(side_a, manager_client):
    other = ResidentFactory(household=side_a.neighbour, first_name="Second")
    assert ids(manager_client.get(f"/api/v1/residents/?household={side_a.neighbour.pk}")) == {
        side_a.neighbour_resident.pk,
        other.pk,
    }
    assert ids(manager_client.get(f"/api/v1/residents/?household={side_a.household.pk}")) == {
        side_a.resident.pk
    }
    assert ids(manager_client.get("/api/v1/residents/?is_representative=true")) == {
        side_a.resident.pk
    }


def test_income_declarations_filter_by_evidence_status(side_a, manager_client):
    submitted = IncomeDeclarationFactory(household=side_a.neighbour, evidence_status="submitted")
    verified = IncomeDeclarationFactory(household=side_a.household, evidence_status="verified")

    assert ids(manager_client.get("/api/v1/income-declarations/?evidence_status=submitted")) == {
        submitted.pk
    }
    assert ids(manager_client.get("/api/v1/income-declarations/?evidence_status=verified")) == {
        verified.pk
    }
    assert ids(manager_client.get("/api/v1/income-declarations/?evidence_status=none")) == {
        side_a.income.pk,
        side_a.neighbour_income.pk,
    }
    household_filter = f"/api/v1/income-declarations/?household={side_a.neighbour.pk}"
    assert ids(manager_client.get(household_filter)) == {side_a.neighbour_income.pk, submitted.pk}


def test_income_declarations_filter_by_validity_range(side_a, manager_client):
    later = IncomeDeclarationFactory(household=side_a.household, valid_from="2026-01-01")
    response = manager_client.get("/api/v1/income-declarations/?valid_from_after=2025-06-01")
    assert ids(response) == {later.pk}


def test_latest_income_comes_first(side_a, resident_client):
    later = IncomeDeclarationFactory(household=side_a.household, valid_from="2026-01-01")
    rows = resident_client.get("/api/v1/income-declarations/").json()["results"]
    assert [row["id"] for row in rows] == [later.pk, side_a.income.pk]


def test_invitations_filter_by_household(side_a, manager_client):
    for household, email in [(side_a.household, "a@example.org"), (side_a.neighbour, "b@x.org")]:
        response = manager_client.post(
            "/api/v1/invitations/", {"household": household.pk, "email": email}, format="json"
        )
        assert response.status_code == 201
    rows = manager_client.get(f"/api/v1/invitations/?household={side_a.neighbour.pk}").json()
    assert [row["email"] for row in rows["results"]] == ["b@x.org"]


# --- Pagination --------------------------------------------------------------------------


def test_lists_are_paginated(side_a, manager_client):
    HouseholdFactory.create_batch(5, project=side_a.project)  # 7 households in all

    first = manager_client.get("/api/v1/households/?page_size=3").json()
    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert first["previous"] is None
    assert "page_size=3" in first["next"] and "page=2" in first["next"]

    second = manager_client.get(first["next"]).json()
    third = manager_client.get(second["next"]).json()
    assert len(second["results"]) == 3
    assert len(third["results"]) == 1
    assert third["next"] is None
    seen = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert len(set(seen)) == 7

    default = manager_client.get("/api/v1/households/").json()
    assert default["count"] == 7 and default["next"] is None


def test_page_size_is_capped(side_a, manager_client):
    HouseholdFactory.create_batch(3, project=side_a.project)
    body = manager_client.get("/api/v1/households/?page_size=100000").json()
    assert body["count"] == len(body["results"]) == 5


def test_the_officer_can_page_through_the_citys_projects(side_a, officer_client):
    body = officer_client.get("/api/v1/projects/?page_size=1").json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert body["next"] is not None
    assert {row["city_name"] for row in body["results"]} == {side_a.city.name}


def test_superuser_sees_every_city(side_a, side_b):
    admin = UserFactory(is_superuser=True, is_staff=True)
    body = api_client_for(admin).get("/api/v1/cities/").json()
    assert {row["id"] for row in body["results"]} == {side_a.city.pk, side_b.city.pk}


# --- Who am I ----------------------------------------------------------------------------


def test_me_lists_open_roles_only(side_a, manager_client):
    role_grant(user=side_a.manager, kind=RoleKind.OFFICER, city=side_a.city)
    role_revoke(role=Role.objects.get(user=side_a.manager, project=side_a.project))

    body = manager_client.get("/api/v1/me/").json()

    assert [(role["kind"], role["city"], role["project"]) for role in body["roles"]] == [
        ("officer", side_a.city.pk, None)
    ]
