"""The income audit trail: every look at or change of a household's income by someone outside the
household (its project's managers) is recorded, append-only; the household itself leaves no trace.

Also the income facts the contribution schemes use (allowance, medical and childcare costs,
elderly or disabled), through the service, the API and the page form.
"""

import datetime

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from members.models import IncomeAccess, IncomeAccessLog, IncomeDeclaration, User
from members.services import income_access_record, income_declaration_create
from tests.conftest import api_client_for
from tests.factories import (
    HouseholdFactory,
    IncomeDeclarationFactory,
    ResidentFactory,
    make_manager,
)
from tests.pages.helpers import field_errors, html

pytestmark = pytest.mark.django_db


def entries(**filters) -> list[tuple]:
    return sorted(
        IncomeAccessLog.objects.filter(**filters).values_list(
            "actor_id", "household_id", "action", "declaration_id"
        )
    )


# --- Reads through the API ---------------------------------------------------------------


def test_a_manager_listing_incomes_leaves_one_entry_per_household(side_a, side_b):
    IncomeDeclarationFactory(household=side_a.household, valid_from=datetime.date(2025, 6, 1))
    client = api_client_for(side_a.manager)

    response = client.get("/api/v1/income-declarations/")

    assert response.status_code == 200
    assert response.json()["count"] == 3
    # Two declarations of one household are one look at that household.
    assert entries() == sorted(
        [
            (side_a.manager.pk, side_a.household.pk, IncomeAccess.VIEWED, None),
            (
                side_a.manager.pk,
                side_a.neighbour.pk,
                IncomeAccess.VIEWED,
                side_a.neighbour_income.pk,
            ),
        ]
    )
    entry = IncomeAccessLog.objects.get(household=side_a.household)
    assert entry.actor_email == side_a.manager.email
    assert entry.detail["via"] == "api"
    assert sorted(entry.detail["declarations"]) == sorted(
        side_a.household.income_declarations.values_list("pk", flat=True)
    )


def test_a_manager_reading_one_declaration_leaves_an_entry_naming_it(side_a):
    client = api_client_for(side_a.manager)

    response = client.get(f"/api/v1/income-declarations/{side_a.neighbour_income.pk}/")

    assert response.status_code == 200
    assert entries() == [
        (side_a.manager.pk, side_a.neighbour.pk, IncomeAccess.VIEWED, side_a.neighbour_income.pk)
    ]


def test_the_household_reading_its_own_incomes_leaves_no_entry(side_a):
    client = api_client_for(side_a.resident_user)

    assert client.get("/api/v1/income-declarations/").json()["count"] == 1
    assert client.get(f"/api/v1/income-declarations/{side_a.income.pk}/").status_code == 200

    assert IncomeAccessLog.objects.count() == 0


def test_a_manager_living_in_the_project_is_recorded_for_the_neighbours_only(side_a):
    """A manager who is also a resident sees their own household as a household does."""
    manager = side_a.manager
    ResidentFactory(household=side_a.household, user=manager)

    api_client_for(manager).get("/api/v1/income-declarations/")

    assert entries() == [
        (manager.pk, side_a.neighbour.pk, IncomeAccess.VIEWED, side_a.neighbour_income.pk)
    ]


def test_nobody_outside_the_project_reads_or_leaves_entries(side_a, side_b):
    for user in (side_b.manager, side_a.officer, side_b.resident_user):
        client = api_client_for(user)
        listed = {row["id"] for row in client.get("/api/v1/income-declarations/").json()["results"]}
        assert listed.isdisjoint({side_a.income.pk, side_a.neighbour_income.pk})
        response = client.get(f"/api/v1/income-declarations/{side_a.income.pk}/")
        assert response.status_code == 404
    # side_b's manager saw side_b's households: those entries only.
    assert set(IncomeAccessLog.objects.values_list("household__project", flat=True)) <= {
        side_b.project.pk
    }
    assert not IncomeAccessLog.objects.filter(household__project=side_a.project).exists()


def test_listing_many_households_records_them_in_constant_queries(
    side_a, django_assert_max_num_queries
):
    client = api_client_for(side_a.manager)
    client.get("/api/v1/income-declarations/")  # warm the content-type cache
    with django_assert_max_num_queries(6) as few:
        client.get("/api/v1/income-declarations/")
    for _ in range(25):
        IncomeDeclarationFactory(household=HouseholdFactory(project=side_a.project))
    before = IncomeAccessLog.objects.count()

    with django_assert_max_num_queries(len(few)):
        response = client.get("/api/v1/income-declarations/")

    assert response.json()["count"] == 27
    assert IncomeAccessLog.objects.count() - before == 27


