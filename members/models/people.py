"""Users, households, residents, roles, invitations and income declarations (DESIGN.md §3)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.tokens import new_feed_token
from common.validation import ConstraintErrorsOnFields, validate_no_bidi_controls
from members.models.places import City, HousingProject

EARLIEST_BIRTH_YEAR = 1900

# Letters and digits nobody mistakes for one another when copying a reference by hand.
PAYMENT_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PAYMENT_REFERENCE_PREFIX = "NC"
PAYMENT_REFERENCE_LENGTH = 8


def new_payment_reference() -> str:
    """A random transfer reference such as ``NC7KQ2M9XA``: 40 bits, so that a household cannot
    guess another's, and short enough to type into a banking app."""
    return PAYMENT_REFERENCE_PREFIX + "".join(
        secrets.choice(PAYMENT_REFERENCE_ALPHABET) for _ in range(PAYMENT_REFERENCE_LENGTH)
    )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(ConstraintErrorsOnFields, AbstractUser):
    """A person who signs in with an e-mail address."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    constraint_fields = {"user_email_unique_case_insensitive": "email"}

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_case_insensitive")
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Household(ConstraintErrorsOnFields, models.Model):
    project = models.ForeignKey(
        HousingProject,
        verbose_name=_("housing project"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    unit_label = models.CharField(_("unit"), max_length=40, validators=[validate_no_bidi_controls])
    unit_area_m2 = models.DecimalField(
        _("unit size (m²)"),
        max_digits=7,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    rooms = models.PositiveSmallIntegerField(_("rooms"), default=1)
    move_in = models.DateField(_("move-in date"))
    move_out = models.DateField(_("move-out date"), null=True, blank=True)
    # The secret of the household's booking calendar feed; replacing it revokes the old URL.
    feed_token = models.CharField(
        max_length=64, unique=True, default=new_feed_token, editable=False
    )
    # Counted with the charge as housing costs in the affordability ratio (DESIGN.md §4).
    utilities_monthly_cents = models.BigIntegerField(
        _("utilities per month (cents)"),
        default=0,
        help_text=_("Energy, water and other housing running costs the household pays itself."),
    )
    # What the household writes on its bank transfers, so that imported statements find it.
    payment_reference = models.CharField(
        _("payment reference"), max_length=16, default=new_payment_reference, editable=False
    )

    constraint_fields = {
        "household_unit_unique_per_project": "unit_label",
        "household_unit_area_non_negative": "unit_area_m2",
        "household_move_out_not_before_move_in": "move_out",
        "household_utilities_non_negative": "utilities_monthly_cents",
        "household_payment_reference_unique_per_project": "payment_reference",
    }

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["project_id", "unit_label"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "unit_label"],
                name="household_unit_unique_per_project",
                violation_error_message=_("This project already has a unit with this label."),
            ),
            models.CheckConstraint(
                condition=Q(unit_area_m2__gte=0),
                name="household_unit_area_non_negative",
                violation_error_message=_("The unit size cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(move_out__isnull=True) | Q(move_out__gte=F("move_in")),
                name="household_move_out_not_before_move_in",
                violation_error_message=_("The move-out date cannot be before the move-in date."),
            ),
            models.CheckConstraint(
                condition=Q(utilities_monthly_cents__gte=0),
                name="household_utilities_non_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.UniqueConstraint(
                fields=["project", "payment_reference"],
                name="household_payment_reference_unique_per_project",
                violation_error_message=_("Another household of this project has this reference."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.unit_label}"


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    UNDISCLOSED = "undisclosed", _("Prefers not to say")


class ResidentManager(models.Manager["Resident"]):
    """The residents still on record: an erased resident (one who moved out and was removed,
    ``members.services.resident_erase``) no longer counts in a household, a vote's electorate or
    a formula. Their row stays, anonymised, for the past votes and attendance that point to it
    (a foreign key reads it through the base manager)."""

    def get_queryset(self) -> models.QuerySet[Resident]:
        return super().get_queryset().filter(erased_at__isnull=True)


class Resident(ConstraintErrorsOnFields, models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="residents"
    )
    first_name = models.CharField(
        _("first name"), max_length=80, validators=[validate_no_bidi_controls]
    )
    last_name = models.CharField(
        _("last name"), max_length=80, blank=True, validators=[validate_no_bidi_controls]
    )
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        validators=[MinValueValidator(EARLIEST_BIRTH_YEAR), MaxValueValidator(9999)],
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident",
    )
    is_representative = models.BooleanField(_("household representative"), default=False)
    # Self-declared inclusion data, stored only with the resident's consent.
    inclusion_consent_at = models.DateTimeField(_("inclusion data consent"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    migrant_background = models.BooleanField(_("migrant background"), null=True, blank=True)
    erased_at = models.DateTimeField(_("removed at"), null=True, blank=True, editable=False)

    constraint_fields = {
        "resident_birth_year_plausible": "birth_year",
        "resident_inclusion_data_only_with_consent": "inclusion_consent_at",
    }

    objects = ResidentManager()
    all_objects = models.Manager()  # noqa: DJ012 - a manager too: objects stays the default

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household_id", "last_name", "first_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__gte=EARLIEST_BIRTH_YEAR),
                name="resident_birth_year_plausible",
                violation_error_message=_("The birth year is not plausible."),
            ),
            models.CheckConstraint(
                condition=Q(inclusion_consent_at__isnull=False)
                | (Q(gender="") & Q(migrant_background__isnull=True)),
                name="resident_inclusion_data_only_with_consent",
                violation_error_message=_("Inclusion data can only be stored with consent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def full_name(self) -> str:
        return str(self)


class RoleKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    MANAGER = "manager", _("Housing manager")
    OFFICER = "officer", _("City officer")
    # Across cities: follows every city's pilot indicators (protected, never households).
    NETWORK_OBSERVER = "network_observer", _("Network observer")


class Role(ConstraintErrorsOnFields, models.Model):
    """A user's role on a project (resident, manager), a city (officer) or across cities
    (network observer).

    Granting and revoking go through ``members.services.role_grant`` / ``role_revoke``, which
    keep the django-guardian object permissions in step. A revoked role is kept as history.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    kind = models.CharField(_("role"), max_length=16, choices=RoleKind.choices)
    project = models.ForeignKey(
        HousingProject,
        verbose_name=_("housing project"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
    )
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    constraint_fields = {
        "role_one_open_per_user_and_project": "user",
        "role_one_open_per_user_and_city": "user",
        "role_scope_matches_kind": "kind",
        "role_one_open_observer_per_user": "user",
    }

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[RoleKind.RESIDENT, RoleKind.MANAGER])
                    & Q(project__isnull=False)
                    & Q(city__isnull=True)
                )
                | (Q(kind=RoleKind.OFFICER) & Q(city__isnull=False) & Q(project__isnull=True))
                | (
                    Q(kind=RoleKind.NETWORK_OBSERVER)
                    & Q(city__isnull=True)
                    & Q(project__isnull=True)
                ),
                name="role_scope_matches_kind",
                violation_error_message=_(
                    "Residents and managers belong to a project, officers to a city, network "
                    "observers to neither."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "project"],
                condition=Q(revoked_at__isnull=True, project__isnull=False),
                name="role_one_open_per_user_and_project",
                violation_error_message=_("This user already has a role on this project."),
            ),
            models.UniqueConstraint(
                fields=["user", "city"],
                condition=Q(revoked_at__isnull=True, city__isnull=False),
                name="role_one_open_per_user_and_city",
                violation_error_message=_("This user already has a role in this city."),
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True, kind=RoleKind.NETWORK_OBSERVER),
                name="role_one_open_observer_per_user",
                violation_error_message=_("This user is already a network observer."),
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("granted_at")),
                name="role_revoked_after_granted",
            ),
        ]

    def __str__(self) -> str:
        scope = self.scope or _("all cities")
        return f"{self.user} · {self.get_kind_display()} · {scope}"

    @property
    def scope(self) -> HousingProject | City | None:
        """The object the role's permissions are on; None for a network observer, whose
        permission is global."""
        return self.project or self.city


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(ConstraintErrorsOnFields, models.Model):
    """A manager's invitation of a person, by e-mail, into a household of a project."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        help_text=_("The resident record the new account takes over, if it exists already."),
    )
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,  # emptied when the account is deleted; the invitation stays valid
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    constraint_fields = {"invitation_one_pending_per_email_and_household": "email"}

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "household",
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="invitation_one_pending_per_email_and_household",
                violation_error_message=_(
                    "This address already has a pending invitation to this household."
                ),
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="invitation_expires_after_created"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.household}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )
