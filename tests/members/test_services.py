"""The members services: what each write does, and what it refuses without writing anything."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.validation import Conflict
from members.models import (
    EvidenceStatus,
    IncomeDeclaration,
    Invitation,
    Resident,
    Role,
    RoleKind,
    User,
)
from members.services import (
    ROLE_PERMISSIONS,
    income_declaration_create,
    income_declaration_verify,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    resident_create,
    resident_update,
    role_grant,
    role_revoke,
)
from tests.factories import (
    CityFactory,
    HouseholdFactory,
    ProjectFactory,
    ResidentFactory,
    UserFactory,
    make_manager,
    make_resident_user,
)

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "violet-harbour-lantern-42"


def fresh(user: User) -> User:
    """django-guardian caches permissions on the user object: ask a fresh one."""
    return User.objects.get(pk=user.pk)


def perm_names(kind: str) -> list[str]:
    return list(ROLE_PERMISSIONS[kind])


# --- Roles -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [RoleKind.RESIDENT, RoleKind.MANAGER])
def test_project_role_grants_its_object_permissions_on_that_project_only(kind):
    project = ProjectFactory()
    other_project = ProjectFactory(city=project.city)
    user = UserFactory()

    role = role_grant(user=user, kind=kind, project=project)

    user = fresh(user)
    assert role.scope == project
    for perm in perm_names(kind):
        assert user.has_perm(perm, project)
        assert not user.has_perm(perm, other_project)
    assert user.has_perm("members.manage_housingproject", project) == (kind == RoleKind.MANAGER)
    assert not user.has_perm("members.manage_housingproject")  # no global permission


def test_officer_role_grants_city_permissions():
    city = CityFactory()
    user = UserFactory()

    role_grant(user=user, kind=RoleKind.OFFICER, city=city)

    user = fresh(user)
    assert user.has_perm("members.monitor_city", city)
    assert user.has_perm("members.view_city", city)
    assert not user.has_perm("members.monitor_city", CityFactory())


def test_role_revoke_removes_the_permissions_and_keeps_the_role_as_history():
    project = ProjectFactory()
    user = UserFactory()
    granted_by = UserFactory()
    role = role_grant(user=user, kind=RoleKind.MANAGER, project=project, granted_by=granted_by)
    assert fresh(user).has_perm("members.manage_housingproject", project)

    role_revoke(role=role)

    role.refresh_from_db()
    assert role.revoked_at is not None
    assert role.granted_by == granted_by
    user = fresh(user)
    for perm in perm_names(RoleKind.MANAGER):
        assert not user.has_perm(perm, project)


def test_role_revoke_twice_keeps_the_first_revocation():
    role = role_grant(user=UserFactory(), kind=RoleKind.OFFICER, city=CityFactory())
    revoked_at = role_revoke(role=role).revoked_at
    assert role_revoke(role=Role.objects.get(pk=role.pk)).revoked_at == revoked_at


def test_revoking_one_project_role_keeps_the_other_projects():
    project, other_project = ProjectFactory(), ProjectFactory()
    user = UserFactory()
    role = role_grant(user=user, kind=RoleKind.MANAGER, project=project)
    role_grant(user=user, kind=RoleKind.MANAGER, project=other_project)

    role_revoke(role=role)

    user = fresh(user)
    assert not user.has_perm("members.manage_housingproject", project)
    assert user.has_perm("members.manage_housingproject", other_project)


def test_regranting_after_revocation_restores_the_permissions():
    project = ProjectFactory()
    user = UserFactory()
    role_revoke(role=role_grant(user=user, kind=RoleKind.MANAGER, project=project))

    role_grant(user=user, kind=RoleKind.RESIDENT, project=project)

    user = fresh(user)
    assert user.has_perm("members.view_housingproject", project)
    assert not user.has_perm("members.manage_housingproject", project)


def test_refused_role_grant_leaves_no_permission_behind():
    project = ProjectFactory()
    user = UserFactory()
    with pytest.raises(ValidationError):
        role_grant(user=user, kind=RoleKind.OFFICER, project=project)
    user = fresh(user)
    assert not user.has_perm("members.view_housingproject", project)
    assert not Role.objects.filter(user=user).exists()


# --- Residents ---------------------------------------------------------------------------


def test_resident_create_refuses_a_future_birth_year():
    household = HouseholdFactory()
    with pytest.raises(ValidationError) as exc_info:
        resident_create(
            household=household, first_name="Ana", birth_year=timezone.localdate().year + 1
        )
    assert set(exc_info.value.message_dict) == {"birth_year"}
    assert not Resident.objects.exists()


def test_resident_born_this_year_is_fine():
    resident = resident_create(
        household=HouseholdFactory(), first_name="Baby", birth_year=timezone.localdate().year
    )
    assert resident.pk is not None


def test_resident_update_refuses_a_future_birth_year():
    resident = ResidentFactory(birth_year=1990)
    with pytest.raises(ValidationError) as exc_info:
        resident_update(resident=resident, birth_year=timezone.localdate().year + 5)
    assert set(exc_info.value.message_dict) == {"birth_year"}
    resident.refresh_from_db()
    assert resident.birth_year == 1990


def test_resident_update_refuses_fields_it_does_not_edit():
    resident = ResidentFactory()
    with pytest.raises(ValidationError) as exc_info:
        resident_update(resident=resident, household=HouseholdFactory())
    assert set(exc_info.value.message_dict) == {"household"}


def test_inclusion_data_is_stored_with_consent():
    resident = resident_create(
        household=HouseholdFactory(),
        first_name="Ana",
        birth_year=1980,
        inclusion_consent=True,
        gender="woman",
        migrant_background=True,
    )
    resident.refresh_from_db()
    assert resident.inclusion_consent_at is not None
    assert (resident.gender, resident.migrant_background) == ("woman", True)


def test_inclusion_data_is_not_stored_without_consent():
    household = HouseholdFactory()
    with pytest.raises(ValidationError) as exc_info:
        resident_create(
            household=household,
            first_name="Ana",
            birth_year=1980,
            gender="woman",
            migrant_background=True,
        )
    assert set(exc_info.value.message_dict) == {"gender", "migrant_background"}
    assert not Resident.objects.filter(household=household).exists()


def test_withdrawing_consent_erases_the_inclusion_data():
    resident = ResidentFactory()
    resident_update(
        resident=resident, inclusion_consent=True, gender="non_binary", migrant_background=False
    )
    resident.refresh_from_db()
    consented_at = resident.inclusion_consent_at
    assert consented_at is not None

    # Consenting again keeps the original time of consent.
    resident_update(resident=resident, inclusion_consent=True, first_name="Alex")
    resident.refresh_from_db()
    assert resident.inclusion_consent_at == consented_at

    resident_update(resident=resident, inclusion_consent=False)

    resident.refresh_from_db()
    assert resident.inclusion_consent_at is None
    assert resident.gender == ""
    assert resident.migrant_background is None
    assert resident.first_name == "Alex"


# --- Income declarations -----------------------------------------------------------------


def test_income_declaration_refuses_disposable_above_gross():
    household = HouseholdFactory()
    with pytest.raises(ValidationError) as exc_info:
        income_declaration_create(
            household=household,
            valid_from=datetime.date(2025, 1, 1),
            gross_monthly_cents=200_000,
            disposable_monthly_cents=200_001,
            declared_by=UserFactory(),
        )
    assert set(exc_info.value.message_dict) == {"disposable_monthly_cents"}
    assert not IncomeDeclaration.objects.exists()


def test_income_declaration_with_disposable_equal_to_gross_is_kept():
    user = UserFactory()
    declaration = income_declaration_create(
        household=HouseholdFactory(),
        valid_from=datetime.date(2025, 1, 1),
        gross_monthly_cents=200_000,
        disposable_monthly_cents=200_000,
        declared_by=user,
    )
    declaration.refresh_from_db()
    assert declaration.declared_by == user
    assert declaration.evidence_status == EvidenceStatus.NONE


def test_income_declaration_verify_records_who_and_when():
    household = HouseholdFactory()
    manager = make_manager(household.project)
    declaration = income_declaration_create(
        household=household,
        valid_from=datetime.date(2025, 1, 1),
        gross_monthly_cents=200_000,
        disposable_monthly_cents=150_000,
        declared_by=UserFactory(),
        evidence_status=EvidenceStatus.SUBMITTED,
    )

    income_declaration_verify(declaration=declaration, verified_by=manager)

    declaration.refresh_from_db()
    assert declaration.evidence_status == EvidenceStatus.VERIFIED
    assert declaration.verified_by == manager
    assert declaration.verified_at is not None


def test_a_declaration_stays_verifiable_after_the_declarant_account_is_deleted():
    household = HouseholdFactory()
    declarant = UserFactory()
    declaration = income_declaration_create(
        household=household,
        valid_from=datetime.date(2025, 1, 1),
        gross_monthly_cents=200_000,
        disposable_monthly_cents=150_000,
        declared_by=declarant,
    )
    declarant.delete()
    declaration.refresh_from_db()
    assert declaration.declared_by is None

    income_declaration_verify(
        declaration=declaration,
        verified_by=make_manager(household.project),
        evidence_status=EvidenceStatus.REJECTED,
    )

    declaration.refresh_from_db()
    assert declaration.evidence_status == EvidenceStatus.REJECTED


# --- Invitations -------------------------------------------------------------------------


@pytest.fixture
def household():
    return HouseholdFactory(project__city=CityFactory(default_language="ca"))


@pytest.fixture
def manager(household):
    return make_manager(household.project)


@pytest.fixture
def invitation(household, manager) -> Invitation:
    return invitation_create(household=household, email="Nova@Example.org ", invited_by=manager)


def test_invitation_create_normalises_the_email_and_uses_the_city_language(invitation, household):
    invitation.refresh_from_db()
    assert invitation.email == "nova@example.org"
    assert invitation.language == "ca"
    assert invitation.is_pending
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=1)


def test_invitation_is_sent_once_after_commit(
    household, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = invitation_create(
            household=household, email="nova@example.org", invited_by=manager, language="en"
        )
    assert len(callbacks) == 1
    assert [message.to for message in mail.outbox] == [["nova@example.org"]]
    assert household.project.name in mail.outbox[0].subject
    assert invitation.token in mail.outbox[0].body
    invitation.refresh_from_db()
    assert invitation.sent_at is not None

    # Running the task again (a retry) sends nothing more.
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_invitation_create_refuses_an_email_with_a_role_in_the_project(household, manager):
    resident_user = make_resident_user(household, email="ana@example.org")
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(household=household, email="ANA@example.org", invited_by=manager)
    assert set(exc_info.value.message_dict) == {"email"}
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(household=household, email=manager.email, invited_by=manager)
    assert set(exc_info.value.message_dict) == {"email"}
    assert not Invitation.objects.exists()

    # Once the role is revoked, the person may be invited again.
    role_revoke(role=Role.objects.get(user=resident_user))
    assert invitation_create(household=household, email="ana@example.org", invited_by=manager)


def test_invitation_create_refuses_a_resident_of_another_household(household, manager):
    neighbour = ResidentFactory(household=HouseholdFactory(project=household.project))
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(
            household=household, email="ana@example.org", invited_by=manager, resident=neighbour
        )
    assert set(exc_info.value.message_dict) == {"resident"}
    assert not Invitation.objects.exists()


def test_invitation_create_refuses_a_resident_who_has_an_account(household, manager):
    resident = make_resident_user(household).resident
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(
            household=household, email="ana@example.org", invited_by=manager, resident=resident
        )
    assert set(exc_info.value.message_dict) == {"resident"}


def test_invitation_accept_creates_a_verified_account_a_resident_and_a_role(invitation, household):
    accepted = invitation_accept(
        invitation=invitation,
        password=STRONG_PASSWORD,
        first_name="Nova",
        last_name="Rius",
        birth_year=1991,
    )

    user = User.objects.get(email="nova@example.org")
    assert accepted.user == user
    assert user.check_password(STRONG_PASSWORD)
    assert user.language == "ca"
    assert EmailAddress.objects.filter(
        user=user, email="nova@example.org", verified=True, primary=True
    ).exists()
    resident = Resident.objects.get(user=user)
    assert accepted.resident == resident
    assert (resident.household, resident.first_name, resident.last_name, resident.birth_year) == (
        household,
        "Nova",
        "Rius",
        1991,
    )
    role = Role.objects.get(user=user)
    assert (role.kind, role.project, role.revoked_at) == (
        RoleKind.RESIDENT,
        household.project,
        None,
    )
    assert role.granted_by == invitation.invited_by
    assert fresh(user).has_perm("members.view_housingproject", household.project)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None
    assert not invitation.is_pending


def test_invitation_accept_links_the_existing_resident(household, manager):
    resident = ResidentFactory(household=household, first_name="Nova")
    invitation = invitation_create(
        household=household, email="nova@example.org", invited_by=manager, resident=resident
    )

    accepted = invitation_accept(invitation=invitation, password=STRONG_PASSWORD)

    resident.refresh_from_db()
    assert accepted.resident == resident
    assert resident.user == accepted.user
    assert Resident.objects.filter(household=household).count() == 1


def test_invitation_accept_with_the_signed_in_account(invitation, household):
    user = UserFactory(email="nova@example.org")
    accepted = invitation_accept(invitation=invitation, user=user, birth_year=1990)
    assert accepted.user == user
    assert Resident.objects.get(user=user).household == household
    assert User.objects.filter(email="nova@example.org").count() == 1


def test_invitation_accept_refuses_a_signed_in_account_with_another_email(invitation):
    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, user=UserFactory(), birth_year=1990)
    assert not Resident.objects.exists()


def test_invitation_accept_refuses_an_address_that_has_an_account(invitation):
    UserFactory(email="nova@example.org")
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(invitation=invitation, password=STRONG_PASSWORD, birth_year=1990)
    assert set(exc_info.value.message_dict) == {"email"}
    assert User.objects.filter(email__iexact="nova@example.org").count() == 1


def _expire(invitation: Invitation) -> None:
    past = timezone.now() - datetime.timedelta(days=30)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=past, expires_at=past + datetime.timedelta(days=14)
    )


def _cancel(invitation: Invitation) -> None:
    invitation_cancel(invitation=invitation)


def _accept(invitation: Invitation) -> None:
    invitation_accept(invitation=invitation, password=STRONG_PASSWORD, birth_year=1990)


@pytest.mark.parametrize(
    "spoil", [_expire, _cancel, _accept], ids=["expired", "cancelled", "accepted"]
)
def test_invitation_accept_refuses_an_invitation_no_longer_pending(invitation, spoil):
    spoil(invitation)
    users_before = User.objects.count()
    residents_before = Resident.objects.count()

    with pytest.raises(ValidationError):
        invitation_accept(
            invitation=invitation, password="another-" + STRONG_PASSWORD, birth_year=1990
        )

    assert User.objects.count() == users_before
    assert Resident.objects.count() == residents_before


@pytest.mark.parametrize(
    "password", ["", "short", "12345678901", "password123", "nova@example.org"]
)
def test_invitation_accept_refuses_a_weak_password_and_writes_nothing(invitation, password):
    users_before = User.objects.count()

    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(invitation=invitation, password=password, birth_year=1990)

    assert "password" in exc_info.value.message_dict
    assert User.objects.count() == users_before
    assert not User.objects.filter(email="nova@example.org").exists()
    assert not EmailAddress.objects.filter(email="nova@example.org").exists()
    assert not Resident.objects.exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_invitation_accept_without_birth_year_rolls_the_account_back(invitation):
    with pytest.raises(ValidationError) as exc_info:
        invitation_accept(invitation=invitation, password=STRONG_PASSWORD)
    assert set(exc_info.value.message_dict) == {"birth_year"}
    assert not User.objects.filter(email="nova@example.org").exists()
    assert not EmailAddress.objects.filter(email="nova@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_invitation_cancel_refuses_an_accepted_invitation(invitation):
    _accept(invitation)
    invitation.refresh_from_db()
    with pytest.raises(Conflict):
        invitation_cancel(invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None


def test_cancelled_invitation_frees_the_address_for_a_new_one(invitation, household, manager):
    invitation_cancel(invitation=invitation)
    again = invitation_create(household=household, email="nova@example.org", invited_by=manager)
    assert again.pk != invitation.pk


def test_an_expired_invitation_does_not_block_a_new_one(invitation, household, manager):
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    renewed = invitation_create(household=household, email="nova@example.org", invited_by=manager)
    invitation.refresh_from_db()
    assert renewed.is_pending
    assert invitation.cancelled_at is not None


def test_a_pending_invitation_still_blocks_a_second_one(invitation, household, manager):
    with pytest.raises(ValidationError) as exc_info:
        invitation_create(household=household, email="NOVA@example.org", invited_by=manager)
    assert set(exc_info.value.message_dict) == {"email"}