def test_a_filtered_list_records_only_what_it_showed(side_a):
    client = api_client_for(side_a.manager)

    client.get(f"/api/v1/income-declarations/?household={side_a.neighbour.pk}")

    assert entries() == [
        (side_a.manager.pk, side_a.neighbour.pk, IncomeAccess.VIEWED, side_a.neighbour_income.pk)
    ]


# --- Writes ------------------------------------------------------------------------------


def test_a_manager_declaring_for_a_household_is_recorded(side_a):
    response = api_client_for(side_a.manager).post(
        "/api/v1/income-declarations/",
        {
            "household": side_a.neighbour.pk,
            "valid_from": "2025-07-01",
            "gross_monthly_cents": 250_000,
            "disposable_monthly_cents": 200_000,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert entries() == [
        (side_a.manager.pk, side_a.neighbour.pk, IncomeAccess.CREATED, response.json()["id"])
    ]


def test_the_household_declaring_its_own_income_is_not_recorded(side_a):
    response = api_client_for(side_a.resident_user).post(
        "/api/v1/income-declarations/",
        {
            "household": side_a.household.pk,
            "valid_from": "2025-07-01",
            "gross_monthly_cents": 250_000,
            "disposable_monthly_cents": 200_000,
        },
        format="json",
    )

    assert response.status_code == 201
    assert IncomeAccessLog.objects.count() == 0


def test_verifying_is_recorded_with_the_verdict(side_a):
    response = api_client_for(side_a.manager).post(
        f"/api/v1/income-declarations/{side_a.income.pk}/verify/",
        {"evidence_status": "rejected"},
        format="json",
    )

    assert response.status_code == 200
    assert entries() == [
        (side_a.manager.pk, side_a.household.pk, IncomeAccess.VERIFIED, side_a.income.pk)
    ]
    assert IncomeAccessLog.objects.get().detail == {
        "evidence_status": "rejected",
        "declarations": [side_a.income.pk],
    }


def test_a_refused_verification_leaves_no_entry(side_a):
    response = api_client_for(side_a.resident_user).post(
        f"/api/v1/income-declarations/{side_a.income.pk}/verify/", format="json"
    )

    assert response.status_code == 403
    assert IncomeAccessLog.objects.count() == 0


# --- Pages -------------------------------------------------------------------------------


def test_a_manager_opening_a_household_page_is_recorded(client, side_a):
    client.force_login(side_a.manager)

    response = client.get(f"/households/{side_a.neighbour.pk}/")

    assert response.status_code == 200
    assert entries() == [
        (side_a.manager.pk, side_a.neighbour.pk, IncomeAccess.VIEWED, side_a.neighbour_income.pk)
    ]
    assert IncomeAccessLog.objects.get().detail["via"] == "page"


def test_the_household_opening_its_page_is_not_recorded(client, side_a):
    client.force_login(side_a.resident_user)

    assert client.get(f"/households/{side_a.household.pk}/").status_code == 200

    assert IncomeAccessLog.objects.count() == 0


def test_a_household_page_without_incomes_records_nothing(client, side_a):
    household = HouseholdFactory(project=side_a.project)
    client.force_login(side_a.manager)

    assert client.get(f"/households/{household.pk}/").status_code == 200

    assert IncomeAccessLog.objects.count() == 0


# --- Append-only -------------------------------------------------------------------------


@pytest.fixture
def entry(side_a) -> IncomeAccessLog:
    [entry] = income_access_record(
        actor=side_a.manager, action=IncomeAccess.VIEWED, declarations=[side_a.income]
    )
    return entry


def test_an_entry_cannot_be_changed_or_deleted(entry):
    entry.action = IncomeAccess.CHANGED
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        IncomeAccessLog.objects.filter(pk=entry.pk).update(action=IncomeAccess.CHANGED)
    with pytest.raises(TypeError):
        IncomeAccessLog.objects.all().delete()
    entry.refresh_from_db()
    assert entry.action == IncomeAccess.VIEWED


def test_the_admin_shows_the_trail_read_only(entry, side_a):
    request = RequestFactory().get("/")
    request.user = User.objects.create_superuser(email="root@example.org", password="x")
    model_admin = admin_site._registry[IncomeAccessLog]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert model_admin.has_view_permission(request, entry)


def test_the_trail_outlives_the_account_that_left_it(entry, side_a):
    email = side_a.manager.email

    side_a.manager.delete()

    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_email == email


# --- The income facts --------------------------------------------------------------------


def test_the_service_keeps_allowance_costs_and_the_elderly_flag(side_a):
    declaration = income_declaration_create(
        household=side_a.household,
        valid_from=datetime.date(2025, 9, 1),
        gross_monthly_cents=200_000,
        disposable_monthly_cents=170_000,
        housing_allowance_cents=20_000,
        medical_costs_cents=9_000,
        childcare_costs_cents=15_000,
        elderly_or_disabled=True,
        declared_by=side_a.resident_user,
    )

    declaration.refresh_from_db()
    assert (
        declaration.housing_allowance_cents,
        declaration.medical_costs_cents,
        declaration.childcare_costs_cents,
        declaration.elderly_or_disabled,
    ) == (20_000, 9_000, 15_000, True)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"housing_allowance_cents": -1}, {"housing_allowance_cents"}),
        (
            {"medical_costs_cents": -1, "childcare_costs_cents": -5},
            {"medical_costs_cents", "childcare_costs_cents"},
        ),
        ({"gross_monthly_cents": -1}, {"gross_monthly_cents"}),
        ({"housing_allowance_cents": 170_001}, {"housing_allowance_cents"}),
    ],
)
def test_the_service_refuses_bad_income_facts_on_their_fields(side_a, changes, fields):
    arguments = {
        "household": side_a.household,
        "valid_from": datetime.date(2025, 9, 1),
        "gross_monthly_cents": 200_000,
        "disposable_monthly_cents": 170_000,
        "declared_by": side_a.resident_user,
        **changes,
    }
    before = IncomeDeclaration.objects.count()

    with pytest.raises(ValidationError) as error:
        income_declaration_create(**arguments)

    assert set(error.value.message_dict) == fields
    assert IncomeDeclaration.objects.count() == before


