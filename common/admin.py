"""The audit log for platform admins: every project's events and those of none, read-only."""

from __future__ import annotations

from django.contrib import admin

from common.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only, as the database is: nothing is added, changed or deleted here."""

    list_display = [
        "at",
        "actor_label",
        "action",
        "project_id",
        "city_id",
        "target_type",
        "target_id",
    ]
    list_filter = ["action"]
    search_fields = ["actor_label"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
