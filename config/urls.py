from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from members.views import language_set

# The admin's own password form has no limit on guessing: its sign-in goes through the site's
# (allauth's), which counts failures per account and per client address.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", language_set, name="set_language"),
    path("api/v1/", include("api.urls")),
    path("", include("members.urls")),
    path("", include("community.urls")),
    path("", include("governance.urls")),
]
