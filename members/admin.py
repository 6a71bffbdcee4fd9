from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from members import services
from members.models import (
    City,
    Household,
    HousingProject,
    IncomeAccessLog,
    Invitation,
    Resident,
    Role,
    User,
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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "language", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class ResidentInline(admin.TabularInline):
    model = Resident
    extra = 0
    fields = ["first_name", "last_name", "birth_year", "is_representative", "user"]
    raw_id_fields = ["user"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["unit_label", "project", "unit_area_m2", "rooms", "move_in", "move_out"]
    list_filter = ["project__city", "project"]
    list_select_related = ["project"]
    search_fields = ["unit_label", "project__name", "payment_reference"]
    readonly_fields = ["payment_reference"]
    inlines = [ResidentInline]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["first_name", "last_name", "household", "birth_year", "is_representative"]
    list_select_related = ["household__project"]
    search_fields = ["first_name", "last_name", "household__unit_label"]
    raw_id_fields = ["household", "user"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    """Roles are granted and revoked through the services, which keep object permissions."""

    list_display = ["user", "kind", "project", "city", "granted_at", "revoked_at"]
    list_filter = ["kind", "revoked_at"]
    list_select_related = ["user", "project", "city"]
    search_fields = ["user__email"]
    raw_id_fields = ["user", "granted_by"]
    readonly_fields = ["granted_at", "granted_by", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        role = services.role_grant(
            user=obj.user,
            kind=obj.kind,
            project=obj.project,
            city=obj.city,
            granted_by=request.user,
        )
        obj.pk = role.pk

    @admin.action(description=_("Revoke the selected roles"))
    def revoke(self, request, queryset):
        for role in queryset.select_related("user", "project", "city"):
            services.role_revoke(role=role, revoked_by=request.user)
        messages.success(request, _("Roles revoked."))


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "household", "created_at", "sent_at", "accepted_at", "cancelled_at"]
    list_select_related = ["household__project"]
    search_fields = ["email"]
    raw_id_fields = ["household", "resident", "invited_by", "accepted_by"]
    readonly_fields = ["token"]


# Income declarations are not in the admin: a platform admin has no reason to browse
# households' incomes, and every look at one must be written to the income access log
# (members.selectors.income_declarations_read), which the admin's lists cannot do.


@admin.register(IncomeAccessLog)
class IncomeAccessLogAdmin(admin.ModelAdmin):
    """The income audit trail: read-only, here as everywhere."""

    list_display = ["at", "actor_email", "action", "household", "declaration"]
    list_filter = ["action", "household__project"]
    list_select_related = ["household__project", "declaration"]
    search_fields = ["actor_email", "household__unit_label"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
