"""Who sees what: nothing of another city, and within a city only what each role may know.

An object a user may not know of answers 404 (never 403), whatever the method.
"""

import json

import pytest

from members.models import Household, IncomeDeclaration, Invitation, Resident, Role, RoleKind
from members.services import invitation_create, role_grant, role_revoke
from tests.api.conftest import row_counts
from tests.conftest import Side, api_client_for
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["resident_user", "manager", "officer"]
ENDPOINTS = ["cities", "projects", "households", "residents", "income-declarations", "invitations"]
PRIVATE_ENDPOINTS = ["households", "residents", "income-declarations", "invitations"]


def side_objects(side: Side) -> dict[str, list[int]]:
    """Every object of a side, by collection; the side gets a pending invitation first."""
    invitation = invitation_create(
        household=side.household, email=f"guest@{side.city.slug}.example", invited_by=side.manager
    )
    return {
        "cities": [side.city.pk],
        "projects": [side.project.pk, side.other_project.pk],
        "households": [side.household.pk, side.neighbour.pk, side.other_household.pk],
        "residents": list(
            Resident.objects.filter(household__project__city=side.city).values_list("pk", flat=True)
        ),
        "income-declarations": [side.income.pk, side.neighbour_income.pk],
        "invitations": [invitation.pk],
    }


