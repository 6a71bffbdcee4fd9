from django.contrib import admin
from django.urls import include, path

from members.views import language_set

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", language_set, name="set_language"),
    path("api/v1/", include("api.urls")),
    path("", include("members.urls")),
    path("", include("community.urls")),
    path("", include("governance.urls")),
]
