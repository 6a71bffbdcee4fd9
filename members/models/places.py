"""Cities and their collaborative-housing projects (DESIGN.md §3)."""

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from common.disclosure import DEFAULT_K, MIN_K
from common.validation import ConstraintErrorsOnFields, validate_no_bidi_controls

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class City(ConstraintErrorsOnFields, models.Model):
    name = models.CharField(_("name"), max_length=120, validators=[validate_no_bidi_controls])
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    country_code = models.CharField(
        _("country code"),
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two capital letters of ISO 3166."))],
        help_text=_("ISO 3166-1 alpha-2, e.g. ES, RO, DE, FR."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Brussels", validators=[validate_time_zone]
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        validators=[
            MinLengthValidator(3),
            RegexValidator(r"^[A-Z]{3}$", _("Use the three capital letters of ISO 4217.")),
        ],
    )
    default_language = models.CharField(_("default language"), max_length=8, default="en")
    median_equivalised_income_cents = models.BigIntegerField(
        _("national median equivalised disposable income per year (cents)"),
        null=True,
        blank=True,
        help_text=_(
            "The poverty-line reference: 60 percent of it is the at-risk-of-poverty threshold."
        ),
    )

    # Disclosure control of the city's indicators (DESIGN.md §4): no published statistic
    # describes fewer than k households; never below 5, whatever the city sets.
    disclosure_k = models.PositiveSmallIntegerField(
        _("disclosure threshold k"),
        default=DEFAULT_K,
        validators=[MinValueValidator(MIN_K)],
        help_text=_(
            "No indicator describing fewer than this many households is published; at least 5."
        ),
    )

    constraint_fields = {
        "city_median_income_non_negative": "median_equivalised_income_cents",
        "city_disclosure_k_at_least_5": "disclosure_k",
    }

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["name", "pk"]
        permissions = [
            ("monitor_city", _("Can monitor the city's pilot projects")),
            # A global permission: network observers follow the pilots of every city.
            ("observe_network", _("Can observe the pilot indicators of every city")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(median_equivalised_income_cents__gte=0)
                | Q(median_equivalised_income_cents__isnull=True),
                name="city_median_income_non_negative",
                violation_error_message=_("The median income cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(disclosure_k__gte=MIN_K),
                name="city_disclosure_k_at_least_5",
                violation_error_message=_("The disclosure threshold cannot be below 5."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectKind(models.TextChoices):
    COHOUSING = "cohousing", _("Cohousing")
    HOUSING_COOPERATIVE = "housing_cooperative", _("Housing cooperative")
    CESSION_OF_USE = "cession_of_use", _("Cession-of-use cooperative")
    COMMUNITY_LAND_TRUST = "community_land_trust", _("Community land trust")
    CO_MANAGED_PUBLIC_RENTAL = "co_managed_public_rental", _("Co-managed public rental")
    OTHER = "other", _("Other")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PILOT = "pilot", _("Pilot")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class HousingProject(ConstraintErrorsOnFields, models.Model):
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=160, validators=[validate_no_bidi_controls])
    slug = models.SlugField(_("slug"), max_length=80)
    kind = models.CharField(_("kind"), max_length=32, choices=ProjectKind.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    units_count = models.PositiveIntegerField(_("number of units"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PILOT
    )
    pilot_start = models.DateField(_("pilot start"), null=True, blank=True)
    pilot_end = models.DateField(_("pilot end"), null=True, blank=True)
    booking_fee_reduction_threshold_cents = models.BigIntegerField(
        _("reduced booking fees below this equivalised monthly income (cents)"),
        null=True,
        blank=True,
        help_text=_(
            "Households whose latest declared income, equivalised, is below this pay the "
            "reduced fee. The income itself is never shown."
        ),
    )
    proxy_limit = models.PositiveSmallIntegerField(
        _("proxies one voter may hold"), default=1, validators=[MaxValueValidator(10)]
    )
    booking_fee_reduction_percent = models.PositiveSmallIntegerField(
        _("booking fee reduction (%)"), default=50, validators=[MaxValueValidator(100)]
    )
    income_validity_months = models.PositiveSmallIntegerField(
        _("income declarations valid for (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Households are reminded to declare again when their latest is older."),
    )
    # Accounting law keeps the figures a charge was worked out from for seven years in most
    # member states; a project bound by another period sets its own.
    income_retention_years = models.PositiveSmallIntegerField(
        _("income declarations kept for (years)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "After the last charge that used a declaration, or after its validity if no "
            "charge used it. Then it is deleted."
        ),
    )

    constraint_fields = {
        "project_slug_unique_per_city": "slug",
        "project_pilot_end_not_before_start": "pilot_end",
        "project_kind_valid": "kind",
        "project_status_valid": "status",
        "project_fee_reduction_percent_range": "booking_fee_reduction_percent",
    }

    class Meta:
        verbose_name = _("housing project")
        verbose_name_plural = _("housing projects")
        ordering = ["city__name", "name", "pk"]
        permissions = [("manage_housingproject", _("Can manage the housing project"))]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "slug"],
                name="project_slug_unique_per_city",
                violation_error_message=_("This city already has a project with this slug."),
            ),
            models.CheckConstraint(
                condition=Q(pilot_end__isnull=True)
                | Q(pilot_start__isnull=True)
                | Q(pilot_end__gte=F("pilot_start")),
                name="project_pilot_end_not_before_start",
                violation_error_message=_("The pilot cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ProjectKind.values), name="project_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProjectStatus.values), name="project_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(booking_fee_reduction_percent__lte=100),
                name="project_fee_reduction_percent_range",
                violation_error_message=_("A reduction cannot exceed 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def current_status(self, today: dt.date | None = None) -> str:
        """The status as it stands on ``today``: a pilot or active project whose pilot period
        is over counts as ended, whatever its stored status still says."""
        today = today or timezone.localdate()
        running = self.status in (ProjectStatus.PILOT, ProjectStatus.ACTIVE)
        if running and self.pilot_end is not None and self.pilot_end < today:
            return ProjectStatus.ENDED
        return self.status

    @property
    def current_status_label(self) -> str:
        return str(ProjectStatus(self.current_status()).label)


# Direct foreign-key object permissions: django-guardian then filters by a join on an integer
# key instead of a cast of the generic ``object_pk`` text column.
class HousingProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(HousingProject, on_delete=models.CASCADE)


class HousingProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(HousingProject, on_delete=models.CASCADE)


class CityUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(City, on_delete=models.CASCADE)


class CityGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(City, on_delete=models.CASCADE)
