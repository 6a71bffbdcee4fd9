"""The demo seed: a believable network, built once, left alone by a second run."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from guardian.models import GroupObjectPermission, UserObjectPermission

from community.money.models import Budget, Charge, ChargeRun, ContributionScheme, Payment
from community.money.selectors.ledger import arrears_list
from demo.network import ADMIN_EMAIL, DEMO_PASSWORD, REFERENCE_YEAR
from members.models import (
    City,
    CityGroupObjectPermission,
    CityUserObjectPermission,
    Household,
    HousingProject,
    HousingProjectGroupObjectPermission,
    HousingProjectUserObjectPermission,
    IncomeDeclaration,
    Resident,
    Role,
    RoleKind,
    User,
)

pytestmark = pytest.mark.django_db

DEMO_CITIES = {"Barcelona", "Cluj-Napoca", "Dresden", "Lyon"}
SNAPSHOT_MODELS = (
    City,
    HousingProject,
    Household,
    Resident,
    IncomeDeclaration,
    User,
    Role,
    EmailAddress,
    UserObjectPermission,
    GroupObjectPermission,
    HousingProjectUserObjectPermission,
    HousingProjectGroupObjectPermission,
    CityUserObjectPermission,
    CityGroupObjectPermission,
    Budget,
    ContributionScheme,
    ChargeRun,
    Charge,
    Payment,
)


def snapshot(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {model._meta.label: tables[model._meta.label] for model in SNAPSHOT_MODELS}


@pytest.fixture
def seeded(demo) -> dict:
    """The demo seeded, then seeded again (once for all the tests of the demo: ``demo``)."""
    return {
        "first": snapshot(demo.first),
        "second": snapshot(demo.second),
        "first_output": demo.first_output,
        "second_output": demo.second_output,
    }


def demo_logins() -> dict[str, tuple[str, object]]:
    """Every expected demo login: e-mail → (role kind, scope)."""
    logins: dict[str, tuple[str, object]] = {ADMIN_EMAIL: ("admin", None)}
    for city in City.objects.filter(name__in=DEMO_CITIES):
        logins[f"officer.{city.slug}@demo.netco.eu"] = (RoleKind.OFFICER, city)
        for project in city.projects.all():
            logins[f"manager.{project.slug}@demo.netco.eu"] = (RoleKind.MANAGER, project)
            logins[f"resident.{project.slug}@demo.netco.eu"] = (RoleKind.RESIDENT, project)
    return logins


def test_builds_four_cities_of_varied_projects_and_households(seeded):
    cities = City.objects.filter(name__in=DEMO_CITIES)
    assert {city.name for city in cities} == DEMO_CITIES
    for city in cities:
        assert city.median_equivalised_income_cents > 0
        projects = list(city.projects.all())
        assert 2 <= len(projects) <= 3, city
        assert len({project.kind for project in projects}) == len(projects), city
        for project in projects:
            households = Household.objects.filter(project=project)
            assert 20 <= households.count() <= 60, project
            ages = [
                REFERENCE_YEAR - year
                for year in Resident.objects.filter(household__project=project).values_list(
                    "birth_year", flat=True
                )
            ]
            assert any(age < 14 for age in ages), project
            assert any(18 <= age < 65 for age in ages), project
            assert any(age >= 65 for age in ages), project
            for household in households.prefetch_related("residents"):
                representatives = [r for r in household.residents.all() if r.is_representative]
                assert len(representatives) == 1, household
                assert REFERENCE_YEAR - representatives[0].birth_year >= 18, household
    declarations = IncomeDeclaration.objects.all()
    assert declarations.exists()
    assert all(d.gross_monthly_cents >= d.disposable_monthly_cents > 0 for d in declarations)


def test_second_run_changes_nothing(seeded):
    assert seeded["second"] == seeded["first"]
    assert "(0 new)" in seeded["second_output"]
    assert "new)" in seeded["first_output"]
    # Every project has its year of charges, and someone in real arrears.
    for project in HousingProject.objects.filter(city__name__in=DEMO_CITIES):
        assert project.charge_runs.count() == 12, project
        assert any(row.months_in_arrears >= 4 for row in arrears_list(project=project)), project


def test_demo_logins_authenticate_with_their_roles(seeded):
    logins = demo_logins()
    assert (
        len(logins) == 1 + 4 + 2 * HousingProject.objects.filter(city__name__in=DEMO_CITIES).count()
    )
    for email, (kind, scope) in logins.items():
        user = authenticate(email=email, password=DEMO_PASSWORD)
        assert user is not None, email
        assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True)
        roles = Role.objects.filter(user=user, revoked_at__isnull=True)
        if kind == "admin":
            assert user.is_superuser and user.is_staff
            assert not roles.exists()
            continue
        assert not user.is_staff, email
        role = roles.get()
        assert role.kind == kind, email
        assert role.scope == scope, email
        city = scope if kind == RoleKind.OFFICER else scope.city
        assert user.language == city.default_language, email
        if kind == RoleKind.OFFICER:
            assert user.has_perm("members.monitor_city", scope)
        elif kind == RoleKind.MANAGER:
            assert user.has_perm("members.manage_housingproject", scope)
        else:
            assert user.resident.household.project == scope
            assert user.resident.household.move_out is None
            assert user.has_perm("members.view_housingproject", scope)
            assert not user.has_perm("members.manage_housingproject", scope)


def test_output_lists_every_login_and_the_password(seeded):
    for output in (seeded["first_output"], seeded["second_output"]):
        for email in demo_logins():
            assert email in output
        assert DEMO_PASSWORD in output
