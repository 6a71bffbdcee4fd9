"""factory_boy factories for the core domain. Roles go through the real service."""

import datetime

import factory
from factory.django import DjangoModelFactory

from members.models import (
    City,
    Household,
    HousingProject,
    IncomeDeclaration,
    ProjectKind,
    ProjectStatus,
    Resident,
    RoleKind,
    User,
)
from members.services import role_grant

# The authenticator app's secret of every staff user the factories make: a test computes its
# codes with ``totp_code``.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user: User, secret: str = TOTP_SECRET) -> None:
    """An activated authenticator app for the user, as after allauth's set-up page."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The authenticator app's code of this moment."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


class CityFactory(DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"City {n}")
    slug = factory.Sequence(lambda n: f"city-{n}")
    country_code = "ES"
    time_zone = "Europe/Madrid"
    currency = "EUR"
    default_language = "en"
    median_equivalised_income_cents = 2_000_000


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = HousingProject

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    kind = ProjectKind.COHOUSING
    status = ProjectStatus.PILOT
    units_count = 30


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    project = factory.SubFactory(ProjectFactory)
    unit_label = factory.Sequence(lambda n: f"U{n:03d}")
    unit_area_m2 = 65
    rooms = 3
    move_in = datetime.date(2024, 1, 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            from allauth.account.models import EmailAddress

            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        """Platform admins get an authenticator app unless ``mfa=False``; anyone with
        ``mfa=True``."""
        if create and (extracted or (extracted is None and (self.is_staff or self.is_superuser))):
            give_totp(self)


class ResidentFactory(DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    birth_year = 1985


class IncomeDeclarationFactory(DjangoModelFactory):
    class Meta:
        model = IncomeDeclaration

    household = factory.SubFactory(HouseholdFactory)
    valid_from = datetime.date(2025, 1, 1)
    gross_monthly_cents = 300_000
    disposable_monthly_cents = 240_000


def make_resident_user(household: Household, *, representative: bool = True, **user_kwargs) -> User:
    """A user living in the household, with the resident role of its project; its representative
    unless ``representative=False``."""
    user = UserFactory(**user_kwargs)
    ResidentFactory(household=household, user=user, is_representative=representative)
    role_grant(user=user, kind=RoleKind.RESIDENT, project=household.project)
    return user


def make_manager(project: HousingProject, *, mfa: bool = True, **user_kwargs) -> User:
    """A housing manager of the project, with an authenticator app unless ``mfa=False``."""
    user = UserFactory(mfa=mfa, **user_kwargs)
    role_grant(user=user, kind=RoleKind.MANAGER, project=project)
    return user


def make_officer(city: City, *, mfa: bool = True, **user_kwargs) -> User:
    """A city officer, with an authenticator app unless ``mfa=False``."""
    user = UserFactory(mfa=mfa, **user_kwargs)
    role_grant(user=user, kind=RoleKind.OFFICER, city=city)
    return user


def make_observer(*, mfa: bool = True, **user_kwargs) -> User:
    """A network observer, with an authenticator app unless ``mfa=False``."""
    user = UserFactory(mfa=mfa, **user_kwargs)
    role_grant(user=user, kind=RoleKind.NETWORK_OBSERVER)
    return user
