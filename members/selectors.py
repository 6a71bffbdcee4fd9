"""Reads of members' data, each filtered to what the asking user may see.

Visibility rules, in one place for the API and the pages:
- a platform admin (``is_superuser``) sees everything;
- a manager of a project sees its households, residents and incomes;
- a resident sees their own project, their own household, its residents and its incomes;
- a city officer sees the city and its projects, never a household, a name or an income.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from members.income_log import income_access_log_write
from members.models import (
    City,
    Household,
    HousingProject,
    IncomeAccess,
    IncomeDeclaration,
    Invitation,
    Resident,
    Role,
    RoleKind,
    User,
)

AnyUser = User | AnonymousUser


def _guarded(user: AnyUser, perm: str, klass: type) -> QuerySet:
    return get_objects_for_user(
        user, perm, klass=klass, accept_global_perms=False, with_superuser=True
    )


def managed_project_list(*, user: AnyUser) -> QuerySet[HousingProject]:
    return _guarded(user, "members.manage_housingproject", HousingProject)


def monitored_city_list(*, user: AnyUser) -> QuerySet[City]:
    return _guarded(user, "members.monitor_city", City)


def own_household_ids(*, user: AnyUser) -> QuerySet:
    """The household the user lives in, while they hold a resident or manager role there."""
    if not user.is_authenticated:
        return Resident.objects.none().values("household_id")
    return Resident.objects.filter(
        user=user,
        household__project__roles__user=user,
        household__project__roles__revoked_at__isnull=True,
    ).values("household_id")


def user_can_manage_project(*, user: AnyUser, project: HousingProject) -> bool:
    return user.is_authenticated and user.has_perm("members.manage_housingproject", project)


def user_is_representative(*, user: AnyUser, household: Household) -> bool:
    return (
        user.is_authenticated
        and Resident.objects.filter(
            user=user,
            household=household,
            is_representative=True,
            household__in=own_household_ids(user=user),
        ).exists()
    )


def user_can_edit_household_members(*, user: AnyUser, household: Household) -> bool:
    """Managers edit every household of their projects; a representative edits their own."""
    return user_can_manage_project(user=user, project=household.project) or user_is_representative(
        user=user, household=household
    )


def city_list_for_user(*, user: AnyUser) -> QuerySet[City]:
    if user.is_superuser:
        return City.objects.all()
    return City.objects.filter(
        Q(pk__in=monitored_city_list(user=user).values("pk"))
        | Q(projects__in=project_list_for_user(user=user).values("pk"))
    ).distinct()


def user_is_network_observer(*, user: AnyUser) -> bool:
    """Holds the global permission a network observer's role carries (members.services)."""
    return user.is_authenticated and user.has_perm("members.observe_network")


def observed_city_list(*, user: AnyUser) -> QuerySet[City]:
    """The cities whose protected indicators the user may follow: every city for a network
    observer (and a platform admin), the monitored cities of a city officer, none otherwise."""
    if user.is_superuser or user_is_network_observer(user=user):
        return City.objects.all()
    if not user.is_authenticated:
        return City.objects.none()
    return City.objects.filter(pk__in=monitored_city_list(user=user).values("pk"))


def project_list_for_user(*, user: AnyUser) -> QuerySet[HousingProject]:
    if user.is_superuser:
        return HousingProject.objects.select_related("city")
    viewable = _guarded(user, "members.view_housingproject", HousingProject)
    return HousingProject.objects.filter(
        Q(pk__in=viewable.values("pk")) | Q(city__in=monitored_city_list(user=user).values("pk"))
    ).select_related("city")


def household_list_for_user(*, user: AnyUser) -> QuerySet[Household]:
    if user.is_superuser:
        households = Household.objects.all()
    else:
        households = Household.objects.filter(
            Q(project__in=managed_project_list(user=user).values("pk"))
            | Q(pk__in=own_household_ids(user=user))
        )
    return households.select_related("project__city")


def household_of_user(*, user: AnyUser, project: HousingProject | None = None) -> Household | None:
    """The household the user lives in (in ``project``, when given), with its project and city;
    None when they live in none. A user is the resident of one household at most."""
    households = Household.objects.filter(pk__in=own_household_ids(user=user))
    if project is not None:
        households = households.filter(project=project)
    return households.select_related("project__city").order_by("pk").first()


def resident_list_for_user(*, user: AnyUser) -> QuerySet[Resident]:
    return Resident.objects.filter(
        household__in=household_list_for_user(user=user).values("pk")
    ).select_related("household__project", "user")


def income_declaration_list_for_user(*, user: AnyUser) -> QuerySet[IncomeDeclaration]:
    """Incomes: only the household itself and the managers of its project."""
    return IncomeDeclaration.objects.filter(
        household__in=household_list_for_user(user=user).values("pk")
    ).select_related("household__project__city", "declared_by", "verified_by")


def income_declarations_read(
    *,
    user: AnyUser,
    via: str,
    declarations: Iterable[IncomeDeclaration] = (),
    households: Iterable[Household] = (),
    detail: dict | None = None,
    own_left_out: bool = False,
) -> list[IncomeDeclaration]:
    """The income declarations a user is shown, as a list, with the look recorded: one entry
    per household in the income access log (``IncomeAccess.VIEWED``, ``detail["via"]`` saying
    where), never for the user's own household (a household reading its incomes leaves no
    trace; its project's managers do).

    ``declarations`` are the rows shown (a queryset is read here, once); ``households`` are
    households whose income is shown through figures drawn from it (a charge's breakdown, a
    simulation, a housing cost ratio) rather than as declarations. A caller that has already
    left the user's own household out (in the same query as the rows) passes ``own_left_out``
    and saves a query. Two queries at most, whatever the number of households.
    """
    shown = list(declarations)
    income_access_log_write(
        actor=user,
        action=IncomeAccess.VIEWED,
        declarations=shown,
        households=households,
        detail={"via": via, **(detail or {})},
        own_households=None if own_left_out else own_household_ids(user=user),
    )
    return shown


def invitation_list_for_user(*, user: AnyUser) -> QuerySet[Invitation]:
    if user.is_superuser:
        invitations = Invitation.objects.all()
    else:
        invitations = Invitation.objects.filter(
            household__project__in=managed_project_list(user=user).values("pk")
        )
    return invitations.select_related("household__project", "invited_by", "resident")


def invitation_get_pending(*, token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("household__project__city", "resident")
        .filter(token=token)
        .first()
    )
    return invitation if invitation is not None and invitation.is_pending else None


def role_list_for_user(*, user: AnyUser) -> QuerySet[Role]:
    """The user's open roles, with what the home page shows of each."""
    if not user.is_authenticated:
        return Role.objects.none()
    return Role.objects.filter(user=user, revoked_at__isnull=True).select_related(
        "project__city", "city"
    )


def user_home_kind(*, user: AnyUser) -> str | None:
    """Which home page fits the user best: manager over officer over resident."""
    kinds = set(role_list_for_user(user=user).values_list("kind", flat=True))
    for kind in (RoleKind.MANAGER, RoleKind.OFFICER, RoleKind.RESIDENT):
        if kind in kinds:
            return kind
    return None


def household_accounts(*, household_ids: Iterable[int]) -> dict[int, list[User]]:
    """Household id → the active accounts of its residents, in one query (who an e-mail about
    the household goes to)."""
    accounts: dict[int, list[User]] = defaultdict(list)
    residents = (
        Resident.objects.filter(
            household_id__in=set(household_ids), user__isnull=False, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
    )
    for resident in residents:
        accounts[resident.household_id].append(resident.user)
    return accounts
