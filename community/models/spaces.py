"""Shared spaces and their booking rules (DESIGN.md §3)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common.tokens import new_feed_token
from common.validation import ConstraintErrorsOnFields
from members.models import HousingProject

MINUTES_PER_DAY = 24 * 60


class SpaceKind(models.TextChoices):
    COMMON_ROOM = "common_room", _("Common room")
    GUEST_ROOM = "guest_room", _("Guest room")
    LAUNDRY = "laundry", _("Laundry")
    WORKSHOP = "workshop", _("Workshop")
    GARDEN = "garden", _("Garden")
    COWORKING = "coworking", _("Coworking")
    OTHER = "other", _("Other")


class Space(ConstraintErrorsOnFields, models.Model):
    """A bookable shared space. Durations are in minutes, money in cents of the city's currency.

    A space with several identical units (three washing machines, two guest beds) books one unit
    at a time; each unit is guarded against double booking on its own.
    """

    project = models.ForeignKey(
        HousingProject,
        verbose_name=_("housing project"),
        on_delete=models.CASCADE,
        related_name="spaces",
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=SpaceKind.choices)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"), default=10)
    units = models.PositiveSmallIntegerField(
        _("identical units"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("For example three washing machines: each is booked on its own."),
    )
    is_active = models.BooleanField(_("bookable"), default=True)
    min_duration_minutes = models.PositiveIntegerField(_("minimum duration (minutes)"), default=30)
    max_duration_minutes = models.PositiveIntegerField(_("maximum duration (minutes)"), default=240)
    slot_minutes = models.PositiveIntegerField(
        _("time grid (minutes)"),
        default=15,
        validators=[MinValueValidator(1)],
        help_text=_("Bookings start and end on this grid, counted from midnight."),
    )
    buffer_minutes = models.PositiveIntegerField(
        _("buffer between bookings (minutes)"),
        default=0,
        help_text=_("Time kept free after each booking, for cleaning or handover."),
    )
    advance_days = models.PositiveIntegerField(
        _("advance-booking window (days)"),
        default=60,
        help_text=_("How far ahead a booking may start."),
    )
    quota_week_minutes = models.PositiveIntegerField(
        _("quota per household and week (minutes)"), null=True, blank=True
    )
    quota_month_minutes = models.PositiveIntegerField(
        _("quota per household and month (minutes)"), null=True, blank=True
    )
    requires_approval = models.BooleanField(_("requires a manager's approval"), default=False)
    cancel_cutoff_minutes = models.PositiveIntegerField(
        _("cancellation cut-off (minutes before the start)"), default=0
    )
    fee_per_hour_cents = models.PositiveIntegerField(
        _("fee per hour (cents)"), null=True, blank=True
    )
    checkin_required = models.BooleanField(_("check-in required"), default=False)
    checkin_grace_minutes = models.PositiveIntegerField(
        _("check-in grace period (minutes)"),
        default=15,
        help_text=_("A booking nobody checked into by then is released."),
    )
    handover_checklist = models.JSONField(
        _("handover checklist"),
        default=list,
        blank=True,
        help_text=_("Items the leaving household confirms and the next one checks."),
    )
    reminder_minutes = models.PositiveIntegerField(
        _("reminder lead time (minutes)"), null=True, blank=True, default=24 * 60
    )
    feed_token = models.CharField(
        max_length=64, unique=True, default=new_feed_token, editable=False
    )

    constraint_fields = {
        "space_max_duration_not_below_min": "max_duration_minutes",
        "space_min_duration_positive": "min_duration_minutes",
        "space_units_positive": "units",
        "space_kind_valid": "kind",
        "space_name_unique_per_project": "name",
    }

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["project_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="space_name_unique_per_project",
                violation_error_message=_("This project already has a space with this name."),
            ),
            models.CheckConstraint(
                condition=Q(min_duration_minutes__gt=0),
                name="space_min_duration_positive",
                violation_error_message=_("The minimum duration must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(max_duration_minutes__gte=F("min_duration_minutes")),
                name="space_max_duration_not_below_min",
                violation_error_message=_("The maximum duration cannot be below the minimum."),
            ),
            models.CheckConstraint(
                condition=Q(units__gte=1),
                name="space_units_positive",
                violation_error_message=_("A space has at least one unit."),
            ),
            models.CheckConstraint(condition=Q(kind__in=SpaceKind.values), name="space_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class SpaceOpeningHours(ConstraintErrorsOnFields, models.Model):
    """One opening interval on a weekday, in minutes from local midnight: [opens, closes).

    A space without any interval is open around the clock. An interval closing at 1440 touches
    the next day's interval opening at 0, so a booking may run overnight.
    """

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MaxValueValidator(6)], help_text=_("0 is Monday.")
    )
    opens_minute = models.PositiveIntegerField(
        _("opens (minutes after midnight)"), validators=[MaxValueValidator(MINUTES_PER_DAY - 1)]
    )
    closes_minute = models.PositiveIntegerField(
        _("closes (minutes after midnight)"), validators=[MaxValueValidator(MINUTES_PER_DAY)]
    )

    constraint_fields = {"opening_hours_closes_after_opens": "closes_minute"}

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["space_id", "weekday", "opens_minute"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_minute__gt=F("opens_minute"))
                & Q(closes_minute__lte=MINUTES_PER_DAY)
                & Q(weekday__lte=6),
                name="opening_hours_closes_after_opens",
                violation_error_message=_("A space must close after it opens, on the same day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.space} · {self.weekday} · {self.opens_minute}–{self.closes_minute}"


class SpaceClosure(ConstraintErrorsOnFields, models.Model):
    """A period when a space cannot be booked (maintenance, holidays): [start, end)."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="closures")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    constraint_fields = {"closure_end_after_start": "end"}

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["space_id", "start"]
        indexes = [models.Index(fields=["space", "start", "end"], name="closure_space_period_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="closure_end_after_start",
                violation_error_message=_("A closure must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.space} · {self.start:%Y-%m-%d} · {self.reason}"
