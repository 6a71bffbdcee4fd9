"""Every invariant of the core models holds twice: at the database (``IntegrityError``) and in
validation (``ValidationError`` on the field the constraint is about, as forms and the API
report it)."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.models import (
    Household,
    HousingProject,
    IncomeDeclaration,
    Invitation,
    Resident,
    Role,
    RoleKind,
    User,
)
from members.services import (
    household_create,
    household_update,
    income_declaration_create,
    invitation_create,
    resident_update,
    role_grant,
    role_revoke,
)
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    IncomeDeclarationFactory,
    ProjectFactory,
    ResidentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MOVE_IN = datetime.date(2024, 1, 1)


@contextmanager
def refused_by_database():
    """Expect the database to refuse the write; the savepoint keeps the test transaction usable."""
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def error_fields(exc_info) -> set[str]:
    return set(exc_info.value.message_dict)


# --- Housing projects --------------------------------------------------------------------


def test_project_slug_is_unique_per_city_at_the_database():
    city = CityFactory()
    ProjectFactory(city=city, slug="la-borda")
    with refused_by_database():
        ProjectFactory(city=city, slug="la-borda")
    assert HousingProject.objects.filter(slug="la-borda").count() == 1


def test_same_project_slug_in_another_city_is_fine():
    ProjectFactory(city=CityFactory(), slug="la-borda")
    ProjectFactory(city=CityFactory(), slug="la-borda")
    assert HousingProject.objects.filter(slug="la-borda").count() == 2


def test_project_slug_clash_is_reported_on_slug():
    city = CityFactory()
    ProjectFactory(city=city, slug="la-borda")
    duplicate = HousingProject(city=city, slug="la-borda", name="Another", kind="cohousing")
    with pytest.raises(ValidationError) as exc_info:
        duplicate.full_clean()
    assert error_fields(exc_info) == {"slug"}


def test_project_pilot_cannot_end_before_it_starts():
    project = ProjectFactory(pilot_start=datetime.date(2025, 1, 1))
    with refused_by_database():
        HousingProject.objects.filter(pk=project.pk).update(pilot_end=datetime.date(2024, 12, 31))
    project.pilot_end = datetime.date(2024, 12, 31)
    with pytest.raises(ValidationError) as exc_info:
        project.full_clean()
    assert error_fields(exc_info) == {"pilot_end"}


# --- Households --------------------------------------------------------------------------


def test_unit_label_is_unique_per_project_at_the_database():
    project = ProjectFactory()
    HouseholdFactory(project=project, unit_label="3B")
    with refused_by_database():
        Household.objects.create(project=project, unit_label="3B", move_in=MOVE_IN)
    HouseholdFactory(project=ProjectFactory(), unit_label="3B")  # another project: fine
    assert Household.objects.filter(unit_label="3B").count() == 2


def test_unit_label_clash_is_reported_on_unit_label():
    household = HouseholdFactory(unit_label="3B")
    with pytest.raises(ValidationError) as exc_info:
        household_create(project=household.project, unit_label="3B", move_in=MOVE_IN)
    assert error_fields(exc_info) == {"unit_label"}

    other = HouseholdFactory(project=household.project, unit_label="3C")
    with pytest.raises(ValidationError) as exc_info:
        household_update(household=other, unit_label="3B")
    assert error_fields(exc_info) == {"unit_label"}
    other.refresh_from_db()
    assert other.unit_label == "3C"


def test_move_out_before_move_in_is_refused_at_the_database():
    household = HouseholdFactory(move_in=MOVE_IN)
    with refused_by_database():
        Household.objects.filter(pk=household.pk).update(move_out=MOVE_IN - datetime.timedelta(1))
    with refused_by_database():
        Household.objects.create(
            project=household.project,
            unit_label="X",
            move_in=MOVE_IN,
            move_out=datetime.date(2023, 6, 30),
        )
    household.refresh_from_db()
    assert household.move_out is None


def test_move_out_on_the_move_in_day_is_fine():
    household = household_create(
        project=ProjectFactory(), unit_label="X", move_in=MOVE_IN, move_out=MOVE_IN
    )
    assert household.move_out == MOVE_IN


def test_move_out_before_move_in_is_reported_on_move_out():
    project = ProjectFactory()
    with pytest.raises(ValidationError) as exc_info:
        household_create(
            project=project,
            unit_label="X",
            move_in=MOVE_IN,
            move_out=datetime.date(2023, 12, 31),
        )
    assert error_fields(exc_info) == {"move_out"}
    assert not Household.objects.filter(project=project).exists()


def test_negative_unit_size_is_refused_at_the_database():
    household = HouseholdFactory()
    with refused_by_database():
        Household.objects.filter(pk=household.pk).update(unit_area_m2=Decimal("-0.01"))
    with refused_by_database():
        Household.objects.bulk_create(
            [Household(project=household.project, unit_label="N", move_in=MOVE_IN, unit_area_m2=-5)]
        )


def test_negative_unit_size_is_reported_on_unit_area():
    household = Household(
        project=ProjectFactory(), unit_label="N", move_in=MOVE_IN, unit_area_m2=Decimal(-5)
    )
    with pytest.raises(ValidationError) as exc_info:
        household.full_clean()
    assert error_fields(exc_info) == {"unit_area_m2"}
    # The constraint itself names the field too, not only the field validator.
    with pytest.raises(ValidationError) as exc_info:
        household.validate_constraints()
    assert error_fields(exc_info) == {"unit_area_m2"}


# --- Incomes -----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["gross_monthly_cents", "disposable_monthly_cents"])
def test_negative_income_is_refused_at_the_database(field):
    declaration = IncomeDeclarationFactory()
    with refused_by_database():
        IncomeDeclaration.objects.filter(pk=declaration.pk).update(**{field: -1})
    with refused_by_database():
        IncomeDeclarationFactory(household=declaration.household, **{field: -100})
    assert IncomeDeclaration.objects.count() == 1


@pytest.mark.parametrize("field", ["gross_monthly_cents", "disposable_monthly_cents"])
def test_negative_income_is_reported_on_its_field(field):
    declaration = IncomeDeclarationFactory(declared_by=UserFactory())
    setattr(declaration, field, -1)
    with pytest.raises(ValidationError) as exc_info:
        declaration.full_clean()
    assert error_fields(exc_info) == {field}


def test_negative_disposable_income_is_refused_by_the_service():
    household = HouseholdFactory()
    with pytest.raises(ValidationError) as exc_info:
        income_declaration_create(
            household=household,
            valid_from=datetime.date(2025, 1, 1),
            gross_monthly_cents=100_000,
            disposable_monthly_cents=-1,
            declared_by=UserFactory(),
        )
    assert error_fields(exc_info) == {"disposable_monthly_cents"}
    assert not IncomeDeclaration.objects.exists()


def test_unknown_evidence_status_is_refused():
    declaration = IncomeDeclarationFactory(declared_by=UserFactory())
    with refused_by_database():
        IncomeDeclaration.objects.filter(pk=declaration.pk).update(evidence_status="bribed")
    declaration.evidence_status = "bribed"
    with pytest.raises(ValidationError) as exc_info:
        declaration.full_clean()
    assert error_fields(exc_info) == {"evidence_status"}


# --- Residents ---------------------------------------------------------------------------


def test_birth_year_before_1900_is_refused_at_the_database():
    resident = ResidentFactory()
    with refused_by_database():
        Resident.objects.filter(pk=resident.pk).update(birth_year=1899)
    with refused_by_database():
        ResidentFactory(household=resident.household, birth_year=1850)
    resident.refresh_from_db()
    assert resident.birth_year == 1985


def test_birth_year_before_1900_is_reported_on_birth_year():
    resident = ResidentFactory()
    resident.birth_year = 1899
    with pytest.raises(ValidationError) as exc_info:
        resident.full_clean()
    assert error_fields(exc_info) == {"birth_year"}
    with pytest.raises(ValidationError) as exc_info:
        resident.validate_constraints()
    assert error_fields(exc_info) == {"birth_year"}
    with pytest.raises(ValidationError) as exc_info:
        resident_update(resident=ResidentFactory(), birth_year=1899)
    assert error_fields(exc_info) == {"birth_year"}


@pytest.mark.parametrize(
    "inclusion_data",
    [{"gender": "woman"}, {"migrant_background": True}, {"migrant_background": False}],
)
def test_inclusion_data_without_consent_is_refused_at_the_database(inclusion_data):
    resident = ResidentFactory()
    with refused_by_database():
        Resident.objects.filter(pk=resident.pk).update(**inclusion_data)
    with refused_by_database():
        ResidentFactory(household=resident.household, **inclusion_data)


def test_inclusion_data_with_consent_is_stored():
    resident = ResidentFactory(
        inclusion_consent_at=timezone.now(), gender="non_binary", migrant_background=True
    )
    resident.refresh_from_db()
    assert (resident.gender, resident.migrant_background) == ("non_binary", True)


def test_inclusion_data_without_consent_is_reported_on_the_field_given():
    resident = ResidentFactory()
    with pytest.raises(ValidationError) as exc_info:
        resident_update(resident=resident, gender="woman")
    assert error_fields(exc_info) == {"gender"}
    resident.refresh_from_db()
    assert resident.gender == ""


# --- Roles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    [
        {"kind": RoleKind.OFFICER, "project": True},
        {"kind": RoleKind.OFFICER, "project": True, "city": True},
        {"kind": RoleKind.OFFICER},
        {"kind": RoleKind.MANAGER, "city": True},
        {"kind": RoleKind.RESIDENT, "project": True, "city": True},
        {"kind": RoleKind.RESIDENT},
    ],
    ids=lambda scope: "-".join(key for key in scope if key != "kind") or "no-scope",
)
def test_role_scope_must_match_its_kind(scope):
    project = ProjectFactory()
    user = UserFactory()
    role = Role(
        user=user,
        kind=scope["kind"],
        project=project if scope.get("project") else None,
        city=project.city if scope.get("city") else None,
    )
    with pytest.raises(ValidationError) as exc_info:
        role.full_clean()
    assert error_fields(exc_info) == {"kind"}
    with pytest.raises(ValidationError) as exc_info:
        role_grant(user=user, kind=role.kind, project=role.project, city=role.city)
    assert error_fields(exc_info) == {"kind"}
    with refused_by_database():
        Role.objects.bulk_create([role])
    assert not Role.objects.filter(user=user).exists()


def test_one_open_role_per_user_and_project():
    project = ProjectFactory()
    user = UserFactory()
    first = role_grant(user=user, kind=RoleKind.RESIDENT, project=project)
    with refused_by_database():
        Role.objects.create(user=user, kind=RoleKind.MANAGER, project=project)
    with pytest.raises(ValidationError) as exc_info:
        role_grant(user=user, kind=RoleKind.MANAGER, project=project)
    assert error_fields(exc_info) == {"user"}

    # A role on another project is fine.
    role_grant(user=user, kind=RoleKind.MANAGER, project=ProjectFactory(city=project.city))
    # A revoked role is history and does not block a new one.
    role_revoke(role=first)
    second = role_grant(user=user, kind=RoleKind.MANAGER, project=project)
    assert Role.objects.filter(user=user, project=project).count() == 2
    assert Role.objects.get(user=user, project=project, revoked_at__isnull=True) == second


def test_one_open_role_per_user_and_city():
    city = CityFactory()
    user = UserFactory()
    first = role_grant(user=user, kind=RoleKind.OFFICER, city=city)
    with refused_by_database():
        Role.objects.bulk_create([Role(user=user, kind=RoleKind.OFFICER, city=city)])
    with pytest.raises(ValidationError) as exc_info:
        role_grant(user=user, kind=RoleKind.OFFICER, city=city)
    assert error_fields(exc_info) == {"user"}

    role_grant(user=user, kind=RoleKind.OFFICER, city=CityFactory())
    role_revoke(role=first)
    role_grant(user=user, kind=RoleKind.OFFICER, city=city)
    assert Role.objects.filter(user=user, city=city).count() == 2


def test_role_cannot_be_revoked_before_it_was_granted():
    role = role_grant(user=UserFactory(), kind=RoleKind.MANAGER, project=ProjectFactory())
    with refused_by_database():
        Role.objects.filter(pk=role.pk).update(
            revoked_at=role.granted_at - datetime.timedelta(seconds=1)
        )


# --- Invitations -------------------------------------------------------------------------


def _invitation(household, email, **fields) -> Invitation:
    now = timezone.now()
    return Invitation(
        household=household,
        email=email,
        invited_by=UserFactory(),
        created_at=now,
        expires_at=now + datetime.timedelta(days=14),
        **fields,
    )


def test_one_pending_invitation_per_email_and_household_at_the_database():
    household = HouseholdFactory()
    _invitation(household, "ana@example.org").save()
    with refused_by_database():
        _invitation(household, "ANA@Example.org").save()
    # Another household, an accepted or a cancelled invitation do not count.
    _invitation(HouseholdFactory(project=household.project), "ana@example.org").save()
    Invitation.objects.filter(household=household).update(cancelled_at=timezone.now())
    _invitation(household, "Ana@example.org").save()
    assert Invitation.objects.filter(email__iexact="ana@example.org").count() == 3


def test_pending_invitation_clash_is_reported_on_email():
    household = HouseholdFactory()
    manager = UserFactory()
    invitation_create(household=household, email="ana@example.org", invited_by=manager)
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(household=household, email="  Ana@EXAMPLE.org ", invited_by=manager)
    assert error_fields(exc_info) == {"email"}
    with pytest.raises(ValidationError) as exc_info:
        _invitation(household, "ANA@example.org").full_clean()
    assert error_fields(exc_info) == {"email"}
    assert Invitation.objects.count() == 1


def test_invitation_must_expire_after_it_was_created():
    invitation = _invitation(HouseholdFactory(), "ana@example.org")
    invitation.save()
    with refused_by_database():
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)


# --- Users -------------------------------------------------------------------------------


def test_user_email_is_unique_case_insensitively_at_the_database():
    User.objects.create(email="Ana@example.org")
    with refused_by_database():
        User.objects.create(email="ana@EXAMPLE.org")
    assert User.objects.filter(email__iexact="ana@example.org").count() == 1


def test_user_email_clash_is_reported_on_email():
    UserFactory(email="ana@example.org")
    user = User(email="ANA@example.org")
    user.set_unusable_password()
    with pytest.raises(ValidationError) as exc_info:
        user.full_clean()
    assert error_fields(exc_info) == {"email"}
    assert NON_FIELD_ERRORS not in exc_info.value.message_dict


def test_create_user_stores_the_email_in_lower_case():
    user = User.objects.create_user("Ana.Garcia@Example.ORG", "correct horse battery")
    assert user.email == "ana.garcia@example.org"