def listed_ids(client, endpoint: str, query: str = "") -> set[int]:
    response = client.get(f"/api/v1/{endpoint}/?page_size=500{query}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["results"])
    return {row["id"] for row in body["results"]}


@pytest.fixture
def foreign(side_a, side_b) -> dict[str, list[int]]:
    return side_objects(side_b)


# --- Across cities -----------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_another_citys_objects_answer_404_and_are_not_listed(side_a, foreign, role, endpoint):
    client = api_client_for(getattr(side_a, role))

    assert not listed_ids(client, endpoint) & set(foreign[endpoint])
    for pk in foreign[endpoint]:
        response = client.get(f"/api/v1/{endpoint}/{pk}/")
        assert response.status_code == 404, (endpoint, pk)


# The writes each collection accepts, with a payload that would be valid for an own object.
WRITES = {
    "households": ("patch", "", {"unit_label": "HACKED"}),
    "residents": ("patch", "", {"first_name": "HACKED"}),
    "income-declarations": ("post", "verify/", {"evidence_status": "verified"}),
    "invitations": ("delete", "", None),
}


def _state(endpoint: str, pk: int) -> tuple:
    """The part of an object an attacker's write would change."""
    if endpoint == "households":
        return tuple(Household.objects.filter(pk=pk).values_list("unit_label", "move_out").get())
    if endpoint == "residents":
        return tuple(Resident.objects.filter(pk=pk).values_list("first_name", "birth_year").get())
    if endpoint == "income-declarations":
        return tuple(
            IncomeDeclaration.objects.filter(pk=pk)
            .values_list("evidence_status", "verified_by")
            .get()
        )
    return tuple(Invitation.objects.filter(pk=pk).values_list("cancelled_at", "accepted_at").get())


@pytest.mark.parametrize("endpoint", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_writes_to_another_citys_objects_answer_404_and_change_nothing(
    side_a, foreign, role, endpoint
):
    client = api_client_for(getattr(side_a, role))
    method, suffix, payload = WRITES[endpoint]

    for pk in foreign[endpoint]:
        before = _state(endpoint, pk)
        response = getattr(client, method)(
            f"/api/v1/{endpoint}/{pk}/{suffix}", payload, format="json"
        )
        assert response.status_code == 404, (endpoint, pk, response.status_code)
        assert _state(endpoint, pk) == before


@pytest.mark.parametrize(
    ("endpoint", "method"),
    [
        ("cities", "patch"),
        ("cities", "delete"),
        ("projects", "patch"),
        ("projects", "delete"),
        ("households", "delete"),
        ("residents", "delete"),
        ("income-declarations", "patch"),
        ("income-declarations", "delete"),
        ("invitations", "patch"),
    ],
)
def test_unsupported_writes_answer_405_whether_the_object_is_known_or_not(
    side_a, foreign, manager_client, endpoint, method
):
    own = side_objects(side_a)
    for pk in (own[endpoint][0], foreign[endpoint][0]):
        response = getattr(manager_client, method)(f"/api/v1/{endpoint}/{pk}/", {}, format="json")
        assert response.status_code == 405


# Creates that point at another city's project or household.
FOREIGN_CREATES = [
    ("households", "project", lambda b: {"project": b.project.pk, "move_in": "2024-01-01"}),
    ("households", "project", lambda b: {"project": b.other_project.pk, "move_in": "2024-01-01"}),
    ("residents", "household", lambda b: {"household": b.household.pk, "birth_year": 1980}),
    (
        "income-declarations",
        "household",
        lambda b: {
            "household": b.household.pk,
            "valid_from": "2025-06-01",
            "gross_monthly_cents": 100,
            "disposable_monthly_cents": 100,
        },
    ),
    ("invitations", "household", lambda b: {"household": b.household.pk}),
]


@pytest.mark.parametrize(("endpoint", "field", "build"), FOREIGN_CREATES)
@pytest.mark.parametrize("role", ROLES)
def test_creates_into_another_city_answer_400_and_write_nothing(
    side_a, side_b, role, endpoint, field, build
):
    client = api_client_for(getattr(side_a, role))
    payload = {"unit_label": "9Z", "first_name": "Eve", "email": "eve@example.org", **build(side_b)}
    before = row_counts()

    response = client.post(f"/api/v1/{endpoint}/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert row_counts() == before


def test_an_invitation_cannot_take_over_another_citys_resident(side_a, side_b, manager_client):
    before = row_counts()
    response = manager_client.post(
        "/api/v1/invitations/",
        {
            "household": side_a.household.pk,
            "email": "eve@example.org",
            "resident": side_b.resident.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"resident"}
    assert row_counts() == before


# --- Within a city: the resident ---------------------------------------------------------


def test_resident_sees_only_their_own_household(side_a, resident_client):
    own_residents = set(side_a.household.residents.values_list("pk", flat=True))
    assert listed_ids(resident_client, "households") == {side_a.household.pk}
    assert listed_ids(resident_client, "residents") == own_residents == {side_a.resident.pk}
    assert listed_ids(resident_client, "income-declarations") == {side_a.income.pk}
    assert listed_ids(resident_client, "invitations") == set()
    assert listed_ids(resident_client, "projects") == {side_a.project.pk}
    assert listed_ids(resident_client, "cities") == {side_a.city.pk}

    for endpoint, pk in [
        ("households", side_a.neighbour.pk),
        ("households", side_a.other_household.pk),
        ("residents", side_a.neighbour_resident.pk),
        ("income-declarations", side_a.neighbour_income.pk),
        ("projects", side_a.other_project.pk),
    ]:
        assert resident_client.get(f"/api/v1/{endpoint}/{pk}/").status_code == 404, endpoint
    assert resident_client.get(f"/api/v1/households/{side_a.household.pk}/").status_code == 200


def test_resident_cannot_write_the_neighbours_data(side_a, resident_client):
    before = row_counts()
    responses = [
        resident_client.patch(
            f"/api/v1/residents/{side_a.neighbour_resident.pk}/", {"first_name": "X"}, format="json"
        ),
        resident_client.post(
            f"/api/v1/income-declarations/{side_a.neighbour_income.pk}/verify/", format="json"
        ),
        resident_client.patch(
            f"/api/v1/households/{side_a.neighbour.pk}/", {"unit_label": "X"}, format="json"
        ),
    ]
    assert [response.status_code for response in responses] == [404, 404, 404]
    response = resident_client.post(
        "/api/v1/residents/",
        {"household": side_a.neighbour.pk, "first_name": "X", "birth_year": 1980},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"household"}
    assert row_counts() == before
    side_a.neighbour_resident.refresh_from_db()
    assert side_a.neighbour_resident.first_name == "Neighbour"


def test_resident_cannot_create_a_household(side_a, resident_client):
    before = row_counts()
    response = resident_client.post(
        "/api/v1/households/",
        {"project": side_a.project.pk, "unit_label": "9Z", "move_in": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 403
    assert row_counts() == before


def test_resident_cannot_edit_their_household_unit(side_a, resident_client):
    response = resident_client.patch(
        f"/api/v1/households/{side_a.household.pk}/", {"unit_label": "PENTHOUSE"}, format="json"
    )
    assert response.status_code == 403
    side_a.household.refresh_from_db()
    assert side_a.household.unit_label == "1A"


def test_resident_cannot_verify_their_own_income(side_a, resident_client):
    response = resident_client.post(
        f"/api/v1/income-declarations/{side_a.income.pk}/verify/", format="json"
    )
    assert response.status_code == 403
    side_a.income.refresh_from_db()
    assert side_a.income.evidence_status == "none"
    assert side_a.income.verified_by is None


def test_resident_cannot_invite(side_a, resident_client):
    before = row_counts()
    response = resident_client.post(
        "/api/v1/invitations/",
        {"household": side_a.household.pk, "email": "friend@example.org"},
        format="json",
    )
    assert response.status_code == 403
    assert row_counts() == before


@pytest.fixture
def non_representative(side_a):
    user = UserFactory()
    ResidentFactory(household=side_a.household, user=user, is_representative=False)
    role_grant(user=user, kind=RoleKind.RESIDENT, project=side_a.project)
    return user


def test_non_representative_sees_the_household_but_cannot_declare_income(
    side_a, non_representative
):
    client = api_client_for(non_representative)
    assert listed_ids(client, "income-declarations") == {side_a.income.pk}
    before = row_counts()

    response = client.post(
        "/api/v1/income-declarations/",
        {
            "household": side_a.household.pk,
            "valid_from": "2025-06-01",
            "gross_monthly_cents": 100_000,
            "disposable_monthly_cents": 90_000,
        },
        format="json",
    )

    assert response.status_code == 403
    assert row_counts() == before
    response = client.post(
        "/api/v1/residents/",
        {"household": side_a.household.pk, "first_name": "Kid", "birth_year": 2015},
        format="json",
    )
    assert response.status_code == 403
    assert row_counts() == before


def test_a_revoked_resident_sees_no_household_any_more(side_a, resident_client):
    role_revoke(role=Role.objects.get(user=side_a.resident_user))
    for endpoint in PRIVATE_ENDPOINTS + ["projects", "cities"]:
        assert listed_ids(resident_client, endpoint) == set(), endpoint
    assert resident_client.get(f"/api/v1/households/{side_a.household.pk}/").status_code == 404


# --- Within a city: the manager ----------------------------------------------------------


def test_manager_sees_every_household_of_their_project_only(side_a, manager_client):
    own = side_objects(side_a)
    assert listed_ids(manager_client, "households") == {side_a.household.pk, side_a.neighbour.pk}
    assert listed_ids(manager_client, "residents") == {
        side_a.resident.pk,
        side_a.neighbour_resident.pk,
    }
    assert listed_ids(manager_client, "income-declarations") == {
        side_a.income.pk,
        side_a.neighbour_income.pk,
    }
    assert listed_ids(manager_client, "invitations") == set(own["invitations"])
    assert listed_ids(manager_client, "projects") == {side_a.project.pk}

    assert manager_client.get(f"/api/v1/households/{side_a.other_household.pk}/").status_code == 404
    assert manager_client.get(f"/api/v1/projects/{side_a.other_project.pk}/").status_code == 404
    response = manager_client.patch(
        f"/api/v1/households/{side_a.other_household.pk}/", {"unit_label": "X"}, format="json"
    )
    assert response.status_code == 404


def test_manager_cannot_create_in_the_other_project_of_the_city(side_a, manager_client):
    before = row_counts()
    response = manager_client.post(
        "/api/v1/households/",
        {"project": side_a.other_project.pk, "unit_label": "9Z", "move_in": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"project"}
    response = manager_client.post(
        "/api/v1/invitations/",
        {"household": side_a.other_household.pk, "email": "eve@example.org"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"household"}
    assert row_counts() == before


def test_manager_of_the_other_project_sees_only_its_households(side_a):
    other_manager = UserFactory(mfa=True)
    role_grant(user=other_manager, kind=RoleKind.MANAGER, project=side_a.other_project)
    client = api_client_for(other_manager)
    assert listed_ids(client, "households") == {side_a.other_household.pk}
    response = client.post(f"/api/v1/income-declarations/{side_a.income.pk}/verify/", format="json")
    assert response.status_code == 404


# --- Within a city: the officer ----------------------------------------------------------


def test_officer_sees_the_city_and_its_projects_but_no_household(side_a, officer_client):
    own = side_objects(side_a)
    assert listed_ids(officer_client, "cities") == {side_a.city.pk}
    assert listed_ids(officer_client, "projects") == {side_a.project.pk, side_a.other_project.pk}
    assert officer_client.get(f"/api/v1/cities/{side_a.city.pk}/").status_code == 200
    for endpoint in PRIVATE_ENDPOINTS:
        assert listed_ids(officer_client, endpoint) == set(), endpoint
        for pk in own[endpoint]:
            assert officer_client.get(f"/api/v1/{endpoint}/{pk}/").status_code == 404, endpoint


def test_officer_cannot_write_anything_in_the_city(side_a, officer_client):
    own = side_objects(side_a)
    before = row_counts()
    for endpoint, (method, suffix, payload) in WRITES.items():
        for pk in own[endpoint]:
            response = getattr(officer_client, method)(
                f"/api/v1/{endpoint}/{pk}/{suffix}", payload, format="json"
            )
            assert response.status_code == 404, (endpoint, pk)
    response = officer_client.post(
        "/api/v1/households/",
        {"project": side_a.project.pk, "unit_label": "9Z", "move_in": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 403
    assert row_counts() == before
    assert Invitation.objects.get(pk=own["invitations"][0]).cancelled_at is None


def test_no_response_to_the_officer_names_a_resident_or_an_income(side_a, side_b):
    # Distinctive values, so that a match in a response body cannot be a coincidence.
    for resident in Resident.objects.all():
        resident.first_name = f"Firstname{resident.pk}x"
        resident.last_name = f"Lastname{resident.pk}x"
        resident.save(update_fields=["first_name", "last_name"])
    for offset, declaration in enumerate(IncomeDeclaration.objects.all()):
        declaration.gross_monthly_cents = 987_001 + offset
        declaration.disposable_monthly_cents = 876_001 + offset
        declaration.save(update_fields=["gross_monthly_cents", "disposable_monthly_cents"])
    own = side_objects(side_a)
    secrets = set()
    for resident in Resident.objects.all():
        secrets |= {resident.first_name, resident.last_name}
    for declaration in IncomeDeclaration.objects.all():
        secrets |= {str(declaration.gross_monthly_cents), str(declaration.disposable_monthly_cents)}

    client = api_client_for(side_a.officer)
    urls = ["/api/v1/me/"]
    for endpoint in ENDPOINTS:
        urls.append(f"/api/v1/{endpoint}/?page_size=500")
        urls += [f"/api/v1/{endpoint}/{pk}/" for pk in own[endpoint]]
    urls += [f"/api/v1/residents/?household={side_a.household.pk}"]
    urls += [f"/api/v1/income-declarations/?project={side_a.project.pk}"]

    bodies = []
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        bodies.append(json.dumps(response.json()) if response.content else "")
    for body in bodies:
        leaked = {secret for secret in secrets if secret in body}
        assert not leaked
