from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from community.models import (
    Booking,
    BookingRequest,
    BookingSeries,
    BookingWindow,
    City,
    HandoverReport,
    HousingProject,
    MaintenanceNote,
    Space,
    SpaceClosure,
    SpaceOpeningHours,
    WaitlistEntry,
)


@admin.register(City)
class CityAdmin(GuardedModelAdmin):
    list_display = ["name", "country_code", "currency", "time_zone", "default_language"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(HousingProject)
class HousingProjectAdmin(GuardedModelAdmin):
    list_display = ["name", "city", "kind", "status", "units_count", "pilot_start", "pilot_end"]
    list_filter = ["kind", "status", "city"]
    list_select_related = ["city"]
    search_fields = ["name", "slug", "address"]
    prepopulated_fields = {"slug": ["name"]}


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
