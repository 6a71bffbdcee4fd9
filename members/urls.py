from django.urls import path

from members import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/two-factor-required/", views.mfa_required, name="mfa_required"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path(
        "projects/<int:project_pk>/households/new/",
        views.household_create,
        name="household_create",
    ),
    path("projects/<int:pk>/settings/", views.project_settings, name="project_settings"),
    path("projects/<int:pk>/audit/", views.project_audit_log, name="project_audit_log"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path(
        "households/<int:household_pk>/residents/new/",
        views.resident_create,
        name="resident_create",
    ),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/remove/", views.resident_erase, name="resident_erase"),
    path("me/data/", views.personal_data_page, name="personal_data"),
    path("me/data.json", views.personal_data_download, name="personal_data_download"),
    path(
        "households/<int:household_pk>/income/new/",
        views.income_declaration_create,
        name="income_declaration_create",
    ),
    path(
        "households/<int:household_pk>/invite/",
        views.invitation_create,
        name="invitation_create",
    ),
]
