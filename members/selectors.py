"""Reads of members' data, each filtered to what the asking user may see.

Visibility rules, in one place for the API and the pages:
- a platform admin (``is_superuser``) sees everything;
- a manager of a project sees its households, residents and incomes;
- a resident sees their own project, their own household, its residents and its incomes;
- a city officer sees the city and its projects, never a household, a name or an income;
- the audit log: a project's managers read their project's events, platform admins all.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from common.equivalence import equivalised_income_cents
from common.models import AuditEvent
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
from members.personal_data import Subject, export_readers, export_row, export_value

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


def member_project_list(*, user: AnyUser) -> QuerySet[HousingProject]:
    """The projects the user manages or lives in (while they hold a role there): whose spaces,
    budgets and meetings they see. Unlike ``project_list_for_user`` this leaves out the projects
    a city officer monitors."""
    if not user.is_authenticated:
        return HousingProject.objects.none()
    if user.is_superuser:
        return HousingProject.objects.select_related("city")
    lived_in = Household.objects.filter(pk__in=own_household_ids(user=user)).values("project_id")
    return HousingProject.objects.filter(
        Q(pk__in=managed_project_list(user=user).values("pk")) | Q(pk__in=lived_in)
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


# The roles that see other people's households or a city's figures: they owe a second factor.
STAFF_ROLE_KINDS = (RoleKind.MANAGER, RoleKind.OFFICER, RoleKind.NETWORK_OBSERVER)
# What counts as a second factor: an authenticator app, or a security key or passkey (WebAuthn);
# recovery codes alone are a fallback, not a factor.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def user_has_second_factor(*, user: User) -> bool:
    """Whether the user signs in with a second factor (an authenticator app or a security key
    or passkey; recovery codes alone are not one)."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()


def user_list_with_mfa_due(queryset: QuerySet[User]) -> QuerySet[User]:
    """The users annotated with ``mfa_due``: staff (a platform admin, or an open role of
    ``STAFF_ROLE_KINDS``) without a second factor. In the same query as the users."""
    staff_role = Role.objects.filter(
        user=OuterRef("pk"), revoked_at__isnull=True, kind__in=STAFF_ROLE_KINDS
    )
    factor = Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTOR_TYPES)
    due = (Q(is_superuser=True) | Q(is_staff=True) | Exists(staff_role)) & ~Exists(factor)
    return queryset.annotate(mfa_due=ExpressionWrapper(due, output_field=BooleanField()))


def user_must_set_up_mfa(*, user: AnyUser) -> bool:
    """Whether a signed-in user must set up two-factor sign-in before reaching their role's
    pages; read from the user's annotation when it was loaded with it (no query)."""
    if not user.is_authenticated:
        return False
    due = getattr(user, "mfa_due", None)
    if due is None:
        due = (
            user_list_with_mfa_due(User.objects.filter(pk=user.pk))
            .values_list("mfa_due", flat=True)
            .first()
        )
    return bool(due)


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


# --- What income and age a household has, for the formulas ---------------------------------
# Internal reads for the contribution and affordability formulas and the booking fee: they are
# not filtered by user, so only services and selectors that already checked access call them.

# Nobody recorded in a household: it is counted as one adult, never as nobody.
UNKNOWN_AGES = (30,)


class Declarations:
    """Each household's declarations in the order they take effect (valid from, then declared
    at, then id): on any day, the last one already valid counts (DESIGN.md §3)."""

    def __init__(self, declarations: Iterable[Any]) -> None:
        self._rows: dict[int, list[Any]] = {}
        self._starts: dict[int, list[dt.date]] = {}
        for declaration in declarations:  # already in order
            self._rows.setdefault(declaration.household_id, []).append(declaration)
            self._starts.setdefault(declaration.household_id, []).append(declaration.valid_from)

    def on(self, household_id: int, day: dt.date) -> Any:
        """The household's declaration valid on ``day`` (an ``IncomeDeclaration``, or a row
        of the fields asked for), or None."""
        starts = self._starts.get(household_id)
        if not starts:
            return None
        index = bisect_right(starts, day)
        return self._rows[household_id][index - 1] if index else None

    def of(self, household_id: int) -> list[Any]:
        return self._rows.get(household_id, [])


def declarations_by_household(
    households: Sequence[Household] | Iterable[int],
    until: dt.date,
    fields: Sequence[str] = (),
) -> Declarations:
    """The declarations of the households valid from ``until`` or earlier, in one query. With
    ``fields``, each is a light named tuple of those fields (and ``household_id`` and
    ``valid_from``) instead of a model instance: a reader of thousands of household-months
    that needs a few amounts does not pay for building whole models."""
    declarations = IncomeDeclaration.objects.filter(
        household__in=households, valid_from__lte=until
    ).order_by("household_id", "valid_from", "declared_at", "pk")
    if fields:
        names = dict.fromkeys(("household_id", "valid_from", *fields))
        return Declarations(declarations.values_list(*names, named=True))
    return Declarations(declarations)