def test_the_api_takes_and_shows_the_income_facts(side_a):
    client = api_client_for(side_a.resident_user)

    response = client.post(
        "/api/v1/income-declarations/",
        {
            "household": side_a.household.pk,
            "valid_from": "2025-09-01",
            "gross_monthly_cents": 200_000,
            "disposable_monthly_cents": 170_000,
            "housing_allowance_cents": 20_000,
            "medical_costs_cents": 9_000,
            "childcare_costs_cents": 15_000,
            "elderly_or_disabled": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = client.get(f"/api/v1/income-declarations/{response.json()['id']}/").json()
    assert {
        key: body[key]
        for key in (
            "housing_allowance_cents",
            "medical_costs_cents",
            "childcare_costs_cents",
            "elderly_or_disabled",
        )
    } == {
        "housing_allowance_cents": 20_000,
        "medical_costs_cents": 9_000,
        "childcare_costs_cents": 15_000,
        "elderly_or_disabled": True,
    }


def test_the_api_refuses_a_negative_allowance_with_400_and_writes_nothing(side_a):
    before = IncomeDeclaration.objects.count()

    response = api_client_for(side_a.resident_user).post(
        "/api/v1/income-declarations/",
        {
            "household": side_a.household.pk,
            "valid_from": "2025-09-01",
            "gross_monthly_cents": 200_000,
            "disposable_monthly_cents": 170_000,
            "housing_allowance_cents": -100,
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"housing_allowance_cents"}
    assert IncomeDeclaration.objects.count() == before


def test_the_form_takes_the_income_facts_in_currency_units(client, side_a):
    client.force_login(side_a.resident_user)

    response = client.post(
        f"/households/{side_a.household.pk}/income/new/",
        {
            "valid_from": "2025-09-01",
            "gross_monthly_cents": "2000",
            "disposable_monthly_cents": "1700",
            "housing_allowance_cents": "200.50",
            "medical_costs_cents": "",
            "childcare_costs_cents": "150",
            "elderly_or_disabled": "on",
        },
    )

    assert response.status_code == 302
    declaration = IncomeDeclaration.objects.get(
        household=side_a.household, valid_from=datetime.date(2025, 9, 1)
    )
    assert declaration.housing_allowance_cents == 20_050
    assert declaration.medical_costs_cents == 0
    assert declaration.childcare_costs_cents == 15_000
    assert declaration.elderly_or_disabled is True


def test_the_form_shows_an_allowance_above_the_income_on_its_field(client, side_a):
    client.force_login(side_a.resident_user)

    response = client.post(
        f"/households/{side_a.household.pk}/income/new/",
        {
            "valid_from": "2025-09-01",
            "gross_monthly_cents": "2000",
            "disposable_monthly_cents": "1700",
            "housing_allowance_cents": "1800",
        },
    )

    assert response.status_code == 200
    assert field_errors(html(response), "housing_allowance_cents") == [
        "The housing allowance is part of the disposable income and cannot exceed it."
    ]
    assert not IncomeDeclaration.objects.filter(valid_from=datetime.date(2025, 9, 1)).exists()


def test_a_manager_of_another_project_records_nothing_here(side_a):
    stranger = make_manager(HouseholdFactory().project)

    api_client_for(stranger).get("/api/v1/income-declarations/")

    assert IncomeAccessLog.objects.count() == 0
