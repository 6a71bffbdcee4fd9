"""Platform admins do not browse households' incomes in the Django admin."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from members.models import IncomeDeclaration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_income_declarations_are_not_in_the_admin(side_a):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "incomedeclaration" not in index.content.decode()
    assert client.get("/admin/members/incomedeclaration/").status_code == 404
    assert (
        client.get(f"/admin/members/incomedeclaration/{side_a.income.pk}/change/").status_code
        == 404
    )
    # Nor inline in another model's page.
    inlines = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }
    assert IncomeDeclaration not in admin.site._registry and IncomeDeclaration not in inlines
    household = client.get(f"/admin/members/household/{side_a.household.pk}/change/")
    assert household.status_code == 200
    assert str(side_a.income.gross_monthly_cents) not in household.content.decode()
