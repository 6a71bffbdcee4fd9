"""factory_boy factories for the core domain. Roles go through the real service."""

import datetime
import os

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


class SoftPasskey:
    """A passkey in software, answering the browser's side of WebAuthn as a device would: tests
    of the server sign in with it without a browser. Its origin is http://localhost, the one
    plain-http origin WebAuthn accepts; the test client must ask for that host."""

    ORIGIN = "http://localhost"
    RP_ID = "localhost"

    def __init__(self, *, user_handle: bytes = b"") -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.user_handle = user_handle
        self.sign_count = 0

    def _client_data(self, kind: str, challenge: str) -> bytes:
        from fido2.utils import websafe_decode
        from fido2.webauthn import CollectedClientData

        return bytes(CollectedClientData.create(kind, websafe_decode(challenge), self.ORIGIN))

    def register(self, creation_options: dict, *, resident: bool = True) -> dict:
        """The browser's answer to ``navigator.credentials.create`` (as JSON)."""
        from fido2.cose import ES256
        from fido2.utils import sha256, websafe_decode, websafe_encode
        from fido2.webauthn import (
            Aaguid,
            AttestationObject,
            AttestedCredentialData,
            AuthenticatorData,
        )

        options = creation_options["publicKey"]
        self.user_handle = self.user_handle or websafe_decode(options["user"]["id"])
        flags = AuthenticatorData.FLAG
        auth_data = AuthenticatorData.create(
            sha256(self.RP_ID.encode()),
            flags.UP | flags.UV | flags.AT,
            self.sign_count,
            AttestedCredentialData.create(
                Aaguid.NONE, self.credential_id, ES256.from_cryptography_key(self.key.public_key())
            ),
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(
                    self._client_data("webauthn.create", options["challenge"])
                ),
                "attestationObject": websafe_encode(bytes(attestation)),
            },
            "clientExtensionResults": {"credProps": {"rk": resident}},
        }

    def sign_in(self, request_options: dict) -> dict:
        """The browser's answer to ``navigator.credentials.get`` (as JSON), signed."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from fido2.utils import sha256, websafe_encode
        from fido2.webauthn import AuthenticatorData

        self.sign_count += 1
        flags = AuthenticatorData.FLAG
        auth_data = bytes(
            AuthenticatorData.create(
                sha256(self.RP_ID.encode()), flags.UP | flags.UV, self.sign_count
            )
        )
        client_data = self._client_data("webauthn.get", request_options["publicKey"]["challenge"])
        signature = self.key.sign(auth_data + sha256(client_data), ec.ECDSA(hashes.SHA256()))
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(client_data),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
                "userHandle": websafe_encode(self.user_handle),
            },
            "clientExtensionResults": {},
        }


def give_passkey(user: User, name: str = "Phone") -> SoftPasskey:
    """A passkey added to the user's account, stored as allauth's "Add" page stores it (its
    registration, as the browser sent it, in the authenticator's data)."""
    from allauth.account.utils import user_pk_to_url_str
    from allauth.mfa.models import Authenticator
    from fido2.utils import websafe_encode

    passkey = SoftPasskey(user_handle=user_pk_to_url_str(user).encode())
    options = {
        "publicKey": {
            "challenge": websafe_encode(os.urandom(32)),
            "user": {"id": websafe_encode(passkey.user_handle)},
        }
    }
    Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": name, "credential": passkey.register(options)},
    )
    return passkey


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


def record_audit_events(project, count: int, *, action=None, at=None, actor=None) -> None:
    """``count`` audit events of the project (a charge run of June 2025 unless ``action``)."""
    from django.utils import timezone

    from common.audit import audit_event, audit_record_many
    from common.models import AuditAction

    audit_record_many(
        audit_event(
            actor=actor,
            action=action or AuditAction.CHARGES_RUN,
            project_id=project.pk,
            detail={"month": "2025-06-01"},
            at=at or timezone.now(),
        )
        for _ in range(count)
    )


# Each kind of staff, made without a second factor, for a test given a project.
STAFF_WITHOUT_MFA = {
    "manager": lambda project: make_manager(project, mfa=False),
    "officer": lambda project: make_officer(project.city, mfa=False),
    "observer": lambda project: make_observer(mfa=False),
    "admin": lambda project: UserFactory(is_staff=True, is_superuser=True, mfa=False),
}
