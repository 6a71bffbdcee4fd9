from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from community.models import City, HousingProject


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
