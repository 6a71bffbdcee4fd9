from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.validation import Conflict
from community.bookings.models import (
    Booking,
    BookingRequest,
    BookingSeries,
    BookingWindow,
    HandoverReport,
    MaintenanceNote,
    Space,
    SpaceClosure,
    SpaceOpeningHours,
    WaitlistEntry,
)
from community.money.contribution_parameters import validate_parameters
from community.money.models import (
    Budget,
    BudgetLine,
    Charge,
    ChargeRun,
    ContributionScheme,
    Payment,
    SchemeStatus,
)
from community.money.services.schemes import scheme_adopt


class OpeningHoursInline(admin.TabularInline):
    model = SpaceOpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = SpaceClosure
    extra = 0


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "project",
        "kind",
        "capacity",
        "units",
        "requires_approval",
        "is_active",
    ]
    list_filter = ["kind", "is_active", "requires_approval", "project__city"]
    list_select_related = ["project"]
    search_fields = ["name", "project__name"]
    inlines = [OpeningHoursInline, ClosureInline]
    readonly_fields = ["feed_token"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Bookings are made through the pages and the API, which check every rule."""

    list_display = ["space", "unit", "household", "start", "end", "status"]
    list_filter = ["status", "space__kind", "space__project__city"]
    list_select_related = ["space", "household"]
    search_fields = ["space__name", "household__unit_label"]
    date_hierarchy = "start"
    raw_id_fields = ["space", "household", "booked_by", "series", "decided_by"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(BookingSeries)
class BookingSeriesAdmin(admin.ModelAdmin):
    list_display = ["space", "household", "recurrence", "occurrences", "created_at"]
    list_select_related = ["space", "household"]
    raw_id_fields = ["space", "household", "booked_by"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["space", "household", "start", "end", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["space", "household"]
    raw_id_fields = ["space", "household", "requested_by", "booking"]


class BookingRequestInline(admin.TabularInline):
    model = BookingRequest
    extra = 0
    raw_id_fields = ["household", "requested_by", "booking"]


@admin.register(BookingWindow)
class BookingWindowAdmin(admin.ModelAdmin):
    list_display = ["title", "space", "opens_at", "closes_at", "status", "drawn_at"]
    list_filter = ["status"]
    list_select_related = ["space"]
    readonly_fields = ["seed", "drawn_at", "result"]
    inlines = [BookingRequestInline]


@admin.register(HandoverReport)
class HandoverReportAdmin(admin.ModelAdmin):
    list_display = ["booking", "submitted_at", "verdict", "verdict_at"]
    list_filter = ["verdict"]
    raw_id_fields = ["booking", "submitted_by", "verdict_booking"]


@admin.register(MaintenanceNote)
class MaintenanceNoteAdmin(admin.ModelAdmin):
    list_display = ["space", "created_at", "resolved_at"]
    list_filter = ["resolved_at"]
    list_select_related = ["space"]
    raw_id_fields = ["space", "handover", "resolved_by"]


# --- Contributions -----------------------------------------------------------------------


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["project", "month", "status", "total"]
    list_filter = ["status", "project__city"]
    list_select_related = ["project"]
    date_hierarchy = "month"
    inlines = [BudgetLineInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_total()

    @admin.display(description=_("total (cents)"), ordering="total_cents")
    def total(self, budget: Budget) -> int:
        return budget.total_cents


class ContributionSchemeForm(forms.ModelForm):
    class Meta:
        model = ContributionScheme
        fields = [
            "project",
            "name",
            "method",
            "parameters",
            "valid_from",
            "valid_to",
            "adopting_proposal",
            "created_by",
        ]

    def clean(self):
        data = super().clean()
        if data.get("method") and "parameters" in data:
            try:
                data["parameters"] = validate_parameters(data["method"], data["parameters"] or {})
            except ValidationError as exc:
                raise ValidationError(
                    {
                        "parameters": [
                            f"{key}: {', '.join(m)}" for key, m in exc.message_dict.items()
                        ]
                    }
                    if hasattr(exc, "error_dict")
                    else {"parameters": exc.messages}
                ) from exc
        return data


@admin.register(ContributionScheme)
class ContributionSchemeAdmin(admin.ModelAdmin):
    """Drafts are edited here; adoption goes through ``scheme_adopt`` (the action), which
    refuses a period overlapping a scheme in force."""

    form = ContributionSchemeForm
    list_display = ["name", "project", "method", "status", "valid_from", "valid_to", "adopted_at"]
    list_filter = ["status", "method", "project__city"]
    list_select_related = ["project"]
    search_fields = ["name", "project__name"]
    raw_id_fields = ["project", "created_by", "adopting_proposal"]
    readonly_fields = [
        "status",
        "adopted_at",
        "adopted_by",
        "adopted_by_decision",
        "retired_at",
        "created_at",
    ]
    actions = ["adopt"]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != SchemeStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    @admin.action(description=_("Adopt the selected draft schemes"))
    def adopt(self, request, queryset):
        for scheme in queryset.select_related("project"):
            try:
                scheme_adopt(scheme=scheme, adopted_by=request.user)
            except (ValidationError, Conflict) as exc:
                reason = (
                    "; ".join(exc.messages) if isinstance(exc, ValidationError) else exc.message
                )
                messages.error(request, f"{scheme}: {reason}")
            else:
                messages.success(request, _("%(scheme)s adopted.") % {"scheme": scheme})


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the charge run: shown, never edited here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChargeRun)
class ChargeRunAdmin(ReadOnlyAdmin):
    list_display = [
        "project",
        "month",
        "scheme",
        "household_count",
        "total_cents",
        "budget_cents",
        "shortfall_cents",
        "finished_at",
    ]
    list_filter = ["project__city"]
    list_select_related = ["project", "scheme"]
    date_hierarchy = "month"


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    list_display = ["household", "month", "amount_cents", "scheme"]
    list_filter = ["household__project__city"]
    list_select_related = ["household__project", "scheme"]
    search_fields = ["household__unit_label", "household__payment_reference"]
    date_hierarchy = "month"


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["household", "paid_on", "amount_cents", "reference", "source"]
    list_filter = ["source", "household__project__city"]
    list_select_related = ["household__project"]
    search_fields = ["reference", "payer_name", "household__unit_label"]
    raw_id_fields = ["household", "recorded_by"]
    date_hierarchy = "paid_on"
