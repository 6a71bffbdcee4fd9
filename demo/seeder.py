"""Writing the demo network: every row looked up by its natural key before it is created."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password

from community.bookings.models import Booking
from community.money.models import Payment
from demo.governance import seed_project_governance
from demo.households import HouseholdPlan, ProjectPlanner, ResidentPlan, demo_household
from demo.indicators import seed_city_monitoring
from demo.money import seed_project_contributions
from demo.network import (
    ADMIN_EMAIL,
    CITIES,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    PROJECTS,
    CitySpec,
    ProjectSpec,
)
from demo.spaces import seed_project_spaces
from members.models import (
    City,
    Household,
    HousingProject,
    IncomeDeclaration,
    Resident,
    Role,
    RoleKind,
    User,
)
from members.selectors import STAFF_ROLE_KINDS
from members.services import role_grant

# --- Writing it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    scope: str


def user_language(language: str) -> str:
    return language if language in dict(settings.LANGUAGES) else "en"


class Seeder:
    """Creates whatever of the plan is missing; never updates what is there."""

    def __init__(self) -> None:
        self.created: dict[str, int] = {}
        self.totals: dict[str, int] = {}
        self.logins: list[DemoLogin] = []
        self._password_hash: str | None = None
        self._hashes_known_good: set[str] = set()

    def _count(self, name: str, total: int, created: int) -> None:
        self.totals[name] = self.totals.get(name, 0) + total
        self.created[name] = self.created.get(name, 0) + created

    def run(self) -> None:
        admin = self.user(
            email=ADMIN_EMAIL,
            first_name="Platform",
            last_name="Admin",
            language="en",
            superuser=True,
        )
        self.logins.append(DemoLogin(ADMIN_EMAIL, "platform admin", "all cities"))
        for city_spec in CITIES:
            city = self.city(city_spec)
            officer_email = f"officer.{city_spec.slug}@{DEMO_DOMAIN}"
            officer = self.user(
                email=officer_email,
                first_name=city_spec.officer[0],
                last_name=city_spec.officer[1],
                language=user_language(city_spec.language),
            )
            self.role(user=officer, kind=RoleKind.OFFICER, city=city, granted_by=admin)
            self.logins.append(DemoLogin(officer_email, "city officer", city.name))
            for spec in PROJECTS:
                if spec.city == city_spec.slug:
                    self._project(city, city_spec, spec, admin)
            monitoring = seed_city_monitoring(city=city, officer=officer)
            self._count("pilot goals", city.pilot_goals.count(), monitoring["pilot goals"])

    # -- users and roles --

    def demo_password_hash(self) -> str:
        # PBKDF2 takes a good fraction of a second per hash; every demo login shares one hash
        # (the password is public anyway) so seeding stays fast. A rerun reuses the admin's.
        if self._password_hash is None:
            existing = (
                User.objects.filter(email=ADMIN_EMAIL).values_list("password", flat=True).first()
            )
            if existing and self._is_demo_password(existing):
                self._password_hash = existing
            else:
                self._password_hash = make_password(DEMO_PASSWORD)
                self._hashes_known_good.add(self._password_hash)
        return self._password_hash

    def _is_demo_password(self, encoded: str) -> bool:
        if encoded not in self._hashes_known_good and check_password(DEMO_PASSWORD, encoded):
            self._hashes_known_good.add(encoded)
        return encoded in self._hashes_known_good

    def user(
        self,
        *,
        email: str,
        first_name: str,
        last_name: str,
        language: str,
        superuser: bool = False,
    ) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "language": language,
                "is_staff": superuser,
                "is_superuser": superuser,
                "password": self.demo_password_hash(),
            },
        )
        if not created and not self._is_demo_password(user.password):
            # Someone changed a demo password: the demo must stay usable with the published one.
            user.password = self.demo_password_hash()
            user.save(update_fields=["password"])
        self._count("users", 1, int(created))
        self._verified_email(user)
        if superuser:
            self._authenticator_app(user)
        return user

    def _verified_email(self, user: User) -> None:
        """E-mail verification is mandatory: without a verified address the login is refused."""
        address, _ = EmailAddress.objects.get_or_create(
            user=user,
            email__iexact=user.email,
            defaults={"email": user.email, "verified": True, "primary": True},
        )
        if not (address.verified and address.primary):
            EmailAddress.objects.filter(user=user).exclude(pk=address.pk).update(primary=False)
            address.verified = address.primary = True
            address.save(update_fields=["verified", "primary"])

    def role(
        self,
        *,
        user: User,
        kind: str,
        granted_by: User,
        project: HousingProject | None = None,
        city: City | None = None,
    ) -> None:
        exists = Role.objects.filter(
            user=user, project=project, city=city, revoked_at__isnull=True
        ).exists()
        if not exists:
            role_grant(user=user, kind=kind, project=project, city=city, granted_by=granted_by)
        self._count("roles", 1, int(not exists))
        if kind in STAFF_ROLE_KINDS:
            self._authenticator_app(user)

    def _authenticator_app(self, user: User) -> None:
        """Staff owe a second factor: the demo's published authenticator secret."""
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)

    # -- places --

    def city(self, spec: CitySpec) -> City:
        city, created = City.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "country_code": spec.country_code,
                "time_zone": spec.time_zone,
                "currency": spec.currency,
                "default_language": spec.language,
                "median_equivalised_income_cents": spec.median_equivalised_income_cents,
            },
        )
        self._count("cities", 1, int(created))
        return city

    def _project(self, city: City, city_spec: CitySpec, spec: ProjectSpec, admin: User) -> None:
        project, created = HousingProject.objects.get_or_create(
            city=city,
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "address": spec.address,
                "units_count": spec.units_count,
                "status": spec.status,
                "pilot_start": spec.pilot_start,
                "pilot_end": spec.pilot_end,
            },
        )
        self._count("projects", 1, int(created))
        plans = ProjectPlanner(city_spec, spec).plan()
        language = user_language(city_spec.language)

        manager_email = f"manager.{spec.slug}@{DEMO_DOMAIN}"
        manager = self.user(
            email=manager_email,
            first_name=spec.manager[0],
            last_name=spec.manager[1],
            language=language,
        )
        self.role(user=manager, kind=RoleKind.MANAGER, project=project, granted_by=admin)
        self.logins.append(DemoLogin(manager_email, "housing manager", project.name))

        home = demo_household(plans)
        representative = home.representative
        resident_email = f"resident.{spec.slug}@{DEMO_DOMAIN}"
        resident_user = self.user(
            email=resident_email,
            first_name=representative.first_name,
            last_name=representative.last_name,
            language=language,
        )

        households = self._households(project, plans)
        self._residents(households, plans, link=(home, representative, resident_user))
        self.role(user=resident_user, kind=RoleKind.RESIDENT, project=project, granted_by=manager)
        self.logins.append(
            DemoLogin(resident_email, "resident", f"{project.name} · {home.unit_label}")
        )
        self._declarations(
            households,
            plans,
            manager=manager,
            declared_by={home.unit_label: resident_user},
        )
        spaces = seed_project_spaces(
            project=project,
            households=[households[label] for label in sorted(households)],
            booker={households[home.unit_label].pk: resident_user},
        )
        self._count("spaces", project.spaces.count(), spaces["spaces"])
        self._count(
            "bookings", Booking.objects.filter(space__project=project).count(), spaces["bookings"]
        )
        governance = seed_project_governance(project=project, chair=manager)
        self._count(
            "decision classes", project.decision_classes.count(), governance["decision classes"]
        )
        self._count("meetings", project.meetings.count(), governance["meetings"])
        self._count("proposals", project.proposals.count(), governance["proposals"])
        money = seed_project_contributions(project=project, manager=manager)
        declared = IncomeDeclaration.objects.filter(household__project=project).count()
        planned = sum(len(plan.declarations) for plan in plans)
        self._count("income declarations", declared - planned, money["income declarations"])
        self._count("budgets", project.budgets.count(), money["budgets"])
        self._count("contribution schemes", project.contribution_schemes.count(), money["schemes"])
        self._count("charge runs", project.charge_runs.count(), money["charge runs"])
        payments = Payment.objects.filter(household__project=project).count()
        self._count("payments", payments, money["payments"])

    def _households(
        self, project: HousingProject, plans: list[HouseholdPlan]
    ) -> dict[str, Household]:
        existing = {h.unit_label: h for h in Household.objects.filter(project=project)}
        missing = [
            Household(
                project=project,
                unit_label=plan.unit_label,
                unit_area_m2=plan.unit_area_m2,
                rooms=plan.rooms,
                move_in=plan.move_in,
                move_out=plan.move_out,
            )
            for plan in plans
            if plan.unit_label not in existing
        ]
        if missing:
            Household.objects.bulk_create(missing)
            # Re-read rather than trust bulk_create to have set primary keys on every backend.
            existing = {h.unit_label: h for h in Household.objects.filter(project=project)}
        self._count("households", len(plans), len(missing))
        return existing

    def _residents(
        self,
        households: dict[str, Household],
        plans: list[HouseholdPlan],
        *,
        link: tuple[HouseholdPlan, ResidentPlan, User],
    ) -> None:
        project_households = [households[plan.unit_label] for plan in plans]
        present = set(
            Resident.objects.filter(household__in=project_households).values_list(
                "household_id", "first_name", "last_name"
            )
        )
        missing = [
            Resident(
                household=households[plan.unit_label],
                first_name=resident.first_name,
                last_name=resident.last_name,
                birth_year=resident.birth_year,
                is_representative=resident.is_representative,
                inclusion_consent_at=resident.inclusion_consent_at,
                gender=resident.gender,
                migrant_background=resident.migrant_background,
            )
            for plan in plans
            for resident in plan.residents
            if (households[plan.unit_label].pk, resident.first_name, resident.last_name)
            not in present
        ]
        Resident.objects.bulk_create(missing)
        self._count("residents", sum(len(plan.residents) for plan in plans), len(missing))

        home, representative, user = link
        if not Resident.objects.filter(user=user).exists():
            Resident.objects.filter(
                household=households[home.unit_label],
                first_name=representative.first_name,
                last_name=representative.last_name,
                user__isnull=True,
            ).update(user=user)

    def _declarations(
        self,
        households: dict[str, Household],
        plans: list[HouseholdPlan],
        *,
        manager: User,
        declared_by: dict[str, User],
    ) -> None:
        present = set(
            IncomeDeclaration.objects.filter(
                household__in=[households[plan.unit_label] for plan in plans]
            ).values_list("household_id", "valid_from")
        )
        missing = []
        for plan in plans:
            household = households[plan.unit_label]
            # Households without an account hand their papers to the manager, who enters them.
            author = declared_by.get(plan.unit_label, manager)
            missing.extend(
                IncomeDeclaration(
                    household=household,
                    valid_from=declaration.valid_from,
                    gross_monthly_cents=declaration.gross_monthly_cents,
                    disposable_monthly_cents=declaration.disposable_monthly_cents,
                    evidence_status=declaration.evidence_status,
                    declared_by=author,
                    declared_at=declaration.declared_at,
                    verified_by=manager if declaration.verified_at else None,
                    verified_at=declaration.verified_at,
                )
                for declaration in plan.declarations
                if (household.pk, declaration.valid_from) not in present
            )
        IncomeDeclaration.objects.bulk_create(missing)
        total = sum(len(plan.declarations) for plan in plans)
        self._count("income declarations", total, len(missing))


SUMMARY_ORDER = (
    "cities",
    "projects",
    "households",
    "residents",
    "income declarations",
    "users",
    "roles",
    "spaces",
    "bookings",
    "decision classes",
    "meetings",
    "budgets",
    "contribution schemes",
    "charge runs",
    "payments",
    "proposals",
    "pilot goals",
)