# --- Ages --------------------------------------------------------------------------------


def birth_years(households: Sequence[Household] | Iterable[int]) -> dict[int, list[int]]:
    """Each household's residents' birth years, in one query (households with nobody recorded
    are missing from the result)."""
    years: dict[int, list[int]] = {}
    for household_id, birth_year in Resident.objects.filter(household__in=households).values_list(
        "household_id", "birth_year"
    ):
        years.setdefault(household_id, []).append(birth_year)
    return years


def ages_in(years: Sequence[int] | None, year: int) -> list[int]:
    """The residents' ages in ``year`` (by birth year); one adult when nobody is recorded."""
    return [year - birth_year for birth_year in years] if years else list(UNKNOWN_AGES)


def household_equivalised_income_cents(*, household: Household, on: dt.date) -> int | None:
    """The household's equivalised disposable monthly income on ``on``, from its latest valid
    declaration, or None when it has declared nothing valid on that day. Two queries."""
    declaration = declarations_by_household([household.pk], on).on(household.pk, on)
    if declaration is None:
        return None
    ages = ages_in(birth_years([household.pk]).get(household.pk), on.year)
    return equivalised_income_cents(
        disposable_cents=declaration.disposable_monthly_cents, ages=ages
    )


# --- A person's data, for their right of access and portability (GDPR art. 15 and 20) -----


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about the user and their household, JSON-ready: the
    account, its roles, the household, its residents, income declarations and invitations,
    then the sections the apps above register (``members.personal_data``). A fixed number of
    queries, whatever the amount of data."""
    household = household_of_user(user=user)
    residents = list(household.residents.select_related("user")) if household else []
    roles = role_list_for_user(user=user)
    data: dict[str, Any] = {
        "account": {
            **export_row(user, ("email", "first_name", "last_name", "language", "date_joined")),
            "roles": [
                {
                    "role": role.kind,
                    "project": role.project.name if role.project else None,
                    "city": role.city.name if role.city else None,
                    "granted_at": export_value(role.granted_at),
                }
                for role in roles
            ],
        },
        "household": None,
        "residents": [],
        "income_declarations": [],
        "invitations": [],
    }
    if household is not None:
        data["household"] = {
            "project": household.project.name,
            "city": household.project.city.name,
            **export_row(
                household,
                ("unit_label", "unit_area_m2", "rooms", "move_in", "move_out", "payment_reference"),
            ),
        }
        data["residents"] = [
            {
                **export_row(
                    resident,
                    (
                        "first_name",
                        "last_name",
                        "birth_year",
                        "is_representative",
                        "gender",
                        "migrant_background",
                        "inclusion_consent_at",
                    ),
                ),
                "is_you": resident.user_id == user.pk,
            }
            for resident in residents
        ]
        # The household reading its own incomes leaves no trace in the access log.
        data["income_declarations"] = [
            export_row(
                declaration,
                (
                    "valid_from",
                    "gross_monthly_cents",
                    "disposable_monthly_cents",
                    "housing_allowance_cents",
                    "medical_costs_cents",
                    "childcare_costs_cents",
                    "elderly_or_disabled",
                    "evidence_status",
                    "declared_at",
                    "verified_at",
                ),
            )
            for declaration in household.income_declarations.order_by("valid_from", "pk")
        ]
        data["invitations"] = [
            export_row(
                invitation, ("email", "created_at", "sent_at", "accepted_at", "cancelled_at")
            )
            for invitation in household.invitations.order_by("created_at", "pk")
        ]
    subject = Subject(user=user, household=household, residents=residents)
    for reader in export_readers():
        data.update(reader(subject=subject))
    return data


# --- The audit log (common.models.AuditEvent) ----------------------------------------------


def audit_events_for_user(
    *, user: AnyUser, project: HousingProject | None = None
) -> QuerySet[AuditEvent]:
    """The audit events the user may read, newest first: a project's managers read their
    projects' events, platform admins every event (those of no project too); residents and
    city officers none. ``project`` narrows them to one project."""
    if not user.is_authenticated:
        return AuditEvent.objects.none()
    if user.is_superuser:
        events = AuditEvent.objects.all()
    else:
        events = AuditEvent.objects.filter(
            project_id__in=managed_project_list(user=user).values("pk")
        )
    if project is not None:
        events = events.filter(project_id=project.pk)
    return events.order_by("-at", "-pk")
