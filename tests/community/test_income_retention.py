"""Income declarations are deleted once their project's retention period is over: years after
the last charge worked out from them, or after their validity when no charge used them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from community.money.models import Charge
from community.money.services.charges import charges_run
from community.money.tasks import income_declarations_expire_task
from members.models import HousingProject, IncomeAccessLog, IncomeDeclaration
from tests.community.factories import adopted_scheme, set_budget
from tests.conftest import api_client_for
from tests.factories import HouseholdFactory, IncomeDeclarationFactory, ProjectFactory

pytestmark = pytest.mark.django_db

JUNE_2010 = dt.date(2010, 6, 1)
MARCH_2011 = dt.date(2011, 3, 1)


@pytest.fixture
def history():
    """A household charged in June 2010 on its first declaration and in March 2011 on its
    second; a third, its latest, valid from 2012 and never charged."""
    project = ProjectFactory()
    household = HouseholdFactory(project=project, move_in=dt.date(2009, 1, 1))
    first = IncomeDeclarationFactory(household=household, valid_from=dt.date(2010, 1, 1))
    second = IncomeDeclarationFactory(household=household, valid_from=dt.date(2011, 1, 1))
    latest = IncomeDeclarationFactory(household=household, valid_from=dt.date(2012, 1, 1))
    adopted_scheme(project, valid_from=dt.date(2010, 1, 1))
    for month in (JUNE_2010, MARCH_2011):
        set_budget(project, month, 100_000)
        charges_run(project=project, month=month)
    # Another project keeps its incomes for thirty years.
    patient = ProjectFactory(income_retention_years=30)
    kept = IncomeDeclarationFactory(
        household=HouseholdFactory(project=patient), valid_from=dt.date(2010, 1, 1)
    )
    return {"project": project, "first": first, "second": second, "latest": latest, "kept": kept}


def remaining() -> set[int]:
    return set(IncomeDeclaration.objects.values_list("pk", flat=True))


def test_charges_name_the_declaration_they_used(history):
    used = {charge.month: charge.breakdown["income_declaration"] for charge in Charge.objects.all()}
    assert used == {JUNE_2010: history["first"].pk, MARCH_2011: history["second"].pk}


def test_declarations_go_seven_years_after_their_last_charge(history):
    everything = remaining()
    # The first was last charged for June 2010: kept until the end of June 2017.
    assert income_declarations_expire_task.delay("2017-06-30").get() == 0
    assert income_declarations_expire_task.delay("2017-07-01").get() == 1
    assert remaining() == everything - {history["first"].pk}
    # The second, charged for March 2011, until the end of March 2018.
    assert income_declarations_expire_task.delay("2018-04-01").get() == 1
    # The latest was never charged: valid twelve months from January 2012, then seven years.
    assert income_declarations_expire_task.delay("2019-12-31").get() == 0
    assert income_declarations_expire_task.delay("2020-01-01").get() == 1
    assert remaining() == {history["kept"].pk}
    assert income_declarations_expire_task.delay("2020-01-01").get() == 0  # a rerun: nothing


def test_a_longer_retention_keeps_them_and_charges_stay(history):
    HousingProject.objects.filter(pk=history["project"].pk).update(income_retention_years=10)
    charges = list(Charge.objects.values_list("pk", "amount_cents", "breakdown"))
    assert income_declarations_expire_task.delay("2020-01-01").get() == 0
    assert income_declarations_expire_task.delay("2020-07-01").get() == 1
    assert list(Charge.objects.values_list("pk", "amount_cents", "breakdown")) == charges


def test_the_access_log_outlives_the_declaration(history, side_a):
    from members.selectors import income_declarations_read

    income_declarations_read(user=side_a.manager, via="page", declarations=[history["first"]])
    income_declarations_expire_task.delay("2017-07-01").get()
    entry = IncomeAccessLog.objects.get(household=history["first"].household)
    assert entry.declaration is None and entry.detail["declarations"] == [history["first"].pk]


def test_the_manager_sets_the_retention_on_the_project_settings(side_a):
    client = Client()
    client.force_login(side_a.manager)
    url = f"/projects/{side_a.project.pk}/settings/"
    assert url in client.get(f"/projects/{side_a.project.pk}/").content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"income_validity_months": 12, "income_retention_years": 10})
    assert response.status_code == 302
    side_a.project.refresh_from_db()
    assert side_a.project.income_retention_years == 10
    refused = client.post(url, {"income_validity_months": 12, "income_retention_years": 0})
    assert refused.status_code == 200
    side_a.project.refresh_from_db()
    assert side_a.project.income_retention_years == 10


def test_only_the_projects_managers_change_its_settings(side_a, side_b):
    url = f"/projects/{side_a.project.pk}/settings/"
    data = {"income_validity_months": 12, "income_retention_years": 2}
    for user, status in ((side_a.resident_user, 403), (side_b.manager, 404)):
        client = Client()
        client.force_login(user)
        assert client.post(url, data).status_code == status
    side_a.project.refresh_from_db()
    assert side_a.project.income_retention_years == 7


def test_managers_set_the_retention_through_the_api(side_a, side_b):
    url = f"/api/v1/projects/{side_a.project.pk}/settings/"
    for user, status in ((side_b.manager, 404), (side_a.resident_user, 403)):
        assert api_client_for(user).patch(url, {"income_retention_years": 3}).status_code == status
    refused = api_client_for(side_a.manager).patch(url, {"income_retention_years": 0})
    assert refused.status_code == 400 and "income_retention_years" in refused.json()
    response = api_client_for(side_a.manager).patch(url, {"income_retention_years": 3})
    assert response.status_code == 200 and response.json()["income_retention_years"] == 3
    side_a.project.refresh_from_db()
    assert side_a.project.income_retention_years == 3
