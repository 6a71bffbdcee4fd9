"""Shared spaces, their booking rules and the bookings made of them (DESIGN.md §3).

Periods are half-open [start, end) in UTC; they are shown and validated in the project's time
zone. A pending or confirmed booking blocks its unit of the space over [start, blocked_until),
where blocked_until = end + the space's buffer; two blocking bookings of one unit never overlap.
On PostgreSQL an exclusion constraint (btree_gist) guarantees it; every database also gets the
guard of ``booking_create``, which checks inside a transaction holding the space's row lock.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.tokens import new_feed_token
from common.validation import ConstraintErrorsOnFields, validate_no_bidi_controls
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
    name = models.CharField(_("name"), max_length=120, validators=[validate_no_bidi_controls])
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


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")
    RELEASED = "released", _("Released (no check-in)")


BLOCKING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class BookingSeries(models.Model):
    """A recurring booking: the same local time every week or month, a bounded number of times."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="series")
    household = models.ForeignKey(
        "members.Household", on_delete=models.CASCADE, related_name="booking_series"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recurrence = models.CharField(_("recurrence"), max_length=8, choices=Recurrence.choices)
    occurrences = models.PositiveSmallIntegerField(
        _("occurrences"), validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("booking series")
        verbose_name_plural = _("booking series")
        constraints = [
            models.CheckConstraint(
                condition=Q(occurrences__gte=1), name="series_occurrences_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.space} · {self.get_recurrence_display()} × {self.occurrences}"


class Booking(ConstraintErrorsOnFields, models.Model):
    space = models.ForeignKey(
        Space, verbose_name=_("space"), on_delete=models.CASCADE, related_name="bookings"
    )
    unit = models.PositiveSmallIntegerField(_("unit"), default=1)
    household = models.ForeignKey(
        "members.Household",
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="bookings",
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    blocked_until = models.DateTimeField(_("blocked until"))
    status = models.CharField(
        _("status"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    attendees = models.PositiveIntegerField(_("attendees"), default=1)
    note = models.CharField(_("note"), max_length=500, blank=True)
    series = models.ForeignKey(
        BookingSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="bookings"
    )
    fee_cents = models.PositiveIntegerField(_("fee (cents)"), default=0)
    fee_reduced = models.BooleanField(_("reduced fee"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason given"), max_length=500, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    constraint_fields = {
        "booking_end_after_start": "end",
        "booking_attendees_positive": "attendees",
        "booking_unit_positive": "unit",
        "booking_status_valid": "status",
    }

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start", "pk"]
        indexes = [
            models.Index(fields=["space", "start"], name="booking_space_start_idx"),
            models.Index(fields=["household", "start"], name="booking_household_start_idx"),
            models.Index(
                fields=["status", "start"],
                name="booking_status_start_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="booking_end_after_start",
                violation_error_message=_("A booking must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=F("end")), name="booking_blocked_covers_period"
            ),
            models.CheckConstraint(
                condition=Q(attendees__gte=1),
                name="booking_attendees_positive",
                violation_error_message=_("At least one person attends."),
            ),
            models.CheckConstraint(
                condition=Q(unit__gte=1),
                name="booking_unit_positive",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="booking_status_valid"
            ),
        ]
        # The exclusion constraint "booking_no_overlap" (PostgreSQL) is created by migration
        # community 0005, outside Meta, so that SQLite can run the same migrations.

    def __str__(self) -> str:
        return f"{self.space} · {self.start:%Y-%m-%d %H:%M} · {self.household}"

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PROMOTED = "promoted", _("Promoted to a booking")
    LAPSED = "lapsed", _("Lapsed")
    CANCELLED = "cancelled", _("Cancelled")


class WaitlistEntry(ConstraintErrorsOnFields, models.Model):
    """A household waiting for a taken slot; promoted in order of arrival when it frees up."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="waitlist")
    household = models.ForeignKey(
        "members.Household", on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    attendees = models.PositiveIntegerField(_("attendees"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    booking = models.OneToOneField(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_entry"
    )
    # When the household was told of its promotion: the notification is sent once, even if its
    # task runs twice.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    constraint_fields = {"waitlist_one_per_household_and_slot": "start"}

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="waitlist_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["space", "household", "start", "end"],
                condition=Q(status="waiting"),
                name="waitlist_one_per_household_and_slot",
                violation_error_message=_("Your household is already waiting for this slot."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.space} · {self.start:%Y-%m-%d %H:%M} · {self.household}"


class WindowStatus(models.TextChoices):
    OPEN = "open", _("Taking requests")
    DRAWN = "drawn", _("Drawn")
    CANCELLED = "cancelled", _("Cancelled")


class BookingWindow(ConstraintErrorsOnFields, models.Model):
    """A request window for contested slots, allocated by a published, weighted lottery.

    Households request slots while the window is open; at ``closes_at`` a lottery orders them,
    each household weighted inversely to its use of the space over the last 12 months, and the
    seed, the weights and the order are published so that anyone can re-run the draw.
    """

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="windows")
    title = models.CharField(_("title"), max_length=160)
    slots = models.JSONField(
        _("slots"),
        default=list,
        help_text=_("The contested periods: a list of {start, end} in ISO 8601."),
    )
    opens_at = models.DateTimeField(_("requests open"), default=timezone.now)
    closes_at = models.DateTimeField(_("requests close"))
    status = models.CharField(
        _("status"), max_length=16, choices=WindowStatus.choices, default=WindowStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    result = models.JSONField(
        _("published draw"),
        default=dict,
        blank=True,
        help_text=_("Seed, weights, order and allocation, as published to the residents."),
    )

    constraint_fields = {"window_closes_after_opens": "closes_at"}

    class Meta:
        verbose_name = _("booking window")
        verbose_name_plural = _("booking windows")
        ordering = ["-closes_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="window_closes_after_opens",
                violation_error_message=_("Requests must close after they open."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def slot_periods(self) -> list[tuple[dt.datetime, dt.datetime]]:
        return [
            (dt.datetime.fromisoformat(slot["start"]), dt.datetime.fromisoformat(slot["end"]))
            for slot in self.slots
        ]


class BookingRequest(ConstraintErrorsOnFields, models.Model):
    """A household's request for slots of a window, in its order of preference."""

    window = models.ForeignKey(BookingWindow, on_delete=models.CASCADE, related_name="requests")
    household = models.ForeignKey(
        "members.Household", on_delete=models.CASCADE, related_name="booking_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    slot_indexes = models.JSONField(_("slots wanted, by preference"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    booking = models.OneToOneField(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="lottery_request"
    )

    constraint_fields = {"request_one_per_household_and_window": "household"}

    class Meta:
        verbose_name = _("booking request")
        verbose_name_plural = _("booking requests")
        ordering = ["window_id", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "household"],
                name="request_one_per_household_and_window",
                violation_error_message=_("Your household has already made a request."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window} · {self.household}"


class HandoverVerdict(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed: left as listed")
    DISPUTED = "disputed", _("Disputed")


class HandoverReport(models.Model):
    """The leaving household's checklist at check-out, confirmed or disputed by the next one."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="handover")
    checklist = models.JSONField(_("checklist"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    verdict = models.CharField(
        _("verdict"), max_length=16, choices=HandoverVerdict.choices, blank=True
    )
    verdict_booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verdict_comment = models.TextField(_("verdict comment"), blank=True)
    verdict_at = models.DateTimeField(_("verdict at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover report")
        verbose_name_plural = _("handover reports")

    def __str__(self) -> str:
        return f"{self.booking} · {self.get_verdict_display() or '…'}"


class MaintenanceNote(models.Model):
    """Something the managers must look at: a disputed handover, a reported defect."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="maintenance_notes")
    handover = models.OneToOneField(
        HandoverReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="maintenance_note",
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("maintenance note")
        verbose_name_plural = _("maintenance notes")
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.space} · {self.text[:40]}"
